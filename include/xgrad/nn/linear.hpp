// xgrad — affine layers and shape layers, as torch.nn: Linear (y = x Wᵀ + b, with an optional
// activation and initializer chosen by name, as Keras's Dense), Bilinear (y = x₁ᵀ A x₂ + b),
// Identity, Flatten and Unflatten.
//
//   xg::nn::Linear fc(784, 256, {.activation = "relu", .init = "he_normal"});
//   xg::nn::Flatten flatten;                      // [N, 1, 28, 28] → [N, 784]
#pragma once
#include <cstdint>
#include <iosfwd>

#include "xgrad/nn/functional_layer.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// Options of Linear; the defaults are torch.nn.Linear's.
struct LinearOptions {
  /// Learn an additive bias (parameter "bias").
  bool bias = true;
  /// Applied to x Wᵀ + b (Keras's Dense activation): a name, a function or a module. Default: none.
  Activation activation = {};
  /// Initializer of the weight. Default: PyTorch's, kaiming_uniform_(a = √5), i.e. U(−1/√in, 1/√in).
  Initializer init = {};
  /// Initializer of the bias. Default: PyTorch's, U(−1/√in, 1/√in) — also when `init` is given
  /// (Keras would use zeros: write `.bias_init = "zeros"`).
  Initializer bias_init = {};
};

/// y = activation(x Wᵀ + b) for x of shape [*, in_features]; weight [out, in], bias [out], as
/// torch.nn.Linear (parameter names "weight" and "bias", so state dicts load into PyTorch).
///
///   xg::nn::Linear fc(784, 256);                                 // PyTorch's defaults
///   xg::nn::Linear fc(784, 256, {.bias = false});
///   xg::nn::Linear fc(784, 256, {.activation = "relu", .init = "he_normal", .bias_init = "zeros"});
class LinearImpl : public Cloneable<LinearImpl> {
 public:
  /// y = x·Wᵀ + b from `in_features` to `out_features`.
  LinearImpl(std::int64_t in_features, std::int64_t out_features, LinearOptions options = {});
  /// Registers the parameters (and the activation module, if any) and initializes them.
  void reset() override;
  /// Re-draws the weight and bias with the configured (or default) initializers.
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  /// `Linear(in_features=784, out_features=256, bias=true)`, plus `activation=relu` when set.
  void pretty_print(std::ostream& os) const override;
  /// A deep copy; an activation module is cloned too.
  ModulePtr clone() const override;

  /// the sizes given to the constructor
  ///@{
  std::int64_t in_features, out_features;
  ///@}

  /// The options this module was made with.
  LinearOptions options;
  ///@{
  Tensor weight, bias;  ///< bias is undefined when options.bias is false
  ///@}
};

/// The module handle of LinearImpl (see ModuleHolder).
class Linear : public ModuleHolder<LinearImpl> {
 public:
  using ModuleHolder<LinearImpl>::ModuleHolder;
  /// Spelled out so that braced options work: `Linear(784, 256, {.bias = false})`.
  Linear(std::int64_t in_features, std::int64_t out_features, LinearOptions options = {})
      : ModuleHolder<LinearImpl>(std::make_shared<LinearImpl>(in_features, out_features, std::move(options))) {}
};

/// Options of Bilinear; the defaults are torch.nn.Bilinear's.
struct BilinearOptions {
  /// learn an additive bias
  bool bias = true;
};

/// y_k = x₁ᵀ A_k x₂ + b_k for x₁ [*, in1], x₂ [*, in2] with the same leading dimensions; weight
/// [out, in1, in2], bias [out], both initialized U(−1/√in1, 1/√in1), as torch.nn.Bilinear.
///
///   xg::nn::Bilinear bil(20, 30, 40);
///   auto y = bil(x1, x2);                  // [128, 20] and [128, 30] → [128, 40]
class BilinearImpl : public Cloneable<BilinearImpl> {
 public:
  /// y = x1ᵀ·A·x2 + b from `in1_features` and `in2_features` to `out_features`.
  BilinearImpl(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features,
               BilinearOptions options = {});
  void reset() override;
  /// Draws the weight and bias from U(−1/√in1_features, 1/√in1_features), as PyTorch.
  void reset_parameters();
  /// Bilinear takes two inputs; the single-tensor forward is a ValueError.
  using Module::forward;
  /// The bilinear form of `input1` [*, in1] and `input2` [*, in2]: [*, out].
  Tensor forward(const Tensor& input1, const Tensor& input2);
  /// `Bilinear(in1_features=20, in2_features=30, out_features=40, bias=true)`.
  void pretty_print(std::ostream& os) const override;

  /// the sizes given to the constructor
  ///@{
  std::int64_t in1_features, in2_features, out_features;
  ///@}

  /// The options this module was made with.
  BilinearOptions options;
  /// the parameters, [out, in1, in2] and [out] (bias undefined without bias)
  ///@{
  Tensor weight, bias;
  ///@}
};

/// The module handle of BilinearImpl (see ModuleHolder).
class Bilinear : public ModuleHolder<BilinearImpl> {
 public:
  using ModuleHolder<BilinearImpl>::ModuleHolder;
  /// Makes a BilinearImpl from these arguments.
  Bilinear(std::int64_t in1_features, std::int64_t in2_features, std::int64_t out_features,
           BilinearOptions options = {})
      : ModuleHolder<BilinearImpl>(std::make_shared<BilinearImpl>(in1_features, in2_features, out_features, options)) {}
};

/// Returns its input unchanged (a placeholder, e.g. to remove a layer: `replace_module("fc", Identity())`).
class IdentityImpl : public Cloneable<IdentityImpl> {
 public:
  IdentityImpl() = default;
  void reset() override {}
  Tensor forward(const Tensor& input) override { return input; }
};
XG_MODULE(Identity);

/// Options of Flatten; the defaults are torch.nn.Flatten's (keep the batch dimension).
struct FlattenOptions {
  /// the first dimension flattened
  std::int64_t start_dim = 1;
  /// the last dimension flattened
  std::int64_t end_dim = -1;
};

/// Flattens dimensions start_dim…end_dim into one: [N, 1, 28, 28] → [N, 784] by default.
class FlattenImpl : public Cloneable<FlattenImpl> {
 public:
  /// Flattens as `options` say.
  explicit FlattenImpl(FlattenOptions options = {}) : options(options) {}
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `Flatten(start_dim=1, end_dim=-1)`.
  void pretty_print(std::ostream& os) const override;
  /// The options this module was made with.
  FlattenOptions options;
};

/// The module handle of FlattenImpl (see ModuleHolder).
class Flatten : public ModuleHolder<FlattenImpl> {
 public:
  using ModuleHolder<FlattenImpl>::ModuleHolder;
  Flatten() : ModuleHolder<FlattenImpl>(std::make_shared<FlattenImpl>()) {}
  /// `Flatten({.start_dim = 0})`.
  Flatten(FlattenOptions options) : ModuleHolder<FlattenImpl>(std::make_shared<FlattenImpl>(options)) {}
};

/// Splits dimension `dim` into `sizes` (one entry may be -1, inferred): Unflatten(1, {1, 28, 28})
/// turns [N, 784] into [N, 1, 28, 28].
class UnflattenImpl : public Cloneable<UnflattenImpl> {
 public:
  /// Splits dimension `dim` into `sizes`.
  UnflattenImpl(std::int64_t dim, Shape sizes);
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `Unflatten(dim=1, unflattened_size=(1, 28, 28))`.
  void pretty_print(std::ostream& os) const override;
  /// the dimension split
  std::int64_t dim;
  /// the sizes it is split into
  Shape sizes;
};

/// The module handle of UnflattenImpl (see ModuleHolder).
class Unflatten : public ModuleHolder<UnflattenImpl> {
 public:
  using ModuleHolder<UnflattenImpl>::ModuleHolder;
  /// Makes an UnflattenImpl from these arguments.
  Unflatten(std::int64_t dim, Shape sizes)
      : ModuleHolder<UnflattenImpl>(std::make_shared<UnflattenImpl>(dim, std::move(sizes))) {}
};

}  // namespace xg::nn

XGRAD_API_END
