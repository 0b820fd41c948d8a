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
/// No reduction: the per-element losses.
inline constexpr Reduction kNone = Reduction::None;
/// The mean of the per-element losses.
inline constexpr Reduction kMean = Reduction::Mean;
/// The sum of the per-element losses.
inline constexpr Reduction kSum = Reduction::Sum;
/// The sum divided by the batch size (kl_div only).
inline constexpr Reduction kBatchMean = Reduction::BatchMean;

// ---- options (field order as PyTorch's keyword arguments; designated initializers must follow
// it: {.weight = w, .reduction = kSum}) ----------------------------------------------------------

/// Options of MSELoss (PyTorch's arguments of the same names and defaults).
struct MSELossOptions {
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// Options of L1Loss (PyTorch's arguments of the same names and defaults).
struct L1LossOptions {
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// beta: where the loss changes from quadratic (|d| < beta: 0.5 d²/beta) to linear (|d| − 0.5 beta);
/// beta = 0 is the L1 loss.
struct SmoothL1LossOptions {
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
  /// the quadratic-to-linear threshold (>= 0)
  double beta = 1.0;
};
/// delta: where the loss changes from quadratic (0.5 d²) to linear (delta (|d| − 0.5 delta)); > 0.
struct HuberLossOptions {
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
  /// the quadratic-to-linear threshold (> 0)
  double delta = 1.0;
};
/// weight: a rescaling weight per class ([C], optional). ignore_index: a class-index target value
/// that contributes nothing (not even to the mean's denominator). label_smoothing in [0, 1]: the
/// target becomes (1 − ε)·target + ε/C.
struct CrossEntropyLossOptions {
  /// a rescaling weight per class, [C] (undefined: none)
  Tensor weight = {};
  /// a target class index that contributes nothing
  std::int64_t ignore_index = -100;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
  /// the smoothing ε in [0, 1]
  double label_smoothing = 0.0;
};
/// Options of NLLLoss (PyTorch's arguments of the same names and defaults).
struct NLLLossOptions {
  /// a rescaling weight per class, [C] (undefined: none)
  Tensor weight = {};
  /// a target class index that contributes nothing
  std::int64_t ignore_index = -100;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// weight: a rescaling weight broadcast against the per-element losses (optional).
struct BCELossOptions {
  /// a rescaling weight broadcast against the per-element losses (undefined: none)
  Tensor weight = {};
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// weight as BCELoss's; pos_weight: a weight of the positive term per class (broadcast over the
/// last dim), to trade recall for precision.
struct BCEWithLogitsLossOptions {
  /// a rescaling weight broadcast against the per-element losses (undefined: none)
  Tensor weight = {};
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
  /// a weight of the positive term per class (undefined: none)
  Tensor pos_weight = {};
};
/// log_target: the target is given as log-probabilities. Use reduction = kBatchMean for the
/// mathematical KL divergence per sample (kMean divides by the number of elements, as PyTorch).
struct KLDivLossOptions {
  /// How the per-element losses are combined: kMean (the default), kSum, kNone or kBatchMean.
  Reduction reduction = kMean;
  /// the target is given as log-probabilities
  bool log_target = false;
};
/// Options of CosineEmbeddingLoss (PyTorch's arguments of the same names and defaults).
struct CosineEmbeddingLossOptions {
  /// the margin subtracted from the cosine of dissimilar pairs, in [−1, 1]
  double margin = 0.0;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// Options of MarginRankingLoss (PyTorch's arguments of the same names and defaults).
struct MarginRankingLossOptions {
  /// the margin by which the ranked input must win
  double margin = 0.0;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// Options of HingeEmbeddingLoss (PyTorch's arguments of the same names and defaults).
struct HingeEmbeddingLossOptions {
  /// the margin below which dissimilar pairs are penalized
  double margin = 1.0;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// p: the norm of the pairwise distances; eps: added to the differences (avoids a zero norm);
/// swap: use the smaller of d(a, n) and d(p, n) as the negative distance.
struct TripletMarginLossOptions {
  /// the margin between the positive and negative distances
  double margin = 1.0;
  /// the norm of the pairwise distances
  double p = 2.0;
  /// added to the differences before the norm
  double eps = 1e-6;
  /// use the smaller of d(a, n) and d(p, n) as the negative distance
  bool swap = false;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};

/// log_input: the input is the log of the rate (loss exp(x) − t·x), else the rate itself
/// (x − t·log(x + eps)). full: add Stirling's approximation of log(t!) where t > 1.
struct PoissonNLLLossOptions {
  /// the input is the log of the rate
  bool log_input = true;
  /// add Stirling's approximation of log(t!)
  bool full = false;
  /// added to the rate before the log (log_input = false)
  double eps = 1e-8;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// full: add the constant 0.5·log(2π). eps: the variance is clamped at eps from below (the clamp
/// passes the gradient through unchanged, as PyTorch's in-place clamp under no_grad).
struct GaussianNLLLossOptions {
  /// add the constant 0.5·log(2π)
  bool full = false;
  /// the smallest variance used
  double eps = 1e-6;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// Options of SoftMarginLoss (PyTorch's arguments of the same names and defaults).
struct SoftMarginLossOptions {
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// weight: a rescaling weight per class ([C], optional).
struct MultiLabelSoftMarginLossOptions {
  /// a rescaling weight per class, [C] (undefined: none)
  Tensor weight = {};
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// p: 1 or 2 (the hinge or its square); weight: a rescaling weight per class ([C], optional),
/// applied by the target's class.
struct MultiMarginLossOptions {
  /// 1 (hinge) or 2 (squared hinge)
  std::int64_t p = 1;
  /// the margin of the hinge
  double margin = 1.0;
  /// a rescaling weight per class, [C] (undefined: none)
  Tensor weight = {};
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};
/// A distance of two tensors [N, D] → [N] (or [D] → []); an empty function means
/// pairwise_distance (the 2-norm of x − y + 1e-6 over the last dim).
using DistanceFunction = std::function<Tensor(const Tensor&, const Tensor&)>;
/// margin > 0; swap: use the smaller of d(a, n) and d(p, n) as the negative distance.
struct TripletMarginWithDistanceLossOptions {
  /// the distance (empty: pairwise_distance)
  DistanceFunction distance_function = {};
  /// the margin between the positive and negative distances (> 0)
  double margin = 1.0;
  /// use the smaller of d(a, n) and d(p, n) as the negative distance
  bool swap = false;
  /// How the per-element losses are combined: kMean (the default), kSum or kNone.
  Reduction reduction = kMean;
};

// ---- functional forms ---------------------------------------------------------------------------

namespace functional {

/// (input − target)², same shapes.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& options = {});
/// |input − target|, same shapes.
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& options = {});
/// 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta, with d = input − target (same shapes).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& options = {});
/// 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta), with d = input − target (same shapes).
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

/// The MSELoss criterion as a module (see the function of the same name in xg::nn::functional).
struct MSELossImpl : Cloneable<MSELossImpl> {
  /// A MSELoss configured by `options`.
  explicit MSELossImpl(MSELossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  MSELossOptions options;
};
XG_MODULE_OPTIONS(MSELoss, MSELossOptions);

/// The L1Loss criterion as a module (see the function of the same name in xg::nn::functional).
struct L1LossImpl : Cloneable<L1LossImpl> {
  /// A L1Loss configured by `options`.
  explicit L1LossImpl(L1LossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  L1LossOptions options;
};
XG_MODULE_OPTIONS(L1Loss, L1LossOptions);

/// The SmoothL1Loss criterion as a module (see the function of the same name in xg::nn::functional).
struct SmoothL1LossImpl : Cloneable<SmoothL1LossImpl> {
  /// A SmoothL1Loss configured by `options`.
  explicit SmoothL1LossImpl(SmoothL1LossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  SmoothL1LossOptions options;
};
XG_MODULE_OPTIONS(SmoothL1Loss, SmoothL1LossOptions);

/// The HuberLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct HuberLossImpl : Cloneable<HuberLossImpl> {
  /// A HuberLoss configured by `options`.
  explicit HuberLossImpl(HuberLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  HuberLossOptions options;
};
XG_MODULE_OPTIONS(HuberLoss, HuberLossOptions);

/// `xg::nn::CrossEntropyLoss criterion({.weight = class_weights, .ignore_index = 0});`
struct CrossEntropyLossImpl : Cloneable<CrossEntropyLossImpl> {
  /// A CrossEntropyLoss configured by `options`.
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options = {});
  void reset() override;
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  CrossEntropyLossOptions options;
  Tensor weight;  ///< the `weight` buffer (a copy of options.weight), undefined without weights
};
XG_MODULE_OPTIONS(CrossEntropyLoss, CrossEntropyLossOptions);

/// The NLLLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct NLLLossImpl : Cloneable<NLLLossImpl> {
  /// A NLLLoss configured by `options`.
  explicit NLLLossImpl(NLLLossOptions options = {});
  void reset() override;
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  NLLLossOptions options;
  /// the `weight` buffer (a copy of options.weight), undefined without weights
  Tensor weight;
};
XG_MODULE_OPTIONS(NLLLoss, NLLLossOptions);

/// The BCELoss criterion as a module (see the function of the same name in xg::nn::functional).
struct BCELossImpl : Cloneable<BCELossImpl> {
  /// A BCELoss configured by `options`.
  explicit BCELossImpl(BCELossOptions options = {});
  void reset() override;
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  BCELossOptions options;
  /// the `weight` buffer (a copy of options.weight), undefined without weights
  Tensor weight;
};
XG_MODULE_OPTIONS(BCELoss, BCELossOptions);

/// The BCEWithLogitsLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct BCEWithLogitsLossImpl : Cloneable<BCEWithLogitsLossImpl> {
  /// A BCEWithLogitsLoss configured by `options`.
  explicit BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options = {});
  void reset() override;
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  BCEWithLogitsLossOptions options;
  /// the `weight` and `pos_weight` buffers (copies of the options'), undefined when not given
  ///@{
  Tensor weight, pos_weight;
  ///@}
};
XG_MODULE_OPTIONS(BCEWithLogitsLoss, BCEWithLogitsLossOptions);

/// The KLDivLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct KLDivLossImpl : Cloneable<KLDivLossImpl> {
  /// A KLDivLoss configured by `options`.
  explicit KLDivLossImpl(KLDivLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  KLDivLossOptions options;
};
XG_MODULE_OPTIONS(KLDivLoss, KLDivLossOptions);

/// The CosineEmbeddingLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct CosineEmbeddingLossImpl : Cloneable<CosineEmbeddingLossImpl> {
  /// A CosineEmbeddingLoss configured by `options`.
  explicit CosineEmbeddingLossImpl(CosineEmbeddingLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  /// The options this module was made with.
  CosineEmbeddingLossOptions options;
};
XG_MODULE_OPTIONS(CosineEmbeddingLoss, CosineEmbeddingLossOptions);

/// The MarginRankingLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct MarginRankingLossImpl : Cloneable<MarginRankingLossImpl> {
  /// A MarginRankingLoss configured by `options`.
  explicit MarginRankingLossImpl(MarginRankingLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  /// The options this module was made with.
  MarginRankingLossOptions options;
};
XG_MODULE_OPTIONS(MarginRankingLoss, MarginRankingLossOptions);

/// The HingeEmbeddingLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct HingeEmbeddingLossImpl : Cloneable<HingeEmbeddingLossImpl> {
  /// A HingeEmbeddingLoss configured by `options`.
  explicit HingeEmbeddingLossImpl(HingeEmbeddingLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  HingeEmbeddingLossOptions options;
};
XG_MODULE_OPTIONS(HingeEmbeddingLoss, HingeEmbeddingLossOptions);

/// The TripletMarginLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct TripletMarginLossImpl : Cloneable<TripletMarginLossImpl> {
  /// A TripletMarginLoss configured by `options`.
  explicit TripletMarginLossImpl(TripletMarginLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  /// The options this module was made with.
  TripletMarginLossOptions options;
};
XG_MODULE_OPTIONS(TripletMarginLoss, TripletMarginLossOptions);

/// The PoissonNLLLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct PoissonNLLLossImpl : Cloneable<PoissonNLLLossImpl> {
  /// A PoissonNLLLoss configured by `options`.
  explicit PoissonNLLLossImpl(PoissonNLLLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  PoissonNLLLossOptions options;
};
XG_MODULE_OPTIONS(PoissonNLLLoss, PoissonNLLLossOptions);

/// The GaussianNLLLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct GaussianNLLLossImpl : Cloneable<GaussianNLLLossImpl> {
  /// A GaussianNLLLoss configured by `options`.
  explicit GaussianNLLLossImpl(GaussianNLLLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var);
  /// The options this module was made with.
  GaussianNLLLossOptions options;
};
XG_MODULE_OPTIONS(GaussianNLLLoss, GaussianNLLLossOptions);

/// The SoftMarginLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct SoftMarginLossImpl : Cloneable<SoftMarginLossImpl> {
  /// A SoftMarginLoss configured by `options`.
  explicit SoftMarginLossImpl(SoftMarginLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  SoftMarginLossOptions options;
};
XG_MODULE_OPTIONS(SoftMarginLoss, SoftMarginLossOptions);

/// The MultiLabelSoftMarginLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct MultiLabelSoftMarginLossImpl : Cloneable<MultiLabelSoftMarginLossImpl> {
  /// A MultiLabelSoftMarginLoss configured by `options`.
  explicit MultiLabelSoftMarginLossImpl(MultiLabelSoftMarginLossOptions options = {});
  void reset() override;
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  MultiLabelSoftMarginLossOptions options;
  /// the `weight` buffer (a copy of options.weight), undefined without weights
  Tensor weight;
};
XG_MODULE_OPTIONS(MultiLabelSoftMarginLoss, MultiLabelSoftMarginLossOptions);

/// The MultiMarginLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct MultiMarginLossImpl : Cloneable<MultiMarginLossImpl> {
  /// A MultiMarginLoss configured by `options`.
  explicit MultiMarginLossImpl(MultiMarginLossOptions options = {});
  void reset() override;
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& input, const Tensor& target);
  /// The options this module was made with.
  MultiMarginLossOptions options;
  /// the `weight` buffer (a copy of options.weight), undefined without weights
  Tensor weight;
};
XG_MODULE_OPTIONS(MultiMarginLoss, MultiMarginLossOptions);

/// The TripletMarginWithDistanceLoss criterion as a module (see the function of the same name in xg::nn::functional).
struct TripletMarginWithDistanceLossImpl : Cloneable<TripletMarginWithDistanceLossImpl> {
  /// A TripletMarginWithDistanceLoss configured by `options`.
  explicit TripletMarginWithDistanceLossImpl(TripletMarginWithDistanceLossOptions options = {});
  void reset() override {}
  /// The loss (see the function of the same name in xg::nn::functional).
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  /// The options this module was made with.
  TripletMarginWithDistanceLossOptions options;
};
XG_MODULE_OPTIONS(TripletMarginWithDistanceLoss, TripletMarginWithDistanceLossOptions);

}  // namespace xg::nn

XGRAD_API_END
