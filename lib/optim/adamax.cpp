// Adamax: validation and the update glue around the fused kernel.
#include "xgrad/optim/adamax.hpp"

#include <cmath>

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void AdamaxOptions::validate() const {
  detail::check_non_negative("Adamax", "learning rate", lr);
  detail::check_non_negative("Adamax", "epsilon value", eps);
  detail::check_betas("Adamax", betas);
  detail::check_non_negative("Adamax", "weight_decay value", weight_decay);
}

void Adamax::init_state(const Tensor& param, AdamaxState& state, const AdamaxOptions&) {
  state.step = 0;
  state.exp_avg = zeros(param.sizes(), param.dtype());
  state.exp_inf = zeros(param.sizes(), param.dtype());
}

void Adamax::update(Tensor& param, const Tensor& grad, AdamaxState& state, const AdamaxOptions& o) {
  ++state.step;
  const double clr = o.lr / (1 - std::pow(o.betas.first, static_cast<double>(state.step)));
  detail::fused_update(
      name(), param, grad, {&state.exp_avg, &state.exp_inf}, [&]<class T>(T* p, const T* g, std::int64_t n) {
        kernels::optim::adamax<T>(p, g, state.exp_avg.data_ptr<T>(), state.exp_inf.data_ptr<T>(), n,
                                  {clr, o.betas.first, o.betas.second, o.eps, o.weight_decay, o.maximize});
      });
}

}  // namespace xg::optim
