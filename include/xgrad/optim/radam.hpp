// xgrad — RAdam (torch.optim.RAdam): Adam whose adaptive step is switched on only once the
// variance of the adaptive learning rate is tractable (the approximated SMA length ρ_t > 5), and
// then rectified.
//
//   xg::optim::RAdam opt(params, {.lr = 1e-3});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// RAdamOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_RADAM_OPTIONS(X)        \
  X(double, lr, 1e-3)              \
  X(DoublePair, betas, 0.9, 0.999) \
  X(double, eps, 1e-8)             \
  X(double, weight_decay, 0)       \
  X(bool, maximize, false)
/// RAdam's hyper-parameters with PyTorch's defaults. `maximize` is an addition over PyTorch 1.13
/// (PyTorch 2 has it too).
struct RAdamOptions {
  XG_OPTIM_FIELDS(XG_RADAM_OPTIONS)
  /// ValueError for a negative lr, eps or weight_decay, or a beta outside [0, 1).
  void validate() const;
};

// RAdamState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_RADAM_STATE(X)  \
  X(std::int64_t, step, 0) \
  X(Tensor, exp_avg)       \
  X(Tensor, exp_avg_sq)
struct RAdamState {
  XG_OPTIM_FIELDS(XG_RADAM_STATE)
};

/// RAdam (Liu et al.). With g = ∇f (+ weight_decay·p; negated when maximize) at step t:
///
///   m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   m̂ = m/(1 − β₁ᵗ)
///   ρ_∞ = 2/(1 − β₂) − 1;   ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
///   ρ_t > 5:  r = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)),
///             p ← p − lr · m̂ · √(1 − β₂ᵗ)/(√v + eps) · r
///   else:     p ← p − lr · m̂
///
///   xg::optim::RAdam opt(params);
class RAdam : public OptimizerBase<RAdam, RAdamOptions, RAdamState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, RAdamState& state, const RAdamOptions& options);
  /// One RAdam update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, RAdamState& state, const RAdamOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
