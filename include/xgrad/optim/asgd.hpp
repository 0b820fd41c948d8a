// xgrad — averaged SGD (torch.optim.ASGD, Polyak–Juditsky averaging): SGD with a decaying step
// that also keeps the running average of the iterates, `ax`, which is the estimate to use.
//
//   xg::optim::ASGD opt(params, {.lr = 0.01, .t0 = 100});
//   ...  opt.state(0)->ax   // the averaged parameter
#pragma once
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// ASGDOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ASGD_OPTIONS(X)                 \
  X(double, lr, 1e-2)                      \
  /* decay term */                         \
  X(double, lambd, 1e-4)                   \
  /* power of the step-size decay */       \
  X(double, alpha, 0.75)                   \
  /* the step at which averaging starts */ \
  X(double, t0, 1e6)                       \
  X(double, weight_decay, 0)               \
  X(bool, maximize, false)
/// ASGD's hyper-parameters with PyTorch's defaults.
struct ASGDOptions {
  XG_OPTIM_FIELDS(XG_ASGD_OPTIONS)
  /// ValueError for a negative lr, weight_decay, lambd, alpha or t0 (the last three are additions
  /// over PyTorch).
  void validate() const;
};

// ASGDState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_ASGD_STATE(X)   \
  X(std::int64_t, step, 0) \
  X(double, eta, 0)        \
  X(double, mu, 1)         \
  X(Tensor, ax)
/// eta (current step size) and mu (averaging weight) are held rounded to float32, as PyTorch's
/// float32 0-d tensors hold them; ax is the averaged parameter.
struct ASGDState {
  XG_OPTIM_FIELDS(XG_ASGD_STATE)
};

/// ASGD. With g = ∇f (+ weight_decay·p; negated when maximize) at step t, η starting at lr:
///
///   p ← p(1 − λη) − ηg;   ax ← ax + μ(p − ax)  (ax ← p while μ = 1)
///   η ← lr / (1 + λ·lr·t)^α;   μ ← 1 / max(1, t − t0)
///
///   xg::optim::ASGD opt(params, {.lr = 0.05, .t0 = 50});
class ASGD : public OptimizerBase<ASGD, ASGDOptions, ASGDState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (called by OptimizerBase at its first update).
  void init_state(const Tensor& param, ASGDState& state, const ASGDOptions& options);
  /// One ASGD update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, ASGDState& state, const ASGDOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
