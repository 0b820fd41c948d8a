// ASGD: validation, the step-size and averaging schedules, and the update glue around the fused
// kernel.
#include "xgrad/optim/asgd.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void ASGDOptions::validate() const {
  detail::check_non_negative("ASGD", "learning rate", lr);
  detail::check_non_negative("ASGD", "lambd value", lambd);
  detail::check_non_negative("ASGD", "alpha value", alpha);
  detail::check_non_negative("ASGD", "t0 value", t0);
  detail::check_non_negative("ASGD", "weight_decay value", weight_decay);
}

void ASGD::init_state(const Tensor& param, ASGDState& state, const ASGDOptions& o) {
  state.step = 0;
  state.eta = detail::as_float32(o.lr);  // PyTorch: torch.tensor(lr), a float32 0-d tensor
  state.mu = 1.0;
  state.ax = zeros(param.sizes(), param.dtype());
}

void ASGD::update(Tensor& param, const Tensor& grad, ASGDState& state, const ASGDOptions& o) {
  ++state.step;
  const double t = static_cast<double>(state.step);
  detail::fused_update(name(), param, grad, {&state.ax}, [&]<class T>(T* p, const T* g, std::int64_t n) {
    kernels::optim::asgd<T>(p, g, state.ax.data_ptr<T>(), n,
                            {state.eta, o.lambd, state.mu, o.weight_decay, o.maximize});
  });
  // η_t = lr / (1 + λ·lr·t)^α and μ_t = 1 / max(1, t − t0): averaging starts after step t0.
  state.eta = detail::as_float32(o.lr / std::pow(1 + o.lambd * o.lr * t, o.alpha));
  state.mu = detail::as_float32(1 / std::max(1.0, t - o.t0));
}

}  // namespace xg::optim
