// xgrad — RMSprop (torch.optim.RMSprop): divides the gradient by a running root mean square of
// recent gradients, optionally centered (by the running mean) and with momentum.
//
//   xg::optim::RMSprop opt(params, {.lr = 1e-3, .momentum = 0.9, .centered = true});
#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// RMSprop's hyper-parameters with PyTorch's defaults.
struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
  bool maximize = false;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("alpha", alpha);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("momentum", momentum);
    v("centered", centered);
    v("maximize", maximize);
  }
  /// ValueError for a negative lr, eps, momentum or weight_decay, or alpha outside [0, 1].
  void validate() const;
};

/// square_avg always; momentum_buffer when momentum > 0; grad_avg when centered.
struct RMSpropState {
  std::int64_t step = 0;
  Tensor square_avg, momentum_buffer, grad_avg;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("square_avg", square_avg);
    v("momentum_buffer", momentum_buffer);
    v("grad_avg", grad_avg);
  }
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
  void init_state(const Tensor& param, RMSpropState& state, const RMSpropOptions& options);
  void update(Tensor& param, const Tensor& grad, RMSpropState& state, const RMSpropOptions& options);
};

}  // namespace xg::optim
