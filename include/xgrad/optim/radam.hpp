// xgrad — RAdam (torch.optim.RAdam): Adam whose adaptive step is switched on only once the
// variance of the adaptive learning rate is tractable (the approximated SMA length ρ_t > 5), and
// then rectified.
//
//   xg::optim::RAdam opt(params, {.lr = 1e-3});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// RAdam's hyper-parameters with PyTorch's defaults. `maximize` is an addition over PyTorch 1.13
/// (PyTorch 2 has it too).
struct RAdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;
  bool maximize = false;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("betas", betas);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("maximize", maximize);
  }
  /// ValueError for a negative lr, eps or weight_decay, or a beta outside [0, 1).
  void validate() const;
};

struct RAdamState {
  std::int64_t step = 0;
  Tensor exp_avg, exp_avg_sq;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("exp_avg", exp_avg);
    v("exp_avg_sq", exp_avg_sq);
  }
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
  void init_state(const Tensor& param, RAdamState& state, const RAdamOptions& options);
  void update(Tensor& param, const Tensor& grad, RAdamState& state, const RAdamOptions& options);
};

}  // namespace xg::optim
