// Internal: ops that only the nn layer calls (not part of the public op list in xgrad/ops.hpp).
#pragma once
#include "xgrad/tensor.hpp"

namespace xg::ops {

/// Elementwise binary cross entropy of probabilities x against targets t of the same shape,
/// −(t·log x + (1 − t)·log(1 − x)) with each log clamped at −100 (as PyTorch), unreduced and
/// unweighted. Differentiable w.r.t. x and t; x must lie in [0, 1] (ValueError otherwise).
Tensor binary_cross_entropy(const Tensor& x, const Tensor& t);

}  // namespace xg::ops
