// Ops the neural-network layers need beyond the general op families: the activations that carry
// a hyper-parameter, a learnable weight or random state (celu, prelu, rrelu), and the elementwise
// binary cross entropy, whose derivative PyTorch defines with a clamped denominator rather than
// by the chain rule through the clamped logs. The parameter-free activations mish and hardsigmoid
// are rows of lib/ops/unary_ops.def. Each op's backward is written with differentiable xgrad ops.
#include "ops/nn_ops.hpp"

#include <algorithm>
#include <cmath>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "ops/kernel_views.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;

XG_OP_NAME(celu);
XG_OP_NAME(prelu);
XG_OP_NAME(rrelu);
XG_OP_NAME(binary_cross_entropy);

namespace {

/// A contiguous floating-point copy (or alias) of x, made without recording a graph; integer and
/// bool inputs become float32 as in the other activations.
Tensor floating_contiguous(const Tensor& x, const char* op) {
  detail::check_defined(x, op);
  NoGradGuard ng;
  const Tensor f = x.is_floating_point() ? x : x.to(kFloat32);
  return f.contiguous();
}

}  // namespace

// ---- celu ---------------------------------------------------------------------------------------

Tensor celu(const Tensor& x, double alpha) {
  XG_CHECK(alpha != 0, ValueError, "celu: alpha cannot be 0 (the negative part is α(exp(x/α) − 1))");
  const Tensor xc = floating_contiguous(x, "celu");
  Tensor out = detail::make_tensor(xc.sizes(), xc.dtype());
  kernels::map(kernels::MapOp::Celu, xc.dtype(), {.a = alpha}, kernels::input_view(impl(xc)),
               kernels::output_view(impl(out)));
  // d celu = g where x > 0, else g·exp(x/α)
  autograd::record(op_celu, out, {&x}, {&x}, [alpha](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& v = c.saved[0];
    return {where(v > 0, g, g * exp(v / alpha))};
  });
  return out;
}

// ---- prelu --------------------------------------------------------------------------------------

Tensor prelu(const Tensor& x, const Tensor& weight) {
  detail::check_defined(x, "prelu");
  detail::check_defined(weight, "prelu", "weight");
  XG_CHECK(x.is_floating_point() && weight.is_floating_point(), DtypeError,
           "prelu: input and weight must be floating point, got ", x.dtype(), " and ", weight.dtype());
  XG_CHECK(weight.dim() <= 1, ShapeError, "prelu: weight must be a scalar or a 1-D tensor, got shape ", weight.sizes());
  const std::int64_t num = weight.numel();
  // The channel dimension is dim 1 (dim 0 of a 1-D input is a batch of one channel).
  const std::int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  XG_CHECK(num == 1 || num == channels, ShapeError, "prelu: weight has ", num, " parameters but the input of shape ",
           x.sizes(), " has ", channels, " channels in dim 1; use 1 parameter or one per channel");
  XG_CHECK(num == 1 || x.dim() > 0, ShapeError, "prelu: a 0-d input takes a single parameter, weight has ", num);
  const Dtype d = result_type(x, weight);
  Tensor xc, wc;
  {
    NoGradGuard ng;
    xc = x.to(d).contiguous();
    wc = weight.to(d).contiguous();
  }
  std::int64_t inner = 1;
  for (std::int64_t k = 2; k < x.dim(); ++k) inner *= x.size(k);
  Tensor out = detail::make_tensor(x.sizes(), d);
  kernels::dispatch_floating(d, "prelu", [&]<class T>() {
    const T* src = impl(xc).ptr<T>();
    const T* w = impl(wc).ptr<T>();
    T* dst = impl(out).ptr<T>();
    const std::int64_t n = xc.numel();
    for (std::int64_t i = 0; i < n; ++i) {
      const T slope = num == 1 ? w[0] : w[(i / inner) % channels];
      dst[i] = src[i] > T(0) ? src[i] : slope * src[i];
    }
  });
  // The weight seen with x's rank: [1, C, 1, …] (or as it is when shared), so it broadcasts.
  Shape wshape(static_cast<std::size_t>(x.dim()), 1);
  if (num > 1) wshape[1] = channels;
  const Shape wsizes = weight.sizes();
  // d/dx = g where x > 0, else g·w;  d/dw = Σ over all but the channel dim of (x ≤ 0 ? g·x : 0)
  autograd::record(op_prelu, out, {&x, &weight}, {&x, &weight},
                   [wshape, wsizes](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     const Tensor& v = c.saved[0];
                     const Tensor pos = v > 0;
                     Tensor gx, gw;
                     if (c.needs(0)) gx = where(pos, g, g * c.saved[1].reshape(wshape));
                     if (c.needs(1)) gw = sum_to(where(pos, 0.0, g * v), wshape).reshape(wsizes);
                     return {gx, gw};
                   });
  return out;
}

// ---- rrelu --------------------------------------------------------------------------------------

Tensor rrelu(const Tensor& x, double lower, double upper, bool training) {
  XG_CHECK(lower <= upper, ValueError, "rrelu: lower (", lower, ") must not exceed upper (", upper, ")");
  XG_CHECK(std::isfinite(lower) && std::isfinite(upper), ValueError, "rrelu: lower (", lower, ") and upper (", upper,
           ") must be finite");
  // Out of training the slope is the mean of U(lower, upper): a leaky ReLU, as in PyTorch.
  if (!training) return leaky_relu(x, (lower + upper) / 2);
  const Tensor xc = floating_contiguous(x, "rrelu");
  // One slope per element, drawn for every element in row-major order (positive ones too), so the
  // generator advances by numel whatever the signs: a run is reproducible from its seed alone.
  Tensor noise = detail::make_tensor(xc.sizes(), xc.dtype());
  Tensor out = detail::make_tensor(xc.sizes(), xc.dtype());
  Generator& gen = default_generator();
  kernels::dispatch_floating(xc.dtype(), "rrelu", [&]<class T>() {
    const T* src = impl(xc).ptr<T>();
    T* nz = impl(noise).ptr<T>();
    T* dst = impl(out).ptr<T>();
    const std::int64_t n = xc.numel();
    for (std::int64_t i = 0; i < n; ++i) {
      const T slope = static_cast<T>(lower + (upper - lower) * gen.next_double());
      nz[i] = src[i] > T(0) ? T(1) : slope;
      dst[i] = src[i] * nz[i];
    }
  });
  // y = x·noise with the sampled noise held fixed: d/dx = g·noise
  autograd::record(op_rrelu, out, {&x}, {&noise},
                   [](const Tensor& g, const BackwardCtx& c) -> TensorList { return {g * c.saved[0]}; });
  return out;
}

// ---- binary cross entropy -------------------------------------------------------------------

// The floor of x(1 − x) in the derivative: ATen's EPSILON, a float 1e-12 (9.99999996e-13 in
// double), kept as is so that gradients at x = 0 or 1 equal PyTorch's.
constexpr double kBceEpsilon = static_cast<double>(1e-12f);

Tensor ops::binary_cross_entropy(const Tensor& x, const Tensor& t) {
  detail::check_defined(x, "binary_cross_entropy");
  detail::check_defined(t, "binary_cross_entropy", "target");
  XG_CHECK(x.is_floating_point() && t.is_floating_point(), DtypeError,
           "binary_cross_entropy: input and target must be floating point, got ", x.dtype(), " and ", t.dtype());
  XG_CHECK(x.sizes() == t.sizes(), ShapeError, "binary_cross_entropy: target of shape ", t.sizes(),
           " must have the shape of the input ", x.sizes());
  const Dtype d = result_type(x, t);
  Tensor xc, tc;
  {
    NoGradGuard ng;
    xc = x.to(d).contiguous();
    tc = t.to(d).contiguous();
  }
  Tensor out = detail::make_tensor(x.sizes(), d);
  kernels::dispatch_floating(d, "binary_cross_entropy", [&]<class T>() {
    const T* xp = impl(xc).ptr<T>();
    const T* tp = impl(tc).ptr<T>();
    T* o = impl(out).ptr<T>();
    const std::int64_t n = xc.numel();
    for (std::int64_t i = 0; i < n; ++i) {
      const T v = xp[i];
      XG_CHECK(v >= T(0) && v <= T(1), ValueError,
               "binary_cross_entropy: all elements of the input must be probabilities in [0, 1], found ", v,
               " (apply sigmoid first, or use binary_cross_entropy_with_logits on raw scores)");
      // Each log is clamped at −100 so that x = 0 or 1 gives a finite loss, as in PyTorch.
      const T log_x = std::max(std::log(v), T(-100));
      const T log_1mx = std::max(std::log1p(-v), T(-100));
      o[i] = -(tp[i] * log_x + (T(1) - tp[i]) * log_1mx);
    }
  });
  // d/dx = g (x − t) / max(x (1 − x), ε): PyTorch's rule, finite at x = 0 and 1.
  // d/dt = g (log(1 − x) − log x), each log clamped at −100.
  autograd::record(op_binary_cross_entropy, out, {&x, &t}, {&x, &t},
                   [](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     const Tensor& v = c.saved[0];
                     const Tensor& tt = c.saved[1];
                     Tensor gx, gt;
                     if (c.needs(0)) gx = g * (v - tt) / clamp_min((1 - v) * v, kBceEpsilon);
                     if (c.needs(1)) gt = g * (clamp_min(log1p(-v), -100) - clamp_min(log(v), -100));
                     return {gx, gt};
                   });
  return out;
}

}  // namespace xg
