// Internal: the generic elementwise loops every elementwise op runs on.
// Operands are described by typed base pointers plus strides in elements (0 on broadcast dims);
// the loop walks rows of the innermost dimension so that the inner loop is a plain strided loop
// (contiguous rows vectorize).
#pragma once
#include <array>
#include <cstdint>

#include "core/tensor_impl.hpp"
#include "xgrad/shape.hpp"

namespace xg::kernels {

/// Strides of `t` broadcast to `out_shape` (0 where t is broadcast), in elements.
Shape broadcast_strides(const TensorImpl& t, const Shape& out_shape);

/// Calls f(n, offsets, inner_strides) once per innermost row of `shape`, where offsets[k] is the
/// element offset of operand k at the row's start.
template <std::size_t N, class F>
void for_each_row(const Shape& shape, const std::array<const Shape*, N>& strides, F&& f) {
  const std::size_t nd = shape.size();
  std::array<std::int64_t, N> off{};
  std::array<std::int64_t, N> inner{};
  if (nd == 0) {
    f(std::int64_t{1}, off, inner);
    return;
  }
  for (std::int64_t s : shape)
    if (s == 0) return;
  const std::int64_t n = shape[nd - 1];
  for (std::size_t k = 0; k < N; ++k) inner[k] = (*strides[k])[nd - 1];
  std::int64_t rows = 1;
  for (std::size_t d = 0; d + 1 < nd; ++d) rows *= shape[d];
  Shape idx(nd, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    f(n, off, inner);
    for (std::size_t d = nd - 1; d-- > 0;) {
      for (std::size_t k = 0; k < N; ++k) off[k] += (*strides[k])[d];
      if (++idx[d] < shape[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= (*strides[k])[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/// out[i] = f(x[i]) with out contiguous and of x's shape.
template <class T, class R, class F>
void unary_map(const TensorImpl& x, TensorImpl& out, F f) {
  const T* xp = x.ptr<T>();
  R* op = out.ptr<R>();
  if (x.is_contiguous()) {
    const std::int64_t n = x.numel;
    for (std::int64_t i = 0; i < n; ++i) op[i] = f(xp[i]);
    return;
  }
  const Shape os = contiguous_strides(out.shape);
  for_each_row<2>(x.shape, {&x.strides, &os}, [&](std::int64_t n, const auto& off, const auto& st) {
    const T* a = xp + off[0];
    R* o = op + off[1];
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i * st[0]]);
  });
}

/// out[i] = f(a[i], b[i]) with a and b broadcast to out's (contiguous) shape.
template <class TA, class TB, class R, class F>
void binary_map(const TensorImpl& a, const TensorImpl& b, TensorImpl& out, F f) {
  const TA* ap = a.ptr<TA>();
  const TB* bp = b.ptr<TB>();
  R* op = out.ptr<R>();
  if (a.shape == out.shape && b.shape == out.shape && a.is_contiguous() && b.is_contiguous()) {
    const std::int64_t n = out.numel;
    for (std::int64_t i = 0; i < n; ++i) op[i] = f(ap[i], bp[i]);
    return;
  }
  if (b.numel == 1 && a.shape == out.shape && a.is_contiguous()) {
    const TB s = bp[0];
    const std::int64_t n = out.numel;
    for (std::int64_t i = 0; i < n; ++i) op[i] = f(ap[i], s);
    return;
  }
  const Shape as = broadcast_strides(a, out.shape), bs = broadcast_strides(b, out.shape);
  const Shape os = contiguous_strides(out.shape);
  for_each_row<3>(out.shape, {&as, &bs, &os}, [&](std::int64_t n, const auto& off, const auto& st) {
    const TA* x = ap + off[0];
    const TB* y = bp + off[1];
    R* o = op + off[2];
    for (std::int64_t i = 0; i < n; ++i) o[i] = f(x[i * st[0]], y[i * st[1]]);
  });
}

/// out[i] = f(a[i], b[i], c[i]) with broadcasting.
template <class TA, class TB, class TC, class R, class F>
void ternary_map(const TensorImpl& a, const TensorImpl& b, const TensorImpl& c, TensorImpl& out, F f) {
  const TA* ap = a.ptr<TA>();
  const TB* bp = b.ptr<TB>();
  const TC* cp = c.ptr<TC>();
  R* op = out.ptr<R>();
  const Shape as = broadcast_strides(a, out.shape), bs = broadcast_strides(b, out.shape),
              cs = broadcast_strides(c, out.shape), os = contiguous_strides(out.shape);
  for_each_row<4>(out.shape, {&as, &bs, &cs, &os}, [&](std::int64_t n, const auto& off, const auto& st) {
    for (std::int64_t i = 0; i < n; ++i)
      op[off[3] + i * st[3]] = f(ap[off[0] + i * st[0]], bp[off[1] + i * st[1]], cp[off[2] + i * st[2]]);
  });
}

/// Copies src (any strides, broadcast to dst's shape) into dst (any strides), converting type.
void copy_into(const TensorImpl& src, TensorImpl& dst);

}  // namespace xg::kernels
