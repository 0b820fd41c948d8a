// Internal: <xsimd/xsimd.hpp> for the files compiled once per instruction set (Note [Kernels per
// instruction set] in kernels/isa.hpp). xsimd's own code is templated on the instruction set, so
// each copy's instances carry their set's name (batch<float, avx2>, exp<…, avx512bw>), except two
// plain inline functions, the argument reduction of sin and cos for large arguments
// (math/xsimd_rem_pio2.hpp): every copy would emit them under one name and the linker would keep
// one for all. Included first in such a file, this header renames them per copy.
#pragma once

#ifndef XG_ISA_NS
#error "kernels/isa_xsimd.hpp is for the files compiled once per instruction set (XG_ISA_NS)"
#endif
#ifdef XSIMD_HPP
#error "kernels/isa_xsimd.hpp must come before any other inclusion of <xsimd/xsimd.hpp>"
#endif

#define XG_ISA_CAT2(a, b) a##_##b
#define XG_ISA_CAT(a, b) XG_ISA_CAT2(a, b)
// NOLINTBEGIN(bugprone-reserved-identifier): xsimd's names, renamed
#define __kernel_rem_pio2 XG_ISA_CAT(XG_ISA_NS, kernel_rem_pio2)
#define __ieee754_rem_pio2 XG_ISA_CAT(XG_ISA_NS, ieee754_rem_pio2)
#include <xsimd/xsimd.hpp>
#undef __kernel_rem_pio2
#undef __ieee754_rem_pio2
// NOLINTEND(bugprone-reserved-identifier)
#undef XG_ISA_CAT
#undef XG_ISA_CAT2
