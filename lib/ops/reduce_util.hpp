// Internal: the shared plan of every reduction over a set of dims.
#pragma once
#include "core/tensor_impl.hpp"

namespace xg::ops {

/// The shapes of a reduction of x over some dims, without touching x's data.
struct ReduceShape {
  std::int64_t outer = 1;  // number of output elements
  std::int64_t inner = 1;  // number of input elements reduced into each
  Shape out_shape;         // without the reduced dims, or with them as 1 when keepdim
  Shape keep_shape;        // always with the reduced dims as 1 (for broadcasting gradients back)
  Shape dims;              // the reduced dims, wrapped and sorted
  Shape perm;              // the kept dims in order, then the reduced dims
};

/// x with the reduced dims moved last and made contiguous, so that output element o reduces the
/// contiguous row [o * inner, (o + 1) * inner).
struct ReducePlan : ReduceShape {
  Tensor rows;  // contiguous, shape [outer..., inner...]
};

/// `dims` empty means every dim. Negative dims wrap (IndexError naming op when out of range);
/// repeats are a ShapeError naming op.
ReduceShape reduce_shape(const Tensor& x, const Shape& dims, bool keepdim, const char* op);
/// reduce_shape plus the contiguous rows (a copy unless x is already laid out that way).
ReducePlan plan_reduce(const Tensor& x, const Shape& dims, bool keepdim, const char* op);

}  // namespace xg::ops
