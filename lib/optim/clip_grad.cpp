// Gradient clipping by total norm and by value.
#include "xgrad/optim/clip_grad.hpp"

#include <cmath>
#include <iostream>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn::utils {

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  XG_CHECK(max_norm >= 0, ValueError, "clip_grad_norm_: max_norm must be >= 0, got ", max_norm);
  XG_CHECK(norm_type > 0, ValueError, "clip_grad_norm_: norm_type must be > 0 (or INFINITY), got ", norm_type);
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const auto& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;

  // ‖(g₁, …, g_k)‖_q = ‖(‖g₁‖_q, …, ‖g_k‖_q)‖_q: the norm of the per-parameter norms, combined
  // as m·(Σ (nᵢ/m)^q)^(1/q) with m = max nᵢ so that large norms do not overflow.
  std::vector<double> norms;
  double largest = 0;
  bool nan = false;
  for (const auto& g : grads) {
    norms.push_back(g.numel() == 0 ? 0.0 : norm(g, norm_type).item<double>());
    nan = nan || std::isnan(norms.back());
    largest = std::max(largest, norms.back());
  }
  double total = nan ? NAN : largest;
  if (!nan && std::isfinite(largest) && largest > 0 && !std::isinf(norm_type)) {
    double sum = 0;
    for (double n : norms) sum += std::pow(n / largest, norm_type);
    total = largest * std::pow(sum, 1.0 / norm_type);
  }

  if (!std::isfinite(total)) {
    XG_CHECK(!error_if_nonfinite, ValueError, "clip_grad_norm_: the total norm of order ", norm_type,
             " of the gradients is non-finite (", total,
             "), so it cannot be clipped; pass error_if_nonfinite = false to skip clipping with a warning");
    std::cerr << "xgrad warning: clip_grad_norm_: the total gradient norm is " << total
              << "; the gradients are left unchanged\n";
    return total;
  }
  const double clip_coef = max_norm / (total + 1e-6);
  if (clip_coef < 1.0)
    for (auto& g : grads) g.mul_(clip_coef);
  return total;
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  XG_CHECK(clip_value >= 0, ValueError, "clip_grad_value_: clip_value must be >= 0, got ", clip_value);
  NoGradGuard no_grad;
  for (const auto& p : parameters)
    if (p.defined() && p.grad().defined()) {
      Tensor g = p.grad();
      g.clamp_(-clip_value, clip_value);
    }
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace xg::nn::utils
