// xgrad — Adadelta (torch.optim.Adadelta): steps whose size is the ratio of running RMS of past
// updates to running RMS of gradients, so no learning rate needs tuning (lr = 1).
//
//   xg::optim::Adadelta opt(params, {.rho = 0.95});
#pragma once
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// AdadeltaOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ADADELTA_OPTIONS(X) \
  X(double, lr, 1.0)           \
  X(double, rho, 0.9)          \
  X(double, eps, 1e-6)         \
  X(double, weight_decay, 0)   \
  X(bool, maximize, false)
/// Adadelta's hyper-parameters with PyTorch's defaults.
struct AdadeltaOptions {
  XG_OPTIM_FIELDS(XG_ADADELTA_OPTIONS)
  /// ValueError for a negative lr, eps or weight_decay, or rho outside [0, 1].
  void validate() const;
};

// AdadeltaState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ADADELTA_STATE(X) \
  X(std::int64_t, step, 0)   \
  X(Tensor, square_avg)      \
  X(Tensor, acc_delta)
/// The running averages of squared gradients and of squared updates.
struct AdadeltaState {
  XG_OPTIM_FIELDS(XG_ADADELTA_STATE)
};

/// Adadelta. With g = ∇f (+ weight_decay·p; negated when maximize):
///
///   v ← ρ·v + (1 − ρ)·g²;   δ = √(u + eps) / √(v + eps) · g;   u ← ρ·u + (1 − ρ)·δ²;   p ← p − lr·δ
///
///   xg::optim::Adadelta opt(params);
class Adadelta : public OptimizerBase<Adadelta, AdadeltaOptions, AdadeltaState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, AdadeltaState& state, const AdadeltaOptions& options);
  /// One Adadelta update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, AdadeltaState& state, const AdadeltaOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
