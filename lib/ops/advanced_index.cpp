// Advanced indexing with NumPy / PyTorch semantics: index and index_put (each the other's
// derivative: the gradient of a read is an accumulating write of g at the same positions, the
// gradient of a write is a read of g there), the index expressions of Tensor::index /
// Tensor::index_put_ (Python's x[...] and x[...] = v), and the ops built on them: masked_select,
// masked_scatter, take_along_dim, nonzero, where(condition).
#include <string_view>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "ops/kernel_views.hpp"
#include "ops/inplace.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;
using indexing::TensorIndex;

XG_OP_NAME(index);
XG_OP_NAME(index_put);

namespace {

// Note [Advanced index layout]
// An advanced index gives int64 tensors for some dims D of self (bool masks are first replaced by
// the columns of their nonzero(), one per dim they cover; negative entries are wrapped). They
// broadcast together to a shape B. The result is self's shape with the dims D replaced by B: in
// place of D when the dims of D are adjacent, else in front (NumPy's rule, which PyTorch follows).
// The other dims R keep their order. Element (b, r) of the result is self at offset
//   Σ_j idx_j[b] · stride(D_j) + Σ_k r_k · stride(R_k),
// so one loop over b with an inner loop over the rows of R serves both reading (index) and writing
// (index_put), on self's own strides.
struct AdvancedIndex {
  std::vector<std::int64_t> dims;  // D, ascending
  TensorList idx;                  // per dim of D: contiguous int64 of shape B, entries in [0, size)
  Shape bshape;                    // B
  Shape result_shape;
  Shape rest_shape;                     // sizes of R
  Shape rest_result_strides;            // strides of R's dims in the (contiguous) result
  std::int64_t b_stride = 0;            // stride of the flattened B block in the result
  std::vector<std::int64_t> rest_dims;  // R, ascending
};

bool broadcast_into(const Shape& a, const Shape& b, Shape& out) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape r(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    const std::int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (x != y && x != 1 && y != 1) return false;
    r[n - 1 - i] = x == 1 ? y : x;
  }
  out = r;
  return true;
}

AdvancedIndex prepare(const char* op, const Tensor& self, const TensorList& indices) {
  NoGradGuard ng;
  const std::int64_t nd = self.dim();
  TensorList per_dim;  // one entry per dim of self that the indices reach (undefined: whole dim)
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const Tensor& t = indices[i];
    const std::int64_t d = static_cast<std::int64_t>(per_dim.size());
    if (t.defined() && t.dtype() == kBool) {
      XG_CHECK(t.dim() > 0, IndexError, op, ": a 0-d bool index (position ", i,
               ") adds a dimension; use Tensor::index / index_put_ for it");
      XG_CHECK(d + t.dim() <= nd, IndexError, op, ": too many indices for a tensor of shape ", self.sizes(),
               ": the mask of shape ", t.sizes(), " at position ", i, " would cover dimensions ", d, " to ",
               d + t.dim() - 1);
      for (std::int64_t k = 0; k < t.dim(); ++k)
        XG_CHECK(t.size(k) == self.size(d + k), IndexError, op, ": the shape of the mask ", t.sizes(), " at position ",
                 i, " does not match the shape of the indexed tensor ", self.sizes(), " at dimension ", d + k, " (",
                 t.size(k), " != ", self.size(d + k), ")");
      const Tensor nz = nonzero(t);
      for (std::int64_t k = 0; k < t.dim(); ++k) per_dim.push_back(nz.select(1, k));
      continue;
    }
    XG_CHECK(d < nd, IndexError, op, ": too many indices for a tensor of shape ", self.sizes(), " (index ", i,
             " would index dimension ", d, ")");
    if (t.defined())
      XG_CHECK(t.dtype() == kInt64, DtypeError, op, ": tensors used as indices must be int64 or bool, got ", t.dtype(),
               " (shape ", t.sizes(), ") at position ", i);
    per_dim.push_back(t);
  }

  AdvancedIndex a;
  bool first = true, ok = true;
  for (const Tensor& t : per_dim) {
    if (!t.defined()) continue;
    if (first) a.bshape = t.sizes();
    else ok = ok && broadcast_into(a.bshape, t.sizes(), a.bshape);
    first = false;
  }
  if (!ok) {
    std::string shapes;
    for (const Tensor& t : per_dim)
      if (t.defined()) shapes += (shapes.empty() ? "" : ", ") + shape_str(t.sizes());
    XG_CHECK(false, IndexError, op, ": shape mismatch: indexing tensors could not be broadcast together with shapes ",
             shapes, " (indexing a tensor of shape ", self.sizes(), ")");
  }
  for (std::int64_t d = 0; d < nd; ++d) {
    const Tensor* t = d < static_cast<std::int64_t>(per_dim.size()) ? &per_dim[d] : nullptr;
    if (!t || !t->defined()) {
      a.rest_dims.push_back(d);
      continue;
    }
    a.dims.push_back(d);
    Tensor c = detail::make_tensor(a.bshape, kInt64);
    kernels::copy_into(impl(t->expand(a.bshape)), impl(c));
    std::int64_t* p = impl(c).ptr<std::int64_t>();
    const std::int64_t n = self.size(d);
    for (std::int64_t j = 0; j < c.numel(); ++j) {
      XG_CHECK(p[j] >= -n && p[j] < n, IndexError, op, ": index ", p[j], " is out of bounds for dimension ", d,
               " with size ", n, " (tensor shape ", self.sizes(), ")");
      if (p[j] < 0) p[j] += n;
    }
    a.idx.push_back(c);
  }
  const bool adjacent =
      a.dims.empty() || a.dims.back() - a.dims.front() + 1 == static_cast<std::int64_t>(a.dims.size());
  const std::int64_t pos = adjacent && !a.dims.empty() ? a.dims.front() : 0;
  std::vector<std::int64_t> rest_pos;  // each rest dim's position in the result
  for (std::int64_t r : a.rest_dims)
    if (r < pos) {
      rest_pos.push_back(static_cast<std::int64_t>(a.result_shape.size()));
      a.result_shape.push_back(self.size(r));
    }
  for (std::int64_t s : a.bshape) a.result_shape.push_back(s);
  for (std::int64_t r : a.rest_dims)
    if (r >= pos) {
      rest_pos.push_back(static_cast<std::int64_t>(a.result_shape.size()));
      a.result_shape.push_back(self.size(r));
    }
  const Shape rs = contiguous_strides(a.result_shape);
  for (std::size_t k = 0; k < a.rest_dims.size(); ++k) {
    a.rest_shape.push_back(self.size(a.rest_dims[k]));
    a.rest_result_strides.push_back(rs[rest_pos[k]]);
  }
  a.b_stride = 1;
  for (std::size_t k = 0; k < a.rest_dims.size(); ++k)
    if (a.rest_dims[k] >= pos) a.b_stride *= self.size(a.rest_dims[k]);
  return a;
}

/// Calls f(self_offset, result_offset, n, self_step, result_step) for every run of elements the
/// index touches (Note [Advanced index layout]), with self's strides `st`.
template <class F>
void for_each_indexed(const AdvancedIndex& a, const Shape& st, F&& f) {
  const std::int64_t nb = numel_of(a.bshape);
  Shape rest_self_strides;
  for (std::int64_t r : a.rest_dims) rest_self_strides.push_back(st[r]);
  std::vector<const std::int64_t*> ip;
  for (const Tensor& t : a.idx) ip.push_back(impl(t).ptr<std::int64_t>());
  for (std::int64_t b = 0; b < nb; ++b) {
    std::int64_t so = 0;
    for (std::size_t j = 0; j < ip.size(); ++j) so += ip[j][b] * st[a.dims[j]];
    const std::int64_t ro = b * a.b_stride;
    if (a.rest_dims.empty()) {
      f(so, ro, std::int64_t{1}, std::int64_t{0}, std::int64_t{0});
      continue;
    }
    kernels::for_each_row<2>(a.rest_shape, {&rest_self_strides, &a.rest_result_strides},
                             [&](std::int64_t n, const auto& off, const auto& inner) {
                               f(so + off[0], ro + off[1], n, inner[0], inner[1]);
                             });
  }
}

/// The gather: out (contiguous, result shape) = self at the indexed positions.
Tensor gather_indexed(const AdvancedIndex& a, const Tensor& self) {
  Tensor out = detail::make_tensor(a.result_shape, self.dtype());
  kernels::dispatch_all(self.dtype(), "index", [&]<class T>() {
    const T* src = impl(self).ptr<T>();
    T* dst = impl(out).ptr<T>();
    for_each_indexed(a, impl(self).strides,
                     [&](std::int64_t so, std::int64_t ro, std::int64_t n, std::int64_t ss, std::int64_t rs) {
                       for (std::int64_t i = 0; i < n; ++i) dst[ro + i * rs] = src[so + i * ss];
                     });
  });
  return out;
}

/// values broadcast to the index's result shape, as a contiguous tensor (leading size-1 dims
/// beyond the result's rank are dropped first, as PyTorch does).
Tensor values_in_layout(const char* op, const AdvancedIndex& a, const Tensor& values) {
  NoGradGuard ng;
  Tensor v = values;
  while (v.dim() > static_cast<std::int64_t>(a.result_shape.size()) && v.size(0) == 1) v = v.squeeze(0);
  Shape b;
  XG_CHECK(broadcast_into(v.sizes(), a.result_shape, b) && b == a.result_shape, ShapeError, op,
           ": shape mismatch: value tensor of shape ", values.sizes(),
           " cannot be broadcast to indexing result of shape ", a.result_shape);
  Tensor c = detail::make_tensor(a.result_shape, values.dtype());
  kernels::copy_into(impl(v.expand(a.result_shape)), impl(c));
  return c;
}

/// The scatter: dst (any strides, self's shape) at the indexed positions = (or +=) vals.
void put_indexed(const AdvancedIndex& a, Tensor& dst, const Tensor& vals, bool accumulate) {
  kernels::dispatch_all(dst.dtype(), "index_put", [&]<class T>() {
    const T* src = impl(vals).ptr<T>();
    T* out = impl(dst).ptr<T>();
    for_each_indexed(a, impl(dst).strides,
                     [&](std::int64_t so, std::int64_t ro, std::int64_t n, std::int64_t ss, std::int64_t rs) {
                       if (!accumulate) {
                         for (std::int64_t i = 0; i < n; ++i) out[so + i * ss] = src[ro + i * rs];
                       } else if constexpr (std::is_same_v<T, bool>) {
                         for (std::int64_t i = 0; i < n; ++i) out[so + i * ss] = out[so + i * ss] || src[ro + i * rs];
                       } else {
                         for (std::int64_t i = 0; i < n; ++i) out[so + i * ss] += src[ro + i * rs];
                       }
                     });
  });
}

/// The index list of a saved index: entry d is the index of dim d (undefined between).
TensorList spread(const std::vector<std::int64_t>& dims, const TensorList& idx) {
  TensorList out(dims.empty() ? 0 : static_cast<std::size_t>(dims.back() + 1));
  for (std::size_t j = 0; j < dims.size(); ++j) out[static_cast<std::size_t>(dims[j])] = idx[j];
  return out;
}

Tensor index_put_impl(const char* op, const Tensor& self, const TensorList& indices, const Tensor& values,
                      bool accumulate) {
  detail::check_defined(self, op, "self");
  detail::check_defined(values, op, "values");
  XG_CHECK(values.dtype() == self.dtype(), DtypeError, op, ": values (", values.dtype(),
           ") must have the dtype of self (", self.dtype(), ")");
  const AdvancedIndex a = prepare(op, self, indices);
  const Tensor vals = values_in_layout(op, a, values);
  Tensor out = detail::make_tensor(self.sizes(), self.dtype());
  kernels::copy_into(impl(self), impl(out));
  put_indexed(a, out, vals, accumulate);
  // Drop the leading 1s the values lost, so the engine's sum_to sees matching ranks.
  Shape vshape = values.sizes();
  while (vshape.size() > a.result_shape.size() && vshape[0] == 1) vshape.erase(0);
  const Shape values_shape = values.sizes();
  // d index_put = (g with the written positions zeroed, or g itself when accumulating;
  //                g read at the written positions)
  autograd::record(
      op_index_put, out, TensorList{self, values}, a.idx,
      [dims = a.dims, accumulate, vshape, values_shape](const Tensor& g, const BackwardCtx& c) -> TensorList {
        const TensorList ind = spread(dims, c.saved);
        Tensor gs, gv;
        if (c.needs(0)) gs = accumulate ? g : index_put(g, ind, zeros({}, g.dtype()), false);
        if (c.needs(1)) gv = sum_to(index(g, ind), vshape).reshape(values_shape);
        return {gs, gv};
      });
  return out;
}

/// Python's x[...]: integers, slices and None applied as views, in order; the tensor entries
/// collected (aligned to the view's dims) for one advanced index afterwards.
struct Applied {
  Tensor view;
  TensorList advanced;
  bool any_tensor = false;
};

Applied apply_indices(const char* op, const Tensor& self, const std::vector<TensorIndex>& ix) {
  using K = TensorIndex::Kind;
  std::int64_t consumed = 0, ellipses = 0;
  for (const auto& t : ix) {
    switch (t.kind()) {
      case K::Integer:
      case K::Slice:
        ++consumed;
        break;
      case K::Ellipsis:
        ++ellipses;
        break;
      case K::Tensor:
        detail::check_defined(t.tensor(), op, "an index tensor");
        consumed += t.tensor().dtype() == kBool ? t.tensor().dim() : 1;
        break;
      case K::None:
      case K::Boolean:
        break;
    }
  }
  XG_CHECK(ellipses <= 1, IndexError, op, ": an index can only have a single ellipsis ('...')");
  XG_CHECK(consumed <= self.dim(), IndexError, op, ": too many indices for a tensor of shape ", self.sizes(), ": ",
           consumed, " dimensions are indexed");
  Applied a;
  Tensor r = self;
  std::int64_t d = 0, sd = 0;  // current dim of r, and of self (for messages)
  for (const auto& t : ix) {
    switch (t.kind()) {
      case K::None:
        r = r.unsqueeze(d++);
        a.advanced.emplace_back();
        break;
      case K::Ellipsis:
        for (std::int64_t k = 0; k < self.dim() - consumed; ++k, ++d, ++sd) a.advanced.emplace_back();
        break;
      case K::Integer: {
        const std::int64_t n = r.size(d), i = t.integer();
        XG_CHECK(i >= -n && i < n, IndexError, op, ": index ", i, " is out of bounds for dimension ", sd, " with size ",
                 n, " (tensor shape ", self.sizes(), ")");
        r = r.select(d, i);
        ++sd;
        break;
      }
      case K::Slice: {
        const auto& s = t.slice();
        XG_CHECK(s.step() > 0, ValueError, op, ": slice step must be positive, got ", s.step(), " (dimension ", sd,
                 ", tensor shape ", self.sizes(), ")");
        r = r.slice(d++, s.start(), s.stop(), s.step());
        ++sd;
        a.advanced.emplace_back();
        break;
      }
      case K::Boolean:
        // x[True] adds a dim of size 1 and selects it; x[False] adds one and selects nothing.
        r = r.unsqueeze(d++);
        a.advanced.push_back(full({1}, t.boolean(), kBool));
        a.any_tensor = true;
        break;
      case K::Tensor: {
        const Tensor& x = t.tensor();
        if (x.dtype() == kBool && x.dim() == 0) {
          r = r.unsqueeze(d++);
          a.advanced.push_back(x.reshape({1}));
        } else {
          a.advanced.push_back(x);
          const std::int64_t k = x.dtype() == kBool ? x.dim() : 1;
          d += k;
          sd += k;
        }
        a.any_tensor = true;
        break;
      }
    }
  }
  a.view = r;
  return a;
}

}  // namespace

indexing::TensorIndex::TensorIndex(const char* s) : kind_(Kind::Ellipsis) {
  XG_CHECK(s != nullptr && std::string_view(s) == "...", IndexError,
           "index: the only string index is \"...\" (Ellipsis), got \"", s ? s : "", "\"");
}

// ---- index / index_put --------------------------------------------------------------------------

Tensor index(const Tensor& self, const TensorList& indices) {
  detail::check_defined(self, "index");
  const AdvancedIndex a = prepare("index", self, indices);
  Tensor out = gather_indexed(a, self);
  // d index = g added back where it was read, repeated positions summed: zeros.index_put(g, accumulate)
  autograd::record(op_index, out, TensorList{self}, a.idx,
                   [dims = a.dims, in_shape = self.sizes()](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {index_put(zeros(in_shape, g.dtype()), spread(dims, c.saved), g, true)};
                   });
  return out;
}

Tensor index_put(const Tensor& self, const TensorList& indices, const Tensor& values, bool accumulate) {
  return index_put_impl("index_put", self, indices, values, accumulate);
}

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const {
  detail::check_defined(*this, "index");
  Applied a = apply_indices("index", *this, indices);
  return a.any_tensor ? xg::index(a.view, a.advanced) : a.view;
}

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& values, bool accumulate) {
  detail::check_defined(*this, "index_put_", "self");
  detail::check_defined(values, "index_put_", "values");
  detail::check_inplace_allowed(*this, "index_put_");
  const Tensor v = values.dtype() == dtype() ? values : values.to(dtype());
  if (!(GradMode::is_enabled() && (requires_grad() || v.requires_grad()))) {
    // Untracked: write straight through the view the basic indices make.
    NoGradGuard ng;
    Applied a = apply_indices("index_put_", *this, indices);
    const AdvancedIndex adv = prepare("index_put_", a.view, a.advanced);
    put_indexed(adv, a.view, values_in_layout("index_put_", adv, v), accumulate);
    impl(*this).bump_version();
    return *this;
  }
  // Tracked: the flat positions the expression selects (the same expression applied to
  // arange(numel)) turn it into one advanced index of the flattened tensor, whose index_put is
  // differentiable; the result replaces this tensor's value and history.
  const Tensor positions = arange(numel()).reshape(sizes()).index(indices);
  const Tensor result = index_put_impl("index_put_", reshape({-1}), {positions}, v, accumulate).reshape(sizes());
  detail::commit_inplace(*this, result);
  return *this;
}

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, Scalar value) {
  detail::check_defined(*this, "index_put_", "self");
  return index_put_(indices, scalar_tensor(value, dtype()), false);
}

// ---- nonzero, where, masked_select, masked_scatter, take_along_dim ---------------------------------

Tensor nonzero(const Tensor& x) {
  detail::check_defined(x, "nonzero");
  Tensor xc;
  {
    NoGradGuard ng;
    xc = x.contiguous();
  }
  const std::int64_t nd = x.dim(), n = x.numel();
  return kernels::dispatch_all(x.dtype(), "nonzero", [&]<class T>() {
    const T* p = impl(xc).ptr<T>();
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < n; ++i) count += p[i] != T(0) ? 1 : 0;
    Tensor out = detail::make_tensor({count, nd}, kInt64);
    std::int64_t* o = impl(out).ptr<std::int64_t>();
    Shape c(static_cast<std::size_t>(nd), 0);
    for (std::int64_t i = 0; i < n; ++i) {
      if (p[i] != T(0)) {
        for (std::int64_t k = 0; k < nd; ++k) *o++ = c[k];
      }
      for (std::int64_t k = nd - 1; k >= 0; --k) {  // next row-major coordinate
        if (++c[k] < x.size(k)) break;
        c[k] = 0;
      }
    }
    return out;
  });
}

TensorList where(const Tensor& condition) {
  detail::check_defined(condition, "where", "condition");
  const Tensor nz = nonzero(condition.dim() == 0 ? condition.reshape({1}) : condition);
  TensorList out;
  NoGradGuard ng;
  for (std::int64_t k = 0; k < nz.size(1); ++k) out.push_back(nz.select(1, k).contiguous());
  return out;
}

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  detail::check_defined(x, "masked_select");
  detail::check_defined(mask, "masked_select", "mask");
  XG_CHECK(mask.dtype() == kBool, DtypeError, "masked_select: expected a bool mask, got ", mask.dtype(), " (shape ",
           mask.sizes(), ")");
  const Shape b = broadcast_shapes(x.sizes(), mask.sizes(), "masked_select");
  if (b.empty()) return index(x.reshape({1}), {mask.reshape({1})});  // a 0-d mask covers no dimension
  return index(x.expand(b), {mask.expand(b)});
}

Tensor masked_scatter(const Tensor& x, const Tensor& mask, const Tensor& source) {
  detail::check_defined(x, "masked_scatter");
  detail::check_defined(mask, "masked_scatter", "mask");
  detail::check_defined(source, "masked_scatter", "source");
  XG_CHECK(mask.dtype() == kBool, DtypeError, "masked_scatter: expected a bool mask, got ", mask.dtype(), " (shape ",
           mask.sizes(), ")");
  XG_CHECK(source.dtype() == x.dtype(), DtypeError, "masked_scatter: source (", source.dtype(),
           ") must have the dtype of self (", x.dtype(), ")");
  const Shape b = broadcast_shapes(x.sizes(), mask.sizes(), "masked_scatter");
  const Shape flat = b.empty() ? Shape{1} : b;
  const Tensor m = mask.expand(b).reshape(flat);
  const std::int64_t n = nonzero(m).size(0);
  XG_CHECK(source.numel() >= n, ShapeError, "masked_scatter: the mask of shape ", mask.sizes(), " has ", n,
           " true entries but source of shape ", source.sizes(), " has only ", source.numel(), " elements");
  const Tensor src = source.reshape({-1}).narrow(0, 0, n);
  return index_put_impl("masked_scatter", x.expand(b).reshape(flat), {m}, src, false).reshape(b);
}

Tensor take_along_dim(const Tensor& x, const Tensor& indices, std::optional<std::int64_t> dim) {
  detail::check_defined(x, "take_along_dim");
  detail::check_defined(indices, "take_along_dim", "indices");
  XG_CHECK(indices.dtype() == kInt64, DtypeError, "take_along_dim: expected int64 indices, got ", indices.dtype(),
           " (shape ", indices.sizes(), ")");
  auto check_range = [&](const Tensor& idx, std::int64_t d, std::int64_t n) {
    NoGradGuard ng;
    const Tensor c = idx.contiguous();
    const std::int64_t* p = impl(c).ptr<std::int64_t>();
    for (std::int64_t i = 0; i < c.numel(); ++i)
      XG_CHECK(p[i] >= 0 && p[i] < n, IndexError, "take_along_dim: index ", p[i], " is out of bounds for dimension ", d,
               " with size ", n, " (input shape ", x.sizes(), ", indices shape ", indices.sizes(), ")");
  };
  if (!dim) {
    check_range(indices, 0, x.numel());
    return x.reshape({-1}).gather(0, indices.reshape({-1}));
  }
  XG_CHECK(x.dim() == indices.dim(), ShapeError, "take_along_dim: input of shape ", x.sizes(), " and indices of shape ",
           indices.sizes(), " should have the same number of dimensions");
  XG_CHECK(x.dim() > 0, IndexError, "take_along_dim: cannot index a 0-d tensor along a dimension");
  const std::int64_t d = detail::wrap_dim(*dim, x.dim(), "take_along_dim");
  check_range(indices, d, x.size(d));
  Shape xs = x.sizes(), is = indices.sizes();
  xs[d] = indices.size(d);
  const Shape ib = broadcast_shapes(xs, indices.sizes(), "take_along_dim");
  is[d] = x.size(d);
  const Shape xb = broadcast_shapes(is, x.sizes(), "take_along_dim");
  return x.expand(xb).gather(d, indices.expand(ib));
}

}  // namespace xg
