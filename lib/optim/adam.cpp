// Adam and AdamW: validation and the update glue around the shared fused kernel.
#include "xgrad/optim/adam.hpp"

#include <cmath>

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

namespace {
template <class Options>
void validate_adam(const char* name, const Options& o) {
  detail::check_non_negative(name, "learning rate", o.lr);
  detail::check_non_negative(name, "epsilon value", o.eps);
  detail::check_betas(name, o.betas);
  detail::check_non_negative(name, "weight_decay value", o.weight_decay);
}

template <class Options>
void init_adam(const Tensor& param, AdamState& state, const Options& o) {
  state.step = 0;
  state.exp_avg = zeros(param.sizes(), param.dtype());
  state.exp_avg_sq = zeros(param.sizes(), param.dtype());
  if (o.amsgrad) state.max_exp_avg_sq = zeros(param.sizes(), param.dtype());
}

template <class Options>
void update_adam(const std::string& name, Tensor& param, const Tensor& grad, AdamState& state, const Options& o,
                 bool decoupled) {
  ++state.step;
  if (o.amsgrad && !state.max_exp_avg_sq.defined()) state.max_exp_avg_sq = zeros(param.sizes(), param.dtype());
  const double t = static_cast<double>(state.step);
  // Bias corrections: the moments start at zero, so their early averages are shrunk by 1 − βᵗ.
  const double bias_correction1 = 1 - std::pow(o.betas.first, t);
  const double bias_correction2 = 1 - std::pow(o.betas.second, t);
  kernels::optim::AdamArgs args{};
  args.step_size = o.lr / bias_correction1;
  args.beta1 = o.betas.first;
  args.beta2 = o.betas.second;
  args.eps = o.eps;
  args.weight_decay = o.weight_decay;
  args.bias_correction2_sqrt = std::sqrt(bias_correction2);
  args.decoupled_decay = 1 - o.lr * o.weight_decay;
  args.amsgrad = o.amsgrad;
  args.maximize = o.maximize;
  args.decoupled = decoupled;
  detail::fused_update(name, param, grad, {&state.exp_avg, &state.exp_avg_sq, &state.max_exp_avg_sq},
                       [&]<class T>(T* p, const T* g, std::int64_t n) {
                         kernels::optim::adam<T>(p, g, state.exp_avg.data_ptr<T>(), state.exp_avg_sq.data_ptr<T>(),
                                                 o.amsgrad ? state.max_exp_avg_sq.data_ptr<T>() : nullptr, n, args);
                       });
}
}  // namespace

void AdamOptions::validate() const { validate_adam("Adam", *this); }
void AdamWOptions::validate() const { validate_adam("AdamW", *this); }

void Adam::init_state(const Tensor& param, AdamState& state, const AdamOptions& o) { init_adam(param, state, o); }
void Adam::update(Tensor& param, const Tensor& grad, AdamState& state, const AdamOptions& o) {
  update_adam(name(), param, grad, state, o, /*decoupled=*/false);
}

void AdamW::init_state(const Tensor& param, AdamState& state, const AdamWOptions& o) { init_adam(param, state, o); }
void AdamW::update(Tensor& param, const Tensor& grad, AdamState& state, const AdamWOptions& o) {
  update_adam(name(), param, grad, state, o, /*decoupled=*/true);
}

}  // namespace xg::optim
