// NAdam: validation, the momentum schedule and the update glue around the fused kernel.
#include "xgrad/optim/nadam.hpp"

#include <cmath>

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void NAdamOptions::validate() const {
  detail::check_non_negative("NAdam", "learning rate", lr);
  detail::check_non_negative("NAdam", "epsilon value", eps);
  detail::check_betas("NAdam", betas);
  detail::check_non_negative("NAdam", "weight_decay value", weight_decay);
  detail::check_non_negative("NAdam", "momentum_decay value", momentum_decay);
}

void NAdam::init_state(const Tensor& param, NAdamState& state, const NAdamOptions&) {
  state.step = 0;
  state.mu_product = 1.0;
  state.exp_avg = zeros(param.sizes(), param.dtype());
  state.exp_avg_sq = zeros(param.sizes(), param.dtype());
}

void NAdam::update(Tensor& param, const Tensor& grad, NAdamState& state, const NAdamOptions& o) {
  ++state.step;
  const double t = static_cast<double>(state.step);
  const double beta1 = o.betas.first;
  const double bias_correction2 = 1 - std::pow(o.betas.second, t);
  // Dozat's momentum schedule μ_t = β₁(1 − ½·0.96^(tψ)), now and one step ahead.
  const double mu = beta1 * (1. - 0.5 * std::pow(0.96, t * o.momentum_decay));
  const double mu_next = beta1 * (1. - 0.5 * std::pow(0.96, (t + 1) * o.momentum_decay));
  // Π μ_i lives in a float32 0-d tensor in PyTorch: multiply in float32 as it does.
  const float mu_product = static_cast<float>(state.mu_product) * static_cast<float>(mu);
  const float mu_product_next = mu_product * static_cast<float>(mu) * static_cast<float>(mu_next);
  state.mu_product = mu_product;
  kernels::optim::NadamArgs args{};
  args.beta1 = beta1;
  args.beta2 = o.betas.second;
  args.eps = o.eps;
  args.weight_decay = o.weight_decay;
  args.bias_correction2 = bias_correction2;
  args.coef_grad = -o.lr * (1. - mu) / (1. - static_cast<double>(mu_product));
  args.coef_avg = -o.lr * mu_next / (1. - static_cast<double>(mu_product_next));
  args.maximize = o.maximize;
  detail::fused_update(
      name(), param, grad, {&state.exp_avg, &state.exp_avg_sq}, [&]<class T>(T* p, const T* g, std::int64_t n) {
        kernels::optim::nadam<T>(p, g, state.exp_avg.data_ptr<T>(), state.exp_avg_sq.data_ptr<T>(), n, args);
      });
}

}  // namespace xg::optim
