// Dropout, channel dropout and alpha dropout (the formulas of ATen's Dropout.cpp). The mask is
// drawn from the global generator and applied with a differentiable multiplication, so the
// gradient reaches exactly the kept units, scaled as they were.
#include "xgrad/nn/dropout.hpp"

#include <cmath>
#include <ostream>

#include "nn/format.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

void check_p(double p, const char* who) {
  // Written so that NaN fails too.
  XG_CHECK(p >= 0 && p <= 1, ValueError, who, ": dropout probability has to be between 0 and 1, but got ", p);
}

void check_input(const Tensor& x, const char* who) {
  XG_CHECK(x.defined(), ValueError, who, ": the input is an undefined tensor");
  XG_CHECK(x.is_floating_point(), DtypeError, who, ": expected a floating-point input, got ", x.dtype());
}

/// A 0/1 tensor of `shape` in `dtype`, each entry 1 with probability keep (Bernoulli(keep)).
/// Uniforms are drawn in float64 so that P(1) is keep to 53 bits whatever the dtype.
Tensor bernoulli_mask(const Shape& shape, double keep, Dtype dtype) {
  NoGradGuard ng;
  return (rand(shape, kFloat64) < keep).to(dtype);
}

}  // namespace

namespace functional {

Tensor dropout(const Tensor& x, const DropoutFuncOptions& o) {
  check_input(x, "dropout");
  check_p(o.p, "dropout");
  if (!o.training || o.p == 0 || x.numel() == 0) return x;
  // p = 1 drops everything; multiplying by 0 (rather than by mask/(1 − p)) avoids 0/0.
  if (o.p == 1) return x * zeros({}, x.dtype());
  // Inverted dropout: kept units are scaled by 1/(1 − p) now, so eval needs no rescaling.
  return x * (bernoulli_mask(x.sizes(), 1 - o.p, x.dtype()) * (1.0 / (1 - o.p)));
}

Tensor dropout2d(const Tensor& x, const DropoutFuncOptions& o) {
  check_input(x, "dropout2d");
  check_p(o.p, "dropout2d");
  XG_CHECK(x.dim() == 3 || x.dim() == 4, ShapeError,
           "dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape ", x.sizes());
  if (!o.training || o.p == 0 || x.numel() == 0) return x;
  if (o.p == 1) return x * zeros({}, x.dtype());
  // One draw per (sample, channel): the mask has shape [N, C, 1, 1] (or [C, 1, 1]) and broadcasts
  // over the plane.
  Shape noise = x.sizes();
  for (std::int64_t d = x.dim() - 2; d < x.dim(); ++d) noise[static_cast<std::size_t>(d)] = 1;
  return x * (bernoulli_mask(noise, 1 - o.p, x.dtype()) * (1.0 / (1 - o.p)));
}

Tensor alpha_dropout(const Tensor& x, const DropoutFuncOptions& o) {
  check_input(x, "alpha_dropout");
  check_p(o.p, "alpha_dropout");
  if (!o.training || o.p == 0 || x.numel() == 0) return x;
  if (o.p == 1) return x * zeros({}, x.dtype());
  // λα of SELU: a dropped unit takes SELU's negative saturation value −λα. With keep mask m,
  // u = x·m − λα(1 − m) has, for x of mean 0 and variance 1, mean −λα·p and variance
  // (1 − p)(1 + p(λα)²); a·u + b with a = ((1 − p)(1 + p(λα)²))^(−1/2) and b = a·λα·p restores
  // mean 0 and variance 1.
  constexpr double kAlpha = 1.7580993408473766;  // λα = 1.0507009873554805 · 1.6732632423543772
  const double p = o.p;
  const double a = 1.0 / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
  const Tensor m = bernoulli_mask(x.sizes(), 1 - p, x.dtype());
  Tensor b;
  {
    NoGradGuard ng;
    b = (m - 1) * (kAlpha * a) + kAlpha * a * p;
  }
  return x * (m * a) + b;
}

}  // namespace functional

namespace F = functional;

DropoutImpl::DropoutImpl(DropoutOptions o) : options(o) {
  check_p(o.p, "Dropout");
  reset();
}
Tensor DropoutImpl::forward(const Tensor& x) { return F::dropout(x, {.p = options.p, .training = is_training()}); }
void DropoutImpl::pretty_print(std::ostream& os) const { os << "Dropout(p=" << detail::py_float(options.p) << ")"; }

Dropout2dImpl::Dropout2dImpl(Dropout2dOptions o) : options(o) {
  check_p(o.p, "Dropout2d");
  reset();
}
Tensor Dropout2dImpl::forward(const Tensor& x) { return F::dropout2d(x, {.p = options.p, .training = is_training()}); }
void Dropout2dImpl::pretty_print(std::ostream& os) const { os << "Dropout2d(p=" << detail::py_float(options.p) << ")"; }

AlphaDropoutImpl::AlphaDropoutImpl(AlphaDropoutOptions o) : options(o) {
  check_p(o.p, "AlphaDropout");
  reset();
}
Tensor AlphaDropoutImpl::forward(const Tensor& x) {
  return F::alpha_dropout(x, {.p = options.p, .training = is_training()});
}
void AlphaDropoutImpl::pretty_print(std::ostream& os) const {
  os << "AlphaDropout(p=" << detail::py_float(options.p) << ")";
}

}  // namespace xg::nn
