// Rprop: validation and the update glue around the fused kernel.
#include "xgrad/optim/rprop.hpp"

#include "kernels/optim_kernels.hpp"
#include "optim/fused.hpp"

namespace xg::optim {

void RpropOptions::validate() const {
  detail::check_non_negative("Rprop", "learning rate", lr);
  XG_CHECK(0.0 < etas.first && etas.first < 1.0 && 1.0 < etas.second, ValueError,
           "Rprop: invalid eta values: ", etas.first, ", ", etas.second, " (must satisfy 0 < etaminus < 1 < etaplus)");
  XG_CHECK(0.0 <= step_sizes.first && step_sizes.first <= step_sizes.second, ValueError,
           "Rprop: invalid step sizes: ", step_sizes.first, ", ", step_sizes.second, " (must satisfy 0 <= min <= max)");
}

void Rprop::init_state(const Tensor& param, RpropState& state, const RpropOptions& o) {
  state.step = 0;
  state.prev = zeros(param.sizes(), param.dtype());
  state.step_size = full(param.sizes(), o.lr, param.dtype());
}

void Rprop::update(Tensor& param, const Tensor& grad, RpropState& state, const RpropOptions& o) {
  ++state.step;
  detail::fused_update(
      name(), param, grad, {&state.prev, &state.step_size}, [&]<class T>(T* p, const T* g, std::int64_t n) {
        kernels::optim::rprop<T>(p, g, state.prev.data_ptr<T>(), state.step_size.data_ptr<T>(), n,
                                 {o.etas.first, o.etas.second, o.step_sizes.first, o.step_sizes.second, o.maximize});
      });
}

}  // namespace xg::optim
