// The elementwise unary ops, generated from lib/ops/unary_ops.def.
#include <cmath>

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
  const Tensor x = is_floating_point(in.dtype()) ? in : in.to(kFloat32);
  Tensor out = detail::make_tensor(x.sizes(), x.dtype());
  kernels::dispatch_floating(x.dtype(), name, [&]<class T>() {
    kernels::unary_map<T, T>(detail::impl(x), detail::impl(out), [&](T v) { return f(v); });
  });
  return out;
}
}  // namespace

#define XG_UNARY(name, fwd, bwd, saves, lo, hi, kink)                                                     \
  XG_OP_NAME(name);                                                                                        \
  Tensor name(const Tensor& in) {                                                                          \
    Tensor out = unary_forward(in, #name, []<class T>(T x) -> T {                                          \
      using std::exp; using std::log; using std::log1p; using std::expm1; using std::sqrt;                \
      using std::sin; using std::cos; using std::tanh; using std::erf;                                    \
      return static_cast<T>(fwd);                                                                          \
    });                                                                                                    \
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
