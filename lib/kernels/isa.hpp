// Internal: the instruction sets the dispatched kernels are compiled for, and which one runs.
//
// Note [Kernels per instruction set]
// The kernels that take raw pointers are compiled once per instruction set into a namespace of
// their own: GEMM, convolution, pooling and the fused optimizer updates (gemm.cpp, conv.cpp,
// pool.cpp, optim_kernels.cpp); the elementwise ops on raw strided views — the unary op table, the
// parametric activations, pow by a Scalar, clamp, binary arithmetic, comparisons and logic, where,
// isnan & co., and the strided copy / cast behind contiguous(), to() and copy_ (elementwise.cpp,
// elementwise_binary.cpp, on the loops of strided_loops.hpp); and the reductions — sum, mean,
// var/std, prod, max/min/amax/amin, argmax/argmin, logsumexp, norm — and softmax / log_softmax
// (reductions.cpp, on the loops of reduce.hpp and reduce_outer.hpp); and the fp16 / bf16
// conversions of DDP's compressed all-reduce (convert16.cpp). The namespaces are
// xg::kernels::isa_sse4 (-march=x86-64-v2: SSE4.2), isa_avx2
// (x86-64-v3: AVX2, FMA) and isa_avx512 (x86-64-v4: AVX-512 F/BW/DQ/VL), or isa_generic on other
// processors — named by XG_ISA_NS, which the build defines for each copy. The rest of the library
// (shape and dtype checks, autograd, the gathers and scatters of indexing, all/any, the few
// scalar loops of nn_ops.cpp) is compiled once and
// calls the declarations in xg::kernels, defined in isa_dispatch.cpp, which forward to the copy
// for active_isa(): the best set the CPU and the OS support (CPUID), or a lower one forced by the
// environment variable XGRAD_ISA or by xg::set_cpu_capability. An installed library therefore runs
// on any x86-64-v2 processor and still uses AVX-512 where it exists.
//
// A copy must not define anything outside its namespace: an inline function or template of
// another namespace (std::vector<float>'s members, say) compiled with AVX-512 would be emitted as
// a weak symbol, and the linker may keep that copy for every caller, which would then execute
// AVX-512 instructions on a processor without them. So the dispatched files allocate through
// their own namespace's helpers, not std containers; they include xsimd through isa_xsimd.hpp,
// which renames xsimd's two plain inline functions per copy (its other functions are templates on
// the copy's xsimd instruction set, so their instances differ by name). tests/isa/check_isa_symbols.sh
// checks every copy's object files for symbols defined outside its namespace other than those (in
// optimized builds: at -O1 with sanitizers GCC also emits xsimd's members such as
// batch<float, avx512bw>::operator+= out of line; they are named by an xsimd instruction set, and
// a sanitizer build is not one to ship).
#pragma once

namespace xg::kernels {

/// The instruction sets, in increasing order (a CPU supporting one supports those below it).
enum class Isa : int { Sse4 = 0, Avx2 = 1, Avx512 = 2 };

/// The set the dispatched kernels run on now.
Isa active_isa();

}  // namespace xg::kernels

/// Repeats the declarations `decls` in the namespace of every compiled instruction set, so that
/// the dispatcher (isa_dispatch.cpp) can call each copy and a dispatched file calls its own
/// copy's functions (conv.cpp's GEMM calls stay in the same instruction set).
#if defined(__x86_64__)
#define XG_ISA_NAMESPACES(decls)      \
  namespace xg::kernels::isa_sse4 {   \
  decls                               \
  }                                   \
  namespace xg::kernels::isa_avx2 {   \
  decls                               \
  }                                   \
  namespace xg::kernels::isa_avx512 { \
  decls                               \
  }
/// `return isa_<active>::call;`, for the dispatcher's forwarding functions.
#define XG_ISA_FORWARD(call)             \
  switch (::xg::kernels::active_isa()) { \
    case ::xg::kernels::Isa::Avx512:     \
      return isa_avx512::call;           \
    case ::xg::kernels::Isa::Avx2:       \
      return isa_avx2::call;             \
    case ::xg::kernels::Isa::Sse4:       \
      break;                             \
  }                                      \
  return isa_sse4::call
#else
#define XG_ISA_NAMESPACES(decls)       \
  namespace xg::kernels::isa_generic { \
  decls                                \
  }
#define XG_ISA_FORWARD(call) return isa_generic::call
#endif
