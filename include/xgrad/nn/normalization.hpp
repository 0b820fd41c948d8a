// xgrad — normalization layers (torch.nn.BatchNorm1d/2d, LayerNorm, GroupNorm) and their
// functional forms. BatchNorm keeps running statistics in buffers (running_mean, running_var,
// num_batches_tracked) that eval mode uses; the others normalize each sample on its own.
//
//   xg::nn::BatchNorm2d bn(16);                           // input [N, 16, H, W]
//   xg::nn::LayerNorm ln({512}, {.eps = 1e-6});           // normalizes the last dimension
//   xg::nn::GroupNorm gn(4, 16);                          // 4 groups of 4 channels
#pragma once
#include <cstdint>
#include <optional>

#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

// ---- options (field order and defaults as PyTorch's keyword arguments) -------------------------

/// eps: added to the variance for stability. momentum: the weight of the new batch in the
/// running statistics, running = (1 − momentum)·running + momentum·batch; std::nullopt (PyTorch's
/// momentum=None) makes them the cumulative average of every batch seen since the last
/// reset_running_stats(). affine: learn a per-channel `weight` (init 1) and `bias` (init 0).
/// track_running_stats: keep the running statistics (else batch statistics are used in eval too).
struct BatchNormOptions {
  /// added to the variance for numerical stability
  double eps = 1e-5;
  /// weight of the new batch in the running statistics; none: a cumulative average
  std::optional<double> momentum = 0.1;
  /// learn a per-channel scale (weight) and shift (bias)
  bool affine = true;
  /// keep running estimates of the mean and variance (used in eval mode)
  bool track_running_stats = true;
};

/// eps: added to the variance. elementwise_affine: learn `weight` (init 1) and `bias` (init 0) of
/// the normalized shape.
struct LayerNormOptions {
  /// added to the variance for numerical stability
  double eps = 1e-5;
  /// learn a per-element scale (weight) and shift (bias)
  bool elementwise_affine = true;
};

/// eps: added to the variance. affine: learn a per-channel `weight` (init 1) and `bias` (init 0).
struct GroupNormOptions {
  /// added to the variance for numerical stability
  double eps = 1e-5;
  /// learn a per-channel scale (weight) and shift (bias)
  bool affine = true;
};

// ---- functional forms ---------------------------------------------------------------------------

namespace functional {

/// torch.nn.functional.batch_norm's keyword arguments. momentum is a number here (the layer turns
/// its std::nullopt into 1/num_batches_tracked before calling).
struct BatchNormFuncOptions {
  /// the scale (undefined: none)
  Tensor weight = {};
  /// the shift (undefined: none)
  Tensor bias = {};
  /// apply the training-mode behaviour
  bool training = false;
  /// weight of the new batch in the running statistics
  double momentum = 0.1;
  /// added to the variance for numerical stability
  double eps = 1e-5;
};

/// Batch normalization over every dim but the channel dim 1 of an [N, C, ...] input:
/// y = (x − mean) / sqrt(var + eps) · weight + bias, with the biased batch variance in training
/// (and then, when running_mean / running_var are given, an in-place update of them with the
/// unbiased variance, as PyTorch), or the running statistics out of training.
///   auto y = F::batch_norm(x, running_mean, running_var, {.weight = w, .bias = b, .training = true});
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});

/// Options of LayerNormFunc (PyTorch's arguments of the same names and defaults).
struct LayerNormFuncOptions {
  /// the scale (undefined: none)
  Tensor weight = {};
  /// the shift (undefined: none)
  Tensor bias = {};
  /// added to the variance for numerical stability
  double eps = 1e-5;
};

/// Normalizes each sample over its last normalized_shape.size() dims (which must equal
/// normalized_shape), with the biased variance: `F::layer_norm(x, {512})`.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const LayerNormFuncOptions& options = {});

/// Options of GroupNormFunc (PyTorch's arguments of the same names and defaults).
struct GroupNormFuncOptions {
  /// the scale per channel (undefined: none)
  Tensor weight = {};
  /// the shift per channel (undefined: none)
  Tensor bias = {};
  /// added to the variance for numerical stability
  double eps = 1e-5;
};

/// Splits the C channels of an [N, C, ...] input into num_groups groups and normalizes each
/// sample's group over its channels and positions: `F::group_norm(x, 4)`.
Tensor group_norm(const Tensor& input, std::int64_t num_groups, const GroupNormFuncOptions& options = {});

}  // namespace functional

// ---- layers -------------------------------------------------------------------------------------

/// What BatchNorm1d and BatchNorm2d share: the parameters `weight` and `bias` (when affine), the
/// buffers `running_mean`, `running_var` and `num_batches_tracked` (when track_running_stats),
/// and the forward. Code that treats every batch-norm layer alike (re-estimating statistics after
/// weight averaging, freezing statistics for fine-tuning) finds them with
/// `dynamic_cast<xg::nn::BatchNormImplBase*>(module.get())` over `model->modules()`:
///
///   for (auto& m : model->modules())
///     if (auto* bn = dynamic_cast<xg::nn::BatchNormImplBase*>(m.get())) {
///       bn->reset_running_stats();
///       bn->options.momentum = std::nullopt;   // cumulative average over the batches that follow
///     }
class BatchNormImplBase : public Module {
 public:
  /// Batch normalization over `num_features` channels.
  BatchNormImplBase(std::int64_t num_features, BatchNormOptions options);
  /// (Re)creates the parameters and buffers and initializes them (Cloneable's contract).
  virtual void reset();
  /// running_mean = 0, running_var = 1, num_batches_tracked = 0 (no-op without running stats).
  void reset_running_stats();
  /// reset_running_stats(), and weight = 1, bias = 0.
  void reset_parameters();
  /// Training (or no running stats): normalizes with the batch statistics and, when tracking,
  /// updates the running ones. Eval: normalizes with the running statistics.
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;

  /// the number of channels
  std::int64_t num_features;
  /// Public so that its fields can be changed between batches, e.g. momentum = std::nullopt.
  BatchNormOptions options;
  ///@{
  Tensor weight, bias;  ///< parameters (undefined unless affine)
  ///@}

  ///@{
  Tensor running_mean, running_var, num_batches_tracked;  ///< buffers (undefined unless tracking)
                                                          ///@}

 protected:
  /// ShapeError unless the input has the layer's rank and num_features channels in dim 1.
  virtual void check_input_dim(const Tensor& input) const = 0;
  /// The layer's name and accepted ranks, for messages and printing.
  virtual const char* layer_name() const = 0;
  /// Cloneable::clone for a concrete D derived from this class.
  template <class D>
  ModulePtr clone_as() const {
    auto copy = std::make_shared<D>(static_cast<const D&>(*this));
    copy->clear_registrations();
    copy->reset();
    copy->copy_state_from(*this);
    return copy;
  }
};

/// Batch normalization of [N, C] or [N, C, L] inputs over N (and L), per channel.
///   xg::nn::BatchNorm1d bn(64, {.momentum = 0.01});
class BatchNorm1dImpl : public BatchNormImplBase {
 public:
  /// Batch normalization of [N, C] or [N, C, L] inputs over C = `num_features` channels.
  explicit BatchNorm1dImpl(std::int64_t num_features, BatchNormOptions options = {});
  ModulePtr clone() const override { return clone_as<BatchNorm1dImpl>(); }

 protected:
  void check_input_dim(const Tensor& input) const override;
  const char* layer_name() const override { return "BatchNorm1d"; }
};

/// Batch normalization of [N, C, H, W] inputs over N, H and W, per channel.
class BatchNorm2dImpl : public BatchNormImplBase {
 public:
  /// Batch normalization of [N, C, H, W] inputs over C = `num_features` channels.
  explicit BatchNorm2dImpl(std::int64_t num_features, BatchNormOptions options = {});
  ModulePtr clone() const override { return clone_as<BatchNorm2dImpl>(); }

 protected:
  void check_input_dim(const Tensor& input) const override;
  const char* layer_name() const override { return "BatchNorm2d"; }
};

/// The module handle of BatchNorm1dImpl (see ModuleHolder).
class BatchNorm1d : public ModuleHolder<BatchNorm1dImpl> {
 public:
  using ModuleHolder<BatchNorm1dImpl>::ModuleHolder;
  /// Makes a BatchNorm1dImpl from these arguments.
  BatchNorm1d(std::int64_t num_features, BatchNormOptions options = {})
      : ModuleHolder(std::make_shared<BatchNorm1dImpl>(num_features, options)) {}
};
/// The module handle of BatchNorm2dImpl (see ModuleHolder).
class BatchNorm2d : public ModuleHolder<BatchNorm2dImpl> {
 public:
  using ModuleHolder<BatchNorm2dImpl>::ModuleHolder;
  /// Makes a BatchNorm2dImpl from these arguments.
  BatchNorm2d(std::int64_t num_features, BatchNormOptions options = {})
      : ModuleHolder(std::make_shared<BatchNorm2dImpl>(num_features, options)) {}
};

/// Layer normalization over the trailing dims `normalized_shape`, with learnable `weight` and
/// `bias` of that shape (when elementwise_affine).  `xg::nn::LayerNorm ln({512});`
struct LayerNormImpl : Cloneable<LayerNormImpl> {
  /// Normalizes over the last dimensions, of sizes `normalized_shape`.
  explicit LayerNormImpl(Shape normalized_shape, LayerNormOptions options = {});
  void reset() override;
  /// Sets the weight to ones and the bias to zeros.
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// the sizes of the normalized trailing dimensions
  Shape normalized_shape;
  /// The options this module was made with.
  LayerNormOptions options;
  /// the scale and shift (undefined without elementwise_affine)
  ///@{
  Tensor weight, bias;
  ///@}
};
/// The module handle of LayerNormImpl (see ModuleHolder).
class LayerNorm : public ModuleHolder<LayerNormImpl> {
 public:
  using ModuleHolder<LayerNormImpl>::ModuleHolder;
  /// Makes a LayerNormImpl from these arguments.
  LayerNorm(Shape normalized_shape, LayerNormOptions options = {})
      : ModuleHolder(std::make_shared<LayerNormImpl>(std::move(normalized_shape), options)) {}
};

/// Group normalization: num_channels (dim 1) split into num_groups groups, each normalized per
/// sample; learnable per-channel `weight` and `bias` (when affine).  `xg::nn::GroupNorm gn(4, 16);`
struct GroupNormImpl : Cloneable<GroupNormImpl> {
  /// Normalizes `num_channels` channels in `num_groups` groups.
  GroupNormImpl(std::int64_t num_groups, std::int64_t num_channels, GroupNormOptions options = {});
  void reset() override;
  /// Sets the weight to ones and the bias to zeros.
  void reset_parameters();
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// the sizes given to the constructor
  ///@{
  std::int64_t num_groups, num_channels;
  ///@}

  /// The options this module was made with.
  GroupNormOptions options;
  /// the scale and shift per channel (undefined without affine)
  ///@{
  Tensor weight, bias;
  ///@}
};
/// The module handle of GroupNormImpl (see ModuleHolder).
class GroupNorm : public ModuleHolder<GroupNormImpl> {
 public:
  using ModuleHolder<GroupNormImpl>::ModuleHolder;
  /// Makes a GroupNormImpl from these arguments.
  GroupNorm(std::int64_t num_groups, std::int64_t num_channels, GroupNormOptions options = {})
      : ModuleHolder(std::make_shared<GroupNormImpl>(num_groups, num_channels, options)) {}
};

}  // namespace xg::nn

XGRAD_API_END
