// xgrad — NAdam (torch.optim.NAdam): Adam with Nesterov momentum and Dozat's momentum schedule
// μ_t = β₁(1 − ½·0.96^(t·momentum_decay)).
//
//   xg::optim::NAdam opt(params, {.lr = 2e-3});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// NAdamOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_NADAM_OPTIONS(X)        \
  X(double, lr, 2e-3)              \
  X(DoublePair, betas, 0.9, 0.999) \
  X(double, eps, 1e-8)             \
  X(double, weight_decay, 0)       \
  X(double, momentum_decay, 4e-3)  \
  X(bool, maximize, false)
/// NAdam's hyper-parameters with PyTorch's defaults. `maximize` is an addition over PyTorch 1.13
/// (PyTorch 2 has it too).
struct NAdamOptions {
  XG_OPTIM_FIELDS(XG_NADAM_OPTIONS)
  /// ValueError for a negative lr, eps, weight_decay or momentum_decay, or a beta outside [0, 1).
  void validate() const;
};

// NAdamState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_NADAM_STATE(X)    \
  X(std::int64_t, step, 0)   \
  X(double, mu_product, 1.0) \
  X(Tensor, exp_avg)         \
  X(Tensor, exp_avg_sq)
/// mu_product = Π_{i≤t} μ_i. PyTorch keeps it in a float32 0-d tensor whatever the parameter's
/// dtype; xgrad rounds it to float32 the same way so that results match.
struct NAdamState {
  XG_OPTIM_FIELDS(XG_NADAM_STATE)
};

/// NAdam (Dozat). With g = ∇f (+ weight_decay·p; negated when maximize) at step t, and
/// μ_t = β₁(1 − ½·0.96^(t·ψ)), ψ = momentum_decay:
///
///   m ← β₁m + (1 − β₁)g;   v ← β₂v + (1 − β₂)g²;   d = √(v / (1 − β₂ᵗ)) + eps
///   p ← p − lr(1 − μ_t)/(1 − Π_{i≤t} μ_i) · g/d − lr·μ_{t+1}/(1 − Π_{i≤t+1} μ_i) · m/d
///
///   xg::optim::NAdam opt(params);
class NAdam : public OptimizerBase<NAdam, NAdamOptions, NAdamState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, NAdamState& state, const NAdamOptions& options);
  /// One NAdam update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, NAdamState& state, const NAdamOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
