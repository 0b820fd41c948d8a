// The parametric activations: leaky_relu, elu, gelu, softplus, hardtanh (PyTorch's formulas,
// defaults and names). The parameter-free ones (relu, selu, silu, softsign, sigmoid, tanh) are
// rows of the unary op table (Note [The unary op table] in lib/ops/unary.cpp); these take a
// hyper-parameter, so each has its own kernel functor holding it (kernels::MapOp, in
// lib/kernels/elementwise.cpp, compiled once per instruction set) and its own backward rule.
#include <cmath>
#include <string>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "ops/kernel_views.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;

XG_OP_NAME(leaky_relu);
XG_OP_NAME(elu);
XG_OP_NAME(gelu);
XG_OP_NAME(softplus);
XG_OP_NAME(hardtanh);

namespace {

// 1/√2 and √(2/π), the constants of the exact and the tanh-approximated GELU, and 1/√(2π), the
// normal density's factor.
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kGeluCubic = 0.044715;

/// out = op(x; args) elementwise; integer and bool inputs are computed in float32, as in PyTorch.
Tensor activation_forward(const Tensor& in, const char* name, kernels::MapOp op, kernels::MapArgs args = {}) {
  detail::check_defined(in, name);
  const Tensor x = is_floating_point(in.dtype()) ? in : in.to(kFloat32);
  Tensor out = detail::make_tensor(x.sizes(), x.dtype());
  kernels::map(op, x.dtype(), args, kernels::input_view(detail::impl(x)), kernels::output_view(detail::impl(out)));
  return out;
}

}  // namespace

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  Tensor out = activation_forward(x, "leaky_relu", kernels::MapOp::LeakyRelu, {.a = negative_slope});
  // d leaky_relu = g where x > 0, else slope g
  autograd::record(op_leaky_relu, out, {&x}, {&x},
                   [negative_slope](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {where(c.saved[0] > 0, g, g * negative_slope)};
                   });
  return out;
}

Tensor elu(const Tensor& x, double alpha) {
  Tensor out = activation_forward(x, "elu", kernels::MapOp::Elu, {.a = alpha});
  // d elu = g where x > 0, else g α eˣ = g (y + α)
  autograd::record(op_elu, out, {&x}, {&x, &out}, [alpha](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& in = c.saved[0];
    const Tensor& y = c.saved[1];
    return {where(in > 0, g, g * (y + alpha))};
  });
  return out;
}

Tensor gelu(const Tensor& x, const std::string& approximate) {
  XG_CHECK(approximate == "none" || approximate == "tanh", ValueError,
           "gelu: approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
  if (approximate == "none") {
    Tensor out = activation_forward(x, "gelu", kernels::MapOp::Gelu);
    // d (x Φ(x)) = Φ(x) + x φ(x),  Φ(x) = (1 + erf(x/√2)) / 2,  φ(x) = e^(-x²/2) / √(2π)
    autograd::record(op_gelu, out, {&x}, {&x}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
      const Tensor& v = c.saved[0];
      const Tensor cdf = 0.5 * (1 + erf(v * kSqrt1_2));
      const Tensor pdf = exp(-0.5 * v * v) * kInvSqrt2Pi;
      return {g * (cdf + v * pdf)};
    });
    return out;
  }
  Tensor out = activation_forward(x, "gelu", kernels::MapOp::GeluTanh);
  // y = x (1 + t) / 2 with t = tanh(u), u = k (x + c x³):
  // d y = (1 + t) / 2 + x (1 - t²) k (1 + 3c x²) / 2
  autograd::record(op_gelu, out, {&x}, {&x}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& v = c.saved[0];
    const Tensor v2 = v * v;
    const Tensor t = tanh((v + v2 * v * kGeluCubic) * kSqrt2OverPi);
    const Tensor du = (1 + v2 * (3 * kGeluCubic)) * kSqrt2OverPi;
    return {g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du)};
  });
  return out;
}

Tensor softplus(const Tensor& x, double beta, double threshold) {
  // (β = 0 divides by zero: log(2)/0 = inf everywhere)
  XG_CHECK(beta != 0 && std::isfinite(beta), ValueError, "softplus: beta must be non-zero and finite, got ", beta);
  XG_CHECK(!std::isnan(threshold), ValueError, "softplus: threshold must not be NaN");
  Tensor out = activation_forward(x, "softplus", kernels::MapOp::Softplus, {.a = beta, .b = threshold});
  // d softplus = g σ(βx), and g where βx > threshold (the linear branch)
  autograd::record(op_softplus, out, {&x}, {&x},
                   [beta, threshold](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     const Tensor z = c.saved[0] * beta;
                     return {where(z > threshold, g, g * sigmoid(z))};
                   });
  return out;
}

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  XG_CHECK(min_val <= max_val, ValueError, "hardtanh: min_val (", min_val, ") must not exceed max_val (", max_val, ")");
  Tensor out = activation_forward(x, "hardtanh", kernels::MapOp::Hardtanh, {.a = min_val, .b = max_val});
  // d hardtanh = g where min_val < x < max_val, else 0
  autograd::record(op_hardtanh, out, {&x}, {&x},
                   [min_val, max_val](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     const Tensor& v = c.saved[0];
                     return {g * ((v > min_val) & (v < max_val))};
                   });
  return out;
}

}  // namespace xg
