// xgrad — stochastic gradient descent with momentum, dampening and Nesterov momentum
// (torch.optim.SGD): the baseline every other optimizer is measured against.
//
//   xg::optim::SGD opt(params, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
#pragma once
#include <cmath>
#include <limits>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

// SGDOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_SGD_OPTIONS(X)                                 \
  /* required */                                          \
  X(double, lr, std::numeric_limits<double>::quiet_NaN()) \
  X(double, momentum, 0)                                  \
  X(double, dampening, 0)                                 \
  X(double, weight_decay, 0)                              \
  X(bool, nesterov, false)                                \
  X(bool, maximize, false)
/// SGD's hyper-parameters. As in PyTorch 1.13 and LibTorch the learning rate has no default: an
/// SGD constructed without `.lr` throws a ValueError asking for one.
struct SGDOptions {
  XG_OPTIM_FIELDS(XG_SGD_OPTIONS)
  /// ValueError for a missing or negative lr, negative momentum or weight_decay, and Nesterov
  /// momentum without momentum or with dampening.
  void validate() const;
};

// SGDState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_SGD_STATE(X) X(Tensor, momentum_buffer)
/// The momentum buffer, created from the first step's gradient (not from zeros).
struct SGDState {
  XG_OPTIM_FIELDS(XG_SGD_STATE)
};

/// Stochastic gradient descent. With g = ∇f (+ weight_decay·p; negated when maximize):
///
///   b ← g on the first step, then b ← momentum·b + (1 − dampening)·g
///   p ← p − lr·(g + momentum·b)   (nesterov)   or   p ← p − lr·b
///
/// (momentum 0: p ← p − lr·g). Note that PyTorch's form puts lr outside the buffer, unlike
/// Sutskever et al. who scale the gradient by lr inside it; the two differ when lr changes.
///
///   xg::optim::SGD opt(params, {.lr = 0.01, .momentum = 0.9});
///   opt.zero_grad();  loss.backward();  opt.step();
class SGD : public OptimizerBase<SGD, SGDOptions, SGDState> {
 public:
  using OptimizerBase::OptimizerBase;
  /// The state of a new parameter (no momentum buffer yet; called by OptimizerBase at its first update).
  void init_state(const Tensor& param, SGDState& state, const SGDOptions& options);
  /// One SGD update of `param` from `grad` (called by OptimizerBase::step under no-grad).
  void update(Tensor& param, const Tensor& grad, SGDState& state, const SGDOptions& options);
};

}  // namespace xg::optim

XGRAD_API_END
