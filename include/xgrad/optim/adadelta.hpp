// xgrad — Adadelta (torch.optim.Adadelta): steps whose size is the ratio of running RMS of past
// updates to running RMS of gradients, so no learning rate needs tuning (lr = 1).
//
//   xg::optim::Adadelta opt(params, {.rho = 0.95});
#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// Adadelta's hyper-parameters with PyTorch's defaults.
struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0;
  bool maximize = false;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("rho", rho);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("maximize", maximize);
  }
  /// ValueError for a negative lr, eps or weight_decay, or rho outside [0, 1].
  void validate() const;
};

/// The running averages of squared gradients and of squared updates.
struct AdadeltaState {
  std::int64_t step = 0;
  Tensor square_avg, acc_delta;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("square_avg", square_avg);
    v("acc_delta", acc_delta);
  }
};

/// Adadelta. With g = ∇f (+ weight_decay·p; negated when maximize):
///
///   v ← ρ·v + (1 − ρ)·g²;   δ = √(u + eps) / √(v + eps) · g;   u ← ρ·u + (1 − ρ)·δ²;   p ← p − lr·δ
///
///   xg::optim::Adadelta opt(params);
class Adadelta : public OptimizerBase<Adadelta, AdadeltaOptions, AdadeltaState> {
 public:
  using OptimizerBase::OptimizerBase;
  void init_state(const Tensor& param, AdadeltaState& state, const AdadeltaOptions& options);
  void update(Tensor& param, const Tensor& grad, AdadeltaState& state, const AdadeltaOptions& options);
};

}  // namespace xg::optim
