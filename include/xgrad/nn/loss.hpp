// xgrad — loss functions, as layers (torch.nn.CrossEntropyLoss, MSELoss, …) and as functions
// (xg::nn::functional::cross_entropy, mse_loss, …), with PyTorch's formulas, options, defaults
// and reductions. Each takes a `reduction`: kMean (the default), kSum or kNone (per element).
//
//   xg::nn::CrossEntropyLoss criterion({.label_smoothing = 0.1});
//   auto loss = criterion(logits, labels);               // logits [N, C], labels int64 [N]
//   auto l1 = xg::nn::functional::l1_loss(pred, target, {.reduction = xg::nn::kSum});
#pragma once
#include <cstdint>
#include <functional>

#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// How a loss reduces its per-element values (LibTorch's torch::kMean, kSum, kNone): the mean,
/// the sum, or none (the unreduced tensor). kBatchMean (sum / batch size) is KLDivLoss's only.
enum class Reduction { None, Mean, Sum, BatchMean };
inline constexpr Reduction kNone = Reduction::None;
inline constexpr Reduction kMean = Reduction::Mean;
inline constexpr Reduction kSum = Reduction::Sum;
inline constexpr Reduction kBatchMean = Reduction::BatchMean;

// ---- options (field order as PyTorch's keyword arguments; designated initializers must follow
// it: {.weight = w, .reduction = kSum}) ----------------------------------------------------------

struct MSELossOptions {
  Reduction reduction = kMean;
};
struct L1LossOptions {
  Reduction reduction = kMean;
};
/// beta: where the loss changes from quadratic (|d| < beta: 0.5 d²/beta) to linear (|d| − 0.5 beta);
/// beta = 0 is the L1 loss.
struct SmoothL1LossOptions {
  Reduction reduction = kMean;
  double beta = 1.0;
};
/// delta: where the loss changes from quadratic (0.5 d²) to linear (delta (|d| − 0.5 delta)); > 0.
struct HuberLossOptions {
  Reduction reduction = kMean;
  double delta = 1.0;
};
/// weight: a rescaling weight per class ([C], optional). ignore_index: a class-index target value
/// that contributes nothing (not even to the mean's denominator). label_smoothing in [0, 1]: the
/// target becomes (1 − ε)·target + ε/C.
struct CrossEntropyLossOptions {
  Tensor weight = {};
  std::int64_t ignore_index = -100;
  Reduction reduction = kMean;
  double label_smoothing = 0.0;
};
struct NLLLossOptions {
  Tensor weight = {};
  std::int64_t ignore_index = -100;
  Reduction reduction = kMean;
};
/// weight: a rescaling weight broadcast against the per-element losses (optional).
struct BCELossOptions {
  Tensor weight = {};
  Reduction reduction = kMean;
};
/// weight as BCELoss's; pos_weight: a weight of the positive term per class (broadcast over the
/// last dim), to trade recall for precision.
struct BCEWithLogitsLossOptions {
  Tensor weight = {};
  Reduction reduction = kMean;
  Tensor pos_weight = {};
};
/// log_target: the target is given as log-probabilities. Use reduction = kBatchMean for the
/// mathematical KL divergence per sample (kMean divides by the number of elements, as PyTorch).
struct KLDivLossOptions {
  Reduction reduction = kMean;
  bool log_target = false;
};
struct CosineEmbeddingLossOptions {
  double margin = 0.0;
  Reduction reduction = kMean;
};
struct MarginRankingLossOptions {
  double margin = 0.0;
  Reduction reduction = kMean;
};
struct HingeEmbeddingLossOptions {
  double margin = 1.0;
  Reduction reduction = kMean;
};
/// p: the norm of the pairwise distances; eps: added to the differences (avoids a zero norm);
/// swap: use the smaller of d(a, n) and d(p, n) as the negative distance.
struct TripletMarginLossOptions {
  double margin = 1.0;
  double p = 2.0;
  double eps = 1e-6;
  bool swap = false;
  Reduction reduction = kMean;
};

/// log_input: the input is the log of the rate (loss exp(x) − t·x), else the rate itself
/// (x − t·log(x + eps)). full: add Stirling's approximation of log(t!) where t > 1.
struct PoissonNLLLossOptions {
  bool log_input = true;
  bool full = false;
  double eps = 1e-8;
  Reduction reduction = kMean;
};
/// full: add the constant 0.5·log(2π). eps: the variance is clamped at eps from below (the clamp
/// passes the gradient through unchanged, as PyTorch's in-place clamp under no_grad).
struct GaussianNLLLossOptions {
  bool full = false;
  double eps = 1e-6;
  Reduction reduction = kMean;
};
struct SoftMarginLossOptions {
  Reduction reduction = kMean;
};
/// weight: a rescaling weight per class ([C], optional).
struct MultiLabelSoftMarginLossOptions {
  Tensor weight = {};
  Reduction reduction = kMean;
};
/// p: 1 or 2 (the hinge or its square); weight: a rescaling weight per class ([C], optional),
/// applied by the target's class.
struct MultiMarginLossOptions {
  std::int64_t p = 1;
  double margin = 1.0;
  Tensor weight = {};
  Reduction reduction = kMean;
};
/// A distance of two tensors [N, D] → [N] (or [D] → []); an empty function means
/// pairwise_distance (the 2-norm of x − y + 1e-6 over the last dim).
using DistanceFunction = std::function<Tensor(const Tensor&, const Tensor&)>;
/// margin > 0; swap: use the smaller of d(a, n) and d(p, n) as the negative distance.
struct TripletMarginWithDistanceLossOptions {
  DistanceFunction distance_function = {};
  double margin = 1.0;
  bool swap = false;
  Reduction reduction = kMean;
};

// ---- functional forms ---------------------------------------------------------------------------

namespace functional {

/// (input − target)², same shapes.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});
/// |input − target|, same shapes.
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options = {});
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options = {});
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& options = {});
/// Cross entropy of unnormalized logits. input: [N, C], [N, C, d1, ...] or unbatched [C].
/// target: int64 class indices of shape [N] / [N, d1, ...] / [] in [0, C) (or ignore_index), or
/// class probabilities of the input's shape (floating point). Computed from log_softmax, so large
/// logits do not overflow. With class weights the mean divides by the summed weights of the
/// non-ignored targets, as PyTorch.
///   auto loss = F::cross_entropy(logits, labels, {.weight = w, .label_smoothing = 0.1});
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& options = {});
/// Negative log-likelihood of log-probabilities: −weight[t]·input[n, t], shapes as cross_entropy's
/// class-index form.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {});
/// −weight·(t·log x + (1 − t)·log(1 − x)) of probabilities x in [0, 1]; each log is clamped at
/// −100, so x = 0 or 1 gives a finite loss (as PyTorch).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& options = {});
/// The same of logits, as one stable expression (never log(sigmoid(x))):
/// (1 − t)·x + (1 + (pos_weight − 1)·t)·log(1 + exp(−x)).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsLossOptions& options = {});
/// KL(target ‖ exp(input)) pointwise: target·(log target − input), input being log-probabilities.
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& options = {});
/// 1 − cos(x1, x2) where target = 1, max(0, cos(x1, x2) − margin) where target = −1; x1, x2 of
/// shape [N, D] with target [N], or [D] with a 0-d target.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossOptions& options = {});
/// max(0, −target·(input1 − input2) + margin), target ±1, all three broadcast together.
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossOptions& options = {});
/// input where target = 1, max(0, margin − input) where target = −1.
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, const HingeEmbeddingLossOptions& options = {});
/// max(0, margin + d(a, p) − d(a, n)) with d the p-norm distance over the last dim of (x − y + eps).
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossOptions& options = {});
/// Negative log-likelihood of a Poisson rate: exp(input) − target·input (log_input), or
/// input − target·log(input + eps); same shapes.
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossOptions& options = {});
/// 0.5·(log var + (input − target)²/var) with var ≥ 0 clamped at eps; var has the input's shape,
/// or it with the last dim 1 or dropped (one variance per sample).
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossOptions& options = {});
/// log(1 + exp(−target·input)), target ±1, same shapes.
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, const SoftMarginLossOptions& options = {});
/// −mean over classes of weight·(t·log σ(x) + (1 − t)·log σ(−x)); input and target [N, C] or [C].
Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultiLabelSoftMarginLossOptions& options = {});
/// Σ_{i ≠ y} weight[y]·max(0, margin − x[y] + x[i])^p / C per sample; input [N, C] or [C], target
/// int64 [N] or [] in [0, C).
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossOptions& options = {});
/// max(0, margin + d(a, p) − d(a, n)) with a distance function of one's choice.
Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const TripletMarginWithDistanceLossOptions& options = {});

}  // namespace functional

// ---- layers -------------------------------------------------------------------------------------
// A loss layer holds its options (and its class weights as the buffers `weight` / `pos_weight`,
// so they follow Module::to and state dicts as in PyTorch) and forwards to the functional form:
// `criterion(input, target)`.

struct MSELossImpl : Cloneable<MSELossImpl> {
  explicit MSELossImpl(MSELossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  MSELossOptions options;
};
XG_MODULE_OPTIONS(MSELoss, MSELossOptions);

struct L1LossImpl : Cloneable<L1LossImpl> {
  explicit L1LossImpl(L1LossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  L1LossOptions options;
};
XG_MODULE_OPTIONS(L1Loss, L1LossOptions);

struct SmoothL1LossImpl : Cloneable<SmoothL1LossImpl> {
  explicit SmoothL1LossImpl(SmoothL1LossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  SmoothL1LossOptions options;
};
XG_MODULE_OPTIONS(SmoothL1Loss, SmoothL1LossOptions);

struct HuberLossImpl : Cloneable<HuberLossImpl> {
  explicit HuberLossImpl(HuberLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  HuberLossOptions options;
};
XG_MODULE_OPTIONS(HuberLoss, HuberLossOptions);

/// `xg::nn::CrossEntropyLoss criterion({.weight = class_weights, .ignore_index = 0});`
struct CrossEntropyLossImpl : Cloneable<CrossEntropyLossImpl> {
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options = {});
  void reset() override;
  Tensor forward(const Tensor& input, const Tensor& target);
  CrossEntropyLossOptions options;
  Tensor weight;  ///< the `weight` buffer (a copy of options.weight), undefined without weights
};
XG_MODULE_OPTIONS(CrossEntropyLoss, CrossEntropyLossOptions);

struct NLLLossImpl : Cloneable<NLLLossImpl> {
  explicit NLLLossImpl(NLLLossOptions options = {});
  void reset() override;
  Tensor forward(const Tensor& input, const Tensor& target);
  NLLLossOptions options;
  Tensor weight;
};
XG_MODULE_OPTIONS(NLLLoss, NLLLossOptions);

struct BCELossImpl : Cloneable<BCELossImpl> {
  explicit BCELossImpl(BCELossOptions options = {});
  void reset() override;
  Tensor forward(const Tensor& input, const Tensor& target);
  BCELossOptions options;
  Tensor weight;
};
XG_MODULE_OPTIONS(BCELoss, BCELossOptions);

struct BCEWithLogitsLossImpl : Cloneable<BCEWithLogitsLossImpl> {
  explicit BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options = {});
  void reset() override;
  Tensor forward(const Tensor& input, const Tensor& target);
  BCEWithLogitsLossOptions options;
  Tensor weight, pos_weight;
};
XG_MODULE_OPTIONS(BCEWithLogitsLoss, BCEWithLogitsLossOptions);

struct KLDivLossImpl : Cloneable<KLDivLossImpl> {
  explicit KLDivLossImpl(KLDivLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  KLDivLossOptions options;
};
XG_MODULE_OPTIONS(KLDivLoss, KLDivLossOptions);

struct CosineEmbeddingLossImpl : Cloneable<CosineEmbeddingLossImpl> {
  explicit CosineEmbeddingLossImpl(CosineEmbeddingLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  CosineEmbeddingLossOptions options;
};
XG_MODULE_OPTIONS(CosineEmbeddingLoss, CosineEmbeddingLossOptions);

struct MarginRankingLossImpl : Cloneable<MarginRankingLossImpl> {
  explicit MarginRankingLossImpl(MarginRankingLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  MarginRankingLossOptions options;
};
XG_MODULE_OPTIONS(MarginRankingLoss, MarginRankingLossOptions);

struct HingeEmbeddingLossImpl : Cloneable<HingeEmbeddingLossImpl> {
  explicit HingeEmbeddingLossImpl(HingeEmbeddingLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  HingeEmbeddingLossOptions options;
};
XG_MODULE_OPTIONS(HingeEmbeddingLoss, HingeEmbeddingLossOptions);

struct TripletMarginLossImpl : Cloneable<TripletMarginLossImpl> {
  explicit TripletMarginLossImpl(TripletMarginLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  TripletMarginLossOptions options;
};
XG_MODULE_OPTIONS(TripletMarginLoss, TripletMarginLossOptions);

struct PoissonNLLLossImpl : Cloneable<PoissonNLLLossImpl> {
  explicit PoissonNLLLossImpl(PoissonNLLLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  PoissonNLLLossOptions options;
};
XG_MODULE_OPTIONS(PoissonNLLLoss, PoissonNLLLossOptions);

struct GaussianNLLLossImpl : Cloneable<GaussianNLLLossImpl> {
  explicit GaussianNLLLossImpl(GaussianNLLLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var);
  GaussianNLLLossOptions options;
};
XG_MODULE_OPTIONS(GaussianNLLLoss, GaussianNLLLossOptions);

struct SoftMarginLossImpl : Cloneable<SoftMarginLossImpl> {
  explicit SoftMarginLossImpl(SoftMarginLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& input, const Tensor& target);
  SoftMarginLossOptions options;
};
XG_MODULE_OPTIONS(SoftMarginLoss, SoftMarginLossOptions);

struct MultiLabelSoftMarginLossImpl : Cloneable<MultiLabelSoftMarginLossImpl> {
  explicit MultiLabelSoftMarginLossImpl(MultiLabelSoftMarginLossOptions options = {});
  void reset() override;
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiLabelSoftMarginLossOptions options;
  Tensor weight;
};
XG_MODULE_OPTIONS(MultiLabelSoftMarginLoss, MultiLabelSoftMarginLossOptions);

struct MultiMarginLossImpl : Cloneable<MultiMarginLossImpl> {
  explicit MultiMarginLossImpl(MultiMarginLossOptions options = {});
  void reset() override;
  Tensor forward(const Tensor& input, const Tensor& target);
  MultiMarginLossOptions options;
  Tensor weight;
};
XG_MODULE_OPTIONS(MultiMarginLoss, MultiMarginLossOptions);

struct TripletMarginWithDistanceLossImpl : Cloneable<TripletMarginWithDistanceLossImpl> {
  explicit TripletMarginWithDistanceLossImpl(TripletMarginWithDistanceLossOptions options = {});
  void reset() override {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  TripletMarginWithDistanceLossOptions options;
};
XG_MODULE_OPTIONS(TripletMarginWithDistanceLoss, TripletMarginWithDistanceLossOptions);

}  // namespace xg::nn

XGRAD_API_END
