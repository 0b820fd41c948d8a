// RAdam: validation, the variance rectification and the update glue around the fused kernel.
#include "xgrad/optim/radam.hpp"

#include <cmath>

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void RAdamOptions::validate() const {
  detail::check_non_negative("RAdam", "learning rate", lr);
  detail::check_non_negative("RAdam", "epsilon value", eps);
  detail::check_betas("RAdam", betas);
  detail::check_non_negative("RAdam", "weight_decay value", weight_decay);
}

void RAdam::init_state(const Tensor& param, RAdamState& state, const RAdamOptions&) {
  state.step = 0;
  state.exp_avg = zeros(param.sizes(), param.dtype());
  state.exp_avg_sq = zeros(param.sizes(), param.dtype());
}

void RAdam::update(Tensor& param, const Tensor& grad, RAdamState& state, const RAdamOptions& o) {
  ++state.step;
  const double t = static_cast<double>(state.step);
  const double beta2 = o.betas.second;
  const double bias_correction1 = 1 - std::pow(o.betas.first, t);
  const double bias_correction2 = 1 - std::pow(beta2, t);
  // Length of the approximated simple moving average: its limit and its value at step t. The
  // adaptive step is used only when ρ_t > 5, i.e. when the variance of 1/√v is finite enough.
  const double rho_inf = 2 / (1 - beta2) - 1;
  const double rho_t = rho_inf - 2 * t * std::pow(beta2, t) / bias_correction2;
  kernels::optim::RadamArgs args{};
  args.lr = o.lr;
  args.beta1 = o.betas.first;
  args.beta2 = beta2;
  args.eps = o.eps;
  args.weight_decay = o.weight_decay;
  args.bias_correction1 = bias_correction1;
  args.bias_correction2_sqrt = std::sqrt(bias_correction2);
  args.rectified = rho_t > 5.;
  args.rect =
      args.rectified ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0.0;
  args.maximize = o.maximize;
  detail::fused_update(
      name(), param, grad, {&state.exp_avg, &state.exp_avg_sq}, [&]<class T>(T* p, const T* g, std::int64_t n) {
        kernels::optim::radam<T>(p, g, state.exp_avg.data_ptr<T>(), state.exp_avg_sq.data_ptr<T>(), n, args);
      });
}

}  // namespace xg::optim
