// float32 <-> fp16 / bf16 conversions in bulk, compiled once per instruction set.
#include "kernels/convert16.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#if defined(__F16C__) && defined(__AVX__)
#include <immintrin.h>
#endif

namespace xg::kernels::XG_ISA_NS {

// Note [16-bit conversions in bulk]
// A compressed DDP bucket is converted three times per step: packed (float → 16 bits, times
// 1/world size), summed inside MPI's reduction (16 → float, add, → 16 bits, once per message
// segment and rank), and widened back. For fp16 the copies compiled for AVX2 and AVX-512 (which
// imply F16C) use F16C's conversions, 8 values per instruction; the scalar to_half / from_half
// below do the remaining tail and every value in the SSE4.2 copy. Both round to nearest even and
// treat subnormals, overflow to infinity and infinities alike, so the bits do not depend on the
// path (tests/distributed/test_ddp.cpp checks the rounding cases on every path); only NaN payloads
// may differ, and a NaN stays a quiet NaN. The bf16 functions are branch-free bit operations that
// the compiler vectorizes by itself.

namespace {

std::uint32_t bits_of(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
float float_of(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// IEEE binary16 with round-to-nearest-even; overflow gives ±inf, tiny values become subnormal or 0.
std::uint16_t to_half(float f) {
  const std::uint32_t x = bits_of(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  std::uint32_t mant = x & 0x7fffffu;
  const std::int32_t exp = static_cast<std::int32_t>((x >> 23) & 0xffu);
  if (exp == 0xff) return static_cast<std::uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0u));
  const std::int32_t e = exp - 127 + 15;
  if (e >= 0x1f) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<std::uint16_t>(sign);
    mant |= 0x800000u;
    const int shift = 14 - e;
    std::uint32_t h = mant >> shift;
    const std::uint32_t rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = sign | (static_cast<std::uint32_t>(e) << 10) | (mant >> 13);
  const std::uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry correctly bumps the exponent
  return static_cast<std::uint16_t>(h);
}
float from_half(std::uint16_t h) {
  const std::uint32_t sign = (static_cast<std::uint32_t>(h) & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0) {
    const float v = std::ldexp(static_cast<float>(m), -24);
    return sign ? -v : v;
  }
  if (e == 31) return float_of(sign | 0x7f800000u | (m << 13));
  return float_of(sign | ((e - 15 + 127) << 23) | (m << 13));
}
// bfloat16: the top half of a float32, rounded to nearest even.
// Written without branches so that the bulk loops below vectorize.
std::uint16_t to_bf16(float f) {
  const std::uint32_t u = bits_of(f);
  const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  const std::uint32_t quiet_nan = (u >> 16) | 0x40u;
  return static_cast<std::uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
}
float from_bf16(std::uint16_t h) { return float_of(static_cast<std::uint32_t>(h) << 16); }

}  // namespace

void pack16(Format16 f, const float* src, float scale, std::uint16_t* dst, std::int64_t n) {
  std::int64_t k = 0;
  if (f == Format16::BFloat16) {
    for (; k < n; ++k) dst[k] = to_bf16(src[k] * scale);
    return;
  }
#if defined(__F16C__) && defined(__AVX__)
  const __m256 s = _mm256_set1_ps(scale);
  for (; k + 8 <= n; k += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + k),
                     _mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(src + k), s), _MM_FROUND_TO_NEAREST_INT));
#endif
  for (; k < n; ++k) dst[k] = to_half(src[k] * scale);
}

void unpack16(Format16 f, const std::uint16_t* src, float* dst, std::int64_t n) {
  std::int64_t k = 0;
  if (f == Format16::BFloat16) {
    for (; k < n; ++k) dst[k] = from_bf16(src[k]);
    return;
  }
#if defined(__F16C__) && defined(__AVX__)
  for (; k + 8 <= n; k += 8)
    _mm256_storeu_ps(dst + k, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k))));
#endif
  for (; k < n; ++k) dst[k] = from_half(src[k]);
}

void add16(Format16 f, const std::uint16_t* in, std::uint16_t* inout, std::int64_t n) {
  std::int64_t k = 0;
  if (f == Format16::BFloat16) {
    for (; k < n; ++k) inout[k] = to_bf16(from_bf16(in[k]) + from_bf16(inout[k]));
    return;
  }
#if defined(__F16C__) && defined(__AVX__)
  for (; k + 8 <= n; k += 8) {
    const __m256 a = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + k)));
    const __m256 b = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(inout + k)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(inout + k),
                     _mm256_cvtps_ph(_mm256_add_ps(a, b), _MM_FROUND_TO_NEAREST_INT));
  }
#endif
  for (; k < n; ++k) inout[k] = to_half(from_half(in[k]) + from_half(inout[k]));
}

}  // namespace xg::kernels::XG_ISA_NS
