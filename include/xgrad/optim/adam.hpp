// xgrad — Adam and AdamW (torch.optim.Adam / torch.optim.AdamW): bias-corrected running averages
// of the gradient and its square, with L2 weight decay (Adam) or decoupled weight decay (AdamW),
// and the AMSGrad variant.
//
//   xg::optim::Adam opt(params, {.lr = 1e-3, .betas = {0.9, 0.999}});
//   xg::optim::AdamW optw(params, {.lr = 1e-3, .weight_decay = 1e-2});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// The fields of AdamOptions and AdamWOptions, X(type, name, default...), which differ only in
// weight_decay's default (Note [Optimizer field lists]).
#define XG_ADAM_OPTIONS(X, weight_decay_default)                                                     \
  X(double, lr, 1e-3)                                                                                \
  X(DoublePair, betas, 0.9, 0.999)                                                                   \
  X(double, eps, 1e-8)                                                                               \
  /* Adam: an L2 penalty added to the gradient; AdamW: decoupled, p ← p(1 − lr·weight_decay) */ \
  X(double, weight_decay, weight_decay_default)                                                      \
  X(bool, amsgrad, false)                                                                            \
  X(bool, maximize, false)
/// Adam's hyper-parameters with PyTorch's defaults.
struct AdamOptions {
  XG_OPTIM_FIELDS(XG_ADAM_OPTIONS, 0)
  /// ValueError for a negative lr, eps or weight_decay, or a beta outside [0, 1).
  void validate() const;
};

/// AdamW's hyper-parameters: Adam's, but weight decay is decoupled and defaults to 1e-2.
struct AdamWOptions {
  XG_OPTIM_FIELDS(XG_ADAM_OPTIONS, 1e-2)
  /// ValueError for an out-of-range hyper-parameter (as AdamOptions::validate).
  void validate() const;
};

// AdamState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ADAM_STATE(X)   \
  X(std::int64_t, step, 0) \
  X(Tensor, exp_avg)       \
  X(Tensor, exp_avg_sq)    \
  X(Tensor, max_exp_avg_sq)
/// The step count and the first and second moments (max_exp_avg_sq only with amsgrad).
struct AdamState {
  XG_OPTIM_FIELDS(XG_ADAM_STATE)
};

/// Adam (Kingma & Ba). With g = ∇f (+ weight_decay·p; negated when maximize) at step t:
///
///   m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   amsgrad: v̂ ← max(v̂, v) (else v̂ = v)
///   p ← p − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + eps)
///
///   xg::optim::Adam opt(params, {.lr = 1e-3, .amsgrad = true});
class Adam : public OptimizerBase<Adam, AdamOptions, AdamState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// Zero moments for a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, AdamState& state, const AdamOptions& options);
  /// One Adam update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, AdamState& state, const AdamOptions& options);
};

/// AdamW (Loshchilov & Hutter): Adam whose weight decay shrinks the parameter directly,
/// p ← p(1 − lr·weight_decay), before the Adam step on the plain gradient, so the decay is not
/// rescaled by the adaptive denominator.
///
///   xg::optim::AdamW opt(params, {.lr = 1e-3, .weight_decay = 0.05});
class AdamW : public OptimizerBase<AdamW, AdamWOptions, AdamState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// Zero moments for a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, AdamState& state, const AdamWOptions& options);
  /// One AdamW update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, AdamState& state, const AdamWOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
