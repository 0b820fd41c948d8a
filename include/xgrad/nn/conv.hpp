// xgrad — convolution layers, as torch.nn: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
// (stride, padding, dilation, groups, bias, padding_mode; PyTorch's default initialization), with
// Keras's extras: an activation and initializers chosen by name. Their functional forms are in
// xg::nn::functional (F::conv2d(x, w, {.bias = b, .padding = 1})).
//
//   xg::nn::Conv2d conv(1, 32, 3);                                   // Conv2d(1, 32, kernel_size=(3, 3), stride=(1,
//   1)) xg::nn::Conv2d conv(64, 128, 3, {.stride = 2, .padding = 1, .bias = false}); xg::nn::Conv2d conv(3, 64, 3,
//   {.padding = "same", .activation = "relu", .init = "he_normal"});
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "xgrad/nn/functional_layer.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// The padding of a convolution: sizes as an ExpandingArray (`1`, `{1, 0}`), or "valid" (no
/// padding) or "same" (the output keeps the input's size; stride 1 only; an odd total padding
/// puts the extra cell on the right, as PyTorch and TensorFlow do).
template <std::size_t D>
class ConvPadding : public ExpandingArray<D> {
 public:
  /// Sizes: one for every dimension, or one per dimension.
  ///@{
  ConvPadding(std::int64_t v) : ExpandingArray<D>(v) {}                               // NOLINT: implicit on purpose
  ConvPadding(std::initializer_list<std::int64_t> list) : ExpandingArray<D>(list) {}  // NOLINT
  ConvPadding(ExpandingArray<D> sizes) : ExpandingArray<D>(sizes) {}                  // NOLINT
  ///@}

  /// "same" or "valid" (any other name is a ValueError when the layer is made).
  ///@{
  template <std::size_t N>
  ConvPadding(const char (&name)[N]) : ExpandingArray<D>(0), name_(name) {}        // NOLINT
  ConvPadding(std::string name) : ExpandingArray<D>(0), name_(std::move(name)) {}  // NOLINT
  ///@}

  /// "same", "valid", or "" when sizes were given.
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

/// Options of Conv1d / Conv2d; the defaults are torch.nn.Conv2d's. Sizes are one number for every
/// spatial dimension or one per dimension: `.padding = 1`, `.padding = {1, 0}`.
template <std::size_t D>
struct ConvOptions {
  /// the step of the window, per spatial dimension
  ExpandingArray<D> stride = 1;
  /// Implicit padding on both sides of every spatial dimension, or "same" / "valid".
  ConvPadding<D> padding = 0;
  /// the spacing of the kernel's elements, per spatial dimension
  ExpandingArray<D> dilation = 1;
  /// Splits the channels into `groups` independent convolutions; in_channels and out_channels
  /// must both be divisible by it (groups = in_channels is a depthwise convolution).
  std::int64_t groups = 1;
  /// Learn an additive per-channel bias (parameter "bias").
  bool bias = true;
  /// What the padding holds: "zeros", "reflect", "replicate" or "circular" (as PyTorch).
  std::string padding_mode = "zeros";
  /// Applied to the convolution's result (Keras's Conv2D activation). Default: none.
  Activation activation = {};
  /// Initializer of the weight. Default: PyTorch's, kaiming_uniform_(a = √5), i.e.
  /// U(−1/√fan_in, 1/√fan_in) with fan_in = in_channels / groups · ∏kernel_size.
  Initializer init = {};
  /// Initializer of the bias. Default: PyTorch's, U(−1/√fan_in, 1/√fan_in).
  Initializer bias_init = {};
};
/// The options of Conv1d and Conv2d.
///@{
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;
///@}

/// Options of ConvTranspose1d / ConvTranspose2d; the defaults are torch.nn.ConvTranspose2d's.
template <std::size_t D>
struct ConvTransposeOptions {
  /// the step of the window, per spatial dimension
  ExpandingArray<D> stride = 1;
  /// dilation·(kernel_size − 1) − padding zeros are added on both sides of the input.
  ExpandingArray<D> padding = 0;
  /// Extra size added on one side of the output (to pick among the sizes a strided conv maps
  /// to the same size); must be smaller than stride or dilation.
  ExpandingArray<D> output_padding = 0;
  /// independent convolutions the channels are split into
  std::int64_t groups = 1;
  /// learn an additive bias
  bool bias = true;
  /// the spacing of the kernel's elements, per spatial dimension
  ExpandingArray<D> dilation = 1;
  /// Only "zeros", as in PyTorch.
  std::string padding_mode = "zeros";
  /// applied to the result (default: none)
  Activation activation = {};
  /// Default: PyTorch's kaiming_uniform_(a = √5) on the weight [in, out / groups, *k], whose
  /// fan_in is out_channels / groups · ∏kernel_size (PyTorch's convention for transposed convs).
  Initializer init = {};
  /// initializer of the bias (default: PyTorch's)
  Initializer bias_init = {};
};
/// The options of ConvTranspose1d and ConvTranspose2d.
///@{
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;
///@}

/// What every convolution layer shares: the sizes (one entry per spatial dimension), parameter
/// creation and initialization, input checks, padding modes and printing. Concrete layers add
/// only their forward.
class ConvImplBase : public Module {
 public:
  /// (Re)creates the parameters (and the activation submodule) and initializes them.
  virtual void reset();
  /// Re-draws the weight and bias with the configured (or default) initializers.
  void reset_parameters();
  /// `Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))` plus the options that differ from the
  /// defaults, as PyTorch prints it (with xgrad's spelling of booleans: `bias=false`).
  void pretty_print(std::ostream& os) const override;
  /// A deep copy; an activation module is cloned too.
  ModulePtr clone() const override = 0;
  /// The activation applied after the convolution (the identity by default).
  const Activation& activation() const { return activation_; }

  /// the channel counts given to the constructor
  ///@{
  std::int64_t in_channels, out_channels;
  ///@}

  /// One entry per spatial dimension.
  ///@{
  std::vector<std::int64_t> kernel_size, stride, padding, dilation, output_padding;
  ///@}

  /// independent convolutions the channels are split into
  std::int64_t groups = 1;
  /// true for the transposed convolutions
  bool transposed = false;
  /// "same" or "valid" when the padding was given by name, else "".
  std::string padding_name;
  /// "zeros", "reflect", "replicate" or "circular"
  std::string padding_mode;
  /// Conv: [out, in / groups, *kernel_size]; transposed: [in, out / groups, *kernel_size].
  Tensor weight;
  /// [out_channels]; undefined without bias.
  Tensor bias;

 protected:
  /// Checks the options (ValueError naming the layer and the values) and calls reset().
  ConvImplBase(const char* layer, std::size_t dims, std::int64_t in_channels, std::int64_t out_channels,
               const std::vector<std::int64_t>& kernel_size, const std::vector<std::int64_t>& stride,
               const std::vector<std::int64_t>& padding, const std::vector<std::int64_t>& dilation,
               const std::vector<std::int64_t>& output_padding, std::int64_t groups, bool bias, bool transposed,
               std::string padding_mode, Activation activation, Initializer init, Initializer bias_init,
               std::string padding_name = "");
  /// ShapeError unless the input is [N, C_in, *spatial] or unbatched [C_in, *spatial].
  void check_input(const Tensor& input) const;
  /// The input padded by padding_mode (reflect / replicate / circular), or by the extra right-hand
  /// zeros of an odd "same" padding; the input itself otherwise.
  Tensor pad_input(const Tensor& input) const;
  /// The padding the conv op applies itself: `padding`, or zeros when pad_input did it.
  std::vector<std::int64_t> op_padding() const;
  /// Applies the activation.
  Tensor activate(const Tensor& y) const { return activation_(y); }
  /// Cloneable::clone for a concrete D, re-cloning the activation module.
  template <class D>
  ModulePtr clone_as() const {
    auto copy = std::make_shared<D>(static_cast<const D&>(*this));
    copy->clear_registrations();
    copy->clone_activation_from(*this);
    copy->reset();
    copy->copy_state_from(*this);
    return copy;
  }
  /// "Conv2d(1, 32, kernel_size=(3, 3))": the layer's signature, for error messages.
  std::string signature() const;

  /// the layer's name in errors ("Conv2d")
  const char* layer_;
  /// the number of spatial dimensions
  std::size_t dims_;
  /// The right-hand padding beyond `padding` (1 where "same" needs an odd total, else 0).
  std::vector<std::int64_t> pad_extra_;
  /// whether the layer has a bias
  bool has_bias_;
  /// what activation() returns
  Activation activation_;
  /// the initializers of the weight and bias
  ///@{
  Initializer init_, bias_init_;
  ///@}

  /// Gives this copy its own clone of `other`'s activation module (if any).
  void clone_activation_from(const ConvImplBase& other);
};

/// 1-d convolution of [N, C_in, L] (or [C_in, L]) inputs, as torch.nn.Conv1d: weight
/// [out, in / groups, k], bias [out].
///   xg::nn::Conv1d conv(16, 33, 3, {.stride = 2});
class Conv1dImpl : public ConvImplBase {
 public:
  /// A 1-d convolution from `in_channels` to `out_channels` with a kernel of `kernel_size`.
  Conv1dImpl(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<1> kernel_size,
             Conv1dOptions options = {});
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<Conv1dImpl>(); }
  /// The options as given.
  Conv1dOptions options;
};

/// 2-d convolution of [N, C_in, H, W] (or [C_in, H, W]) inputs, as torch.nn.Conv2d: weight
/// [out, in / groups, kh, kw], bias [out]; OH = ⌊(H + 2·pad − dil·(kh − 1) − 1) / stride⌋ + 1.
///   xg::nn::Conv2d conv(3, 64, 3, {.padding = 1});          // keeps H and W
class Conv2dImpl : public ConvImplBase {
 public:
  /// A 2-d convolution from `in_channels` to `out_channels` with a kernel of `kernel_size`.
  Conv2dImpl(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size,
             Conv2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<Conv2dImpl>(); }
  /// The options this module was made with.
  Conv2dOptions options;
};

/// Transposed 1-d convolution (the gradient of Conv1d w.r.t. its input), as torch.nn.ConvTranspose1d:
/// weight [in, out / groups, k]; L_out = (L − 1)·stride − 2·pad + dil·(k − 1) + output_padding + 1.
class ConvTranspose1dImpl : public ConvImplBase {
 public:
  /// A 1-d transposed convolution from `in_channels` to `out_channels` with a kernel of `kernel_size`.
  ConvTranspose1dImpl(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<1> kernel_size,
                      ConvTranspose1dOptions options = {});
  Tensor forward(const Tensor& input) override;
  /// With the wanted output length (as PyTorch's forward(input, output_size)): output_padding is
  /// chosen to reach it; a ValueError when no output_padding in [0, max(stride, dilation)) does.
  Tensor forward(const Tensor& input, const Shape& output_size);
  ModulePtr clone() const override { return clone_as<ConvTranspose1dImpl>(); }
  /// The options this module was made with.
  ConvTranspose1dOptions options;
};

/// Transposed 2-d convolution, as torch.nn.ConvTranspose2d: weight [in, out / groups, kh, kw];
/// OH = (H − 1)·stride − 2·pad + dil·(kh − 1) + output_padding + 1.
///   xg::nn::ConvTranspose2d up(64, 32, 2, {.stride = 2});  // doubles H and W
class ConvTranspose2dImpl : public ConvImplBase {
 public:
  /// A 2-d transposed convolution from `in_channels` to `out_channels` with a kernel of `kernel_size`.
  ConvTranspose2dImpl(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size,
                      ConvTranspose2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  /// With the wanted output size ({OH, OW}, or with the batch and channel dimensions in front).
  Tensor forward(const Tensor& input, const Shape& output_size);
  ModulePtr clone() const override { return clone_as<ConvTranspose2dImpl>(); }
  /// The options this module was made with.
  ConvTranspose2dOptions options;
};

/// Handles (as XG_MODULE makes), spelled out so that braced options work:
/// `Conv2d(3, 64, 3, {.padding = 1})`.
class Conv1d : public ModuleHolder<Conv1dImpl> {
 public:
  using ModuleHolder<Conv1dImpl>::ModuleHolder;
  /// Makes a Conv1dImpl from these arguments.
  Conv1d(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<1> kernel_size, Conv1dOptions options = {})
      : ModuleHolder(std::make_shared<Conv1dImpl>(in_channels, out_channels, kernel_size, std::move(options))) {}
};
/// The module handle of Conv2dImpl (see ModuleHolder).
class Conv2d : public ModuleHolder<Conv2dImpl> {
 public:
  using ModuleHolder<Conv2dImpl>::ModuleHolder;
  /// Makes a Conv2dImpl from these arguments.
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size, Conv2dOptions options = {})
      : ModuleHolder(std::make_shared<Conv2dImpl>(in_channels, out_channels, kernel_size, std::move(options))) {}
};
/// The module handle of ConvTranspose1dImpl (see ModuleHolder).
class ConvTranspose1d : public ModuleHolder<ConvTranspose1dImpl> {
 public:
  using ModuleHolder<ConvTranspose1dImpl>::ModuleHolder;
  /// Makes a ConvTranspose1dImpl from these arguments.
  ConvTranspose1d(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<1> kernel_size,
                  ConvTranspose1dOptions options = {})
      : ModuleHolder(
            std::make_shared<ConvTranspose1dImpl>(in_channels, out_channels, kernel_size, std::move(options))) {}
};
/// The module handle of ConvTranspose2dImpl (see ModuleHolder).
class ConvTranspose2d : public ModuleHolder<ConvTranspose2dImpl> {
 public:
  using ModuleHolder<ConvTranspose2dImpl>::ModuleHolder;
  /// Makes a ConvTranspose2dImpl from these arguments.
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size,
                  ConvTranspose2dOptions options = {})
      : ModuleHolder(
            std::make_shared<ConvTranspose2dImpl>(in_channels, out_channels, kernel_size, std::move(options))) {}
};

namespace functional {

/// Options of the functional convolutions (torch.nn.functional.conv2d's keyword arguments).
template <std::size_t D>
struct ConvFuncOptions {
  /// an additive bias per output channel (undefined: none)
  Tensor bias = {};
  /// the step of the window, per spatial dimension
  ExpandingArray<D> stride = 1;
  /// zeros added on both sides of every spatial dimension
  ExpandingArray<D> padding = 0;
  /// the spacing of the kernel's elements, per spatial dimension
  ExpandingArray<D> dilation = 1;
  /// independent convolutions the channels are split into
  std::int64_t groups = 1;
};
/// The options of functional::conv1d and conv2d.
///@{
using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;
///@}

/// Options of the functional transposed convolutions.
template <std::size_t D>
struct ConvTransposeFuncOptions {
  /// an additive bias per output channel (undefined: none)
  Tensor bias = {};
  /// the step of the window, per spatial dimension
  ExpandingArray<D> stride = 1;
  /// dilation·(kernel_size − 1) − padding zeros are added on both sides of the input
  ExpandingArray<D> padding = 0;
  /// extra size added on one side of the output
  ExpandingArray<D> output_padding = 0;
  /// independent convolutions the channels are split into
  std::int64_t groups = 1;
  /// the spacing of the kernel's elements, per spatial dimension
  ExpandingArray<D> dilation = 1;
};
/// The options of functional::conv_transpose1d and conv_transpose2d.
///@{
using ConvTranspose1dFuncOptions = ConvTransposeFuncOptions<1>;
using ConvTranspose2dFuncOptions = ConvTransposeFuncOptions<2>;
///@}

/// xg::conv1d with the options as one struct: `F::conv1d(x, w, {.bias = b, .padding = 1})`.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options = {});
/// xg::conv2d with the options as one struct: `F::conv2d(x, w, {.bias = b, .stride = 2})`.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});
/// xg::conv_transpose1d with the options as one struct.
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& options = {});
/// xg::conv_transpose2d with the options as one struct: `F::conv_transpose2d(x, w, {.stride = 2})`.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& options = {});

}  // namespace functional

}  // namespace xg::nn

XGRAD_API_END
