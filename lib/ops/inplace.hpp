// Internal: the two steps every in-place op shares (Note [In-place ops and saved tensors] in
// lib/ops/copy.cpp), for in-place ops defined outside copy.cpp (Tensor::index_put_).
#pragma once
#include "xgrad/tensor.hpp"

namespace xg::detail {

/// AutogradError naming `op` when self is a leaf that requires grad, or a view with a history,
/// while grad mode is on.
void check_inplace_allowed(const Tensor& self, const char* op);
/// Writes `result` (self's shape) into self, bumps the version, and takes over result's history
/// when it has one.
void commit_inplace(Tensor& self, const Tensor& result);

}  // namespace xg::detail
