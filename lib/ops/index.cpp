// Indexing and joining: cat, stack, repeat, index_select / index_add, gather / scatter_add, pad,
// embedding. The derivative pairs are adjoint to each other — index_select ↔ index_add,
// gather ↔ scatter_add, pad ↔ pad with negated widths, cat ↔ narrow — so every rule is written
// with an op whose own rule exists, and double backward follows.
#include <algorithm>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "ops/kernel_views.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;
using detail::wrap_dim;

XG_OP_NAME(cat);
XG_OP_NAME(index_select);
XG_OP_NAME(index_add);
XG_OP_NAME(gather);
XG_OP_NAME(scatter_add);
XG_OP_NAME(pad);

namespace {

/// A contiguous copy (or t itself) for a kernel to read; never part of the graph.
Tensor contiguous_data(const Tensor& t) {
  NoGradGuard ng;
  return t.contiguous();
}

/// A fresh contiguous copy of t, outside the graph (the op's own node carries the gradient).
Tensor copy_data(const Tensor& t) {
  Tensor out = detail::make_tensor(t.sizes(), t.dtype());
  kernels::copy_into(impl(t), impl(out));
  return out;
}

void check_index(const char* op, const Tensor& index) {
  detail::check_defined(index, op, "index");
  XG_CHECK(index.dtype() == kInt64, DtypeError, op, ": expected an int64 index tensor, got ", index.dtype());
}

/// Sizes of the dims before and after `dim`: a tensor viewed as [outer, size(dim), inner].
std::pair<std::int64_t, std::int64_t> outer_inner(const Shape& s, std::int64_t dim) {
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < static_cast<std::int64_t>(s.size()); ++d) {
    if (d < dim) outer *= s[d];
    if (d > dim) inner *= s[d];
  }
  return {outer, inner};
}

/// Checks that every entry of a (contiguous) int64 index lies in [0, n).
void check_range(const char* op, const Tensor& idx, std::int64_t dim, std::int64_t n, const Shape& shape) {
  const std::int64_t* ip = impl(idx).ptr<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i)
    XG_CHECK(ip[i] >= 0 && ip[i] < n, IndexError, op, ": index ", ip[i], " is out of bounds for dimension ", dim,
             " with size ", n, " (input shape ", shape, ")");
}

}  // namespace

// ---- cat, stack, repeat ------------------------------------------------------------------------

Tensor cat(const TensorList& tensors, std::int64_t dim) {
  XG_CHECK(!tensors.empty(), ValueError, "cat: expected a non-empty list of tensors");
  // PyTorch's legacy rule: 1-D empty tensors ([0]) are skipped whatever the other shapes are.
  auto skipped = [](const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; };
  std::int64_t ref = -1;
  Dtype dtype = kBool;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    detail::check_defined(tensors[i], "cat", "a tensor of the list");
    XG_CHECK(tensors[i].dim() > 0, ShapeError, "cat: zero-dimensional tensor (at position ", i,
             ") cannot be concatenated");
    dtype = i == 0 ? tensors[i].dtype() : promote_types(dtype, tensors[i].dtype());
    if (ref < 0 && !skipped(tensors[i])) ref = static_cast<std::int64_t>(i);
  }
  if (ref < 0) ref = 0;  // all empty: the result is empty too
  const Tensor& first = tensors[ref];
  const std::int64_t d = wrap_dim(dim, first.dim(), "cat");
  Shape out_shape = first.sizes();
  out_shape[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t) && static_cast<std::int64_t>(i) != ref) continue;
    XG_CHECK(t.dim() == first.dim(), ShapeError, "cat: tensors must have the same number of dimensions: tensor ", ref,
             " has shape ", first.sizes(), " but tensor ", i, " has shape ", t.sizes());
    for (std::int64_t k = 0; k < t.dim(); ++k)
      XG_CHECK(k == d || t.size(k) == first.size(k), ShapeError,
               "cat: sizes of tensors must match except in dimension ", d, ": tensor ", ref, " has shape ",
               first.sizes(), " but tensor ", i, " has shape ", t.sizes(), " (dimension ", k, ": ", first.size(k),
               " != ", t.size(k), ")");
    out_shape[d] += t.size(d);
  }
  Tensor out = detail::make_tensor(out_shape, dtype);
  std::vector<std::int64_t> starts(tensors.size(), -1), lengths(tensors.size(), 0);
  {
    NoGradGuard ng;
    std::int64_t at = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
      const Tensor& t = tensors[i];
      if (skipped(t) && static_cast<std::int64_t>(i) != ref) continue;
      starts[i] = at;
      lengths[i] = t.size(d);
      Tensor dst = out.narrow(d, at, t.size(d));
      kernels::copy_into(impl(t), impl(dst));
      at += t.size(d);
    }
  }
  // d cat = the slice of g each input landed in
  autograd::record(op_cat, out, tensors, {}, [d, starts, lengths](const Tensor& g, const BackwardCtx& c) -> TensorList {
    TensorList grads(starts.size());
    for (std::size_t i = 0; i < starts.size(); ++i)
      if (c.needs(i) && starts[i] >= 0) grads[i] = g.narrow(d, starts[i], lengths[i]);
    return grads;
  });
  return out;
}

Tensor stack(const TensorList& tensors, std::int64_t dim) {
  XG_CHECK(!tensors.empty(), ValueError, "stack: expected a non-empty list of tensors");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    detail::check_defined(tensors[i], "stack", "a tensor of the list");
    XG_CHECK(tensors[i].sizes() == tensors[0].sizes(), ShapeError,
             "stack: expects each tensor to be equal size, but got ", tensors[0].sizes(), " at entry 0 and ",
             tensors[i].sizes(), " at entry ", i);
  }
  const std::int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  TensorList parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(d));
  return cat(parts, d);
}

// x.repeat(r): view x as [1, s₀, 1, s₁, ...], expand to [r₀, s₀, r₁, s₁, ...], flatten pairs.
// Built from reshape and expand, so the gradient is expand's: g summed over the copies.
Tensor repeat(const Tensor& x, const Shape& repeats) {
  detail::check_defined(x, "repeat");
  const std::int64_t nr = static_cast<std::int64_t>(repeats.size()), nd = x.dim();
  XG_CHECK(nr >= nd, ShapeError, "repeat: number of dimensions of repeat dims (", nr,
           ") can not be smaller than number of dimensions of tensor (", nd, "); got repeats ", repeats, " for shape ",
           x.sizes());
  Shape interleaved, expanded, out_shape;
  for (std::int64_t i = 0; i < nr; ++i) {
    XG_CHECK(repeats[i] >= 0, ValueError, "repeat: repeats must be non-negative, got ", repeats);
    const std::int64_t s = i < nr - nd ? 1 : x.size(i - (nr - nd));
    interleaved.push_back(1);
    interleaved.push_back(s);
    expanded.push_back(repeats[i]);
    expanded.push_back(s);
    out_shape.push_back(detail::checked_mul(repeats[i], s, "repeat", repeats));
  }
  detail::checked_numel(out_shape, "repeat");  // Note [Checked shape arithmetic]
  Tensor out = x.reshape(interleaved).expand(expanded).reshape(out_shape);
  // repeat always returns new memory, as in PyTorch, even when every repeat is 1.
  if (impl(out).storage == impl(x).storage) out = out.clone();
  return out;
}

// ---- index_select / index_add --------------------------------------------------------------------

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  detail::check_defined(x, "index_select");
  check_index("index_select", index);
  XG_CHECK(x.dim() >= 1, IndexError, "index_select: cannot index a 0-d tensor");
  XG_CHECK(index.dim() <= 1, ShapeError, "index_select: the index must be 1-D, got shape ", index.sizes());
  const std::int64_t d = wrap_dim(dim, x.dim(), "index_select");
  const Tensor idx = contiguous_data(index);
  check_range("index_select", idx, d, x.size(d), x.sizes());
  Shape out_shape = x.sizes();
  out_shape[d] = idx.numel();
  Tensor out = detail::make_tensor(out_shape, x.dtype());
  const Tensor xc = contiguous_data(x);
  const auto [outer, inner] = outer_inner(x.sizes(), d);
  const std::int64_t n = x.size(d), m = idx.numel();
  const std::int64_t* ip = impl(idx).ptr<std::int64_t>();
  kernels::dispatch_all(x.dtype(), "index_select", [&]<class T>() {
    const T* src = impl(xc).ptr<T>();
    T* dst = impl(out).ptr<T>();
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t i = 0; i < m; ++i) std::copy_n(src + (o * n + ip[i]) * inner, inner, dst + (o * m + i) * inner);
  });
  const Shape in_shape = x.sizes();
  // d index_select = g added back at the selected positions: zeros.index_add(dim, index, g)
  autograd::record(op_index_select, out, {&x}, {&index},
                   [d, in_shape](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {zeros(in_shape, g.dtype()).index_add(d, c.saved[0], g)};
                   });
  return out;
}

Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source) {
  detail::check_defined(self, "index_add", "self");
  detail::check_defined(source, "index_add", "source");
  check_index("index_add", index);
  XG_CHECK(self.dim() >= 1, IndexError, "index_add: cannot index a 0-d tensor");
  XG_CHECK(index.dim() <= 1, ShapeError, "index_add: the index must be 1-D, got shape ", index.sizes());
  XG_CHECK(self.dtype() == source.dtype(), DtypeError, "index_add: self (", self.dtype(), ") and source (",
           source.dtype(), ") must have the same dtype");
  const std::int64_t d = wrap_dim(dim, self.dim(), "index_add");
  XG_CHECK(source.dim() == self.dim(), ShapeError, "index_add: source of shape ", source.sizes(),
           " must have as many dimensions as self of shape ", self.sizes());
  for (std::int64_t k = 0; k < self.dim(); ++k) {
    const std::int64_t want = k == d ? index.numel() : self.size(k);
    XG_CHECK(source.size(k) == want, ShapeError, "index_add: source of shape ", source.sizes(),
             " does not fit self of shape ", self.sizes(), " and an index of ", index.numel(), " entries along dim ", d,
             " (dimension ", k, ": expected ", want, ", got ", source.size(k), ")");
  }
  const Tensor idx = contiguous_data(index);
  check_range("index_add", idx, d, self.size(d), self.sizes());
  Tensor out = copy_data(self);
  const Tensor sc = contiguous_data(source);
  const auto [outer, inner] = outer_inner(self.sizes(), d);
  const std::int64_t n = self.size(d), m = idx.numel();
  const std::int64_t* ip = impl(idx).ptr<std::int64_t>();
  kernels::dispatch_numeric(self.dtype(), "index_add", [&]<class T>() {
    const T* src = impl(sc).ptr<T>();
    T* dst = impl(out).ptr<T>();
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t i = 0; i < m; ++i) {
        T* row = dst + (o * n + ip[i]) * inner;
        const T* from = src + (o * m + i) * inner;
        for (std::int64_t j = 0; j < inner; ++j) row[j] += from[j];
      }
  });
  // d index_add = (g, g.index_select(dim, index))
  autograd::record(op_index_add, out, {&self, &source}, {&index},
                   [d](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {c.needs(0) ? g : Tensor(), c.needs(1) ? g.index_select(d, c.saved[0]) : Tensor()};
                   });
  return out;
}

// ---- gather / scatter_add ------------------------------------------------------------------------

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  detail::check_defined(x, "gather");
  check_index("gather", index);
  XG_CHECK(index.dim() == x.dim(), ShapeError, "gather: index of shape ", index.sizes(),
           " must have as many dimensions as the input of shape ", x.sizes());
  const std::int64_t nd = x.dim(), d = wrap_dim(dim, nd, "gather");
  for (std::int64_t k = 0; k < nd; ++k)
    XG_CHECK(k == d || index.size(k) <= x.size(k), ShapeError, "gather: index of shape ", index.sizes(),
             " is larger than the input of shape ", x.sizes(), " in dimension ", k);
  const std::int64_t n = nd == 0 ? 1 : x.size(d);
  Tensor out = detail::make_tensor(index.sizes(), x.dtype());
  // x's strides with the gathered dim zeroed: the row offsets then cover the other dims, and the
  // index value times the dim's stride is added per element.
  Shape xs = impl(x).strides;
  const std::int64_t step = nd == 0 ? 0 : xs[d];
  if (nd > 0) xs[d] = 0;
  const Shape os = contiguous_strides(index.sizes());
  const std::int64_t* ip = impl(index).ptr<std::int64_t>();
  kernels::dispatch_all(x.dtype(), "gather", [&]<class T>() {
    const T* src = impl(x).ptr<T>();
    T* dst = impl(out).ptr<T>();
    kernels::for_each_row<3>(
        index.sizes(), {&xs, &impl(index).strides, &os}, [&](std::int64_t len, const auto& off, const auto& st) {
          for (std::int64_t i = 0; i < len; ++i) {
            const std::int64_t v = ip[off[1] + i * st[1]];
            XG_CHECK(v >= 0 && v < n, IndexError, "gather: index ", v, " is out of bounds for dimension ", d,
                     " with size ", n, " (input shape ", x.sizes(), ")");
            dst[off[2] + i * st[2]] = src[off[0] + i * st[0] + v * step];
          }
        });
  });
  const Shape in_shape = x.sizes();
  // d gather = g added back where it was read from: zeros.scatter_add(dim, index, g)
  autograd::record(op_gather, out, {&x}, {&index}, [d, in_shape](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {zeros(in_shape, g.dtype()).scatter_add(d, c.saved[0], g)};
  });
  return out;
}

Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  detail::check_defined(self, "scatter_add", "self");
  detail::check_defined(src, "scatter_add", "src");
  check_index("scatter_add", index);
  XG_CHECK(self.dtype() == src.dtype(), DtypeError, "scatter_add: self (", self.dtype(), ") and src (", src.dtype(),
           ") must have the same dtype");
  XG_CHECK(index.dim() == self.dim() && src.dim() == self.dim(), ShapeError, "scatter_add: self of shape ",
           self.sizes(), ", index of shape ", index.sizes(), " and src of shape ", src.sizes(),
           " must have the same number of dimensions");
  const std::int64_t nd = self.dim(), d = wrap_dim(dim, nd, "scatter_add");
  for (std::int64_t k = 0; k < nd; ++k) {
    XG_CHECK(index.size(k) <= src.size(k), ShapeError, "scatter_add: index of shape ", index.sizes(),
             " is larger than src of shape ", src.sizes(), " in dimension ", k);
    XG_CHECK(k == d || index.size(k) <= self.size(k), ShapeError, "scatter_add: index of shape ", index.sizes(),
             " is larger than self of shape ", self.sizes(), " in dimension ", k);
  }
  const std::int64_t n = nd == 0 ? 1 : self.size(d);
  Tensor out = copy_data(self);
  Shape os = impl(out).strides;
  const std::int64_t step = nd == 0 ? 0 : os[d];
  if (nd > 0) os[d] = 0;
  const std::int64_t* ip = impl(index).ptr<std::int64_t>();
  kernels::dispatch_numeric(self.dtype(), "scatter_add", [&]<class T>() {
    const T* from = impl(src).ptr<T>();
    T* dst = impl(out).ptr<T>();
    kernels::for_each_row<3>(index.sizes(), {&os, &impl(index).strides, &impl(src).strides},
                             [&](std::int64_t len, const auto& off, const auto& st) {
                               for (std::int64_t i = 0; i < len; ++i) {
                                 const std::int64_t v = ip[off[1] + i * st[1]];
                                 XG_CHECK(v >= 0 && v < n, IndexError, "scatter_add: index ", v,
                                          " is out of bounds for dimension ", d, " with size ", n, " (self shape ",
                                          self.sizes(), ")");
                                 dst[off[0] + i * st[0] + v * step] += from[off[2] + i * st[2]];
                               }
                             });
  });
  // Where src is larger than index, its extra entries were not read: their gradient is zero,
  // so the gathered gradient is padded at the end of each dim back to src's shape.
  Shape src_pads;
  bool padded = false;
  for (std::int64_t k = nd - 1; k >= 0; --k) {
    src_pads.push_back(0);
    src_pads.push_back(src.size(k) - index.size(k));
    padded = padded || src.size(k) != index.size(k);
  }
  // d scatter_add = (g, g.gather(dim, index))
  autograd::record(op_scatter_add, out, {&self, &src}, {&index},
                   [d, src_pads, padded](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     Tensor gs;
                     if (c.needs(1)) {
                       gs = g.gather(d, c.saved[0]);
                       if (padded) gs = pad(gs, src_pads);
                     }
                     return {c.needs(0) ? g : Tensor(), gs};
                   });
  return out;
}

// ---- pad -------------------------------------------------------------------------------------------

Tensor pad(const Tensor& x, const Shape& pads, double value) {
  detail::check_defined(x, "pad");
  const std::int64_t np = static_cast<std::int64_t>(pads.size()), nd = x.dim();
  XG_CHECK(np % 2 == 0, ValueError, "pad: padding length must be divisible by 2, got ", np, " values ", pads);
  XG_CHECK(np / 2 <= nd, ShapeError, "pad: padding ", pads, " covers ", np / 2, " dimensions but the input of shape ",
           x.sizes(), " has only ", nd);
  // Pair j (lo, hi) pads dim nd-1-j. A negative width crops.
  Shape out_shape = x.sizes();
  for (std::int64_t j = 0; j < np / 2; ++j) {
    const std::int64_t k = nd - 1 - j;
    out_shape[k] = x.size(k) + pads[2 * j] + pads[2 * j + 1];
    XG_CHECK(out_shape[k] >= 0, ShapeError, "pad: padding (", pads[2 * j], ", ", pads[2 * j + 1], ") of dimension ", k,
             " of size ", x.size(k), " gives a negative output size ", out_shape[k], " (input shape ", x.sizes(), ")");
  }
  Tensor out = full(out_shape, value, x.dtype());
  {
    // Copy the part of x that survives the crops into the part of out past the pads.
    NoGradGuard ng;
    Tensor src = x, dst = out;
    bool empty = false;
    for (std::int64_t j = 0; j < np / 2; ++j) {
      const std::int64_t k = nd - 1 - j, lo = pads[2 * j], hi = pads[2 * j + 1];
      const std::int64_t len = x.size(k) + std::min<std::int64_t>(lo, 0) + std::min<std::int64_t>(hi, 0);
      if (len <= 0) {
        empty = true;
        break;
      }
      src = src.narrow(k, std::max<std::int64_t>(-lo, 0), len);
      dst = dst.narrow(k, std::max<std::int64_t>(lo, 0), len);
    }
    if (!empty) kernels::copy_into(impl(src), impl(dst));
  }
  Shape neg = pads;
  for (auto& p : neg) p = -p;
  // d pad = g with the pads cropped and the crops zero-padded: pad(g, -pads)
  autograd::record(op_pad, out, {&x}, {},
                   [neg](const Tensor& g, const BackwardCtx&) -> TensorList { return {pad(g, neg, 0.0)}; });
  return out;
}

// ---- embedding -------------------------------------------------------------------------------------

Tensor embedding(const Tensor& weight, const Tensor& indices) {
  detail::check_defined(weight, "embedding", "weight");
  detail::check_defined(indices, "embedding", "indices");
  XG_CHECK(weight.dim() == 2, ShapeError,
           "embedding: the weight must be 2-D [num_embeddings, embedding_dim], got shape ", weight.sizes());
  XG_CHECK(indices.dtype() == kInt64, DtypeError, "embedding: expected int64 indices, got ", indices.dtype());
  const Tensor idx = contiguous_data(indices).reshape({-1});
  const std::int64_t rows = weight.size(0);
  const std::int64_t* ip = impl(idx).ptr<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i)
    XG_CHECK(ip[i] >= 0 && ip[i] < rows, IndexError, "embedding: index ", ip[i], " is out of range for a table of ",
             rows, " rows (weight shape ", weight.sizes(), ")");
  Shape out_shape = indices.sizes();
  out_shape.push_back(weight.size(1));
  // Row lookup = index_select of the flattened indices; its rule gives the scatter-add of rows.
  return weight.index_select(0, idx).reshape(out_shape);
}

}  // namespace xg
