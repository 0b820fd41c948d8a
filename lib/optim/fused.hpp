// Internal: what every first-order optimizer's update() shares — checking the gradient, giving the
// fused kernel contiguous pointers of the parameter's dtype, and keeping autograd's version
// counter honest — plus the hyper-parameter checks their validate() functions use.
#pragma once
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/tensor.hpp"

namespace xg::optim::detail {

/// Pointer to a state tensor's data as T, or nullptr for an undefined (unused) buffer.
template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

/// Brings a state buffer to the parameter's dtype and a contiguous layout (a state dict may hold
/// it in another dtype, as PyTorch casts state to the parameter's dtype on load).
inline void conform_state(Tensor& s, const Tensor& param) {
  if (!s.defined()) return;
  if (s.dtype() != param.dtype()) s = s.to(param.dtype());
  if (!s.is_contiguous()) s = s.contiguous();
}

/// Runs `kernel.template operator()<T>(T* p, const T* g, std::int64_t n)` on the parameter's data.
/// State tensors listed in `state` are conformed first (see conform_state). The parameter is
/// written in place (a non-contiguous one through a contiguous copy) and its version counter is
/// bumped, as an in-place op would (Note [Storage and versions] in lib/core/tensor_impl.hpp).
template <class Kernel>
void fused_update(const std::string& optimizer, Tensor& param, const Tensor& grad, std::initializer_list<Tensor*> state,
                  Kernel&& kernel) {
  XG_CHECK(grad.sizes() == param.sizes(), ShapeError, optimizer, ": the gradient has shape ", grad.sizes(),
           " but its parameter has shape ", param.sizes());
  NoGradGuard no_grad;
  Tensor g = grad.dtype() == param.dtype() ? grad : grad.to(param.dtype());
  if (!g.is_contiguous()) g = g.contiguous();
  for (Tensor* s : state) conform_state(*s, param);
  Tensor work = param.is_contiguous() ? param : param.contiguous();
  kernels::dispatch_floating(param.dtype(), optimizer.c_str(), [&]<class T>() {
    kernel.template operator()<T>(work.data_ptr<T>(), g.data_ptr<T>(), work.numel());
  });
  if (work.is_same(param)) param.unsafe_impl()->bump_version();
  else param.copy_(work);
}

/// The value `v` takes once stored in a float32 0-d tensor (PyTorch keeps some optimizer scalars —
/// NAdam's mu_product, ASGD's eta and mu — in such tensors, whatever the parameter's dtype).
inline double as_float32(double v) { return static_cast<double>(static_cast<float>(v)); }

// ---- hyper-parameter checks (ValueError naming the optimizer and the value) ---------------------

/// value >= 0 (NaN fails).
inline void check_non_negative(const char* optimizer, const char* what, double value) {
  XG_CHECK(value >= 0.0, ValueError, optimizer, ": invalid ", what, ": ", value, " (must be >= 0)");
}
/// lo <= value < hi (NaN fails).
inline void check_in_range(const char* optimizer, const char* what, double value, double lo, double hi,
                           bool hi_inclusive = false) {
  XG_CHECK(value >= lo && (hi_inclusive ? value <= hi : value < hi), ValueError, optimizer, ": invalid ", what, ": ",
           value, " (must be in [", lo, ", ", hi, hi_inclusive ? "])" : "))");
}
/// Adam-family betas in [0, 1).
inline void check_betas(const char* optimizer, const std::pair<double, double>& betas) {
  XG_CHECK(betas.first >= 0.0 && betas.first < 1.0, ValueError, optimizer,
           ": invalid beta parameter at index 0: ", betas.first, " (must be in [0, 1))");
  XG_CHECK(betas.second >= 0.0 && betas.second < 1.0, ValueError, optimizer,
           ": invalid beta parameter at index 1: ", betas.second, " (must be in [0, 1))");
}

}  // namespace xg::optim::detail
