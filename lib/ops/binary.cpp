// Binary elementwise arithmetic with broadcasting and type promotion (comparisons and logic:
// compare.cpp).
#include <cmath>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "ops/kernel_views.hpp"
#include "ops/binary_kernel.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;
using binary_detail::binary_kernel;
using binary_detail::cast;
using binary_detail::check_args;
using binary_detail::check_not_bool;
using kernels::BinaryOp;

namespace {
/// d, checked to be a dtype the arithmetic kernels compute in (float32, float64, int64).
Dtype numeric(Dtype d, const char* op) {
  XG_CHECK(d == kFloat32 || d == kFloat64 || d == kInt64, DtypeError, op, ": expected a numeric tensor, got ", d);
  return d;
}
/// alpha of add / sub for the kernel, as double and (for int64 results) as int64.
kernels::BinaryArgs alpha_args(Scalar alpha, Dtype d) {
  return {alpha.to_double(), d == kInt64 ? alpha.to<std::int64_t>() : 1};
}
}  // namespace

XG_OP_NAME(add);
XG_OP_NAME(sub);
XG_OP_NAME(mul);
XG_OP_NAME(div);
XG_OP_NAME(pow);
XG_OP_NAME(minimum);
XG_OP_NAME(maximum);
XG_OP_NAME(clamp);
XG_OP_NAME(where);

// ---- type promotion ------------------------------------------------------------------------------
// Note [Type promotion]
// PyTorch ranks operands in three priority classes: tensors with dimensions, 0-d tensors, and
// wrapped numbers (a Scalar). The result is the promotion of the highest class, unless a lower class
// has a higher category (bool < integer < floating), in which case the two are promoted together:
// float32 [3] × float64 0-d → float32, int64 [3] × float64 0-d → float64, int64 [3] × 2.5 → float32
// (a floating Scalar counts as the default float32), bool [3] × 2 → int64.
Dtype result_type(const Tensor& a, const Tensor& b) {
  const bool a0 = a.dim() == 0, b0 = b.dim() == 0;
  if (a0 != b0) {
    const Tensor& t = a0 ? b : a;
    const Tensor& s = a0 ? a : b;
    const auto category = [](Dtype d) { return is_floating_point(d) ? 2 : d == kBool ? 0 : 1; };
    if (category(s.dtype()) <= category(t.dtype())) return t.dtype();
    return promote_types(t.dtype(), s.dtype());
  }
  return promote_types(a.dtype(), b.dtype());
}

Dtype result_type(const Tensor& a, Scalar b) {
  if (is_floating_point(a.dtype())) return a.dtype();
  if (b.is_floating_point()) return kFloat32;
  if (b.is_integral()) return a.dtype() == kBool ? kInt64 : a.dtype();
  return a.dtype();
}

Tensor wrap_scalar(Scalar s, const Tensor& like) {
  const Dtype d = result_type(like, s);
  Tensor out = detail::make_tensor({}, d);
  kernels::dispatch_all(d, "wrap_scalar", [&]<class T>() { *impl(out).ptr<T>() = s.to<T>(); });
  return out;
}

// ---- arithmetic ----------------------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  check_args("add", a, b);
  const Dtype d = result_type(a, b);
  check_not_bool("add", d);
  Tensor out = binary_kernel(BinaryOp::Add, numeric(d, "add"), d, "add", a, b, alpha_args(alpha, d));
  const double al = alpha.to_double();
  // d(a + αb) = (g, αg)
  autograd::record(op_add, out, {&a, &b}, {}, [al](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {g, c.needs(1) ? (al == 1.0 ? g : g * al) : Tensor()};
  });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  check_args("sub", a, b);
  const Dtype d = result_type(a, b);
  check_not_bool("sub", d);
  Tensor out = binary_kernel(BinaryOp::Sub, numeric(d, "sub"), d, "sub", a, b, alpha_args(alpha, d));
  const double al = alpha.to_double();
  // d(a - αb) = (g, -αg)
  autograd::record(op_sub, out, {&a, &b}, {}, [al](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {g, c.needs(1) ? g * (-al) : Tensor()};
  });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check_args("mul", a, b);
  const Dtype d = result_type(a, b);
  Tensor out = binary_kernel(BinaryOp::Mul, d, d, "mul", a, b);
  // d(ab) = (g b, g a)
  autograd::record(op_mul, out, {&a, &b}, {&a, &b}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {c.needs(0) ? g * c.saved[1] : Tensor(), c.needs(1) ? g * c.saved[0] : Tensor()};
  });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  check_args("div", a, b);
  Dtype d = result_type(a, b);
  if (!is_floating_point(d)) d = kFloat32;  // true division
  Tensor out = binary_kernel(BinaryOp::Div, d, d, "div", a, b);
  // d(a/b) = (g/b, -g a/b²)
  autograd::record(op_div, out, {&a, &b}, {&a, &b}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& x = c.saved[0];
    const Tensor& y = c.saved[1];
    return {c.needs(0) ? g / y : Tensor(), c.needs(1) ? -g * x / (y * y) : Tensor()};
  });
  return out;
}

Tensor pow(const Tensor& base, const Tensor& exponent) {
  check_args("pow", base, exponent);
  const Dtype d = result_type(base, exponent);
  check_not_bool("pow", d);
  Tensor out = binary_kernel(BinaryOp::Pow, numeric(d, "pow"), d, "pow", base, exponent);
  // d(aᵇ) = (g b aᵇ⁻¹, g aᵇ log a); the first is 0 where b = 0 (also at a = 0, where b aᵇ⁻¹ = 0·∞),
  // the second 0 where a = 0 and b >= 0 (PyTorch's pow_backward_self / pow_backward_exponent)
  autograd::record(op_pow, out, {&base, &exponent}, {&base, &exponent, &out},
                   [](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     const Tensor& a = c.saved[0];
                     const Tensor& b = c.saved[1];
                     const Tensor& y = c.saved[2];
                     Tensor ga, gb;
                     if (c.needs(0)) ga = where(b == 0, 0.0, g * b * pow(a, b - 1));
                     if (c.needs(1)) gb = where((a == 0) & (b >= 0), 0.0, g * y * log(a));
                     return {ga, gb};
                   });
  return out;
}

Tensor pow(const Tensor& base, Scalar exponent) {
  detail::check_defined(base, "pow");
  Dtype d = result_type(base, exponent);
  check_not_bool("pow", d);
  const double p = exponent.to_double();
  // The exponents ±0.5 are sqrt and 1/sqrt, as in PyTorch: at x = −0.0 they give −0.0 and −inf
  // (std::pow gives +0.0 and +inf), and so does the derivative p·x^(p−1) of x^0.5.
  const Tensor bc = cast(base, numeric(d, "pow"));
  Tensor out = detail::make_tensor(bc.sizes(), d);
  kernels::map(kernels::MapOp::PowScalar, d, {.a = p}, kernels::input_view(impl(bc)), kernels::output_view(impl(out)));
  // d(aᵖ) = g p aᵖ⁻¹
  autograd::record(op_pow, out, {&base}, {&base}, [p](const Tensor& g, const BackwardCtx& c) -> TensorList {
    if (p == 0.0) return {g * 0};
    if (p == 1.0) return {g};
    if (p == 2.0) return {g * 2 * c.saved[0]};
    return {g * p * pow(c.saved[0], p - 1)};
  });
  return out;
}

Tensor pow(Scalar base, const Tensor& exponent) {
  detail::check_defined(exponent, "pow");
  return pow(wrap_scalar(base, exponent), exponent);
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  check_args("minimum", a, b);
  const Dtype d = result_type(a, b);
  Tensor out = binary_kernel(BinaryOp::Minimum, d, d, "minimum", a, b);  // NaN propagates
  // the gradient goes to the smaller input, half to each on ties
  autograd::record(op_minimum, out, {&a, &b}, {&a, &b}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& x = c.saved[0];
    const Tensor& y = c.saved[1];
    const Tensor wx = (x < y).to(g.dtype()) + 0.5 * (x == y).to(g.dtype());
    return {c.needs(0) ? g * wx : Tensor(), c.needs(1) ? g * (1 - wx) : Tensor()};
  });
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  check_args("maximum", a, b);
  const Dtype d = result_type(a, b);
  Tensor out = binary_kernel(BinaryOp::Maximum, d, d, "maximum", a, b);  // NaN propagates
  autograd::record(op_maximum, out, {&a, &b}, {&a, &b}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& x = c.saved[0];
    const Tensor& y = c.saved[1];
    const Tensor wx = (x > y).to(g.dtype()) + 0.5 * (x == y).to(g.dtype());
    return {c.needs(0) ? g * wx : Tensor(), c.needs(1) ? g * (1 - wx) : Tensor()};
  });
  return out;
}

Tensor clamp(const Tensor& x, std::optional<Scalar> mn, std::optional<Scalar> mx) {
  detail::check_defined(x, "clamp");
  XG_CHECK(mn || mx, ValueError, "clamp: at least one of min and max must be given");
  Dtype d = x.dtype();
  if (mn) d = promote_types(d, result_type(x, *mn));
  if (mx) d = promote_types(d, result_type(x, *mx));
  check_not_bool("clamp", d);
  const Tensor xc = cast(x, numeric(d, "clamp"));
  Tensor out = detail::make_tensor(xc.sizes(), d);
  kernels::MapArgs args{.has_lo = mn.has_value(), .has_hi = mx.has_value()};
  if (mn) args.a = mn->to_double(), args.ia = mn->to<std::int64_t>();
  if (mx) args.b = mx->to_double(), args.ib = mx->to<std::int64_t>();
  kernels::map(kernels::MapOp::Clamp, d, args, kernels::input_view(impl(xc)), kernels::output_view(impl(out)));
  const double lo = mn ? mn->to_double() : -INFINITY, hi = mx ? mx->to_double() : INFINITY;
  // min(max(x, lo), hi), as PyTorch: with lo > hi every element is hi (and the gradient 0).
  // d clamp = g where lo <= x <= hi, else 0
  autograd::record(op_clamp, out, {&x}, {&x}, [lo, hi](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& v = c.saved[0];
    return {g * ((v >= lo) & (v <= hi))};
  });
  return out;
}
Tensor clamp_min(const Tensor& x, Scalar mn) { return clamp(x, mn, std::nullopt); }
Tensor clamp_max(const Tensor& x, Scalar mx) { return clamp(x, std::nullopt, mx); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_args("where", a, b);
  detail::check_defined(cond, "where", "condition");
  XG_CHECK(cond.dtype() == kBool, DtypeError, "where: the condition must be a bool tensor, got ", cond.dtype());
  const Dtype d = result_type(a, b);
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor out = detail::make_tensor(shape, d);
  const Tensor ac = cast(a, d), bc = cast(b, d);
  {
    const kernels::BroadcastView cv(impl(cond), impl(out)), av(impl(ac), impl(out)), bv(impl(bc), impl(out));
    kernels::where(d, cv, av, bv, kernels::output_view(impl(out)));
  }
  // d where(c, a, b) = (where(c, g, 0), where(c, 0, g))
  autograd::record(op_where, out, {&a, &b}, {&cond}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& m = c.saved[0];
    return {c.needs(0) ? where(m, g, 0.0) : Tensor(), c.needs(1) ? where(m, 0.0, g) : Tensor()};
  });
  return out;
}
Tensor where(const Tensor& cond, const Tensor& a, Scalar b) { return where(cond, a, wrap_scalar(b, a)); }
Tensor where(const Tensor& cond, Scalar a, const Tensor& b) { return where(cond, wrap_scalar(a, b), b); }

Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  detail::check_defined(x, "masked_fill");
  detail::check_defined(mask, "masked_fill", "mask");
  XG_CHECK(mask.dtype() == kBool, DtypeError, "masked_fill: the mask must be a bool tensor, got ", mask.dtype());
  XG_CHECK(broadcast_shapes(mask.sizes(), x.sizes(), "masked_fill") == x.sizes(), ShapeError,
           "masked_fill: mask of shape ", mask.sizes(), " cannot be broadcast to the input shape ", x.sizes());
  Tensor v = detail::make_tensor({}, x.dtype());
  kernels::dispatch_all(x.dtype(), "masked_fill", [&]<class T>() { *impl(v).ptr<T>() = value.to<T>(); });
  return where(mask, v, x);
}

// ---- operators -----------------------------------------------------------------------------------
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, wrap_scalar(b, a)); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, wrap_scalar(b, a)); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, wrap_scalar(b, a)); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, wrap_scalar(b, a)); }
Tensor operator+(Scalar a, const Tensor& b) { return add(wrap_scalar(a, b), b); }
Tensor operator-(Scalar a, const Tensor& b) { return sub(wrap_scalar(a, b), b); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(wrap_scalar(a, b), b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(wrap_scalar(a, b), b); }

}  // namespace xg
