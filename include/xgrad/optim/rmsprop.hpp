// xgrad — RMSprop (torch.optim.RMSprop): divides the gradient by a running root mean square of
// recent gradients, optionally centered (by the running mean) and with momentum.
//
//   xg::optim::RMSprop opt(params, {.lr = 1e-3, .momentum = 0.9, .centered = true});
#pragma once
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// RMSpropOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_RMSPROP_OPTIONS(X) \
  X(double, lr, 1e-2)         \
  X(double, alpha, 0.99)      \
  X(double, eps, 1e-8)        \
  X(double, weight_decay, 0)  \
  X(double, momentum, 0)      \
  X(bool, centered, false)    \
  X(bool, maximize, false)
/// RMSprop's hyper-parameters with PyTorch's defaults.
struct RMSpropOptions {
  XG_OPTIM_FIELDS(XG_RMSPROP_OPTIONS)
  /// ValueError for a negative lr, eps, momentum or weight_decay, or alpha outside [0, 1].
  void validate() const;
};

// RMSpropState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_RMSPROP_STATE(X)  \
  X(std::int64_t, step, 0)   \
  X(Tensor, square_avg)      \
  X(Tensor, momentum_buffer) \
  X(Tensor, grad_avg)
/// square_avg always; momentum_buffer when momentum > 0; grad_avg when centered.
struct RMSpropState {
  XG_OPTIM_FIELDS(XG_RMSPROP_STATE)
};

/// RMSprop. With g = ∇f (+ weight_decay·p; negated when maximize):
///
///   v ← α·v + (1 − α)·g²;   centered: ḡ ← α·ḡ + (1 − α)·g,  v̂ = v − ḡ²  (else v̂ = v)
///   momentum > 0:  b ← momentum·b + g / (√v̂ + eps),  p ← p − lr·b
///   otherwise:     p ← p − lr·g / (√v̂ + eps)
///
///   xg::optim::RMSprop opt(params, {.lr = 1e-3});
class RMSprop : public OptimizerBase<RMSprop, RMSpropOptions, RMSpropState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, RMSpropState& state, const RMSpropOptions& options);
  /// One RMSprop update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, RMSpropState& state, const RMSpropOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
