// Adadelta: validation and the update glue around the fused kernel.
#include "xgrad/optim/adadelta.hpp"

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void AdadeltaOptions::validate() const {
  detail::check_non_negative("Adadelta", "learning rate", lr);
  detail::check_in_range("Adadelta", "rho value", rho, 0.0, 1.0, /*hi_inclusive=*/true);
  detail::check_non_negative("Adadelta", "epsilon value", eps);
  detail::check_non_negative("Adadelta", "weight_decay value", weight_decay);
}

void Adadelta::init_state(const Tensor& param, AdadeltaState& state, const AdadeltaOptions&) {
  state.step = 0;
  state.square_avg = zeros(param.sizes(), param.dtype());
  state.acc_delta = zeros(param.sizes(), param.dtype());
}

void Adadelta::update(Tensor& param, const Tensor& grad, AdadeltaState& state, const AdadeltaOptions& o) {
  ++state.step;
  detail::fused_update(
      name(), param, grad, {&state.square_avg, &state.acc_delta}, [&]<class T>(T* p, const T* g, std::int64_t n) {
        kernels::optim::adadelta<T>(p, g, state.square_avg.data_ptr<T>(), state.acc_delta.data_ptr<T>(), n,
                                    {o.lr, o.rho, o.eps, o.weight_decay, o.maximize});
      });
}

}  // namespace xg::optim
