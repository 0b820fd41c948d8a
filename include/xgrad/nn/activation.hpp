// xgrad — activation layers (torch.nn.ReLU, GELU, Softmax, …) and their functional forms.
// Each layer applies one op of xgrad/ops.hpp with PyTorch's options and defaults; PReLU learns
// its slopes, RReLU samples them in training. The functional forms live in xg::nn::functional.
//
//   xg::nn::LeakyReLU act({.negative_slope = 0.2});     auto y = act(x);
//   namespace F = xg::nn::functional;                    auto z = F::gelu(x, {.approximate = "tanh"});
#pragma once
#include <cstdint>
#include <string>

#include "xgrad/nn/module.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

// ---- options (field order and defaults as PyTorch's keyword arguments) -------------------------

/// Options of LeakyReLU (PyTorch's arguments of the same names and defaults).
struct LeakyReLUOptions {
  /// the slope for x < 0
  double negative_slope = 0.01;
};
/// Slopes of the negative part are drawn from U(lower, upper) in training; (lower + upper) / 2 in eval.
struct RReLUOptions {
  /// the smallest random slope
  double lower = 1.0 / 8;
  /// the largest random slope
  double upper = 1.0 / 3;
};
/// num_parameters: 1 (one slope shared by all channels) or the number of channels (dim 1 of the
/// input); init: the initial slope.
struct PReLUOptions {
  /// 1 or the number of channels
  std::int64_t num_parameters = 1;
  /// the initial slope
  double init = 0.25;
};
/// Options of ELU (PyTorch's arguments of the same names and defaults).
struct ELUOptions {
  /// the scale α of the negative part, α·(exp(x) − 1)
  double alpha = 1.0;
};
/// Options of CELU (PyTorch's arguments of the same names and defaults).
struct CELUOptions {
  /// α in max(0, x) + min(0, α·(exp(x/α) − 1))
  double alpha = 1.0;
};
/// approximate: "none" (x·Φ(x), with erf) or "tanh" (the tanh approximation).
struct GELUOptions {
  /// "none" (exact, with erf) or "tanh"
  std::string approximate = "none";
};
/// log(1 + exp(βx)) / β, and x itself where βx > threshold.
struct SoftplusOptions {
  /// β in log(1 + exp(βx)) / β
  double beta = 1.0;
  /// above βx > threshold the result is x itself
  double threshold = 20.0;
};
/// Options of Hardtanh (PyTorch's arguments of the same names and defaults).
struct HardtanhOptions {
  /// the lower clamp
  double min_val = -1.0;
  /// the upper clamp
  double max_val = 1.0;
};

// ---- functional forms ---------------------------------------------------------------------------

namespace functional {

/// rrelu's options: as RReLUOptions plus the mode (PyTorch's default is training = false).
struct RReLUFuncOptions {
  /// the smallest random slope
  double lower = 1.0 / 8;
  /// the largest random slope
  double upper = 1.0 / 3;
  /// apply the training-mode behaviour
  bool training = false;
};

// The activations are the ops of xgrad/ops.hpp themselves, brought in by name — F::relu and
// xg::relu are one function, and F::elu(x, 0.5) is xg::elu(x, 0.5) — so that code seeing both
// namespaces finds no ambiguity. The parametric ones add an overload taking the layer's options
// struct: F::elu(x, {.alpha = 0.5}).
using ::xg::celu;
using ::xg::elu;
using ::xg::hardtanh;
using ::xg::leaky_relu;
using ::xg::rrelu;
using ::xg::softplus;
using ::xg::hardsigmoid;  ///< relu6(x + 3) / 6
using ::xg::log_softmax;  ///< log(softmax(x, dim)), computed stably (never the log of a rounded softmax)
using ::xg::mish;         ///< x·tanh(softplus(x))
using ::xg::prelu;        ///< x where x > 0, else weight·x, one slope per channel (dim 1) or one shared
using ::xg::relu;         ///< max(x, 0)
using ::xg::selu;         ///< scale·elu(x, α) with PyTorch's constants (scale ≈ 1.0507, α ≈ 1.6733)
using ::xg::sigmoid;      ///< 1 / (1 + exp(−x))
using ::xg::silu;         ///< x·σ(x) (the swish)
using ::xg::softmax;      ///< exp(x) / Σ_dim exp(x), computed stably: `F::softmax(logits, 1)`
using ::xg::softsign;     ///< x / (1 + |x|)
using ::xg::tanh;

/// x where x > 0, else negative_slope·x:  `F::leaky_relu(x, {.negative_slope = 0.2})`.
Tensor leaky_relu(const Tensor& x, const LeakyReLUOptions& options);
/// Randomized leaky ReLU: `F::rrelu(x, {.training = true})` samples one slope per element.
Tensor rrelu(const Tensor& x, const RReLUFuncOptions& options);
/// x where x > 0, else α(exp(x) − 1).
Tensor elu(const Tensor& x, const ELUOptions& options);
/// max(0, x) + min(0, α(exp(x/α) − 1)).
Tensor celu(const Tensor& x, const CELUOptions& options);
/// x·Φ(x) (or its tanh approximation): `F::gelu(x, {.approximate = "tanh"})`. (Only this form:
/// a braced options list would be ambiguous with xg::gelu's string argument.)
Tensor gelu(const Tensor& x, const GELUOptions& options = {});
/// log(1 + exp(βx)) / β, and x where βx > threshold: `F::softplus(x, {.beta = 2})`.
Tensor softplus(const Tensor& x, const SoftplusOptions& options);
/// x clamped to [min_val, max_val].
Tensor hardtanh(const Tensor& x, const HardtanhOptions& options);

}  // namespace functional

// ---- layers -------------------------------------------------------------------------------------
// Every layer below is a Cloneable module with a LibTorch-style handle (`xg::nn::ReLU relu;
// relu(x)`); those with options take them as one braced struct.

/// σ(x) elementwise.  `xg::nn::Sigmoid s;  s(x)`
struct SigmoidImpl : Cloneable<SigmoidImpl> {
  SigmoidImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(Sigmoid);

/// tanh(x) elementwise.
struct TanhImpl : Cloneable<TanhImpl> {
  TanhImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(Tanh);

/// max(x, 0) elementwise.  `xg::nn::ReLU relu;`
struct ReLUImpl : Cloneable<ReLUImpl> {
  ReLUImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(ReLU);

/// `xg::nn::LeakyReLU act({.negative_slope = 0.2});` prints `LeakyReLU(negative_slope=0.2)`.
struct LeakyReLUImpl : Cloneable<LeakyReLUImpl> {
  /// A LeakyReLU configured by `options`.
  explicit LeakyReLUImpl(LeakyReLUOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  LeakyReLUOptions options;
};
XG_MODULE_OPTIONS(LeakyReLU, LeakyReLUOptions);

/// Randomized leaky ReLU: in training each element's negative slope is drawn from U(lower, upper)
/// (the global generator, so xg::manual_seed repeats it); in eval the slope is (lower + upper) / 2.
struct RReLUImpl : Cloneable<RReLUImpl> {
  /// A RReLU configured by `options`.
  explicit RReLUImpl(RReLUOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  RReLUOptions options;
};
XG_MODULE_OPTIONS(RReLU, RReLUOptions);

/// Parametric ReLU: x where x > 0, else a·x with a learnable parameter `weight` of
/// num_parameters slopes (1, or one per channel of dim 1), all initialized to `init` (0.25).
///   xg::nn::PReLU act({.num_parameters = 16});   // for inputs [N, 16, ...]
struct PReLUImpl : Cloneable<PReLUImpl> {
  /// A PReLU configured by `options`.
  explicit PReLUImpl(PReLUOptions options = {});
  void reset() override;
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  PReLUOptions options;
  /// the slopes, [num_parameters] (a parameter)
  Tensor weight;
};
XG_MODULE_OPTIONS(PReLU, PReLUOptions);

/// x where x > 0, else α(exp(x) − 1).  `xg::nn::ELU act({.alpha = 0.5});`
struct ELUImpl : Cloneable<ELUImpl> {
  /// A ELU configured by `options`.
  explicit ELUImpl(ELUOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  ELUOptions options;
};
XG_MODULE_OPTIONS(ELU, ELUOptions);

/// Self-normalizing ELU (pairs with AlphaDropout and N(0, 1/fan_in) initialization).
struct SELUImpl : Cloneable<SELUImpl> {
  SELUImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(SELU);

/// max(0, x) + min(0, α(exp(x/α) − 1)); α must not be 0.
struct CELUImpl : Cloneable<CELUImpl> {
  /// A CELU configured by `options`.
  explicit CELUImpl(CELUOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  CELUOptions options;
};
XG_MODULE_OPTIONS(CELU, CELUOptions);

/// x·Φ(x).  `xg::nn::GELU act({.approximate = "tanh"});`
struct GELUImpl : Cloneable<GELUImpl> {
  /// A GELU configured by `options`.
  explicit GELUImpl(GELUOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  GELUOptions options;
};
XG_MODULE_OPTIONS(GELU, GELUOptions);

/// x·σ(x).
struct SiLUImpl : Cloneable<SiLUImpl> {
  SiLUImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(SiLU);

/// x·tanh(softplus(x)).
struct MishImpl : Cloneable<MishImpl> {
  MishImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(Mish);

/// log(1 + exp(βx)) / β.  `xg::nn::Softplus act({.beta = 2});`
struct SoftplusImpl : Cloneable<SoftplusImpl> {
  /// A Softplus configured by `options`.
  explicit SoftplusImpl(SoftplusOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  SoftplusOptions options;
};
XG_MODULE_OPTIONS(Softplus, SoftplusOptions);

/// x / (1 + |x|).
struct SoftsignImpl : Cloneable<SoftsignImpl> {
  SoftsignImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(Softsign);

/// x clamped to [min_val, max_val].  `xg::nn::Hardtanh act({.min_val = 0, .max_val = 6});`
struct HardtanhImpl : Cloneable<HardtanhImpl> {
  /// A Hardtanh configured by `options`.
  explicit HardtanhImpl(HardtanhOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  HardtanhOptions options;
};
XG_MODULE_OPTIONS(Hardtanh, HardtanhOptions);

/// relu6(x + 3) / 6.
struct HardsigmoidImpl : Cloneable<HardsigmoidImpl> {
  HardsigmoidImpl() { reset(); }
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
};
XG_MODULE(Hardsigmoid);

/// softmax along `dim` (required, as in LibTorch).  `xg::nn::Softmax sm(1);`
struct SoftmaxImpl : Cloneable<SoftmaxImpl> {
  /// softmax along `dim`.
  explicit SoftmaxImpl(std::int64_t dim);
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// the dimension normalized
  std::int64_t dim;
};
XG_MODULE(Softmax);

/// log_softmax along `dim` (required).  `xg::nn::LogSoftmax lsm(1);`
struct LogSoftmaxImpl : Cloneable<LogSoftmaxImpl> {
  /// log_softmax along `dim`.
  explicit LogSoftmaxImpl(std::int64_t dim);
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// the dimension normalized
  std::int64_t dim;
};
XG_MODULE(LogSoftmax);

}  // namespace xg::nn

XGRAD_API_END
