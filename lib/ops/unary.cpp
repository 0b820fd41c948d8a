// The elementwise unary ops, generated from lib/ops/unary_ops.def.
#include <cstring>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "ops/kernel_views.hpp"
#include "xgrad/ops.hpp"

namespace xg {

// Note [The unary op table]
// Each row of unary_ops.def becomes: a kernel functor (forward on a scalar or an xsimd batch of
// type T) in lib/kernels/elementwise.cpp, compiled once per instruction set and selected by
// kernels::UnaryOp::name; the op `xg::name(x)` here that runs it over the tensor and records the
// backward rule written in xgrad ops; and an op-database entry in tests/ops (the same file is
// included there). Adding an elementwise
// op is adding one row. Integer and bool inputs are computed in float32, as in PyTorch.

namespace {
enum class Saves { NONE, X, Y, XY };

Tensor unary_forward(const Tensor& in, const char* name, kernels::UnaryOp op) {
  detail::check_defined(in, name);
  // As PyTorch: -mask is a bug more often than not.
  XG_CHECK(in.dtype() != kBool || std::strcmp(name, "neg") != 0, DtypeError, "neg: negation of a bool tensor (shape ",
           in.sizes(),
           ") is not supported; to invert a mask use "
           "logical_not() or ~");
  const Tensor x = is_floating_point(in.dtype()) ? in : in.to(kFloat32);
  Tensor out = detail::make_tensor(x.sizes(), x.dtype());
  kernels::unary(op, x.dtype(), kernels::input_view(detail::impl(x)), kernels::output_view(detail::impl(out)));
  return out;
}
}  // namespace

#define XG_UNARY(name, fwd, bwd, saves, lo, hi, kink)                                    \
  XG_OP_NAME(name);                                                                      \
  Tensor name(const Tensor& in) {                                                        \
    Tensor out = unary_forward(in, #name, kernels::UnaryOp::name);                       \
    constexpr Saves kSaves = Saves::saves;                                               \
    const Tensor* sx = (kSaves == Saves::X || kSaves == Saves::XY) ? &in : nullptr;      \
    const Tensor* sy = (kSaves == Saves::Y || kSaves == Saves::XY) ? &out : nullptr;     \
    const Tensor none;                                                                   \
    autograd::record(op_##name, out, {&in}, {sx ? sx : &none, sy ? sy : &none},          \
                     [](const Tensor& g, const autograd::BackwardCtx& c) -> TensorList { \
                       [[maybe_unused]] const Tensor& x = c.saved[0];                    \
                       [[maybe_unused]] const Tensor& y = c.saved[1];                    \
                       return {bwd};                                                     \
                     });                                                                 \
    return out;                                                                          \
  }
#include "ops/unary_ops.def"
#undef XG_UNARY

}  // namespace xg
