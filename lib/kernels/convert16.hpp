// Internal: bulk conversions between float32 and the 16-bit floating formats (IEEE binary16,
// "fp16", and bfloat16), as DDP's compressed all-reduce uses them (lib/distributed/ddp.cpp).
// Dispatched per instruction set (Note [Kernels per instruction set] in kernels/isa.hpp), so the
// F16C conversions run wherever the processor has them, whatever the build's -march.
#pragma once
#include <cstdint>

#include "kernels/isa.hpp"

namespace xg::kernels {

/// The 16-bit formats.
enum class Format16 : int { Half = 0, BFloat16 = 1 };

// The functions below are declared in xg::kernels (the dispatcher) and in every instruction set's
// namespace. Every conversion to 16 bits rounds to nearest even (Note [16-bit conversions in bulk]
// in kernels/convert16.cpp).
// pack16:   dst[k] = 16-bit(src[k] · scale) for k < n.
// unpack16: dst[k] = float(src[k]) for k < n (exact).
// add16:    inout[k] = 16-bit(float(in[k]) + float(inout[k])) for k < n, the sum of a compressed
//           all-reduce. The float sum of two 16-bit values rounded once more to 16 bits is their
//           correctly rounded sum (float's 24 bits are at least 2 · 11 + 2, so the double rounding
//           is innocuous).
#define XG_CONVERT16_FUNCTIONS                                                                \
  void pack16(Format16 f, const float* src, float scale, std::uint16_t* dst, std::int64_t n); \
  void unpack16(Format16 f, const std::uint16_t* src, float* dst, std::int64_t n);            \
  void add16(Format16 f, const std::uint16_t* in, std::uint16_t* inout, std::int64_t n);

XG_CONVERT16_FUNCTIONS

}  // namespace xg::kernels

XG_ISA_NAMESPACES(XG_CONVERT16_FUNCTIONS)
