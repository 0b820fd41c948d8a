// xgrad — Adagrad (torch.optim.Adagrad): per-coordinate learning rates that shrink with the
// accumulated squared gradients; suited to sparse features.
//
//   xg::optim::Adagrad opt(params, {.lr = 0.01, .lr_decay = 1e-4});
#pragma once
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// AdagradOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ADAGRAD_OPTIONS(X)             \
  X(double, lr, 1e-2)                     \
  X(double, lr_decay, 0)                  \
  X(double, weight_decay, 0)              \
  X(double, initial_accumulator_value, 0) \
  X(double, eps, 1e-10)                   \
  X(bool, maximize, false)
/// Adagrad's hyper-parameters with PyTorch's defaults.
struct AdagradOptions {
  XG_OPTIM_FIELDS(XG_ADAGRAD_OPTIONS)
  /// ValueError for any negative value.
  void validate() const;
};

// AdagradState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ADAGRAD_STATE(X) \
  X(std::int64_t, step, 0)  \
  X(Tensor, sum)
/// The step count and the sum of squared gradients (starting at initial_accumulator_value).
struct AdagradState {
  XG_OPTIM_FIELDS(XG_ADAGRAD_STATE)
};

/// Adagrad. With g = ∇f (+ weight_decay·p; negated when maximize) at step t:
///
///   clr = lr / (1 + (t − 1)·lr_decay);   s ← s + g²;   p ← p − clr·g / (√s + eps)
///
///   xg::optim::Adagrad opt(params, {.lr = 0.1});
class Adagrad : public OptimizerBase<Adagrad, AdagradOptions, AdagradState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, AdagradState& state, const AdagradOptions& options);
  /// One Adagrad update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, AdagradState& state, const AdagradOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
