// Internal: the argument handling shared by the convolution and pooling ops (lib/ops/conv.cpp,
// lib/ops/pool.cpp). Both take D-d arguments (D = 1 or 2) as one number or D of them, accept an
// unbatched or batched input, and run a 2-d kernel: a 1-d op is the 2-d one over a height of 1.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/tensor_impl.hpp"
#include "xgrad/ops.hpp"

namespace xg::ops {

using Pair = std::array<std::int64_t, 2>;

/// A contiguous copy (or t itself) for a kernel to read; never part of the graph.
inline Tensor contiguous_data(const Tensor& t) {
  NoGradGuard ng;
  return t.contiguous();
}

template <std::size_t D>
Shape as_shape(const std::array<std::int64_t, D>& v) {
  return Shape(v.begin(), v.end());
}

/// The D values of `v`, which must have been given as one number or as D of them (ValueError
/// naming op and the argument otherwise).
template <std::size_t D>
std::array<std::int64_t, D> expand(const ExpandingArray<D>& v, const char* op, const char* what) {
  XG_CHECK(v.given() == 1 || v.given() == D, ValueError, op, ": expected ", what, " to be one number or a list of ", D,
           ", got a list of ", v.given());
  return v.values();
}

/// The 2-d form of D-d arguments: `fill` for the height of a 1-d op.
template <std::size_t D>
Pair to_pair(const std::array<std::int64_t, D>& v, std::int64_t fill) {
  if constexpr (D == 1) return {fill, v[0]};
  else return {v[0], v[1]};
}

/// `t` with a batch dimension, after checking its rank (D + 1 unbatched or D + 2 batched) and that
/// its channel and spatial sizes are positive (ShapeError naming op and the shape otherwise).
inline Tensor with_batch(const char* op, const Tensor& t, std::size_t d, bool& batched) {
  const auto sd = static_cast<std::int64_t>(d);
  XG_CHECK(t.dim() == sd + 1 || t.dim() == sd + 2, ShapeError, op, ": expected a ", sd + 1, "-D (unbatched) or ",
           sd + 2, "-D (batched) input, got shape ", t.sizes());
  batched = t.dim() == sd + 2;
  for (std::int64_t i = batched ? 1 : 0; i < t.dim(); ++i)
    XG_CHECK(t.size(i) > 0, ShapeError, op, ": expected an input with non-zero channels and spatial sizes, got shape ",
             t.sizes());
  return batched ? t : t.unsqueeze(0);
}

}  // namespace xg::ops
