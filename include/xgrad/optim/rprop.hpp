// xgrad — Rprop (torch.optim.Rprop): resilient backpropagation, which uses only the sign of the
// gradient and adapts a step size per coordinate (grow while the sign holds, shrink when it flips).
// Meant for full-batch training.
//
//   xg::optim::Rprop opt(params, {.lr = 0.01, .etas = {0.5, 1.2}, .step_sizes = {1e-6, 50}});
#pragma once
#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// Rprop's hyper-parameters with PyTorch's defaults: etas = (η₋, η₊), step_sizes = (min, max).
struct RpropOptions {
  double lr = 1e-2;  ///< the initial step size
  std::pair<double, double> etas = {0.5, 1.2};
  std::pair<double, double> step_sizes = {1e-6, 50};
  bool maximize = false;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("etas", etas);
    v("step_sizes", step_sizes);
    v("maximize", maximize);
  }
  /// ValueError for a negative lr, etas not satisfying 0 < η₋ < 1 < η₊, or step sizes not
  /// satisfying 0 <= min <= max (the last check is an addition over PyTorch).
  void validate() const;
};

/// The previous (possibly zeroed) gradient and the per-coordinate step size.
struct RpropState {
  std::int64_t step = 0;
  Tensor prev, step_size;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("prev", prev);
    v("step_size", step_size);
  }
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
  void init_state(const Tensor& param, RpropState& state, const RpropOptions& options);
  void update(Tensor& param, const Tensor& grad, RpropState& state, const RpropOptions& options);
};

}  // namespace xg::optim
