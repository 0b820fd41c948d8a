// xgrad — Adamax (torch.optim.Adamax): Adam with the second moment replaced by an exponentially
// weighted infinity norm of the gradients.
//
//   xg::optim::Adamax opt(params, {.lr = 2e-3});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// AdamaxOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ADAMAX_OPTIONS(X)       \
  X(double, lr, 2e-3)              \
  X(DoublePair, betas, 0.9, 0.999) \
  X(double, eps, 1e-8)             \
  X(double, weight_decay, 0)       \
  X(bool, maximize, false)
/// Adamax's hyper-parameters with PyTorch's defaults.
struct AdamaxOptions {
  XG_OPTIM_FIELDS(XG_ADAMAX_OPTIONS)
  /// ValueError for a negative lr, eps or weight_decay, or a beta outside [0, 1).
  void validate() const;
};

// AdamaxState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ADAMAX_STATE(X) \
  X(std::int64_t, step, 0) \
  X(Tensor, exp_avg)       \
  X(Tensor, exp_inf)
struct AdamaxState {
  XG_OPTIM_FIELDS(XG_ADAMAX_STATE)
};

/// Adamax. With g = ∇f (+ weight_decay·p; negated when maximize) at step t:
///
///   m ← β₁m + (1 − β₁)g;   u ← max(β₂u, |g| + eps);   p ← p − lr/(1 − β₁ᵗ) · m/u
///
///   xg::optim::Adamax opt(params);
class Adamax : public OptimizerBase<Adamax, AdamaxOptions, AdamaxState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, AdamaxState& state, const AdamaxOptions& options);
  /// One Adamax update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, AdamaxState& state, const AdamaxOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
