// xgrad — weight initializers: torch.nn.init's in-place functions (`xg::nn::init::kaiming_uniform_`)
// built on one general form, Keras's variance scaling, plus `xg::nn::Initializer`, a value that
// layers take to choose an initializer by Keras name ("he_normal") or by function.
//
//   auto w = xg::empty({256, 784});
//   xg::nn::init::kaiming_normal_(w, 0.0, "fan_in", "relu");   // N(0, 2 / 784)
//   xg::nn::Linear fc(784, 256, {.init = "glorot_uniform"});
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn::init {

// Every function fills its tensor in place under no-grad (so it works on parameters that require
// grad), draws from xg's global generator (reproducible with xg::manual_seed), and returns the
// tensor. The tensor is a handle, so views can be initialized too: `uniform_(w.narrow(0, 0, 4))`.
// Zero-element tensors are left as they are.

/// The recommended gain for a nonlinearity, as torch.nn.init.calculate_gain: "linear", "conv1d",
/// "conv2d", "conv3d", "conv_transpose1d/2d/3d", "sigmoid" → 1; "tanh" → 5/3; "relu" → √2;
/// "leaky_relu" → √(2 / (1 + slope²)) with slope = param (default 0.01); "selu" → 3/4.
/// Other names are a ValueError listing these.
///
///   xg::nn::init::calculate_gain("leaky_relu", 0.2);   // 1.3867504905630728
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

/// (fan_in, fan_out) of a weight in PyTorch's layout [out, in, *kernel]: fan_in = in · ∏kernel,
/// fan_out = out · ∏kernel. A tensor with fewer than 2 dimensions is a ValueError.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

/// Fills with `value`.
Tensor constant_(Tensor tensor, double value);
/// Fills with 0.
Tensor zeros_(Tensor tensor);
/// Fills with 1.
Tensor ones_(Tensor tensor);
/// The identity matrix (ones on the diagonal of a 2-D tensor, also when it is not square), so a
/// Linear layer passes as many inputs through as it can.
Tensor eye_(Tensor tensor);
/// The Dirac delta for 3-, 4- or 5-D convolution weights [out, in, *kernel]: within each of
/// `groups` groups, output channel d takes input channel d at the kernel's centre, so the
/// convolution copies as many input channels as there are outputs.
Tensor dirac_(Tensor tensor, std::int64_t groups = 1);

/// U(a, b).
Tensor uniform_(Tensor tensor, double a = 0.0, double b = 1.0);
/// N(mean, std²).
Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0);
/// N(mean, std²) truncated to [a, b] (exactly: inverse-CDF sampling of the truncated law, so no
/// value falls outside and none is redrawn). The variance is std²·(1 + (αφ(α) − βφ(β))/Z −
/// ((φ(α) − φ(β))/Z)²) with α = (a − mean)/std, β = (b − mean)/std, Z = Φ(β) − Φ(α).
Tensor trunc_normal_(Tensor tensor, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0);

/// Keras's VarianceScaling, the form the fan-based initializers below are built on. With
/// n = fan_in, fan_out or (fan_in + fan_out)/2 (mode "fan_in", "fan_out", "fan_avg"):
///   "truncated_normal":   N(0, s²) truncated to ±2s, s = √(scale/n) / 0.87962566103423978 (the
///                         standard deviation of N(0,1) truncated to ±2), so the variance is scale/n;
///   "untruncated_normal": N(0, scale/n);
///   "uniform":            U(−√(3·scale/n), √(3·scale/n)).
Tensor variance_scaling_(Tensor tensor, double scale = 1.0, const std::string& mode = "fan_in",
                         const std::string& distribution = "truncated_normal");

/// Glorot & Bengio (2010): U(−b, b) with b = gain·√(6/(fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
/// Glorot & Bengio (2010): N(0, std²) with std = gain·√(2/(fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);
/// He et al. (2015): U(−b, b) with b = gain·√(3/fan), gain = calculate_gain(nonlinearity, a),
/// fan = fan_in or fan_out (mode).
Tensor kaiming_uniform_(Tensor tensor, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
/// He et al. (2015): N(0, std²) with std = gain/√fan.
Tensor kaiming_normal_(Tensor tensor, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu");
/// LeCun: U(−√(3/fan_in), √(3/fan_in)) (Keras's lecun_uniform; PyTorch has no such function).
Tensor lecun_uniform_(Tensor tensor);
/// LeCun, as Keras: truncated normal with variance 1/fan_in — the initialization SELU networks
/// need to self-normalize (PyTorch has no such function).
Tensor lecun_normal_(Tensor tensor);

/// A (semi-)orthogonal matrix times gain (Saxe et al. 2013): the Q of the QR decomposition of a
/// Gaussian matrix, with Q's columns multiplied by the signs of R's diagonal so that Q is uniformly
/// (Haar) distributed. Dimensions after the first are flattened: rows = size(0), cols = the rest.
/// Rows ≤ cols gives orthonormal rows (Q Qᵀ = I), rows ≥ cols orthonormal columns (Qᵀ Q = I).
Tensor orthogonal_(Tensor tensor, double gain = 1.0);
/// Martens (2010): N(0, std²) with ⌈sparsity · rows⌉ entries of every column set to zero
/// (a 2-D tensor; sparsity in [0, 1]).
Tensor sparse_(Tensor tensor, double sparsity, double std = 0.01);

}  // namespace xg::nn::init

namespace xg::nn {

/// Which initializer a layer uses for a tensor: a Keras name, any function `void(Tensor&)`, or
/// nothing (the layer's own default, which is PyTorch's). Layers take it in their options:
///
///   xg::nn::Linear fc(784, 256, {.init = "he_normal", .bias_init = "zeros"});
///   xg::nn::Linear head(256, 10, {.init = [](xg::Tensor& w) { xg::nn::init::orthogonal_(w, 0.5); }});
///
/// Names (see initializer_names()): "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
/// "lecun_uniform", "lecun_normal", "variance_scaling" (Keras: truncated normals, see
/// init::variance_scaling_); "xavier_uniform", "xavier_normal", "kaiming_uniform",
/// "kaiming_normal" (PyTorch's functions with their default arguments); "orthogonal", "identity",
/// "zeros", "ones", "random_normal" (N(0, 0.05²)), "random_uniform" (U(−0.05, 0.05)),
/// "truncated_normal" (N(0, 0.05²) truncated to ±0.1), as Keras's defaults. An unknown name is a
/// ValueError listing the known ones.
class Initializer {
 public:
  /// The function type of an initializer.
  using Function = std::function<void(Tensor&)>;

  /// No initializer: the layer keeps its default.
  Initializer() = default;
  /// A Keras initializer by name (ValueError listing the names when unknown).
  ///@{
  Initializer(const char* name);         // NOLINT: implicit on purpose (`.init = "he_normal"`)
  Initializer(const std::string& name);  // NOLINT
  ///@}

  /// Any callable taking a Tensor& (its result, if any, is ignored).
  template <class F>
  requires(std::is_invocable_v<F&, Tensor&> && !std::is_convertible_v<F, std::string>)
      Initializer(F fn, std::string name = "custom")  // NOLINT: implicit on purpose
      : fn_([f = std::move(fn)](Tensor& t) mutable { f(t); }), name_(std::move(name)) {}

  /// True when no initializer was given (the layer applies its default).
  bool is_default() const { return !fn_; }
  /// The Keras name, the name given with a function, or "default".
  const std::string& name() const { return name_; }
  /// Initializes `tensor` in place under no-grad; a default Initializer is a ValueError here
  /// (layers check is_default() first).
  void operator()(Tensor& tensor) const;
  /// Initializes a temporary handle (`init(layer->weight)` on an rvalue): the tensor's data is changed in place.
  void operator()(Tensor&& tensor) const {
    Tensor t = tensor;
    (*this)(t);
  }

 private:
  Function fn_;
  std::string name_ = "default";
};

/// The names Initializer accepts, sorted.
std::vector<std::string> initializer_names();
/// Adds (or replaces) a named initializer, e.g. at program start:
/// `xg::nn::register_initializer("small_normal", [](xg::Tensor& w) { xg::nn::init::normal_(w, 0, 1e-3); });`
/// Not thread-safe: register before building layers on other threads.
void register_initializer(const std::string& name, Initializer::Function fn);

}  // namespace xg::nn

XGRAD_API_END
