// xgrad — pooling layers, as torch.nn: MaxPool1d/2d, AvgPool1d/2d and AdaptiveAvgPool1d/2d (a
// fixed output size; AdaptiveAvgPool2d(1) is global average pooling), printing as PyTorch does.
// Their functional forms are in xg::nn::functional (F::max_pool2d(x, 2)).
//
//   xg::nn::MaxPool2d pool(2);                          // MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1,
//   ceil_mode=false) xg::nn::MaxPool2d pool(3, {.stride = 2, .padding = 1}); xg::nn::AdaptiveAvgPool2d gap(1); // [N,
//   C, H, W] → [N, C, 1, 1]
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>

#include "xgrad/nn/module.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// Options of MaxPool1d / MaxPool2d (the kernel size is the constructor's argument); the defaults
/// are torch.nn.MaxPool2d's.
template <std::size_t D>
struct MaxPoolOptions {
  /// Default (empty): the kernel size, i.e. non-overlapping windows.
  ExpandingArray<D> stride = {};
  /// −∞ added on both sides; at most half the kernel size.
  ExpandingArray<D> padding = 0;
  /// Spacing between the elements of a window.
  ExpandingArray<D> dilation = 1;
  /// Round the output size up instead of down (a last, partial window is kept if it starts inside
  /// the input or the left padding).
  bool ceil_mode = false;
};
/// The options of MaxPool1d and MaxPool2d.
///@{
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;
///@}

/// Options of AvgPool1d / AvgPool2d; the defaults are torch.nn.AvgPool2d's.
template <std::size_t D>
struct AvgPoolOptions {
  /// Default (empty): the kernel size.
  ExpandingArray<D> stride = {};
  /// Zeros added on both sides; at most half the kernel size.
  ExpandingArray<D> padding = 0;
  /// round the output size up instead of down
  bool ceil_mode = false;
  /// Count the zero padding in the divisor of a window's mean (PyTorch's default).
  bool count_include_pad = true;
  /// Divide every window's sum by this instead (AvgPool2d only, as in PyTorch).
  std::optional<std::int64_t> divisor_override = std::nullopt;
};
/// The options of AvgPool1d and AvgPool2d.
///@{
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;
///@}

/// Max pooling over windows of [N, C, L] (or [C, L]) inputs, as torch.nn.MaxPool1d.
///   xg::nn::MaxPool1d pool(3, {.stride = 2});
class MaxPool1dImpl : public Cloneable<MaxPool1dImpl> {
 public:
  /// Max pooling over windows of `kernel_size`.
  explicit MaxPool1dImpl(ExpandingArray<1> kernel_size, MaxPool1dOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=false)`.
  void pretty_print(std::ostream& os) const override;
  /// the window size
  ExpandingArray<1> kernel_size;
  /// The options this module was made with.
  MaxPool1dOptions options;
};

/// Max pooling over windows of [N, C, H, W] (or [C, H, W]) inputs, as torch.nn.MaxPool2d;
/// OH = ⌊(H + 2·pad − dil·(k − 1) − 1) / stride⌋ + 1 (⌈·⌉ with ceil_mode).
///   xg::nn::MaxPool2d pool(2);                       // halves H and W
class MaxPool2dImpl : public Cloneable<MaxPool2dImpl> {
 public:
  /// Max pooling over windows of `kernel_size`.
  explicit MaxPool2dImpl(ExpandingArray<2> kernel_size, MaxPool2dOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)`.
  void pretty_print(std::ostream& os) const override;
  /// the window size
  ExpandingArray<2> kernel_size;
  /// The options this module was made with.
  MaxPool2dOptions options;
};

/// Average pooling of [N, C, L] (or [C, L]) inputs, as torch.nn.AvgPool1d.
class AvgPool1dImpl : public Cloneable<AvgPool1dImpl> {
 public:
  /// Average pooling over windows of `kernel_size`.
  explicit AvgPool1dImpl(ExpandingArray<1> kernel_size, AvgPool1dOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))`, as PyTorch prints it.
  void pretty_print(std::ostream& os) const override;
  /// the window size
  ExpandingArray<1> kernel_size;
  /// The options this module was made with.
  AvgPool1dOptions options;
};

/// Average pooling of [N, C, H, W] (or [C, H, W]) inputs, as torch.nn.AvgPool2d.
///   xg::nn::AvgPool2d pool(3, {.stride = 1, .padding = 1, .count_include_pad = false});
class AvgPool2dImpl : public Cloneable<AvgPool2dImpl> {
 public:
  /// Average pooling over windows of `kernel_size`.
  explicit AvgPool2dImpl(ExpandingArray<2> kernel_size, AvgPool2dOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `AvgPool2d(kernel_size=2, stride=2, padding=0)`, as PyTorch prints it.
  void pretty_print(std::ostream& os) const override;
  /// the window size
  ExpandingArray<2> kernel_size;
  /// The options this module was made with.
  AvgPool2dOptions options;
};

/// Average pooling to a fixed output length: cell i averages inputs [⌊i·L/out⌋, ⌈(i+1)·L/out⌉).
class AdaptiveAvgPool1dImpl : public Cloneable<AdaptiveAvgPool1dImpl> {
 public:
  /// Average pooling to an output of `output_size`, whatever the input size.
  explicit AdaptiveAvgPool1dImpl(ExpandingArray<1> output_size);
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `AdaptiveAvgPool1d(output_size=4)`.
  void pretty_print(std::ostream& os) const override;
  /// the output size
  ExpandingArray<1> output_size;
};

/// Average pooling to a fixed output size, as torch.nn.AdaptiveAvgPool2d; AdaptiveAvgPool2d(1) is
/// global average pooling (ResNet's head), AdaptiveAvgPool2d({7, 7}) VGG's.
class AdaptiveAvgPool2dImpl : public Cloneable<AdaptiveAvgPool2dImpl> {
 public:
  /// Average pooling to an output of `output_size`, whatever the input size.
  explicit AdaptiveAvgPool2dImpl(ExpandingArray<2> output_size);
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  /// `AdaptiveAvgPool2d(output_size=1)` or `AdaptiveAvgPool2d(output_size=(7, 7))`.
  void pretty_print(std::ostream& os) const override;
  /// the output size
  ExpandingArray<2> output_size;
};

/// Handles, spelled out so that braced options work: `MaxPool2d(3, {.stride = 2})`.
class MaxPool1d : public ModuleHolder<MaxPool1dImpl> {
 public:
  using ModuleHolder<MaxPool1dImpl>::ModuleHolder;
  /// Makes a MaxPool1dImpl from these arguments.
  MaxPool1d(ExpandingArray<1> kernel_size, MaxPool1dOptions options = {})  // NOLINT: implicit on purpose
      : ModuleHolder(std::make_shared<MaxPool1dImpl>(kernel_size, options)) {}
};
/// The module handle of MaxPool2dImpl (see ModuleHolder).
class MaxPool2d : public ModuleHolder<MaxPool2dImpl> {
 public:
  using ModuleHolder<MaxPool2dImpl>::ModuleHolder;
  /// Makes a MaxPool2dImpl from these arguments.
  MaxPool2d(ExpandingArray<2> kernel_size, MaxPool2dOptions options = {})  // NOLINT
      : ModuleHolder(std::make_shared<MaxPool2dImpl>(kernel_size, options)) {}
};
/// The module handle of AvgPool1dImpl (see ModuleHolder).
class AvgPool1d : public ModuleHolder<AvgPool1dImpl> {
 public:
  using ModuleHolder<AvgPool1dImpl>::ModuleHolder;
  /// Makes an AvgPool1dImpl from these arguments.
  AvgPool1d(ExpandingArray<1> kernel_size, AvgPool1dOptions options = {})  // NOLINT
      : ModuleHolder(std::make_shared<AvgPool1dImpl>(kernel_size, options)) {}
};
/// The module handle of AvgPool2dImpl (see ModuleHolder).
class AvgPool2d : public ModuleHolder<AvgPool2dImpl> {
 public:
  using ModuleHolder<AvgPool2dImpl>::ModuleHolder;
  /// Makes an AvgPool2dImpl from these arguments.
  AvgPool2d(ExpandingArray<2> kernel_size, AvgPool2dOptions options = {})  // NOLINT
      : ModuleHolder(std::make_shared<AvgPool2dImpl>(kernel_size, options)) {}
};
/// The module handle of AdaptiveAvgPool1dImpl (see ModuleHolder).
class AdaptiveAvgPool1d : public ModuleHolder<AdaptiveAvgPool1dImpl> {
 public:
  using ModuleHolder<AdaptiveAvgPool1dImpl>::ModuleHolder;
  /// Makes an AdaptiveAvgPool1dImpl from these arguments.
  AdaptiveAvgPool1d(ExpandingArray<1> output_size)  // NOLINT
      : ModuleHolder(std::make_shared<AdaptiveAvgPool1dImpl>(output_size)) {}
};
/// The module handle of AdaptiveAvgPool2dImpl (see ModuleHolder).
class AdaptiveAvgPool2d : public ModuleHolder<AdaptiveAvgPool2dImpl> {
 public:
  using ModuleHolder<AdaptiveAvgPool2dImpl>::ModuleHolder;
  /// Makes an AdaptiveAvgPool2dImpl from these arguments.
  AdaptiveAvgPool2d(ExpandingArray<2> output_size)  // NOLINT
      : ModuleHolder(std::make_shared<AdaptiveAvgPool2dImpl>(output_size)) {}
};

namespace functional {

/// xg::max_pool1d with the options as one struct: `F::max_pool1d(x, 3, {.stride = 2})`.
Tensor max_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, const MaxPool1dOptions& options = {});
/// xg::max_pool2d with the options as one struct: `F::max_pool2d(x, 2)`.
Tensor max_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, const MaxPool2dOptions& options = {});
/// xg::avg_pool1d with the options as one struct (divisor_override is a ValueError, as in PyTorch).
Tensor avg_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, const AvgPool1dOptions& options = {});
/// xg::avg_pool2d with the options as one struct: `F::avg_pool2d(x, 3, {.stride = 1, .padding = 1})`.
Tensor avg_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, const AvgPool2dOptions& options = {});
/// xg::adaptive_avg_pool1d.
Tensor adaptive_avg_pool1d(const Tensor& input, ExpandingArray<1> output_size);
/// xg::adaptive_avg_pool2d: `F::adaptive_avg_pool2d(x, 1)` is global average pooling.
Tensor adaptive_avg_pool2d(const Tensor& input, ExpandingArray<2> output_size);

}  // namespace functional

}  // namespace xg::nn

XGRAD_API_END
