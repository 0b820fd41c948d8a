// xgrad — Adagrad (torch.optim.Adagrad): per-coordinate learning rates that shrink with the
// accumulated squared gradients; suited to sparse features.
//
//   xg::optim::Adagrad opt(params, {.lr = 0.01, .lr_decay = 1e-4});
#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// Adagrad's hyper-parameters with PyTorch's defaults.
struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
  bool maximize = false;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("lr_decay", lr_decay);
    v("weight_decay", weight_decay);
    v("initial_accumulator_value", initial_accumulator_value);
    v("eps", eps);
    v("maximize", maximize);
  }
  /// ValueError for any negative value.
  void validate() const;
};

/// The step count and the sum of squared gradients (starting at initial_accumulator_value).
struct AdagradState {
  std::int64_t step = 0;
  Tensor sum;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("sum", sum);
  }
};

/// Adagrad. With g = ∇f (+ weight_decay·p; negated when maximize) at step t:
///
///   clr = lr / (1 + (t − 1)·lr_decay);   s ← s + g²;   p ← p − clr·g / (√s + eps)
///
///   xg::optim::Adagrad opt(params, {.lr = 0.1});
class Adagrad : public OptimizerBase<Adagrad, AdagradOptions, AdagradState> {
 public:
  using OptimizerBase::OptimizerBase;
  void init_state(const Tensor& param, AdagradState& state, const AdagradOptions& options);
  void update(Tensor& param, const Tensor& grad, AdagradState& state, const AdagradOptions& options);
};

}  // namespace xg::optim
