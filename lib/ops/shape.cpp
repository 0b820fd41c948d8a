// Views and shape ops: reshape, view, squeeze/unsqueeze, transpose/permute, expand, slice,
// select, split/chunk, unbind. Views share storage (no copy); their backward maps the gradient back.
#include <numeric>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "ops/kernel_views.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;
using detail::wrap_dim;

XG_OP_NAME(view);
XG_OP_NAME(permute);
XG_OP_NAME(expand);
XG_OP_NAME(slice);
XG_OP_NAME(select);
XG_OP_NAME(slice_backward);
XG_OP_NAME(split_with_sizes);
XG_OP_NAME(unbind);

namespace {
Shape infer_size(const Shape& shape, std::int64_t numel, const char* op, const Shape& from) {
  Shape out = shape;
  std::int64_t known = 1, infer = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      XG_CHECK(infer < 0, ShapeError, op, ": only one dimension can be inferred (-1) in shape ", shape);
      infer = static_cast<std::int64_t>(i);
    } else {
      XG_CHECK(out[i] >= 0, ShapeError, op, ": invalid size ", out[i], " in shape ", shape);
      known = out[i] == 0 || known == 0 ? 0 : detail::checked_mul(known, out[i], op, shape);
    }
  }
  if (infer >= 0) {
    XG_CHECK(known != 0 && numel % known == 0, ShapeError, op, ": shape ", shape, " is invalid for an input of shape ",
             from, " (", numel, " elements)");
    out[infer] = numel / known;
  }
  XG_CHECK(detail::checked_numel(out, op) == numel, ShapeError, op, ": shape ", shape,
           " is invalid for an input of shape ", from, " (", numel, " elements)");
  return out;
}
}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  detail::check_defined(*this, "view");
  const Shape target = infer_size(shape, numel(), "view", sizes());
  XG_CHECK(is_contiguous(), ShapeError, "view: the input of shape ", sizes(), " with strides ", strides(),
           " is not contiguous, so it cannot be viewed as ", target, "; use reshape() (which copies)");
  Tensor out = detail::make_view(*this, target, contiguous_strides(target), storage_offset());
  const Shape in_shape = sizes();
  // d view = g reshaped back
  autograd::record(op_view, out, {this}, {},
                   [in_shape](const Tensor& g, const BackwardCtx&) -> TensorList { return {g.reshape(in_shape)}; });
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const {
  detail::check_defined(*this, "reshape");
  if (is_contiguous()) return view(infer_size(shape, numel(), "reshape", sizes()));
  return contiguous().view(infer_size(shape, numel(), "reshape", sizes()));
}

Tensor reshape(const Tensor& x, const Shape& shape) { return x.reshape(shape); }

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  detail::check_defined(*this, "flatten");
  if (dim() == 0) return reshape({1});
  const std::int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  XG_CHECK(s <= e, IndexError, "flatten: start_dim (", start_dim, ") must not come after end_dim (", end_dim, ")");
  Shape out;
  for (std::int64_t i = 0; i < s; ++i) out.push_back(size(i));
  std::int64_t m = 1;
  for (std::int64_t i = s; i <= e; ++i) m *= size(i);
  out.push_back(m);
  for (std::int64_t i = e + 1; i < dim(); ++i) out.push_back(size(i));
  return reshape(out);
}
Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) { return x.flatten(start_dim, end_dim); }

Tensor Tensor::unflatten(std::int64_t d, const Shape& sz) const {
  detail::check_defined(*this, "unflatten");
  d = wrap_dim(d, dim(), "unflatten");
  const Shape inner = infer_size(sz, size(d), "unflatten", sizes());
  Shape out;
  for (std::int64_t i = 0; i < dim(); ++i) {
    if (i == d)
      for (auto v : inner) out.push_back(v);
    else out.push_back(size(i));
  }
  return reshape(out);
}

Tensor Tensor::permute(const Shape& dims) const {
  detail::check_defined(*this, "permute");
  const std::int64_t n = dim();
  XG_CHECK(static_cast<std::int64_t>(dims.size()) == n, ShapeError, "permute: got ", dims.size(), " dimensions ", dims,
           " for a tensor of shape ", sizes());
  Shape perm(n), shape(n), st(n), inv(n);
  std::vector<bool> seen(n, false);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t d = wrap_dim(dims[i], n, "permute");
    XG_CHECK(!seen[d], ShapeError, "permute: dimension ", d, " repeats in ", dims);
    seen[d] = true;
    perm[i] = d;
    shape[i] = size(d);
    st[i] = stride(d);
    inv[d] = i;
  }
  Tensor out = detail::make_view(*this, shape, st, storage_offset());
  // d permute = g permuted by the inverse
  autograd::record(op_permute, out, {this}, {},
                   [inv](const Tensor& g, const BackwardCtx&) -> TensorList { return {g.permute(inv)}; });
  return out;
}
Tensor permute(const Tensor& x, const Shape& dims) { return x.permute(dims); }

Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  detail::check_defined(*this, "transpose");
  if (dim() == 0) return *this;
  d0 = wrap_dim(d0, dim(), "transpose");
  d1 = wrap_dim(d1, dim(), "transpose");
  Shape p(dim());
  std::iota(p.begin(), p.end(), 0);
  std::swap(p[d0], p[d1]);
  return permute(p);
}
Tensor transpose(const Tensor& x, std::int64_t d0, std::int64_t d1) { return x.transpose(d0, d1); }

Tensor Tensor::t() const {
  detail::check_defined(*this, "t");
  XG_CHECK(dim() <= 2, ShapeError, "t: expects a tensor with at most 2 dimensions, got shape ", sizes(),
           " (use transpose or permute)");
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::squeeze() const {
  detail::check_defined(*this, "squeeze");
  Shape s;
  for (std::int64_t v : sizes())
    if (v != 1) s.push_back(v);
  return s.size() == sizes().size() ? *this : reshape(s);
}
Tensor Tensor::squeeze(std::int64_t d) const {
  detail::check_defined(*this, "squeeze");
  if (dim() == 0) return *this;
  d = wrap_dim(d, dim(), "squeeze");
  if (size(d) != 1) return *this;
  Shape s = sizes(), st = strides();
  s.erase(d);
  st.erase(d);
  Tensor out = detail::make_view(*this, s, st, storage_offset());
  const Shape in_shape = sizes();
  autograd::record(op_view, out, {this}, {},
                   [in_shape](const Tensor& g, const BackwardCtx&) -> TensorList { return {g.reshape(in_shape)}; });
  return out;
}
Tensor squeeze(const Tensor& x) { return x.squeeze(); }
Tensor squeeze(const Tensor& x, std::int64_t d) { return x.squeeze(d); }

Tensor Tensor::unsqueeze(std::int64_t d) const {
  detail::check_defined(*this, "unsqueeze");
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape s = sizes(), st = strides();
  const std::int64_t new_stride = d < dim() ? size(d) * stride(d) : 1;
  s.insert(d, 1);
  st.insert(d, new_stride);
  Tensor out = detail::make_view(*this, s, st, storage_offset());
  const Shape in_shape = sizes();
  autograd::record(op_view, out, {this}, {},
                   [in_shape](const Tensor& g, const BackwardCtx&) -> TensorList { return {g.reshape(in_shape)}; });
  return out;
}
Tensor unsqueeze(const Tensor& x, std::int64_t d) { return x.unsqueeze(d); }

Tensor Tensor::expand(const Shape& target) const {
  detail::check_defined(*this, "expand");
  const std::int64_t n = static_cast<std::int64_t>(target.size()), m = dim();
  XG_CHECK(n >= m, ShapeError, "expand: the target shape ", target, " has fewer dimensions than the input shape ",
           sizes());
  Shape shape(n), st(n);
  for (std::int64_t i = n - 1; i >= 0; --i) {
    const std::int64_t j = i - (n - m);
    const std::int64_t want = target[i];
    if (j >= 0) {
      const std::int64_t have = size(j);
      const std::int64_t s = want == -1 ? have : want;
      XG_CHECK(s >= 0, ShapeError, "expand: invalid size ", want, " for dimension ", i, " in ", target);
      XG_CHECK(have == s || have == 1, ShapeError, "expand: the input shape ", sizes(), " cannot be expanded to ",
               target, " (dimension ", i, ": ", have, " vs ", s, ")");
      shape[i] = s;
      st[i] = have == s ? stride(j) : 0;
    } else {
      XG_CHECK(want >= 0, ShapeError, "expand: -1 is not allowed for the new leading dimension ", i, " in ", target);
      shape[i] = want;
      st[i] = 0;
    }
  }
  if (shape == sizes()) return *this;
  detail::checked_numel(shape, "expand");  // Note [Checked shape arithmetic]
  Tensor out = detail::make_view(*this, shape, st, storage_offset());
  const Shape in_shape = sizes();
  // d expand = g summed over the expanded dims
  autograd::record(op_expand, out, {this}, {},
                   [in_shape](const Tensor& g, const BackwardCtx&) -> TensorList { return {sum_to(g, in_shape)}; });
  return out;
}
Tensor expand(const Tensor& x, const Shape& sizes) { return x.expand(sizes); }

Tensor Tensor::slice(std::int64_t d, std::optional<std::int64_t> start_opt, std::optional<std::int64_t> end_opt,
                     std::int64_t step) const {
  detail::check_defined(*this, "slice");
  XG_CHECK(dim() > 0, IndexError, "slice: cannot slice a 0-d tensor");
  d = wrap_dim(d, dim(), "slice");
  XG_CHECK(step > 0, ValueError, "slice: step must be positive, got ", step);
  const std::int64_t n = size(d);
  std::int64_t start = start_opt.value_or(0), end = end_opt.value_or(n);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  end = std::clamp<std::int64_t>(end, start, n);
  Shape s = sizes(), st = strides();
  s[d] = end == start ? 0 : (end - start - 1) / step + 1;  // ceil((end - start) / step) without overflow
  st[d] = stride(d) * step;
  Tensor out = detail::make_view(*this, s, st, storage_offset() + start * stride(d));
  const Shape in_shape = sizes();
  // d slice = g placed back into zeros at the slice
  autograd::record(op_slice, out, {this}, {}, [=](const Tensor& g, const BackwardCtx&) -> TensorList {
    return {slice_backward(g, in_shape, d, start, end, step)};
  });
  return out;
}
Tensor slice(const Tensor& x, std::int64_t d, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
             std::int64_t step) {
  return x.slice(d, start, end, step);
}

Tensor Tensor::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  detail::check_defined(*this, "narrow");
  XG_CHECK(dim() > 0, IndexError, "narrow: cannot narrow a 0-d tensor");
  const std::int64_t dd = wrap_dim(d, dim(), "narrow");
  const std::int64_t n = size(dd);
  const std::int64_t given = start;
  if (start < 0) start += n;
  // length <= n - start, not start + length <= n: the sum can overflow (narrow(x, 0, 1, INT64_MAX))
  XG_CHECK(start >= 0 && length >= 0 && length <= n - start, IndexError, "narrow: start ", given, " and length ",
           length, " are out of range for dimension ", d, " of size ", n, " (shape ", sizes(), ")");
  return slice(dd, start, start + length, 1);
}
Tensor narrow(const Tensor& x, std::int64_t d, std::int64_t start, std::int64_t length) {
  return x.narrow(d, start, length);
}

Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  detail::check_defined(*this, "select");
  XG_CHECK(dim() > 0, IndexError, "select: cannot index a 0-d tensor");
  d = wrap_dim(d, dim(), "select");
  const std::int64_t n = size(d);
  XG_CHECK(index >= -n && index < n, IndexError, "select: index ", index, " is out of range for dimension ", d,
           " of size ", n, " (shape ", sizes(), ")");
  if (index < 0) index += n;
  Shape s = sizes(), st = strides();
  s.erase(d);
  st.erase(d);
  Tensor out = detail::make_view(*this, s, st, storage_offset() + index * stride(d));
  const Shape in_shape = sizes();
  // d select = g placed back at the index
  autograd::record(op_select, out, {this}, {}, [=](const Tensor& g, const BackwardCtx&) -> TensorList {
    return {slice_backward(g.unsqueeze(d), in_shape, d, index, index + 1, 1)};
  });
  return out;
}
Tensor select(const Tensor& x, std::int64_t d, std::int64_t index) { return x.select(d, index); }

Tensor slice_backward(const Tensor& grad, const Shape& input_sizes, std::int64_t d, std::int64_t start,
                      std::int64_t end, std::int64_t step) {
  detail::check_defined(grad, "slice_backward");
  Tensor out = zeros(input_sizes, grad.dtype());
  {
    NoGradGuard ng;
    Tensor view = out.slice(d, start, end, step);
    XG_CHECK(view.sizes() == grad.sizes(), ShapeError, "slice_backward: gradient of shape ", grad.sizes(),
             " does not match the slice of shape ", view.sizes());
    kernels::copy_into(impl(grad), impl(view));
  }
  // d slice_backward = gg sliced
  autograd::record(op_slice_backward, out, {&grad}, {},
                   [=](const Tensor& g, const BackwardCtx&) -> TensorList { return {g.slice(d, start, end, step)}; });
  return out;
}

// Note [Multi-output views]
// split / chunk / unbind return views of x made by one multi-output node, not one slice node per
// piece: a slice's backward builds a zero tensor of x's full size, so joining P pieces that way
// costs O(P · numel) (quadratic over the time steps of a sequence), where the node below joins
// the pieces' gradients with one cat / stack into a single buffer (zeros only for the pieces that
// got no gradient, each of its own size).

TensorList split_with_sizes(const Tensor& x, const Shape& split_sizes, std::int64_t d) {
  detail::check_defined(x, "split_with_sizes");
  XG_CHECK(x.dim() > 0, IndexError, "split_with_sizes: cannot split a 0-d tensor");
  d = wrap_dim(d, x.dim(), "split_with_sizes");
  std::int64_t total = 0;
  for (auto s : split_sizes) {
    XG_CHECK(s >= 0, ValueError, "split_with_sizes: negative size in ", split_sizes);
    total += s;
  }
  XG_CHECK(total == x.size(d), ShapeError, "split_with_sizes: sizes ", split_sizes, " sum to ", total,
           " but dimension ", d, " has size ", x.size(d), " (shape ", x.sizes(), ")");
  TensorList out;
  out.reserve(split_sizes.size());
  std::int64_t start = 0;
  for (auto len : split_sizes) {
    Shape s = x.sizes();
    s[d] = len;
    out.push_back(detail::make_view(x, s, x.strides(), x.storage_offset() + start * x.stride(d)));
    start += len;
  }
  const Shape sizes = split_sizes;
  const Dtype dtype = x.dtype();
  // d split = the pieces' gradients joined along dim (zeros for pieces without one)
  autograd::record_multi(op_split_with_sizes, out, {&x},
                         [d, sizes, dtype, shape = x.sizes()](const TensorList& gs, const BackwardCtx&) -> TensorList {
                           TensorList parts(gs.size());
                           for (std::size_t i = 0; i < gs.size(); ++i) {
                             if (gs[i].defined()) {
                               parts[i] = gs[i];
                             } else {
                               Shape s = shape;
                               s[d] = sizes[i];
                               parts[i] = zeros(s, dtype);
                             }
                           }
                           return {parts.size() == 1 ? parts[0] : cat(parts, d)};
                         });
  return out;
}

TensorList unbind(const Tensor& x, std::int64_t d) {
  detail::check_defined(x, "unbind");
  XG_CHECK(x.dim() > 0, IndexError, "unbind: cannot unbind a 0-d tensor");
  d = wrap_dim(d, x.dim(), "unbind");
  Shape s = x.sizes(), st = x.strides();
  s.erase(d);
  st.erase(d);
  TensorList out;
  out.reserve(static_cast<std::size_t>(x.size(d)));
  for (std::int64_t i = 0; i < x.size(d); ++i)
    out.push_back(detail::make_view(x, s, st, x.storage_offset() + i * x.stride(d)));
  const Dtype dtype = x.dtype();
  // d unbind = the slices' gradients stacked along dim (zeros for slices without one)
  autograd::record_multi(op_unbind, out, {&x}, [d, s, dtype](const TensorList& gs, const BackwardCtx&) -> TensorList {
    TensorList parts(gs.size());
    for (std::size_t i = 0; i < gs.size(); ++i) parts[i] = gs[i].defined() ? gs[i] : zeros(s, dtype);
    return {stack(parts, d)};
  });
  return out;
}
TensorList Tensor::unbind(std::int64_t d) const { return xg::unbind(*this, d); }

TensorList split(const Tensor& x, std::int64_t split_size, std::int64_t d) {
  detail::check_defined(x, "split");
  XG_CHECK(split_size > 0, ValueError, "split: split_size must be positive, got ", split_size);
  d = wrap_dim(d, x.dim(), "split");
  Shape sizes;
  for (std::int64_t s = 0; s < x.size(d); s += split_size) sizes.push_back(std::min(split_size, x.size(d) - s));
  if (sizes.empty()) sizes.push_back(0);
  return split_with_sizes(x, sizes, d);
}

TensorList chunk(const Tensor& x, std::int64_t chunks, std::int64_t d) {
  detail::check_defined(x, "chunk");
  XG_CHECK(chunks > 0, ValueError, "chunk: the number of chunks must be positive, got ", chunks);
  d = wrap_dim(d, x.dim(), "chunk");
  const std::int64_t n = x.size(d);
  return split(x, std::max<std::int64_t>(1, (n + chunks - 1) / chunks), d);
}

TensorList Tensor::split(std::int64_t s, std::int64_t d) const { return xg::split(*this, s, d); }
TensorList Tensor::chunk(std::int64_t c, std::int64_t d) const { return xg::chunk(*this, c, d); }

}  // namespace xg
