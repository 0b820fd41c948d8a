// Internal, the ops' side of the elementwise kernels: the kernels themselves (the unary table,
// activations, binary ops, comparisons, where, copies) run on raw strided views in the files
// compiled once per instruction set (kernels/elementwise.hpp, Note [Kernels per instruction set]
// in kernels/isa.hpp) and never see a TensorImpl; this header turns TensorImpls into those views
// and keeps the shape walk that the indexing ops use for their own gathers and scatters. (Its
// functions keep the xg::kernels namespace of the calls they wrap.)
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "core/tensor_impl.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/parallel.hpp"
#include "xgrad/shape.hpp"

namespace xg::kernels {

/// Strides of `t` broadcast to `out_shape` (0 where t is broadcast), in elements.
Shape broadcast_strides(const TensorImpl& t, const Shape& out_shape);

/// t's elements with its own shape and strides.
inline ConstView input_view(const TensorImpl& t) {
  return {t.byte_ptr(), static_cast<int>(t.shape.size()), t.shape.data(), t.strides.data(), t.numel};
}
inline MutView output_view(const TensorImpl& t) {
  return {t.byte_ptr(), static_cast<int>(t.shape.size()), t.shape.data(), t.strides.data(), t.numel};
}

/// t's elements seen with out's shape: the broadcast strides live here, so the view is valid while
/// this object is (keep it in a named variable for the call).
class BroadcastView {
 public:
  BroadcastView(const TensorImpl& t, const TensorImpl& out) : strides_(broadcast_strides(t, out.shape)) {
    view_ = {t.byte_ptr(), static_cast<int>(out.shape.size()), out.shape.data(), strides_.data(), out.numel};
  }
  BroadcastView(const BroadcastView&) = delete;
  BroadcastView& operator=(const BroadcastView&) = delete;
  const ConstView& view() const { return view_; }
  operator const ConstView&() const { return view_; }  // NOLINT(google-explicit-constructor)

 private:
  Shape strides_;
  ConstView view_;
};

/// Calls f(n, offsets, inner_strides) once per piece of an innermost row that lies in the flat
/// element range [begin, end) of `shape`; offsets[k] is operand k's element offset at the piece.
template <std::size_t N, class F>
void for_each_row_range(const Shape& shape, const std::array<const Shape*, N>& strides, std::int64_t begin,
                        std::int64_t end, F&& f) {
  const std::size_t nd = shape.size();
  std::array<std::int64_t, N> off{};
  std::array<std::int64_t, N> inner{};
  if (nd == 0) {
    if (begin < end) f(std::int64_t{1}, off, inner);
    return;
  }
  const std::int64_t n = shape[nd - 1];
  if (n == 0 || begin >= end) return;
  for (std::size_t k = 0; k < N; ++k) inner[k] = (*strides[k])[nd - 1];
  // multi-index of the first row piece
  Shape idx(nd, 0);
  std::int64_t row = begin / n, col = begin % n;
  for (std::size_t d = nd - 1; d-- > 0;) {
    idx[d] = row % shape[d];
    row /= shape[d];
    for (std::size_t k = 0; k < N; ++k) off[k] += idx[d] * (*strides[k])[d];
  }
  for (std::size_t k = 0; k < N; ++k) off[k] += col * inner[k];
  std::int64_t pos = begin;
  while (pos < end) {
    const std::int64_t len = std::min(n - col, end - pos);
    f(len, off, inner);
    pos += len;
    if (pos >= end) break;
    for (std::size_t k = 0; k < N; ++k) off[k] -= col * inner[k];
    col = 0;
    for (std::size_t d = nd - 1; d-- > 0;) {
      for (std::size_t k = 0; k < N; ++k) off[k] += (*strides[k])[d];
      if (++idx[d] < shape[d]) break;
      for (std::size_t k = 0; k < N; ++k) off[k] -= (*strides[k])[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/// Calls f(n, offsets, inner_strides) once per innermost row of `shape` (see for_each_row_range).
template <std::size_t N, class F>
void for_each_row(const Shape& shape, const std::array<const Shape*, N>& strides, F&& f) {
  std::int64_t total = 1;
  for (std::int64_t s : shape) total *= s;
  for_each_row_range<N>(shape, strides, 0, total, f);
}

/// Copies src (any strides, broadcast to dst's shape) into dst (any strides), converting type.
void copy_into(const TensorImpl& src, TensorImpl& dst);

}  // namespace xg::kernels
