// SyncBatchNorm: batch normalization with the statistics of the global batch across ranks.
#include <cmath>
#include <vector>

#include "xgrad/autograd.hpp"
#include "xgrad/distributed.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace dist = ::xg::distributed;

namespace {

// Note [SyncBatchNorm's gradient]
// With N the global count per channel, the batch statistics mean = Σx/N and var = Σ(x−mean)²/N
// depend on every rank's input, and every rank's loss depends on them. GlobalBatchStats is the one
// custom Function that crosses ranks: forward returns the global (mean, biased var) per channel;
// backward receives this rank's ∂L_r/∂mean and ∂L_r/∂var, all-reduces them to the totals
// Σ_r ∂L_r/∂mean and Σ_r ∂L_r/∂var (the two per-channel gradient sums), and returns
//   ∂L/∂x_i = (Σ ∂L/∂mean)/N + (Σ ∂L/∂var) · 2(x_i − mean)/N
// (the mean's own dependence on x_i drops out of ∂var/∂x_i because Σ(x − mean) = 0). The
// normalization around it, (x − mean)·rsqrt(var + eps)·weight + bias, is ordinary differentiable
// ops, so the direct path and the weight/bias gradients come from autograd. Summed over ranks this
// is exactly BatchNorm's gradient over the global batch.
struct GlobalBatchStats : autograd::Function<GlobalBatchStats> {
  // x: [N, C, *]. Returns the global {mean, biased var} per channel in x's dtype, and the unbiased
  // variance in float64 (non-differentiable).
  static TensorList forward(autograd::AutogradContext* ctx, Tensor x, std::optional<dist::ProcessGroup> group) {
    const std::int64_t C = x.size(1);
    // Per channel, in float64: local count, mean and sum of squared deviations (two passes).
    Tensor xc = x.to(kFloat64).transpose(0, 1).reshape({C, -1});
    const std::int64_t n_local = xc.size(1);
    Tensor local = zeros({2 * C + 1}, kFloat64);
    if (n_local > 0) {
      Tensor m = mean(xc, {1}, /*keepdim=*/true);
      Tensor m2 = sum(square(xc - m), {1});
      local.narrow(0, 0, C).copy_(m.reshape({C}));
      local.narrow(0, C, C).copy_(m2);
    }
    local.narrow(0, 2 * C, 1).fill_(static_cast<double>(n_local));
    // Gather every rank's (mean, M2, count) and combine them in rank order with Chan's formula:
    //   N = Σ n_r, mean = Σ n_r mean_r / N, M2 = Σ (M2_r + n_r (mean_r − mean)²).
    // Rank order makes the result bitwise identical on every rank.
    const int P = group ? group->size() : dist::world_size();
    Tensor all = empty({P * (2 * C + 1)}, kFloat64);
    dist::all_gather_into_tensor(all, local, {.group = group});
    const double* a = all.data_ptr<double>();
    double N = 0;
    for (int r = 0; r < P; ++r) N += a[r * (2 * C + 1) + 2 * C];
    XG_CHECK(N > 0, ValueError,
             "SyncBatchNorm: the global batch is empty (0 samples on every rank) for input of shape ", x.sizes());
    std::vector<double> gmean(C, 0.0), gm2(C, 0.0);
    for (std::int64_t c = 0; c < C; ++c) {
      double s = 0;
      for (int r = 0; r < P; ++r) s += a[r * (2 * C + 1) + 2 * C] * a[r * (2 * C + 1) + c];
      gmean[c] = s / N;
      double q = 0;
      for (int r = 0; r < P; ++r) {
        const double* row = a + r * (2 * C + 1);
        const double d = row[c] - gmean[c];
        q += row[C + c] + row[2 * C] * d * d;
      }
      gm2[c] = q;
    }
    std::vector<double> gvar(C);
    for (std::int64_t c = 0; c < C; ++c) gvar[c] = gm2[c] / N;
    Tensor mean_t = tensor(gmean).to(x.dtype());
    Tensor var_t = tensor(gvar).to(x.dtype());
    ctx->save_for_backward({x, mean_t});
    ctx->saved_data["count"] = N;
    ctx->saved_data["group"] = group;
    // The unbiased variance N/(N−1)·var, for the running statistics (no gradient).
    std::vector<double> uvar(C);
    for (std::int64_t c = 0; c < C; ++c) uvar[c] = N > 1 ? gm2[c] / (N - 1) : gvar[c];
    Tensor uvar_t = tensor(uvar);
    ctx->mark_non_differentiable({uvar_t});
    return {mean_t, var_t, uvar_t};
  }

  static TensorList backward(autograd::AutogradContext* ctx, TensorList g) {
    auto saved = ctx->get_saved_variables();
    const Tensor& x = saved[0];
    const Tensor& mu = saved[1];
    const double N = std::any_cast<double>(ctx->saved_data["count"]);
    auto group = std::any_cast<std::optional<dist::ProcessGroup>>(ctx->saved_data["group"]);
    const std::int64_t C = x.size(1);
    // The two per-channel gradient sums, over ranks, in one message.
    Tensor gm = g[0].defined() ? g[0] : zeros({C}, x.dtype());
    Tensor gv = g[1].defined() ? g[1] : zeros({C}, x.dtype());
    Tensor both = cat({gm.detach(), gv.detach()}, 0).to(kFloat64).contiguous();
    dist::all_reduce(both, dist::ReduceOp::SUM, {.group = group});
    both = both.to(x.dtype());
    Shape bshape(static_cast<std::size_t>(x.dim()), 1);
    bshape[1] = C;
    Tensor gm_total = both.narrow(0, 0, C).reshape(bshape);
    Tensor gv_total = both.narrow(0, C, C).reshape(bshape);
    Tensor gx = gm_total / N + gv_total * (x - mu.reshape(bshape)) * (2.0 / N);
    return {gx, Tensor()};
  }
};

}  // namespace

SyncBatchNormImpl::SyncBatchNormImpl(std::int64_t n, BatchNormOptions o, std::optional<dist::ProcessGroup> group)
    : BatchNormImplBase(n, o), process_group(std::move(group)) {
  reset();
}

SyncBatchNormImpl::SyncBatchNormImpl(const BatchNormImplBase& bn, std::optional<dist::ProcessGroup> group)
    : BatchNormImplBase(bn.num_features, bn.options), process_group(std::move(group)) {
  // The same tensors as `bn` (identity kept, so optimizers and references to them still work).
  weight = bn.weight;
  bias = bn.bias;
  running_mean = bn.running_mean;
  running_var = bn.running_var;
  num_batches_tracked = bn.num_batches_tracked;
  if (weight.defined()) register_parameter("weight", weight, weight.requires_grad());
  if (bias.defined()) register_parameter("bias", bias, bias.requires_grad());
  if (running_mean.defined()) {
    register_buffer("running_mean", running_mean);
    register_buffer("running_var", running_var);
    register_buffer("num_batches_tracked", num_batches_tracked);
  }
  train(bn.is_training());
}

void SyncBatchNormImpl::check_input_dim(const Tensor& input) const {
  XG_CHECK(input.defined(), ValueError, "SyncBatchNorm: the input is an undefined tensor");
  XG_CHECK(input.is_floating_point(), DtypeError, "SyncBatchNorm: expected a floating-point input, got ",
           input.dtype());
  XG_CHECK(input.dim() >= 2, ShapeError, "SyncBatchNorm: expected an input of shape [N, C, *] (at least 2-D), got ",
           input.dim(), "-D input of shape ", input.sizes());
  XG_CHECK(input.size(1) == num_features, ShapeError, "SyncBatchNorm: expected ", num_features,
           " channels (num_features) in dim 1, got input of shape ", input.sizes());
}

Tensor SyncBatchNormImpl::forward(const Tensor& input) {
  const bool use_batch_stats = is_training() || !running_mean.defined();
  if (!use_batch_stats) return BatchNormImplBase::forward(input);  // eval: plain BatchNorm
  check_input_dim(input);
  const std::int64_t C = num_features;
  TensorList stats = GlobalBatchStats::apply(input, process_group);
  Tensor mu = stats[0], var = stats[1];
  if (is_training() && options.track_running_stats) {
    NoGradGuard ng;
    num_batches_tracked.add_(1);
    const double factor = options.momentum ? *options.momentum : 1.0 / num_batches_tracked.item<double>();
    running_mean.mul_(1.0 - factor).add_(mu.detach().to(running_mean.dtype()) * factor);
    running_var.mul_(1.0 - factor).add_(stats[2].to(running_var.dtype()) * factor);
  }
  Shape bshape(static_cast<std::size_t>(input.dim()), 1);
  bshape[1] = C;
  Tensor y = (input - mu.reshape(bshape)) * rsqrt(var.reshape(bshape) + options.eps);
  if (weight.defined()) y = y * weight.reshape(bshape);
  if (bias.defined()) y = y + bias.reshape(bshape);
  return y;
}

ModulePtr convert_sync_batchnorm(ModulePtr module, std::optional<dist::ProcessGroup> process_group) {
  XG_CHECK(module != nullptr, ValueError, "convert_sync_batchnorm: the module is an empty handle");
  if (auto* bn = dynamic_cast<BatchNormImplBase*>(module.get()); bn && !dynamic_cast<SyncBatchNormImpl*>(bn))
    return std::make_shared<SyncBatchNormImpl>(*bn, process_group);
  for (const auto& [name, child] : module->named_children()) {
    ModulePtr converted = convert_sync_batchnorm(child, process_group);
    if (converted != child) module->replace_module(name, converted);
  }
  return module;
}

}  // namespace xg::nn
