// xgrad — averaged SGD (torch.optim.ASGD, Polyak–Juditsky averaging): SGD with a decaying step
// that also keeps the running average of the iterates, `ax`, which is the estimate to use.
//
//   xg::optim::ASGD opt(params, {.lr = 0.01, .t0 = 100});
//   ...  opt.state(0)->ax   // the averaged parameter
#pragma once
#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// ASGD's hyper-parameters with PyTorch's defaults.
struct ASGDOptions {
  double lr = 1e-2;
  double lambd = 1e-4;  ///< decay term
  double alpha = 0.75;  ///< power of the step-size decay
  double t0 = 1e6;      ///< the step at which averaging starts
  double weight_decay = 0;
  bool maximize = false;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("lambd", lambd);
    v("alpha", alpha);
    v("t0", t0);
    v("weight_decay", weight_decay);
    v("maximize", maximize);
  }
  /// ValueError for a negative lr, weight_decay, lambd, alpha or t0 (the last three are additions
  /// over PyTorch).
  void validate() const;
};

/// eta (current step size) and mu (averaging weight) are held rounded to float32, as PyTorch's
/// float32 0-d tensors hold them; ax is the averaged parameter.
struct ASGDState {
  std::int64_t step = 0;
  double eta = 0;
  double mu = 1;
  Tensor ax;
  template <class V> void visit(V&& v) {
    v("step", step);
    v("eta", eta);
    v("mu", mu);
    v("ax", ax);
  }
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
  void init_state(const Tensor& param, ASGDState& state, const ASGDOptions& options);
  void update(Tensor& param, const Tensor& grad, ASGDState& state, const ASGDOptions& options);
};

}  // namespace xg::optim
