// xgrad — gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_): rescale or clamp
// the gradients in place between backward() and the optimizer's step().
//
//   loss.backward();
//   double norm = xg::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
//   opt.step();
#pragma once
#include <vector>

#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn::utils {

/// Scales the gradients of `parameters` (those that have one) in place so that their total
/// norm — the `norm_type`-norm of the vector of all gradient elements, `INFINITY` for the max
/// norm — is at most `max_norm`: every gradient is multiplied by max_norm / (total + 1e-6) when
/// that is below 1. Returns the total norm before clipping (0 when no parameter has a gradient).
///
/// A non-finite total norm (an inf or NaN gradient) cannot be clipped. With
/// `error_if_nonfinite` that is a ValueError; otherwise one warning line goes to stderr and the
/// gradients are left unchanged. (PyTorch 1.13 instead multiplies them by the resulting NaN or 0
/// coefficient; leaving them alone lets the caller see and skip the bad step.)
///
/// ValueError for a negative or NaN max_norm, or a norm_type that is not > 0.
///
///   double total = xg::nn::utils::clip_grad_norm_(params, 5.0, 2.0);
double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
/// clip_grad_norm_ of one parameter.
double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

/// Clamps every gradient element of `parameters` into [−clip_value, clip_value] in place.
/// ValueError for a negative or NaN clip_value.
///
///   xg::nn::utils::clip_grad_value_(params, 0.5);
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
/// clip_grad_value_ of one parameter.
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace xg::nn::utils

namespace xg::optim {
// Also reachable from the optimizers' namespace, where training loops live.
using nn::utils::clip_grad_norm_;
using nn::utils::clip_grad_value_;
}  // namespace xg::optim

XGRAD_API_END
