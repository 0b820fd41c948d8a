// Internal: the shared plan of every reduction over a set of dims.
#pragma once
#include "core/tensor_impl.hpp"

namespace xg::ops {

/// x with the reduced dims moved last and made contiguous, so that output element o reduces the
/// contiguous row [o * inner, (o + 1) * inner).
struct ReducePlan {
  Tensor rows;       // contiguous, shape [outer..., inner...]
  std::int64_t outer = 1;
  std::int64_t inner = 1;
  Shape out_shape;   // without the reduced dims, or with them as 1 when keepdim
  Shape keep_shape;  // always with the reduced dims as 1 (for broadcasting gradients back)
  Shape dims;        // the reduced dims, wrapped and sorted
};

/// `dims` empty means every dim. Negative dims wrap; repeats are a ShapeError naming op.
ReducePlan plan_reduce(const Tensor& x, const Shape& dims, bool keepdim, const char* op);

}  // namespace xg::ops
