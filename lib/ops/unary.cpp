// The elementwise unary ops, generated from lib/ops/unary_ops.def.
// GCC 12 reports its own AVX-512 intrinsics (_mm512_undefined_*) inside xsimd's exp/log as
// "(maybe) uninitialized" once inlined here: a known false positive, silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <cmath>
#include <cstring>

#include <xsimd/xsimd.hpp>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "kernels/dispatch.hpp"
#include "kernels/loops.hpp"
#include "xgrad/ops.hpp"

namespace xg {

// Note [The unary op table]
// Each row of unary_ops.def becomes: a kernel functor (forward on a scalar of type T), the op
// `xg::name(x)` that runs it over the tensor and records the backward rule written in xgrad ops,
// and an op-database entry in tests/ops (the same file is included there). Adding an elementwise
// op is adding one row. Integer and bool inputs are computed in float32, as in PyTorch.

namespace {
enum class Saves { NONE, X, Y, XY };

template <class F>
Tensor unary_forward(const Tensor& in, const char* name, F f) {
  detail::check_defined(in, name);
  // As PyTorch: -mask is a bug more often than not.
  XG_CHECK(in.dtype() != kBool || std::strcmp(name, "neg") != 0, DtypeError,
           "neg: negation of a bool tensor (shape ", in.sizes(), ") is not supported; to invert a mask use "
           "logical_not() or ~");
  const Tensor x = is_floating_point(in.dtype()) ? in : in.to(kFloat32);
  Tensor out = detail::make_tensor(x.sizes(), x.dtype());
  kernels::dispatch_floating(x.dtype(), name, [&]<class T>() {
    kernels::unary_map<T, T>(detail::impl(x), detail::impl(out), f);
  });
  return out;
}
}  // namespace

// The kernel functors: forward(x) for a scalar or an xsimd batch T. The trailing return type
// makes a row whose expression does not compile for batches drop to the scalar path instead of
// failing (Note [Vectorized elementwise functors] in kernels/loops.hpp).
namespace unary_fn {
using std::cos; using std::erf; using std::exp; using std::expm1; using std::log; using std::log1p;
using std::sin; using std::sqrt; using std::tanh; using std::abs;
using xsimd::cos; using xsimd::erf; using xsimd::exp; using xsimd::expm1; using xsimd::log; using xsimd::log1p;
using xsimd::sin; using xsimd::sqrt; using xsimd::tanh; using xsimd::abs;
using kernels::select;
}  // namespace unary_fn

#define XG_UNARY(name, fwd, bwd, saves, lo, hi, kink)                                                     \
  namespace unary_fn {                                                                                     \
  struct name##_fn {                                                                                       \
    template <class T>                                                                                     \
    auto operator()(T x) const -> decltype(static_cast<T>(fwd)) {                                          \
      return static_cast<T>(fwd);                                                                          \
    }                                                                                                      \
  };                                                                                                       \
  }                                                                                                        \
  XG_OP_NAME(name);                                                                                        \
  Tensor name(const Tensor& in) {                                                                          \
    Tensor out = unary_forward(in, #name, unary_fn::name##_fn{});                                          \
    constexpr Saves kSaves = Saves::saves;                                                                 \
    const Tensor* sx = (kSaves == Saves::X || kSaves == Saves::XY) ? &in : nullptr;                        \
    const Tensor* sy = (kSaves == Saves::Y || kSaves == Saves::XY) ? &out : nullptr;                       \
    const Tensor none;                                                                                     \
    autograd::record(op_##name, out, {&in}, {sx ? sx : &none, sy ? sy : &none},                            \
                     [](const Tensor& g, const autograd::BackwardCtx& c) -> TensorList {                  \
                       [[maybe_unused]] const Tensor& x = c.saved[0];                                      \
                       [[maybe_unused]] const Tensor& y = c.saved[1];                                      \
                       return {bwd};                                                                       \
                     });                                                                                   \
    return out;                                                                                            \
  }
#include "ops/unary_ops.def"
#undef XG_UNARY

}  // namespace xg
