// Reductions: sum, mean, var, std, prod, max/min, amax/amin, argmax/argmin, logsumexp, norm,
// softmax / log_softmax, and sum_to (the adjoint of broadcasting).
// The loops are dispatched per instruction set (kernels/reductions.hpp); this file plans each
// reduction, checks its arguments and records its node.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "kernels/reductions.hpp"
#include "ops/reduce_util.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;

XG_OP_NAME(sum);
XG_OP_NAME(var);
XG_OP_NAME(std);
XG_OP_NAME(prod);
XG_OP_NAME(max);
XG_OP_NAME(min);
XG_OP_NAME(amax);
XG_OP_NAME(amin);
XG_OP_NAME(logsumexp);
XG_OP_NAME(norm);
XG_OP_NAME(softmax);
XG_OP_NAME(log_softmax);

namespace ops {
ReduceShape reduce_shape(const Tensor& x, const Shape& dims_in, bool keepdim, const char* op) {
  detail::check_defined(x, op);
  ReduceShape p;
  const std::int64_t nd = x.dim();
  std::vector<bool> reduced(static_cast<std::size_t>(std::max<std::int64_t>(nd, 0)), dims_in.empty());
  for (std::int64_t d : dims_in) {
    const std::int64_t w = detail::wrap_dim(d, nd, op);
    if (nd == 0) continue;
    XG_CHECK(!reduced[w], ShapeError, op, ": dimension ", d, " appears more than once in ", dims_in);
    reduced[w] = true;
  }
  for (std::int64_t i = 0; i < nd; ++i) {
    if (!reduced[i]) {
      p.perm.push_back(i);
      p.outer *= x.size(i);
      p.out_shape.push_back(x.size(i));
      p.keep_shape.push_back(x.size(i));
    } else {
      p.keep_shape.push_back(1);
      if (keepdim) p.out_shape.push_back(1);
    }
  }
  for (std::int64_t i = 0; i < nd; ++i) {
    if (reduced[i]) {
      p.perm.push_back(i);
      p.inner *= x.size(i);
      p.dims.push_back(i);
    }
  }
  return p;
}

ReducePlan plan_reduce(const Tensor& x, const Shape& dims_in, bool keepdim, const char* op) {
  ReducePlan p{reduce_shape(x, dims_in, keepdim, op), Tensor()};
  NoGradGuard ng;
  p.rows = (x.dim() == 0 ? x : x.permute(p.perm)).contiguous();
  return p;
}
}  // namespace ops

namespace {
/// The contiguous rows of a plan, as the kernels take them.
const void* rows_of(const ops::ReducePlan& p) { return impl(p.rows).byte_ptr(); }
void* data_of(const Tensor& t) { return impl(t).byte_ptr(); }

void check_floating(const Tensor& x, const char* op) {
  detail::check_defined(x, op);
  XG_CHECK(is_floating_point(x.dtype()), DtypeError, op,
           ": expected a floating-point tensor (float32 or float64), got ", x.dtype(),
           " (convert with to(xg::kFloat32))");
}

/// The extremes have no identity: reducing nothing is an error, as in PyTorch (ValueError for a
/// reduction over all elements, IndexError naming the dim for an explicit dim of size 0).
void check_nonempty(const Tensor& x, const ops::ReduceShape& p, bool all_dims, const char* op) {
  if (p.inner > 0) return;
  XG_CHECK(!all_dims, ValueError, op, ": cannot reduce an empty tensor (shape ", x.sizes(),
           ") because the operation has no identity; reduce over a non-empty dim instead");
  for (std::int64_t d : p.dims)
    XG_CHECK(x.size(d) != 0, IndexError, op, ": cannot reduce over dimension ", d, " of size 0 (input shape ",
             x.sizes(), ") because the operation has no identity");
}
}  // namespace

namespace {
/// When x is contiguous and the reduced dims are one run of adjacent dims that is not last, x is
/// a [outer, n, inner] block with inner > 1: the sizes of the dims before, in and after the run.
bool middle_run(const Tensor& x, const ops::ReduceShape& s, std::int64_t& outer, std::int64_t& n, std::int64_t& inner) {
  if (s.dims.empty() || !x.is_contiguous()) return false;
  const std::int64_t d0 = s.dims.front(), d1 = s.dims.back() + 1;
  if (d1 - d0 != static_cast<std::int64_t>(s.dims.size()) || d1 >= x.dim()) return false;
  outer = n = inner = 1;
  for (std::int64_t i = 0; i < x.dim(); ++i) (i < d0 ? outer : i < d1 ? n : inner) *= x.size(i);
  return inner > 1;
}

/// The plan of a reduction of floating x whose reduced dims are a middle run (middle_run) of at
/// least one element over at least one SIMD batch of kept columns: then `outer` is set and no
/// transposed rows are made (p.rows stays undefined); otherwise the transposed plan.
ops::ReducePlan plan_outer_or_rows(const Tensor& x, const Shape& dims, bool keepdim, const char* op, bool& outer,
                                   std::int64_t& mo, std::int64_t& mn, std::int64_t& mi) {
  const auto s = ops::reduce_shape(x, dims, keepdim, op);
  outer = false;
  if (is_floating_point(x.dtype()) && middle_run(x, s, mo, mn, mi) && mn > 0) {
    // the column kernels carry indices in batches of the element type: exact up to 2^digits
    const std::int64_t max_n = std::int64_t{1} << (x.dtype() == kFloat32 ? std::numeric_limits<float>::digits
                                                                         : std::numeric_limits<double>::digits);
    outer = mi >= kernels::simd_width(x.dtype()) && mn <= max_n;
  }
  if (outer) return ops::ReducePlan{s, Tensor()};
  return ops::plan_reduce(x, dims, keepdim, op);
}
}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  const Dtype d = is_floating_point(x.dtype()) ? x.dtype() : kInt64;
  std::int64_t mo = 0, mn = 0, mi = 0;
  const auto shape = ops::reduce_shape(x, dims, keepdim, "sum");
  if (middle_run(x, shape, mo, mn, mi)) {
    // sum over leading or middle dims: columns of the block, no transposed copy
    Tensor out = detail::make_tensor(shape.out_shape, d);
    kernels::sum_columns(x.dtype(), data_of(x), data_of(out), mo, mn, mi);
    const Shape keep = shape.keep_shape, in_shape = x.sizes();
    autograd::record(op_sum, out, {&x}, {}, [keep, in_shape](const Tensor& g, const BackwardCtx&) -> TensorList {
      return {g.reshape(keep).expand(in_shape)};
    });
    return out;
  }
  const auto p = ops::plan_reduce(x, dims, keepdim, "sum");
  Tensor out = detail::make_tensor(p.out_shape, d);
  kernels::sum_rows(x.dtype(), rows_of(p), data_of(out), p.outer, p.inner);
  const Shape keep = p.keep_shape, in_shape = x.sizes();
  // d sum = g broadcast back over the reduced dims
  autograd::record(op_sum, out, {&x}, {}, [keep, in_shape](const Tensor& g, const BackwardCtx&) -> TensorList {
    return {g.reshape(keep).expand(in_shape)};
  });
  return out;
}

Tensor sum(const Tensor& x, std::optional<Dtype> dtype) {
  Tensor s = sum(x, Shape{}, false);
  return dtype ? s.to(*dtype) : s;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  detail::check_defined(x, "sum_to");
  if (x.sizes() == shape) return x;
  const std::int64_t lead = x.dim() - static_cast<std::int64_t>(shape.size());
  XG_CHECK(lead >= 0, ShapeError, "sum_to: cannot sum a tensor of shape ", x.sizes(), " to the larger shape ", shape);
  Shape dims;
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    if (i < lead) {
      dims.push_back(i);
      continue;
    }
    const std::int64_t want = shape[i - lead];
    if (want == 1 && x.size(i) != 1) dims.push_back(i);
    else XG_CHECK(want == x.size(i), ShapeError, "sum_to: shape ", x.sizes(), " cannot be summed to ", shape);
  }
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

// ---- mean, var, std --------------------------------------------------------------------------------

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  check_floating(x, "mean");
  // Only the element count is needed here: reduce_shape reads no data (sum makes its own rows).
  const auto p = ops::reduce_shape(x, dims, keepdim, "mean");
  return sum(x, dims, keepdim) / static_cast<double>(p.inner);
}
Tensor mean(const Tensor& x) { return mean(x, Shape{}, false); }

namespace {
/// var, or std when take_sqrt, over dims; the count is N − correction (1: Bessel's correction),
/// clamped at 0 as in PyTorch, so one element with correction 1 gives 0/0 = NaN.
Tensor var_std(const Tensor& x, const Shape& dims, double correction, bool keepdim, bool take_sqrt) {
  const char* op = take_sqrt ? "std" : "var";
  check_floating(x, op);
  bool outer = false;
  std::int64_t mo = 0, mn = 0, mi = 0;
  const auto p = plan_outer_or_rows(x, dims, keepdim, op, outer, mo, mn, mi);
  const double dof = std::max(0.0, static_cast<double>(p.inner) - correction);
  Tensor out = detail::make_tensor(p.out_shape, x.dtype());
  // reduced dims lead a contiguous block: column sums, then column Σ (x − mean)², no copy
  if (outer) kernels::var_columns(x.dtype(), data_of(x), data_of(out), mo, mn, mi, dof, take_sqrt);
  else kernels::var_rows(x.dtype(), rows_of(p), data_of(out), p.outer, p.inner, dof, take_sqrt);
  const Shape keep = p.keep_shape, rd = p.dims;
  if (!take_sqrt) {
    // d var = g · 2(x − mean) / (N − correction)
    autograd::record(op_var, out, {&x}, {&x}, [keep, rd, dof](const Tensor& g, const BackwardCtx& c) -> TensorList {
      const Tensor& v = c.saved[0];
      return {g.reshape(keep) * (v - mean(v, rd, true)) * (2.0 / dof)};
    });
  } else {
    // d std = g · (x − mean) / ((N − correction) · std), taken as 0 where std = 0 (as PyTorch);
    // the division uses a safe denominator so that no inf enters the double-backward graph.
    autograd::record(op_std, out, {&x}, {&x, &out},
                     [keep, rd, dof](const Tensor& g, const BackwardCtx& c) -> TensorList {
                       const Tensor& v = c.saved[0];
                       const Tensor y = c.saved[1].reshape(keep);
                       const Tensor zero = y == 0;
                       const Tensor scale = where(zero, 0.0, g.reshape(keep) / (where(zero, 1.0, y) * dof));
                       return {scale * (v - mean(v, rd, true))};
                     });
  }
  return out;
}
}  // namespace

Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim) {
  return var_std(x, dims, correction, keepdim, false);
}
Tensor std(const Tensor& x, const Shape& dims, double correction, bool keepdim) {
  return var_std(x, dims, correction, keepdim, true);
}

// ---- prod -------------------------------------------------------------------------------------------

// Note [prod with zeros]
// ∂/∂xᵢ ∏ⱼ xⱼ = ∏_{j≠i} xⱼ. Without zeros in the slice that is y / xᵢ; with zeros it is not a
// division. With exactly one zero (at k) the gradient is ∏_{j≠k} xⱼ at k and 0 elsewhere; with
// two or more zeros it is 0 everywhere. q = ∏ of x with its zeros replaced by 1 gives the three
// cases without dividing by zero, so the first derivative is exact for any number of zeros.
// The terms are also written so that the first-derivative graph differentiates correctly
// (double backward) when a slice has at most one zero: off the zero, the 0 is written as
// x_k · q / xᵢ, whose derivative in x_k is the true ∏_{j≠i,k} xⱼ. With two or more zeros in one
// slice the mixed second derivatives between zeros are taken as 0 (not exact).

namespace {
Tensor prod_dims(const Tensor& x, const Shape& dims, bool keepdim);

Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& y, const Shape& dims) {
  const Tensor z = x == 0;
  if (!any(z).item<bool>()) return g * y / x;
  const Tensor xs = where(z, 1.0, x);
  const Tensor zeros_in_slice = sum(z, dims, true);
  const Tensor q = prod_dims(xs, dims, true);
  const Tensor zero_value = sum(where(z, x, 0.0), dims, true);  // 0, with derivative 1 at the zero
  const Tensor one_zero = where(z, q, zero_value * q / xs);
  return g * where(zeros_in_slice == 0, q / xs, where(zeros_in_slice == 1, one_zero, 0.0));
}

Tensor prod_dims(const Tensor& x, const Shape& dims, bool keepdim) {
  const auto p = ops::plan_reduce(x, dims, keepdim, "prod");
  const Dtype d = is_floating_point(x.dtype()) ? x.dtype() : kInt64;  // integers and bools: int64, as PyTorch
  Tensor out = detail::make_tensor(p.out_shape, d);
  kernels::prod_rows(x.dtype(), rows_of(p), data_of(out), p.outer, p.inner);
  const Shape keep = p.keep_shape, rd = p.dims;
  // d prod = g · ∏_{j≠i} x_j (Note [prod with zeros])
  autograd::record(op_prod, out, {&x}, {&x, &out}, [keep, rd](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {prod_backward(g.reshape(keep), c.saved[0], c.saved[1].reshape(keep), rd)};
  });
  return out;
}
}  // namespace

Tensor prod(const Tensor& x) { return prod_dims(x, Shape{}, false); }
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim) { return prod_dims(x, Shape{dim}, keepdim); }

// ---- max / min / amax / amin / argmax / argmin -------------------------------------------------------

namespace {
/// amax (Max) or amin over dims. NaN propagates, as in PyTorch.
template <bool Max>
Tensor extreme(const Tensor& x, const Shape& dims, bool keepdim, const char* op, const autograd::OpName& node) {
  check_nonempty(x, ops::reduce_shape(x, dims, keepdim, op), dims.empty(), op);
  bool outer = false;
  std::int64_t mo = 0, mn = 0, mi = 0;
  const auto p = plan_outer_or_rows(x, dims, keepdim, op, outer, mo, mn, mi);
  Tensor out = detail::make_tensor(p.out_shape, x.dtype());
  if (outer) kernels::extreme_columns(Max, x.dtype(), data_of(x), data_of(out), nullptr, mo, mn, mi);
  else kernels::extreme_rows(Max, x.dtype(), rows_of(p), data_of(out), p.outer, p.inner);
  const Shape keep = p.keep_shape, rd = p.dims;
  // d amax = g shared evenly among the elements equal to the extreme (as torch.amax)
  autograd::record(node, out, {&x}, {&x, &out}, [keep, rd](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor hit = (c.saved[0] == c.saved[1].reshape(keep)).to(g.dtype());
    return {g.reshape(keep) * hit / sum(hit, rd, true)};
  });
  return out;
}

/// (values, indices) of the first maximum (Max) or minimum along dim, as torch.max(x, dim).
template <bool Max>
std::tuple<Tensor, Tensor> extreme_dim(const Tensor& x, std::int64_t dim, bool keepdim, const char* op,
                                       const autograd::OpName& node) {
  check_nonempty(x, ops::reduce_shape(x, Shape{dim}, keepdim, op), false, op);
  bool outer = false;
  std::int64_t mo = 0, mn = 0, mi = 0;
  const auto p = plan_outer_or_rows(x, Shape{dim}, keepdim, op, outer, mo, mn, mi);
  const std::int64_t d = p.dims.empty() ? 0 : p.dims[0];
  Tensor values = detail::make_tensor(p.out_shape, x.dtype());
  Tensor indices = detail::make_tensor(p.out_shape, kInt64);
  std::int64_t* ip = impl(indices).ptr<std::int64_t>();
  if (outer) kernels::extreme_columns(Max, x.dtype(), data_of(x), data_of(values), ip, mo, mn, mi);
  else kernels::arg_extreme_rows(Max, x.dtype(), rows_of(p), data_of(values), ip, p.outer, p.inner);
  const Shape in_shape = x.sizes();
  const bool unsqueeze = !keepdim && x.dim() > 0;
  // d max(x, dim) = g placed at the index of the first extreme along dim
  autograd::record(node, values, {&x}, {&indices},
                   [d, unsqueeze, in_shape](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     const Tensor gk = unsqueeze ? g.unsqueeze(d) : g;
                     const Tensor ik = unsqueeze ? c.saved[0].unsqueeze(d) : c.saved[0];
                     return {zeros(in_shape, g.dtype()).scatter_add(d, ik, gk)};
                   });
  return {values, indices};
}

/// Index of the first maximum (Max) or minimum along dim, or into the flattened tensor without dim.
template <bool Max>
Tensor arg_extreme(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim, const char* op) {
  // Without dim every dim is reduced in order, so a row is x flattened and its index the flat one.
  const Shape rd = dim ? Shape{*dim} : Shape{};
  const bool kd = dim ? keepdim : false;
  check_nonempty(x, ops::reduce_shape(x, rd, kd, op), !dim, op);
  bool outer = false;
  std::int64_t mo = 0, mn = 0, mi = 0;
  const auto p = plan_outer_or_rows(x, rd, kd, op, outer, mo, mn, mi);
  Tensor out = detail::make_tensor(p.out_shape, kInt64);
  std::int64_t* dst = impl(out).ptr<std::int64_t>();
  if (outer) kernels::extreme_columns(Max, x.dtype(), data_of(x), nullptr, dst, mo, mn, mi);
  else kernels::arg_extreme_rows(Max, x.dtype(), rows_of(p), nullptr, dst, p.outer, p.inner);
  // keepdim without dim keeps every dim as 1, as PyTorch does
  if (!dim && keepdim) return out.reshape(Shape(static_cast<std::size_t>(x.dim()), 1));
  return out;
}
}  // namespace

Tensor max(const Tensor& x) { return extreme<true>(x, Shape{}, false, "max", op_max); }
Tensor min(const Tensor& x) { return extreme<false>(x, Shape{}, false, "min", op_min); }
std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_dim<true>(x, dim, keepdim, "max", op_max);
}
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extreme_dim<false>(x, dim, keepdim, "min", op_min);
}
Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) {
  return extreme<true>(x, dims, keepdim, "amax", op_amax);
}
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) {
  return extreme<false>(x, dims, keepdim, "amin", op_amin);
}
Tensor argmax(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim) {
  return arg_extreme<true>(x, dim, keepdim, "argmax");
}
Tensor argmin(const Tensor& x, std::optional<std::int64_t> dim, bool keepdim) {
  return arg_extreme<false>(x, dim, keepdim, "argmin");
}

// ---- logsumexp, norm ---------------------------------------------------------------------------------

Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim) {
  detail::check_defined(x, "logsumexp");
  // integer and bool inputs are computed in float32, as in PyTorch
  const Tensor xf = is_floating_point(x.dtype()) ? x : x.to(kFloat32);
  bool outer = false;
  std::int64_t mo = 0, mn = 0, mi = 0;
  const auto p = plan_outer_or_rows(xf, dims, keepdim, "logsumexp", outer, mo, mn, mi);
  Tensor out = detail::make_tensor(p.out_shape, xf.dtype());
  // columns: the column maxima, then Σ exp(x − max) down the columns, no transposed copy
  if (outer) kernels::logsumexp_columns(xf.dtype(), data_of(xf), data_of(out), mo, mn, mi);
  else kernels::logsumexp_rows(xf.dtype(), rows_of(p), data_of(out), p.outer, p.inner);
  const Shape keep = p.keep_shape;
  // d logsumexp = g · exp(x − y)
  autograd::record(op_logsumexp, out, {&x}, {&xf, &out}, [keep](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {g.reshape(keep) * exp(c.saved[0] - c.saved[1].reshape(keep))};
  });
  return out;
}

namespace {
// d ‖x‖ₚ = g · sign(x) |x|ᵖ⁻¹ / ‖x‖ᵖ⁻¹ (torch.linalg.vector_norm's rule), 0 where the norm is 0
// (so the 2-norm of a zero vector has gradient 0, not NaN) and, for p < 1, where x is 0. For
// p = ±inf the gradient g · sign(x) is shared evenly among the entries with |x| = ‖x‖; p = 0
// counts non-zeros and has gradient 0. Denominators are made safe before dividing so that no inf
// enters the double-backward graph.
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& y, double p, const Shape& dims) {
  if (p == 0) return g.expand(x.sizes()) * 0.0;
  if (p == 1) return g * sign(x);
  if (std::isinf(p)) {
    const Tensor hit = (abs(x) == y).to(g.dtype());
    return g * sign(x) * hit / sum(hit, dims, true);
  }
  const Tensor norm_zero = y == 0;
  if (p == 2) return where(norm_zero, 0.0, g / where(norm_zero, 1.0, y)) * x;
  const Tensor x_zero = x == 0;
  const Tensor scaled = where(x_zero, 0.0, sign(x) * pow(where(x_zero, 1.0, abs(x)), p - 1));
  return scaled * where(norm_zero, 0.0, g / pow(where(norm_zero, 1.0, y), p - 1));
}
}  // namespace

Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  check_floating(x, "norm");
  XG_CHECK(!std::isnan(p), ValueError, "norm: the order p must be a number, got NaN");
  const auto pl = ops::plan_reduce(x, dims, keepdim, "norm");
  if (std::isinf(p)) check_nonempty(x, pl, dims.empty(), "norm");  // max/min |x| of nothing
  Tensor out = detail::make_tensor(pl.out_shape, x.dtype());
  kernels::norm_rows(x.dtype(), rows_of(pl), data_of(out), pl.outer, pl.inner, p);
  const Shape keep = pl.keep_shape, rd = pl.dims;
  // d norm: see norm_backward
  autograd::record(op_norm, out, {&x}, {&x, &out}, [p, keep, rd](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {norm_backward(g.reshape(keep), c.saved[0], c.saved[1].reshape(keep), p, rd)};
  });
  return out;
}
Tensor norm(const Tensor& x, double p) { return norm(x, p, Shape{}, false); }

// ---- softmax, log_softmax ----------------------------------------------------------------------------

namespace {
/// softmax (or log_softmax when Log) along dim. x is seen as a contiguous [outer, n, inner] block
/// and the kernel walks each lane with stride inner, so no transposition is needed.
template <bool Log>
Tensor softmax_forward(const Tensor& x, std::int64_t dim, const char* op) {
  check_floating(x, op);
  const std::int64_t nd = x.dim(), d = detail::wrap_dim(dim, nd, op);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < nd; ++i) {
    if (i < d) outer *= x.size(i);
    if (i > d) inner *= x.size(i);
  }
  const std::int64_t n = nd == 0 ? 1 : x.size(d);
  Tensor xc;
  {
    NoGradGuard ng;
    xc = x.contiguous();
  }
  Tensor out = detail::make_tensor(x.sizes(), x.dtype());
  kernels::softmax(Log, x.dtype(), data_of(xc), data_of(out), outer, n, inner);
  return out;
}
}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = softmax_forward<false>(x, dim, "softmax");
  const std::int64_t d = detail::wrap_dim(dim, x.dim(), "softmax");
  // d softmax = y · (g − Σ_dim g·y)
  autograd::record(op_softmax, y, {&x}, {&y}, [d](const Tensor& g, const BackwardCtx& c) -> TensorList {
    const Tensor& s = c.saved[0];
    return {s * (g - sum(g * s, Shape{d}, true))};
  });
  return y;
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  Tensor y = softmax_forward<true>(x, dim, "log_softmax");
  const std::int64_t d = detail::wrap_dim(dim, x.dim(), "log_softmax");
  // d log_softmax = g − exp(y) · Σ_dim g
  autograd::record(op_log_softmax, y, {&x}, {&y}, [d](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {g - exp(c.saved[0]) * sum(g, Shape{d}, true)};
  });
  return y;
}

}  // namespace xg
