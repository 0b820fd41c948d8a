// SGD: validation and the update glue around the fused kernel.
#include "xgrad/optim/sgd.hpp"

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void SGDOptions::validate() const {
  XG_CHECK(!std::isnan(lr), ValueError, "SGD: a learning rate is required, e.g. SGD(params, {.lr = 0.01})");
  detail::check_non_negative("SGD", "learning rate", lr);
  detail::check_non_negative("SGD", "momentum value", momentum);
  detail::check_non_negative("SGD", "weight_decay value", weight_decay);
  XG_CHECK(!nesterov || (momentum > 0 && dampening == 0), ValueError,
           "SGD: Nesterov momentum requires a momentum and zero dampening (got momentum=", momentum,
           ", dampening=", dampening, ")");
}

void SGD::init_state(const Tensor&, SGDState&, const SGDOptions&) {}  // the buffer is born on the first step

void SGD::update(Tensor& param, const Tensor& grad, SGDState& state, const SGDOptions& o) {
  // PyTorch starts the momentum buffer at the first step's gradient, not at zero.
  const bool first = o.momentum != 0 && !state.momentum_buffer.defined();
  if (first) state.momentum_buffer = zeros(param.sizes(), param.dtype());
  detail::fused_update(name(), param, grad, {&state.momentum_buffer}, [&]<class T>(T* p, const T* g, std::int64_t n) {
    kernels::optim::sgd<T>(p, g, detail::ptr<T>(state.momentum_buffer), n,
                           {o.lr, o.momentum, o.dampening, o.weight_decay, o.nesterov, o.maximize, first});
  });
}

}  // namespace xg::optim
