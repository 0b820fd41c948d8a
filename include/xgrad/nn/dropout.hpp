// xgrad — dropout layers (torch.nn.Dropout, Dropout2d, AlphaDropout) and their functional forms.
// In training each unit (or each whole channel, for Dropout2d) is zeroed with probability p and
// the rest rescaled so the expected value is unchanged; in eval they are the identity. Masks come
// from the global generator, so xg::manual_seed makes them repeat.
//
//   xg::nn::Dropout drop({.p = 0.2});   auto y = drop(x);      // drop->eval(): y == x
//   auto z = xg::nn::functional::dropout(x, {.p = 0.2, .training = true});
#pragma once
#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// p: the probability that a unit (Dropout, AlphaDropout) or a channel (Dropout2d) is dropped,
/// in [0, 1]. (PyTorch's `inplace` option does not exist: xgrad's dropout always makes a new tensor.)
struct DropoutOptions {
  /// the probability of an element being zeroed
  double p = 0.5;
};
/// The options of Dropout2d and AlphaDropout (as Dropout's).
///@{
using Dropout2dOptions = DropoutOptions;
using AlphaDropoutOptions = DropoutOptions;
///@}

namespace functional {

/// The functional forms' options: p and the mode (PyTorch's default is training = true).
struct DropoutFuncOptions {
  /// the probability of an element being zeroed
  double p = 0.5;
  /// apply the training-mode behaviour
  bool training = true;
};
/// The options of functional::dropout2d and alpha_dropout (as dropout's).
///@{
using Dropout2dFuncOptions = DropoutFuncOptions;
using AlphaDropoutFuncOptions = DropoutFuncOptions;
///@}

/// Zeroes each element with probability p and scales the others by 1/(1 − p) (inverted dropout);
/// the identity when not training or p = 0; all zeros when p = 1.
Tensor dropout(const Tensor& x, const DropoutFuncOptions& options = {});
/// Zeroes whole channels: for x of shape [N, C, H, W] (or unbatched [C, H, W]) each [H, W] plane
/// is dropped with probability p, the kept ones scaled by 1/(1 − p).
Tensor dropout2d(const Tensor& x, const DropoutFuncOptions& options = {});
/// Dropout for self-normalizing networks (SELU): dropped units are set to SELU's negative
/// saturation −λα and the result is affinely corrected, a·(x·m − λα(1 − m)) + a·λα·p with
/// a = ((1 − p)(1 + p·(λα)²))^(−1/2), so that inputs of mean 0 and variance 1 keep them.
Tensor alpha_dropout(const Tensor& x, const DropoutFuncOptions& options = {});

}  // namespace functional

/// `xg::nn::Dropout drop({.p = 0.5});` — prints `Dropout(p=0.5)`.
struct DropoutImpl : Cloneable<DropoutImpl> {
  /// A Dropout configured by `options`.
  explicit DropoutImpl(DropoutOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  DropoutOptions options;
};
XG_MODULE_OPTIONS(Dropout, DropoutOptions);

/// Channel dropout for [N, C, H, W] (or [C, H, W]) feature maps.
struct Dropout2dImpl : Cloneable<Dropout2dImpl> {
  /// A Dropout2d configured by `options`.
  explicit Dropout2dImpl(Dropout2dOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  Dropout2dOptions options;
};
XG_MODULE_OPTIONS(Dropout2d, Dropout2dOptions);

/// Dropout that keeps the mean and variance of SELU activations.
struct AlphaDropoutImpl : Cloneable<AlphaDropoutImpl> {
  /// A AlphaDropout configured by `options`.
  explicit AlphaDropoutImpl(AlphaDropoutOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  AlphaDropoutOptions options;
};
XG_MODULE_OPTIONS(AlphaDropout, AlphaDropoutOptions);

}  // namespace xg::nn

XGRAD_API_END
