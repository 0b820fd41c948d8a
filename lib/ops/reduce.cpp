// Reductions: sum, mean, var, std, prod, max/min, amax/amin, argmax/argmin, logsumexp, norm,
// softmax / log_softmax, and sum_to (the adjoint of broadcasting).
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "kernels/dispatch.hpp"
#include "ops/reduce_util.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;

XG_OP_NAME(sum);

namespace ops {
ReducePlan plan_reduce(const Tensor& x, const Shape& dims_in, bool keepdim, const char* op) {
  detail::check_defined(x, op);
  ReducePlan p;
  const std::int64_t nd = x.dim();
  std::vector<bool> reduced(static_cast<std::size_t>(std::max<std::int64_t>(nd, 0)), dims_in.empty());
  for (std::int64_t d : dims_in) {
    const std::int64_t w = detail::wrap_dim(d, nd, op);
    if (nd == 0) continue;
    XG_CHECK(!reduced[w], ShapeError, op, ": dimension ", d, " appears more than once in ", dims_in);
    reduced[w] = true;
  }
  Shape perm;
  for (std::int64_t i = 0; i < nd; ++i) {
    if (!reduced[i]) {
      perm.push_back(i);
      p.outer *= x.size(i);
      p.out_shape.push_back(x.size(i));
      p.keep_shape.push_back(x.size(i));
    } else {
      p.out_shape.push_back(1);
      p.keep_shape.push_back(1);
      if (!keepdim) p.out_shape.pop_back();
    }
  }
  for (std::int64_t i = 0; i < nd; ++i) {
    if (reduced[i]) {
      perm.push_back(i);
      p.inner *= x.size(i);
      p.dims.push_back(i);
    }
  }
  NoGradGuard ng;
  p.rows = (nd == 0 ? x : x.permute(perm)).contiguous();
  return p;
}
}  // namespace ops

namespace {
template <class T> using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  const auto p = ops::plan_reduce(x, dims, keepdim, "sum");
  const Dtype d = is_floating_point(x.dtype()) ? x.dtype() : kInt64;
  Tensor out = detail::make_tensor(p.out_shape, d);
  kernels::dispatch_all(x.dtype(), "sum", [&]<class T>() {
    using R = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;
    const T* src = impl(p.rows).ptr<T>();
    R* dst = impl(out).ptr<R>();
    for (std::int64_t o = 0; o < p.outer; ++o) {
      Acc<T> acc = 0;
      const T* row = src + o * p.inner;
      for (std::int64_t i = 0; i < p.inner; ++i) acc += static_cast<Acc<T>>(row[i]);
      dst[o] = static_cast<R>(acc);
    }
  });
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
    else
      XG_CHECK(want == x.size(i), ShapeError, "sum_to: shape ", x.sizes(), " cannot be summed to ", shape);
  }
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  const auto p = ops::plan_reduce(x, dims, keepdim, "mean");
  XG_CHECK(is_floating_point(x.dtype()), DtypeError, "mean: expected a floating-point tensor, got ", x.dtype(),
           " (convert with to(xg::kFloat32))");
  return sum(x, dims, keepdim) / static_cast<double>(p.inner);
}
Tensor mean(const Tensor& x) { return mean(x, Shape{}, false); }

}  // namespace xg
