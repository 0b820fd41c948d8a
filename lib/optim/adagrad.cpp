// Adagrad: validation and the update glue around the fused kernel.
#include "xgrad/optim/adagrad.hpp"

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void AdagradOptions::validate() const {
  detail::check_non_negative("Adagrad", "learning rate", lr);
  detail::check_non_negative("Adagrad", "lr_decay value", lr_decay);
  detail::check_non_negative("Adagrad", "weight_decay value", weight_decay);
  detail::check_non_negative("Adagrad", "initial_accumulator_value value", initial_accumulator_value);
  detail::check_non_negative("Adagrad", "epsilon value", eps);
}

void Adagrad::init_state(const Tensor& param, AdagradState& state, const AdagradOptions& o) {
  state.step = 0;
  state.sum = full(param.sizes(), o.initial_accumulator_value, param.dtype());
}

void Adagrad::update(Tensor& param, const Tensor& grad, AdagradState& state, const AdagradOptions& o) {
  ++state.step;
  const double clr = o.lr / (1 + (static_cast<double>(state.step) - 1) * o.lr_decay);  // decayed learning rate
  detail::fused_update(name(), param, grad, {&state.sum}, [&]<class T>(T* p, const T* g, std::int64_t n) {
    kernels::optim::adagrad<T>(p, g, state.sum.data_ptr<T>(), n, {clr, o.weight_decay, o.eps, o.maximize});
  });
}

}  // namespace xg::optim
