// xgrad — NAdam (torch.optim.NAdam): Adam with Nesterov momentum and Dozat's momentum schedule
// μ_t = β₁(1 − ½·0.96^(t·momentum_decay)).
//
//   xg::optim::NAdam opt(params, {.lr = 2e-3});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// NAdam's hyper-parameters with PyTorch's defaults. `maximize` is an addition over PyTorch 1.13
/// (PyTorch 2 has it too).
struct NAdamOptions {
  double lr = 2e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum_decay = 4e-3;
  bool maximize = false;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("betas", betas);
    v("eps", eps);
    v("weight_decay", weight_decay);
    v("momentum_decay", momentum_decay);
    v("maximize", maximize);
  }
  /// ValueError for a negative lr, eps, weight_decay or momentum_decay, or a beta outside [0, 1).
  void validate() const;
};

/// mu_product = Π_{i≤t} μ_i. PyTorch keeps it in a float32 0-d tensor whatever the parameter's
/// dtype; xgrad rounds it to float32 the same way so that results match.
struct NAdamState {
  std::int64_t step = 0;
  double mu_product = 1.0;
  Tensor exp_avg, exp_avg_sq;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("mu_product", mu_product);
    v("exp_avg", exp_avg);
    v("exp_avg_sq", exp_avg_sq);
  }
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
  void init_state(const Tensor& param, NAdamState& state, const NAdamOptions& options);
  void update(Tensor& param, const Tensor& grad, NAdamState& state, const NAdamOptions& options);
};

}  // namespace xg::optim
