// xgrad — Adamax (torch.optim.Adamax): Adam with the second moment replaced by an exponentially
// weighted infinity norm of the gradients.
//
//   xg::optim::Adamax opt(params, {.lr = 2e-3});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// Adamax's hyper-parameters with PyTorch's defaults.
struct AdamaxOptions {
  double lr = 2e-3;
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

struct AdamaxState {
  std::int64_t step = 0;
  Tensor exp_avg, exp_inf;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("exp_avg", exp_avg);
    v("exp_inf", exp_inf);
  }
};

/// Adamax. With g = ∇f (+ weight_decay·p; negated when maximize) at step t:
///
///   m ← β₁m + (1 − β₁)g;   u ← max(β₂u, |g| + eps);   p ← p − lr/(1 − β₁ᵗ) · m/u
///
///   xg::optim::Adamax opt(params);
class Adamax : public OptimizerBase<Adamax, AdamaxOptions, AdamaxState> {
 public:
  using OptimizerBase::OptimizerBase;
  void init_state(const Tensor& param, AdamaxState& state, const AdamaxOptions& options);
  void update(Tensor& param, const Tensor& grad, AdamaxState& state, const AdamaxOptions& options);
};

}  // namespace xg::optim
