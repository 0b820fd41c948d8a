// RMSprop: validation and the update glue around the fused kernel.
#include "xgrad/optim/rmsprop.hpp"

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void RMSpropOptions::validate() const {
  detail::check_non_negative("RMSprop", "learning rate", lr);
  detail::check_non_negative("RMSprop", "epsilon value", eps);
  detail::check_non_negative("RMSprop", "momentum value", momentum);
  detail::check_non_negative("RMSprop", "weight_decay value", weight_decay);
  detail::check_in_range("RMSprop", "alpha value", alpha, 0.0, 1.0, /*hi_inclusive=*/true);
}

void RMSprop::init_state(const Tensor& param, RMSpropState& state, const RMSpropOptions& o) {
  state.step = 0;
  state.square_avg = zeros(param.sizes(), param.dtype());
  if (o.momentum > 0) state.momentum_buffer = zeros(param.sizes(), param.dtype());
  if (o.centered) state.grad_avg = zeros(param.sizes(), param.dtype());
}

void RMSprop::update(Tensor& param, const Tensor& grad, RMSpropState& state, const RMSpropOptions& o) {
  ++state.step;
  // Momentum or centering switched on after the first step start from zero buffers.
  if (o.momentum > 0 && !state.momentum_buffer.defined()) state.momentum_buffer = zeros(param.sizes(), param.dtype());
  if (o.centered && !state.grad_avg.defined()) state.grad_avg = zeros(param.sizes(), param.dtype());
  detail::fused_update(name(), param, grad, {&state.square_avg, &state.grad_avg, &state.momentum_buffer},
                       [&]<class T>(T* p, const T* g, std::int64_t n) {
                         kernels::optim::rmsprop<T>(
                             p, g, state.square_avg.data_ptr<T>(), o.centered ? state.grad_avg.data_ptr<T>() : nullptr,
                             o.momentum > 0 ? state.momentum_buffer.data_ptr<T>() : nullptr, n,
                             {o.lr, o.alpha, o.eps, o.weight_decay, o.momentum, o.centered, o.maximize});
                       });
}

}  // namespace xg::optim
