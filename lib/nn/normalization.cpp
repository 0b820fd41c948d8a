// Batch, layer and group normalization, written with differentiable xgrad ops (mean, the biased
// var, rsqrt), so that their backward — and double backward — comes from those ops' rules.
#include "xgrad/nn/normalization.hpp"

#include <cmath>
#include <ostream>

#include "nn/format.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

void check_float_input(const Tensor& x, const char* who) {
  XG_CHECK(x.defined(), ValueError, who, ": the input is an undefined tensor");
  XG_CHECK(x.is_floating_point(), DtypeError, who, ": expected a floating-point input, got ", x.dtype());
}

/// weight / bias, when given, must have `shape` (named in the message as `what`).
void check_affine(const Tensor& t, const Shape& shape, const char* who, const char* name, const char* what) {
  if (!t.defined()) return;
  XG_CHECK(t.sizes() == shape, ShapeError, who, ": ", name, " of shape ", t.sizes(), " does not match ", what, " ",
           shape);
}

/// (x − mean) / sqrt(var + eps), then · weight + bias with both reshaped to `affine_shape`.
Tensor normalize(const Tensor& x, const Tensor& mean, const Tensor& var, double eps, const Tensor& weight,
                 const Tensor& bias, const Shape& affine_shape) {
  Tensor y = (x - mean) * rsqrt(var + eps);
  if (weight.defined()) y = y * weight.reshape(affine_shape);
  if (bias.defined()) y = y + bias.reshape(affine_shape);
  return y;
}

std::string bool_str(bool b) { return b ? "true" : "false"; }

}  // namespace

// ---- functional -------------------------------------------------------------------------------

namespace functional {

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& o) {
  check_float_input(input, "batch_norm");
  XG_CHECK(input.dim() >= 2, ShapeError, "batch_norm: expected an input of shape [N, C, ...] (at least 2-D), got ",
           input.sizes());
  XG_CHECK(running_mean.defined() == running_var.defined(), ValueError,
           "batch_norm: running_mean and running_var must be given together");
  XG_CHECK(o.eps >= 0, ValueError, "batch_norm: eps must be non-negative, got ", o.eps);
  const std::int64_t c = input.size(1);
  const Shape channels{c};
  check_affine(running_mean, channels, "batch_norm", "running_mean", "the number of channels");
  check_affine(running_var, channels, "batch_norm", "running_var", "the number of channels");
  check_affine(o.weight, channels, "batch_norm", "weight", "the number of channels");
  check_affine(o.bias, channels, "batch_norm", "bias", "the number of channels");

  // Statistics are taken over every dim but 1 and kept as [1, C, 1, ...] to broadcast.
  Shape stat_shape(static_cast<std::size_t>(input.dim()), 1);
  stat_shape[1] = c;
  Shape dims{0};
  for (std::int64_t d = 2; d < input.dim(); ++d) dims.push_back(d);

  Tensor mean, var;
  if (o.training) {
    const std::int64_t n = c == 0 ? 0 : input.numel() / c;
    XG_CHECK(n > 1, ValueError, "batch_norm: expected more than 1 value per channel when training, got input of shape ",
             input.sizes());
    mean = input.mean(dims, /*keepdim=*/true);
    var = input.var(dims, /*unbiased=*/false, /*keepdim=*/true);
    if (running_mean.defined()) {
      // running ← (1 − m)·running + m·batch, with the unbiased batch variance (n/(n − 1) times the
      // biased one that normalizes), exactly as PyTorch.
      NoGradGuard ng;
      const double m = o.momentum;
      const double bessel = static_cast<double>(n) / static_cast<double>(n - 1);
      Tensor rm = running_mean, rv = running_var;  // handles: the update is seen by the caller's buffers
      rm.copy_(running_mean * (1 - m) + mean.reshape(channels) * m);
      rv.copy_(running_var * (1 - m) + var.reshape(channels) * (m * bessel));
    }
  } else {
    XG_CHECK(running_mean.defined(), ValueError,
             "batch_norm: running_mean and running_var are required when not training (pass training = true to "
             "normalize with the batch statistics)");
    mean = running_mean.reshape(stat_shape);
    var = running_var.reshape(stat_shape);
  }
  return normalize(input, mean, var, o.eps, o.weight, o.bias, stat_shape);
}

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const LayerNormFuncOptions& o) {
  check_float_input(input, "layer_norm");
  const auto k = static_cast<std::int64_t>(normalized_shape.size());
  XG_CHECK(k >= 1, ValueError, "layer_norm: normalized_shape must have at least one dimension");
  XG_CHECK(o.eps >= 0, ValueError, "layer_norm: eps must be non-negative, got ", o.eps);
  bool match = input.dim() >= k;
  for (std::int64_t i = 0; match && i < k; ++i)
    match = input.size(input.dim() - k + i) == normalized_shape[static_cast<std::size_t>(i)];
  XG_CHECK(
      match, ShapeError, "layer_norm: given normalized_shape=", normalized_shape, ", expected an input of shape [*, ",
      [&] {
        std::string s;
        for (std::size_t i = 0; i < normalized_shape.size(); ++i)
          s += (i ? ", " : "") + std::to_string(normalized_shape[i]);
        return s;
      }(),
      "], but got input of shape ", input.sizes());
  check_affine(o.weight, normalized_shape, "layer_norm", "weight", "normalized_shape");
  check_affine(o.bias, normalized_shape, "layer_norm", "bias", "normalized_shape");
  Shape dims;
  for (std::int64_t d = input.dim() - k; d < input.dim(); ++d) dims.push_back(d);
  const Tensor mean = input.mean(dims, true);
  const Tensor var = input.var(dims, /*unbiased=*/false, true);
  // weight and bias have the trailing shape, so they broadcast as they are.
  return normalize(input, mean, var, o.eps, o.weight, o.bias, normalized_shape);
}

Tensor group_norm(const Tensor& input, std::int64_t num_groups, const GroupNormFuncOptions& o) {
  check_float_input(input, "group_norm");
  XG_CHECK(num_groups > 0, ValueError, "group_norm: num_groups must be positive, got ", num_groups);
  XG_CHECK(input.dim() >= 2, ShapeError, "group_norm: expected an input of shape [N, C, ...] (at least 2-D), got ",
           input.sizes());
  XG_CHECK(o.eps >= 0, ValueError, "group_norm: eps must be non-negative, got ", o.eps);
  const std::int64_t n = input.size(0), c = input.size(1);
  XG_CHECK(c % num_groups == 0, ShapeError, "group_norm: the ", c, " channels of the input of shape ", input.sizes(),
           " cannot be split into ", num_groups, " groups");
  check_affine(o.weight, Shape{c}, "group_norm", "weight", "the number of channels");
  check_affine(o.bias, Shape{c}, "group_norm", "bias", "the number of channels");
  std::int64_t per_group = c / num_groups;
  for (std::int64_t d = 2; d < input.dim(); ++d) per_group *= input.size(d);
  // Each sample's group is one row of [N, G, C/G · spatial]: normalize the rows, then restore.
  const Tensor rows = input.reshape({n, num_groups, per_group});
  const Tensor mean = rows.mean({2}, true);
  const Tensor var = rows.var({2}, /*unbiased=*/false, true);
  Tensor y = ((rows - mean) * rsqrt(var + o.eps)).reshape(input.sizes());
  Shape affine_shape(static_cast<std::size_t>(input.dim()), 1);
  affine_shape[1] = c;
  if (o.weight.defined()) y = y * o.weight.reshape(affine_shape);
  if (o.bias.defined()) y = y + o.bias.reshape(affine_shape);
  return y;
}

}  // namespace functional

namespace F = functional;

// ---- BatchNorm --------------------------------------------------------------------------------

BatchNormImplBase::BatchNormImplBase(std::int64_t n, BatchNormOptions o) : num_features(n), options(o) {}

void BatchNormImplBase::reset() {
  XG_CHECK(num_features > 0, ValueError, layer_name(), ": num_features must be positive, got ", num_features);
  XG_CHECK(options.eps >= 0, ValueError, layer_name(), ": eps must be non-negative, got ", options.eps);
  XG_CHECK(!options.momentum || (*options.momentum >= 0 && *options.momentum <= 1), ValueError, layer_name(),
           ": momentum must be in [0, 1] (or std::nullopt for a cumulative average), got ", *options.momentum);
  weight = bias = running_mean = running_var = num_batches_tracked = Tensor();
  if (options.affine) {
    weight = register_parameter("weight", ones({num_features}));
    bias = register_parameter("bias", zeros({num_features}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({num_features}));
    running_var = register_buffer("running_var", ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void BatchNormImplBase::reset_running_stats() {
  if (!options.track_running_stats) return;
  NoGradGuard ng;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void BatchNormImplBase::reset_parameters() {
  reset_running_stats();
  if (!options.affine) return;
  NoGradGuard ng;
  weight.fill_(1);
  bias.zero_();
}

Tensor BatchNormImplBase::forward(const Tensor& input) {
  check_input_dim(input);
  // PyTorch's exponential_average_factor: the momentum, or 1/k at the k-th tracked batch when
  // momentum is None — which makes the running statistics the plain average of the k batches.
  double factor = options.momentum.value_or(0.0);
  if (is_training() && options.track_running_stats) {
    NoGradGuard ng;
    num_batches_tracked.add_(1);
    if (!options.momentum) factor = 1.0 / num_batches_tracked.item<double>();
  }
  // Batch statistics in training, and always when there are no running statistics to use.
  const bool use_batch_stats = is_training() || !running_mean.defined();
  return F::batch_norm(
      input, running_mean, running_var,
      {.weight = weight, .bias = bias, .training = use_batch_stats, .momentum = factor, .eps = options.eps});
}

void BatchNormImplBase::pretty_print(std::ostream& os) const {
  os << layer_name() << "(" << num_features << ", eps=" << detail::py_float(options.eps)
     << ", momentum=" << (options.momentum ? detail::py_float(*options.momentum) : std::string("nullopt"))
     << ", affine=" << bool_str(options.affine) << ", track_running_stats=" << bool_str(options.track_running_stats)
     << ")";
}

BatchNorm1dImpl::BatchNorm1dImpl(std::int64_t n, BatchNormOptions o) : BatchNormImplBase(n, o) { reset(); }

void BatchNorm1dImpl::check_input_dim(const Tensor& input) const {
  check_float_input(input, "BatchNorm1d");
  XG_CHECK(input.dim() == 2 || input.dim() == 3, ShapeError,
           "BatchNorm1d: expected a 2-D [N, C] or 3-D [N, C, L] input, got ", input.dim(), "-D input of shape ",
           input.sizes());
  XG_CHECK(input.size(1) == num_features, ShapeError, "BatchNorm1d: expected ", num_features,
           " channels (num_features) in dim 1, got input of shape ", input.sizes());
}

BatchNorm2dImpl::BatchNorm2dImpl(std::int64_t n, BatchNormOptions o) : BatchNormImplBase(n, o) { reset(); }

void BatchNorm2dImpl::check_input_dim(const Tensor& input) const {
  check_float_input(input, "BatchNorm2d");
  XG_CHECK(input.dim() == 4, ShapeError, "BatchNorm2d: expected a 4-D [N, C, H, W] input, got ", input.dim(),
           "-D input of shape ", input.sizes());
  XG_CHECK(input.size(1) == num_features, ShapeError, "BatchNorm2d: expected ", num_features,
           " channels (num_features) in dim 1, got input of shape ", input.sizes());
}

// ---- LayerNorm ----------------------------------------------------------------------------------

LayerNormImpl::LayerNormImpl(Shape shape, LayerNormOptions o) : normalized_shape(std::move(shape)), options(o) {
  XG_CHECK(!normalized_shape.empty(), ValueError, "LayerNorm: normalized_shape must have at least one dimension");
  for (std::int64_t s : normalized_shape)
    XG_CHECK(s > 0, ValueError, "LayerNorm: normalized_shape ", normalized_shape, " must have positive sizes");
  XG_CHECK(o.eps >= 0, ValueError, "LayerNorm: eps must be non-negative, got ", o.eps);
  reset();
}

void LayerNormImpl::reset() {
  weight = bias = Tensor();
  if (options.elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    bias = register_parameter("bias", zeros(normalized_shape));
  }
}

void LayerNormImpl::reset_parameters() {
  if (!options.elementwise_affine) return;
  NoGradGuard ng;
  weight.fill_(1);
  bias.zero_();
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return F::layer_norm(input, normalized_shape, {.weight = weight, .bias = bias, .eps = options.eps});
}

void LayerNormImpl::pretty_print(std::ostream& os) const {
  // Python prints the shape as a tuple: (10,) or (4, 5).
  os << "LayerNorm((";
  for (std::size_t i = 0; i < normalized_shape.size(); ++i) os << (i ? ", " : "") << normalized_shape[i];
  os << (normalized_shape.size() == 1 ? ",)" : ")") << ", eps=" << detail::py_float(options.eps)
     << ", elementwise_affine=" << bool_str(options.elementwise_affine) << ")";
}

// ---- GroupNorm ----------------------------------------------------------------------------------

GroupNormImpl::GroupNormImpl(std::int64_t g, std::int64_t c, GroupNormOptions o)
    : num_groups(g), num_channels(c), options(o) {
  XG_CHECK(g > 0 && c > 0, ValueError, "GroupNorm: num_groups (", g, ") and num_channels (", c, ") must be positive");
  XG_CHECK(c % g == 0, ValueError, "GroupNorm: num_channels (", c, ") must be divisible by num_groups (", g, ")");
  XG_CHECK(o.eps >= 0, ValueError, "GroupNorm: eps must be non-negative, got ", o.eps);
  reset();
}

void GroupNormImpl::reset() {
  weight = bias = Tensor();
  if (options.affine) {
    weight = register_parameter("weight", ones({num_channels}));
    bias = register_parameter("bias", zeros({num_channels}));
  }
}

void GroupNormImpl::reset_parameters() {
  if (!options.affine) return;
  NoGradGuard ng;
  weight.fill_(1);
  bias.zero_();
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  check_float_input(input, "GroupNorm");
  XG_CHECK(input.dim() >= 2 && input.size(1) == num_channels, ShapeError, "GroupNorm: expected an input of shape [N, ",
           num_channels, ", ...] (num_channels in dim 1), got shape ", input.sizes());
  return F::group_norm(input, num_groups, {.weight = weight, .bias = bias, .eps = options.eps});
}

void GroupNormImpl::pretty_print(std::ostream& os) const {
  os << "GroupNorm(" << num_groups << ", " << num_channels << ", eps=" << detail::py_float(options.eps)
     << ", affine=" << bool_str(options.affine) << ")";
}

}  // namespace xg::nn
