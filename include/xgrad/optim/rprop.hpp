// xgrad — Rprop (torch.optim.Rprop): resilient backpropagation, which uses only the sign of the
// gradient and adapts a step size per coordinate (grow while the sign holds, shrink when it flips).
// Meant for full-batch training.
//
//   xg::optim::Rprop opt(params, {.lr = 0.01, .etas = {0.5, 1.2}, .step_sizes = {1e-6, 50}});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// RpropOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_RPROP_OPTIONS(X)           \
  /* the initial step size */         \
  X(double, lr, 1e-2)                 \
  X(DoublePair, etas, 0.5, 1.2)       \
  X(DoublePair, step_sizes, 1e-6, 50) \
  X(bool, maximize, false)
/// Rprop's hyper-parameters with PyTorch's defaults: etas = (η₋, η₊), step_sizes = (min, max).
struct RpropOptions {
  XG_OPTIM_FIELDS(XG_RPROP_OPTIONS)
  /// ValueError for a negative lr, etas not satisfying 0 < η₋ < 1 < η₊, or step sizes not
  /// satisfying 0 <= min <= max (the last check is an addition over PyTorch).
  void validate() const;
};

// RpropState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_RPROP_STATE(X)  \
  X(std::int64_t, step, 0) \
  X(Tensor, prev)          \
  X(Tensor, step_size)
/// The previous (possibly zeroed) gradient and the per-coordinate step size.
struct RpropState {
  XG_OPTIM_FIELDS(XG_RPROP_STATE)
};

/// Rprop. With g = ∇f (negated when maximize) and s the step sizes (starting at lr):
///
///   s ← clamp(s·η, min, max) with η = η₊ where g·prev > 0, η₋ where g·prev < 0, else 1
///   where g·prev < 0: g ← 0;   p ← p − sign(g)·s;   prev ← g
///
///   xg::optim::Rprop opt(params);
class Rprop : public OptimizerBase<Rprop, RpropOptions, RpropState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, RpropState& state, const RpropOptions& options);
  /// One Rprop update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, RpropState& state, const RpropOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
