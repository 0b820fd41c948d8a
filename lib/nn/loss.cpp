// The loss functions, written with differentiable xgrad ops (the elementwise binary cross entropy
// is an op of its own, lib/ops/nn_ops.cpp, for PyTorch's clamped derivative). Formulas, options
// and reductions follow ATen's Loss.cpp / LossNLL.cpp; every input is checked first, so that a bad
// call names the loss and the shapes instead of failing inside an op.
#include "xgrad/nn/loss.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "ops/nn_ops.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "kNone";
    case Reduction::Mean:
      return "kMean";
    case Reduction::Sum:
      return "kSum";
    case Reduction::BatchMean:
      return "kBatchMean";
  }
  return "?";
}

/// The mean, sum or unreduced tensor (kBatchMean is kl_div's and handled there).
Tensor reduce(const Tensor& loss, Reduction r, const char* who) {
  switch (r) {
    case Reduction::None:
      return loss;
    case Reduction::Mean:
      return loss.mean();
    case Reduction::Sum:
      return loss.sum();
    case Reduction::BatchMean:
      break;
  }
  throw ValueError(
      detail::concat(who, ": reduction ", reduction_name(r), " is only supported by kl_div; use kMean, kSum or kNone"));
}

void check_defined(const Tensor& t, const char* who, const char* what) {
  XG_CHECK(t.defined(), ValueError, who, ": ", what, " is an undefined tensor");
}

void check_floating(const Tensor& t, const char* who, const char* what) {
  check_defined(t, who, what);
  XG_CHECK(t.is_floating_point(), DtypeError, who, ": ", what, " must be floating point, got ", t.dtype(), " of shape ",
           t.sizes());
}

/// input and target: floating point and of one shape (xgrad does not broadcast a loss's input
/// against its target: an [N, 1] prediction against an [N] target is almost always a bug).
void check_pair(const Tensor& input, const Tensor& target, const char* who) {
  check_floating(input, who, "input");
  check_floating(target, who, "target");
  XG_CHECK(input.sizes() == target.sizes(), ShapeError, who, ": target of shape ", target.sizes(),
           " must have the shape of the input ", input.sizes());
}

/// An optional weight must broadcast to `shape` without enlarging it.
void check_broadcast_weight(const Tensor& w, const Shape& shape, const char* who, const char* what) {
  if (!w.defined()) return;
  XG_CHECK(w.is_floating_point(), DtypeError, who, ": ", what, " must be floating point, got ", w.dtype());
  XG_CHECK(broadcast_shapes(w.sizes(), shape, who) == shape, ShapeError, who, ": ", what, " of shape ", w.sizes(),
           " cannot be broadcast to the input shape ", shape);
}

// ---- class-index targets (nll_loss, cross_entropy) ----------------------------------------------

/// The [N, C, d1, ...] layout flattened to rows: log-probabilities [M, C] and targets [M].
struct ClassRows {
  Tensor input;        // [M, C]
  Tensor target;       // [M] int64
  Tensor ignored;      // [M] bool
  Tensor safe_target;  // [M] int64, ignored entries replaced by class 0 so gather stays in range
  Tensor row_weight;   // [M] the weight of each row's class, 0 for ignored rows
  Shape target_shape;  // for reduction kNone
  std::int64_t classes;
};

/// The shape a class-index target must have for `input`: the input's without the class dim 1
/// ([] for an unbatched [C] input).
Shape class_target_shape(const Tensor& input) {
  Shape s;
  for (std::int64_t d = 0; d < input.dim(); ++d)
    if (d != (input.dim() == 1 ? 0 : 1)) s.push_back(input.size(d));
  return s;
}

void check_class_weight(const Tensor& weight, std::int64_t classes, const char* who) {
  if (!weight.defined()) return;
  XG_CHECK(weight.is_floating_point(), DtypeError, who, ": weight must be floating point, got ", weight.dtype());
  XG_CHECK(weight.sizes() == Shape{classes}, ShapeError, who, ": weight of shape ", weight.sizes(),
           " must have one entry per class, [", classes, "]");
}

/// Checks a class-index target against input (shape, dtype, range) and flattens both to rows.
ClassRows class_rows(const Tensor& input, const Tensor& target, const Tensor& weight, std::int64_t ignore_index,
                     const char* who) {
  check_floating(input, who, "input");
  check_defined(target, who, "target");
  XG_CHECK(input.dim() >= 1, ShapeError, who,
           ": expected an input of shape [C], [N, C] or [N, C, d1, ...], got a 0-d input");
  const Shape expected = class_target_shape(input);
  XG_CHECK(target.dtype() == kInt64, DtypeError, who, ": class-index targets must be int64 (xg::kInt64), got ",
           target.dtype(), " target of shape ", target.sizes(), " for input of shape ", input.sizes());
  XG_CHECK(target.sizes() == expected, ShapeError, who, ": expected a target of shape ", expected,
           " for input of shape ", input.sizes(), ", got target of shape ", target.sizes());
  ClassRows r;
  r.classes = input.dim() == 1 ? input.size(0) : input.size(1);
  r.target_shape = expected;
  check_class_weight(weight, r.classes, who);
  // Every target is a class in [0, C) or the ignored value.
  {
    const std::vector<std::int64_t> v = target.to_vector<std::int64_t>();
    for (std::int64_t t : v)
      XG_CHECK((t >= 0 && t < r.classes) || t == ignore_index, IndexError, who, ": target ", t,
               " is out of bounds for ", r.classes, " classes (valid classes are 0 to ", r.classes - 1,
               ", input of shape ", input.sizes(), ")");
  }
  // [N, C, d1, ...] → [N, d1, ..., C] → [M, C]; [C] → [1, C]. (M is spelled out rather than
  // inferred with −1, which is ambiguous for C = 0.)
  std::int64_t rows = 1;
  for (std::int64_t s : expected) rows *= s;
  if (input.dim() == 1) {
    r.input = input.unsqueeze(0);
  } else if (input.dim() == 2) {
    r.input = input;
  } else {
    Shape perm{0};
    for (std::int64_t d = 2; d < input.dim(); ++d) perm.push_back(d);
    perm.push_back(1);
    r.input = input.permute(perm).reshape({rows, r.classes});
  }
  r.target = target.reshape({rows});
  r.ignored = r.target == ignore_index;
  r.safe_target = where(r.ignored, 0, r.target);
  const Tensor w = weight.defined() ? weight.index_select(0, r.safe_target) : ones({r.target.numel()}, input.dtype());
  r.row_weight = where(r.ignored, 0.0, w);
  return r;
}

/// sum / total for the weighted means of nll_loss and cross_entropy. When every target is ignored
/// (total = 0) the loss is NaN as in PyTorch, but its gradient is zero, as PyTorch's backward
/// gives (it skips the ignored rows): the division uses a safe denominator and the NaN enters
/// through `where`, whose gradient does not reach the other branch.
Tensor weighted_mean(const Tensor& sum, const Tensor& total) {
  const Tensor none = total == 0.0;
  return where(none, std::numeric_limits<double>::quiet_NaN(), sum / where(none, 1.0, total));
}

/// −weight[t]·logp[t] per row, reduced; the mean divides by the summed weights of the rows that
/// are not ignored (PyTorch's nll_loss), which is NaN when every row is ignored.
Tensor nll_rows(const ClassRows& r, const Tensor& logp_rows, Reduction reduction, const char* who) {
  const Tensor picked = logp_rows.gather(1, r.safe_target.unsqueeze(1)).squeeze(1);
  const Tensor losses = -(picked * r.row_weight);
  switch (reduction) {
    case Reduction::None:
      return losses.reshape(r.target_shape);
    case Reduction::Sum:
      return losses.sum();
    case Reduction::Mean:
      return weighted_mean(losses.sum(), r.row_weight.sum());
    case Reduction::BatchMean:
      break;
  }
  return reduce(losses, reduction, who);  // throws for kBatchMean
}

/// log(1 + eᶻ) without overflow: m + log(e^(−m) + e^(z − m)), m = max(z, 0).
Tensor log1p_exp(const Tensor& z) {
  const Tensor m = clamp_min(z, 0);
  return m + log(exp(-m) + exp(z - m));
}

}  // namespace

namespace functional {

// ---- regression losses --------------------------------------------------------------------------

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& o) {
  check_pair(input, target, "mse_loss");
  return reduce(square(input - target), o.reduction, "mse_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& o) {
  check_pair(input, target, "l1_loss");
  return reduce(abs(input - target), o.reduction, "l1_loss");
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& o) {
  check_pair(input, target, "smooth_l1_loss");
  XG_CHECK(o.beta >= 0, ValueError, "smooth_l1_loss: beta must be non-negative, got ", o.beta);
  // beta = 0 is the L1 loss (and the quadratic branch would divide by 0).
  // At input = target PyTorch's backward takes the −1 branch for the input (where(d > 0, d, −d)
  // gives the same); for the target it gives −1 too, where this gives +1 (see docs/nn.md).
  if (o.beta == 0) {
    const Tensor d = input - target;
    return reduce(where(d > 0, d, -d), o.reduction, "smooth_l1_loss");
  }
  const Tensor d = input - target, ad = abs(d);
  // 0.5 d²/β where |d| < β, else |d| − β/2: continuous with a continuous derivative at |d| = β
  return reduce(where(ad < o.beta, 0.5 * d * d / o.beta, ad - 0.5 * o.beta), o.reduction, "smooth_l1_loss");
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& o) {
  check_pair(input, target, "huber_loss");
  XG_CHECK(o.delta > 0, ValueError, "huber_loss: delta must be positive, got ", o.delta);
  const Tensor d = input - target, ad = abs(d);
  // 0.5 d² where |d| < δ, else δ(|d| − δ/2): δ times smooth_l1 with β = δ
  return reduce(where(ad < o.delta, 0.5 * d * d, o.delta * (ad - 0.5 * o.delta)), o.reduction, "huber_loss");
}

// ---- classification losses ----------------------------------------------------------------------

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& o) {
  const ClassRows r = class_rows(input, target, o.weight, o.ignore_index, "nll_loss");
  return nll_rows(r, r.input, o.reduction, "nll_loss");
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& o) {
  const char* who = "cross_entropy";
  check_floating(input, who, "input");
  check_defined(target, who, "target");
  XG_CHECK(o.label_smoothing >= 0 && o.label_smoothing <= 1, ValueError, who,
           ": label_smoothing must be in [0, 1], got ", o.label_smoothing);
  XG_CHECK(input.dim() >= 1, ShapeError, who,
           ": expected an input of shape [C], [N, C] or [N, C, d1, ...], got a 0-d input");
  const std::int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const std::int64_t classes = input.size(class_dim);
  const double eps = o.label_smoothing;

  if (target.is_floating_point()) {
    // Class probabilities: the target has the input's shape. A floating target of the class-index
    // shape is a class-index target of the wrong dtype.
    XG_CHECK(target.sizes() != class_target_shape(input) || target.sizes() == input.sizes(), DtypeError, who,
             ": class-index targets must be int64 (xg::kInt64), got ", target.dtype(), " target of shape ",
             target.sizes(), " for input of shape ", input.sizes(),
             " (a target of class probabilities has the input's shape)");
    XG_CHECK(target.sizes() == input.sizes(), ShapeError, who,
             ": a target of class probabilities must have the input's shape ", input.sizes(), ", got ", target.sizes());
    XG_CHECK(o.ignore_index < 0, ValueError, who, ": ignore_index (", o.ignore_index,
             ") is not supported for class-probability targets");
    check_class_weight(o.weight, classes, who);
    const Tensor logp = log_softmax(input, class_dim);
    // Smoothing mixes the target with the uniform distribution: (1 − ε)·t + ε/C.
    const Tensor t = eps > 0 ? target * (1 - eps) + eps / static_cast<double>(classes) : target;
    Tensor prod = logp * t;
    if (o.weight.defined()) {
      Shape wshape(static_cast<std::size_t>(input.dim()), 1);
      wshape[static_cast<std::size_t>(class_dim)] = classes;
      prod = prod * o.weight.reshape(wshape);
    }
    const Tensor per = -prod.sum({class_dim});
    switch (o.reduction) {
      case Reduction::None:
        return per;
      case Reduction::Sum:
        return per.sum();
      // The mean is over the batch elements N·d1·…, whatever the weights (PyTorch).
      case Reduction::Mean:
        return input.numel() == 0 ? per.sum() * std::numeric_limits<double>::quiet_NaN()
                                  : per.sum() / static_cast<double>(input.numel() / classes);
      case Reduction::BatchMean:
        break;
    }
    return reduce(per, o.reduction, who);  // throws for kBatchMean
  }

  const ClassRows r = class_rows(input, target, o.weight, o.ignore_index, who);
  // log_softmax over the class dim then the negative log-likelihood: never the log of a softmax
  // that rounded to 0.
  const Tensor logp_rows = log_softmax(r.input, 1);
  const Tensor nll = nll_rows(r, logp_rows, o.reduction, who);
  if (eps == 0) return nll;
  // Label smoothing adds ε/C · Σ_c −w_c·logp_c per non-ignored element (ATen's
  // cross_entropy_loss_label_smoothing); its mean divides, like the NLL term's, by the summed
  // weights of the non-ignored targets, or by their number without class weights.
  const Tensor wlogp = o.weight.defined() ? logp_rows * o.weight.reshape({1, classes}) : logp_rows;
  const Tensor smooth = where(r.ignored, 0.0, -wlogp.sum({1}));
  Tensor smooth_reduced;
  switch (o.reduction) {
    case Reduction::None:
      smooth_reduced = smooth.reshape(r.target_shape);
      break;
    case Reduction::Sum:
      smooth_reduced = smooth.sum();
      break;
    case Reduction::Mean:
      // row_weight is 1 on every non-ignored row when there are no class weights.
      smooth_reduced = weighted_mean(smooth.sum(), r.row_weight.sum());
      break;
    case Reduction::BatchMean:
      return reduce(smooth, o.reduction, who);  // throws
  }
  return (1 - eps) * nll + smooth_reduced * (eps / static_cast<double>(classes));
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& o) {
  const char* who = "binary_cross_entropy";
  check_pair(input, target, who);
  check_broadcast_weight(o.weight, input.sizes(), who, "weight");
  Tensor loss = ops::binary_cross_entropy(input, target);
  if (o.weight.defined()) loss = loss * o.weight;
  return reduce(loss, o.reduction, who);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const BCEWithLogitsLossOptions& o) {
  const char* who = "binary_cross_entropy_with_logits";
  check_pair(input, target, who);
  check_broadcast_weight(o.weight, input.sizes(), who, "weight");
  check_broadcast_weight(o.pos_weight, input.sizes(), who, "pos_weight");
  // −[p·t·log σ(x) + (1 − t)·log(1 − σ(x))] = (1 − t)·x + (1 + (p − 1)·t)·log(1 + e^(−x)), with
  // log(1 + e^(−x)) = m + log(e^(−m) + e^(−x−m)), m = max(−x, 0): no exponential overflows.
  const Tensor m = clamp_min(-input, 0);
  const Tensor log1p_exp_neg = m + log(exp(-m) + exp(-input - m));
  Tensor loss;
  if (o.pos_weight.defined()) {
    const Tensor log_weight = (o.pos_weight - 1) * target + 1;
    loss = (1 - target) * input + log_weight * log1p_exp_neg;
  } else {
    loss = (1 - target) * input + log1p_exp_neg;
  }
  if (o.weight.defined()) loss = loss * o.weight;
  return reduce(loss, o.reduction, who);
}

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivLossOptions& o) {
  const char* who = "kl_div";
  check_pair(input, target, who);
  // Pointwise target·(log target − input), with 0·log 0 = 0 (xlogy); or, for log targets,
  // exp(target)·(target − input).
  Tensor loss;
  if (o.log_target) {
    loss = exp(target) * (target - input);
  } else {
    const Tensor xlogy = target * log(where(target == 0, 1.0, target));
    loss = xlogy - target * input;
  }
  if (o.reduction == Reduction::BatchMean)
    return input.dim() == 0 ? loss.sum() : loss.sum() / static_cast<double>(input.size(0));
  return reduce(loss, o.reduction, who);
}

// ---- embedding and ranking losses ---------------------------------------------------------------

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossOptions& o) {
  const char* who = "cosine_embedding_loss";
  check_floating(input1, who, "input1");
  check_floating(input2, who, "input2");
  check_defined(target, who, "target");
  XG_CHECK(target.dtype() != kBool, DtypeError, who, ": target must hold 1 or -1 as numbers, got a bool tensor");
  XG_CHECK(target.dim() == 0 || target.dim() == 1, ShapeError, who,
           ": expected a 0-d or 1-D target (multi-target is not supported), got shape ", target.sizes());
  XG_CHECK(input1.sizes() == input2.sizes(), ShapeError, who, ": input1 of shape ", input1.sizes(),
           " and input2 of shape ", input2.sizes(), " must have the same shape");
  const std::int64_t td = target.dim();
  XG_CHECK(input1.dim() == td + 1, ShapeError, who, ": a ", td, "-D target of shape ", target.sizes(), " expects ",
           td + 1, "-D inputs, got inputs of shape ", input1.sizes());
  XG_CHECK(td == 0 || input1.size(0) == target.size(0), ShapeError, who, ": target of shape ", target.sizes(),
           " must have one entry per row of the inputs of shape ", input1.sizes());
  // cos = Σ x1·x2 / sqrt((Σ x1² + ε)(Σ x2² + ε)), ε = ATen's EPSILON, a float 1e-12
  constexpr double kEps = static_cast<double>(1e-12f);
  const Tensor prod_sum = (input1 * input2).sum({td});
  const Tensor mag1 = (input1 * input1).sum({td}) + kEps;
  const Tensor mag2 = (input2 * input2).sum({td}) + kEps;
  const Tensor cos = prod_sum / sqrt(mag1 * mag2);
  const Tensor pos = where(target == 1, 1 - cos, 0.0);
  const Tensor neg = where(target == -1, clamp_min(cos - o.margin, 0), 0.0);
  return reduce(pos + neg, o.reduction, who);
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossOptions& o) {
  const char* who = "margin_ranking_loss";
  check_floating(input1, who, "input1");
  check_floating(input2, who, "input2");
  check_defined(target, who, "target");
  XG_CHECK(target.dtype() != kBool, DtypeError, who, ": target must hold 1 or -1 as numbers, got a bool tensor");
  XG_CHECK(input1.dim() == input2.dim() && input1.dim() == target.dim(), ShapeError, who,
           ": all input tensors should have the same number of dimensions, got input1 ", input1.sizes(), ", input2 ",
           input2.sizes(), " and target ", target.sizes());
  broadcast_shapes(broadcast_shapes(input1.sizes(), input2.sizes(), who), target.sizes(), who);
  // max(0, −y·(x1 − x2) + margin)
  return reduce(clamp_min(-target * (input1 - input2) + o.margin, 0), o.reduction, who);
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, const HingeEmbeddingLossOptions& o) {
  const char* who = "hinge_embedding_loss";
  check_floating(input, who, "input");
  check_defined(target, who, "target");
  XG_CHECK(target.dtype() != kBool, DtypeError, who, ": target must hold 1 or -1 as numbers, got a bool tensor");
  XG_CHECK(input.sizes() == target.sizes(), ShapeError, who, ": target of shape ", target.sizes(),
           " must have the shape of the input ", input.sizes());
  // x where y = 1, max(0, margin − x) where y = −1 (ATen sums the two masked parts, so any other y
  // contributes both).
  const Tensor margin_part = where(target != 1, clamp_min(o.margin - input, 0), 0.0);
  const Tensor self_part = where(target != -1, input, 0.0);
  return reduce(margin_part + self_part, o.reduction, who);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossOptions& o) {
  const char* who = "triplet_margin_loss";
  check_floating(anchor, who, "anchor");
  check_floating(positive, who, "positive");
  check_floating(negative, who, "negative");
  XG_CHECK(anchor.dim() == positive.dim() && anchor.dim() == negative.dim(), ShapeError, who,
           ": the anchor, positive and negative tensors must have the same number of dimensions, got anchor ",
           anchor.sizes(), ", positive ", positive.sizes(), " and negative ", negative.sizes());
  XG_CHECK(anchor.dim() >= 1, ShapeError, who, ": expected inputs of shape [N, D] or [D], got 0-d inputs");
  broadcast_shapes(broadcast_shapes(anchor.sizes(), positive.sizes(), who), negative.sizes(), who);
  XG_CHECK(o.p > 0, ValueError, who, ": the norm degree p must be positive, got ", o.p);
  // d(x, y) = ‖x − y + eps‖_p over the last dim (torch.pairwise_distance)
  const std::int64_t last = anchor.dim() - 1;
  auto distance = [&](const Tensor& x, const Tensor& y) { return norm(x - y + o.eps, o.p, {last}); };
  const Tensor d_pos = distance(anchor, positive);
  Tensor d_neg = distance(anchor, negative);
  if (o.swap) d_neg = minimum(d_neg, distance(positive, negative));
  return reduce(clamp_min(o.margin + d_pos - d_neg, 0), o.reduction, who);
}

// ---- likelihood and margin losses ---------------------------------------------------------------

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossOptions& o) {
  const char* who = "poisson_nll_loss";
  check_pair(input, target, who);
  Tensor loss = o.log_input ? exp(input) - target * input : input - target * log(input + o.eps);
  if (o.full) {
    // Stirling: log t! ≈ t·log t − t + 0.5·log(2πt), used where t > 1 (0 elsewhere); evaluated at
    // 2 elsewhere so that neither the value nor the gradient w.r.t. the target sees log 0.
    const Tensor big = target > 1;
    const Tensor t = where(big, target, 2.0);
    loss = loss + where(big, t * log(t) - t + 0.5 * log(2 * M_PI * t), 0.0);
  }
  return reduce(loss, o.reduction, who);
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossOptions& o) {
  const char* who = "gaussian_nll_loss";
  check_pair(input, target, who);
  check_floating(var, who, "var");
  XG_CHECK(o.eps >= 0, ValueError, who, ": eps must be non-negative, got ", o.eps);
  Tensor v = var;
  if (var.sizes() != input.sizes()) {
    const Shape in = input.sizes(), vs = var.sizes();
    const bool dropped = !in.empty() && Shape(in.begin(), in.end() - 1) == vs;
    const bool one = vs.size() == in.size() && !in.empty() && vs.back() == 1 &&
                     Shape(in.begin(), in.end() - 1) == Shape(vs.begin(), vs.end() - 1);
    XG_CHECK(dropped || one, ShapeError, who, ": var of shape ", vs, " must have the input's shape ", in,
             ", or it with the last dim 1 or dropped (one variance per sample)");
    if (dropped) v = var.unsqueeze(-1);
  }
  XG_CHECK(!any(var < 0).item<bool>(), ValueError, who, ": var has negative entries (var of shape ", var.sizes(), ")");
  // clamp(var, eps) whose gradient is the identity, as PyTorch's clamp_ under no_grad
  v = v + (clamp_min(v, o.eps) - v).detach();
  Tensor loss = 0.5 * (log(v) + square(input - target) / v);
  if (o.full) loss = loss + 0.5 * std::log(2 * M_PI);
  return reduce(loss, o.reduction, who);
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, const SoftMarginLossOptions& o) {
  const char* who = "soft_margin_loss";
  check_pair(input, target, who);
  return reduce(log1p_exp(-target * input), o.reduction, who);
}

Tensor multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                   const MultiLabelSoftMarginLossOptions& o) {
  const char* who = "multilabel_soft_margin_loss";
  check_pair(input, target, who);
  XG_CHECK(input.dim() == 1 || input.dim() == 2, ShapeError, who, ": expected an input of shape [N, C] or [C], got ",
           input.sizes());
  const std::int64_t class_dim = input.dim() - 1, classes = input.size(class_dim);
  check_class_weight(o.weight, classes, who);
  // −(t·log σ(x) + (1 − t)·log σ(−x)) with log σ(x) = −log(1 + e^(−x))
  Tensor loss = target * log1p_exp(-input) + (1 - target) * log1p_exp(input);
  if (o.weight.defined()) loss = loss * o.weight;
  return reduce(loss.sum({class_dim}) / static_cast<double>(classes), o.reduction, who);
}

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossOptions& o) {
  const char* who = "multi_margin_loss";
  check_floating(input, who, "input");
  check_defined(target, who, "target");
  XG_CHECK(o.p == 1 || o.p == 2, ValueError, who, ": only p = 1 and p = 2 are supported, got p = ", o.p);
  XG_CHECK((input.dim() == 1 || input.dim() == 2) && input.numel() > 0, ShapeError, who,
           ": expected a non-empty input of shape [N, C] or [C], got ", input.sizes());
  XG_CHECK(target.dtype() == kInt64, DtypeError, who, ": class-index targets must be int64 (xg::kInt64), got ",
           target.dtype(), " target of shape ", target.sizes());
  const Shape expected = class_target_shape(input);
  XG_CHECK(target.sizes() == expected, ShapeError, who, ": expected a target of shape ", expected,
           " for input of shape ", input.sizes(), ", got target of shape ", target.sizes());
  const std::int64_t classes = input.size(input.dim() - 1);
  check_class_weight(o.weight, classes, who);
  for (std::int64_t t : target.to_vector<std::int64_t>())
    XG_CHECK(t >= 0 && t < classes, IndexError, who, ": target ", t, " is out of bounds for ", classes,
             " classes (input of shape ", input.sizes(), ")");
  const Tensor x = input.dim() == 1 ? input.unsqueeze(0) : input;
  const Tensor t = target.reshape({x.size(0)}).unsqueeze(1);  // [N, 1]
  // Σ_{i ≠ y} w[y]·max(0, margin − x[y] + x[i])^p / C
  Tensor h = clamp_min(o.margin - x.gather(1, t) + x, 0);
  if (o.p == 2) h = h * h;
  if (o.weight.defined()) h = h * o.weight.index_select(0, t.squeeze(1)).unsqueeze(1);
  h = where(arange(classes, TensorOptions().dtype(kInt64)).unsqueeze(0) == t, 0.0, h);
  const Tensor per = (h.sum({1}) / static_cast<double>(classes)).reshape(expected);
  return reduce(per, o.reduction, who);
}

Tensor triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                                         const TripletMarginWithDistanceLossOptions& o) {
  const char* who = "triplet_margin_with_distance_loss";
  check_floating(anchor, who, "anchor");
  check_floating(positive, who, "positive");
  check_floating(negative, who, "negative");
  XG_CHECK(anchor.dim() == positive.dim() && anchor.dim() == negative.dim(), ShapeError, who,
           ": the anchor, positive and negative tensors must have the same number of dimensions, got anchor ",
           anchor.sizes(), ", positive ", positive.sizes(), " and negative ", negative.sizes());
  XG_CHECK(o.margin > 0, ValueError, who, ": margin must be greater than 0, got ", o.margin);
  auto distance = [&](const Tensor& x, const Tensor& y) {
    if (o.distance_function) return o.distance_function(x, y);
    // pairwise_distance: ‖x − y + 1e-6‖₂ over the last dim
    XG_CHECK(x.dim() >= 1, ShapeError, who,
             ": the default distance needs inputs of shape [N, D] or [D], got 0-d inputs");
    broadcast_shapes(x.sizes(), y.sizes(), who);
    return norm(x - y + 1e-6, 2.0, {x.dim() - 1});
  };
  const Tensor d_pos = distance(anchor, positive);
  Tensor d_neg = distance(anchor, negative);
  if (o.swap) d_neg = minimum(d_neg, distance(positive, negative));
  return reduce(clamp_min(o.margin + d_pos - d_neg, 0), o.reduction, who);
}

}  // namespace functional

namespace F = functional;

// ---- layers -------------------------------------------------------------------------------------

namespace {
/// The buffer a loss layer keeps of an optional weight: its own copy, so that clones and
/// Module::to act on the layer, not on the caller's tensor.
Tensor weight_buffer(Module& m, const char* name, const Tensor& w) {
  if (!w.defined()) return {};
  return m.register_buffer(name, w.detach().clone());
}
}  // namespace

MSELossImpl::MSELossImpl(MSELossOptions o) : options(o) { reset(); }
Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, options); }

L1LossImpl::L1LossImpl(L1LossOptions o) : options(o) { reset(); }
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, options); }

SmoothL1LossImpl::SmoothL1LossImpl(SmoothL1LossOptions o) : options(o) {
  XG_CHECK(o.beta >= 0, ValueError, "SmoothL1Loss: beta must be non-negative, got ", o.beta);
  reset();
}
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, options);
}

HuberLossImpl::HuberLossImpl(HuberLossOptions o) : options(o) {
  XG_CHECK(o.delta > 0, ValueError, "HuberLoss: delta must be positive, got ", o.delta);
  reset();
}
Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, options);
}

CrossEntropyLossImpl::CrossEntropyLossImpl(CrossEntropyLossOptions o) : options(std::move(o)) {
  XG_CHECK(options.label_smoothing >= 0 && options.label_smoothing <= 1, ValueError,
           "CrossEntropyLoss: label_smoothing must be in [0, 1], got ", options.label_smoothing);
  XG_CHECK(options.reduction != kBatchMean, ValueError, "CrossEntropyLoss: reduction kBatchMean is only for KLDivLoss");
  reset();
}
void CrossEntropyLossImpl::reset() { weight = weight_buffer(*this, "weight", options.weight); }
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  CrossEntropyLossOptions o = options;
  o.weight = weight;
  return F::cross_entropy(input, target, o);
}

NLLLossImpl::NLLLossImpl(NLLLossOptions o) : options(std::move(o)) {
  XG_CHECK(options.reduction != kBatchMean, ValueError, "NLLLoss: reduction kBatchMean is only for KLDivLoss");
  reset();
}
void NLLLossImpl::reset() { weight = weight_buffer(*this, "weight", options.weight); }
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  NLLLossOptions o = options;
  o.weight = weight;
  return F::nll_loss(input, target, o);
}

BCELossImpl::BCELossImpl(BCELossOptions o) : options(std::move(o)) { reset(); }
void BCELossImpl::reset() { weight = weight_buffer(*this, "weight", options.weight); }
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  BCELossOptions o = options;
  o.weight = weight;
  return F::binary_cross_entropy(input, target, o);
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(BCEWithLogitsLossOptions o) : options(std::move(o)) { reset(); }
void BCEWithLogitsLossImpl::reset() {
  weight = weight_buffer(*this, "weight", options.weight);
  pos_weight = weight_buffer(*this, "pos_weight", options.pos_weight);
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  BCEWithLogitsLossOptions o = options;
  o.weight = weight;
  o.pos_weight = pos_weight;
  return F::binary_cross_entropy_with_logits(input, target, o);
}

KLDivLossImpl::KLDivLossImpl(KLDivLossOptions o) : options(o) { reset(); }
Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) { return F::kl_div(input, target, options); }

CosineEmbeddingLossImpl::CosineEmbeddingLossImpl(CosineEmbeddingLossOptions o) : options(o) { reset(); }
Tensor CosineEmbeddingLossImpl::forward(const Tensor& input1, const Tensor& input2, const Tensor& target) {
  return F::cosine_embedding_loss(input1, input2, target, options);
}

MarginRankingLossImpl::MarginRankingLossImpl(MarginRankingLossOptions o) : options(o) { reset(); }
Tensor MarginRankingLossImpl::forward(const Tensor& input1, const Tensor& input2, const Tensor& target) {
  return F::margin_ranking_loss(input1, input2, target, options);
}

HingeEmbeddingLossImpl::HingeEmbeddingLossImpl(HingeEmbeddingLossOptions o) : options(o) { reset(); }
Tensor HingeEmbeddingLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::hinge_embedding_loss(input, target, options);
}

TripletMarginLossImpl::TripletMarginLossImpl(TripletMarginLossOptions o) : options(o) {
  XG_CHECK(o.p > 0, ValueError, "TripletMarginLoss: the norm degree p must be positive, got ", o.p);
  reset();
}
Tensor TripletMarginLossImpl::forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) {
  return F::triplet_margin_loss(anchor, positive, negative, options);
}

PoissonNLLLossImpl::PoissonNLLLossImpl(PoissonNLLLossOptions o) : options(o) { reset(); }
Tensor PoissonNLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::poisson_nll_loss(input, target, options);
}

GaussianNLLLossImpl::GaussianNLLLossImpl(GaussianNLLLossOptions o) : options(o) {
  XG_CHECK(o.eps >= 0, ValueError, "GaussianNLLLoss: eps must be non-negative, got ", o.eps);
  reset();
}
Tensor GaussianNLLLossImpl::forward(const Tensor& input, const Tensor& target, const Tensor& var) {
  return F::gaussian_nll_loss(input, target, var, options);
}

SoftMarginLossImpl::SoftMarginLossImpl(SoftMarginLossOptions o) : options(o) { reset(); }
Tensor SoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::soft_margin_loss(input, target, options);
}

MultiLabelSoftMarginLossImpl::MultiLabelSoftMarginLossImpl(MultiLabelSoftMarginLossOptions o) : options(std::move(o)) {
  reset();
}
void MultiLabelSoftMarginLossImpl::reset() { weight = weight_buffer(*this, "weight", options.weight); }
Tensor MultiLabelSoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  MultiLabelSoftMarginLossOptions o = options;
  o.weight = weight;
  return F::multilabel_soft_margin_loss(input, target, o);
}

MultiMarginLossImpl::MultiMarginLossImpl(MultiMarginLossOptions o) : options(std::move(o)) {
  XG_CHECK(options.p == 1 || options.p == 2, ValueError,
           "MultiMarginLoss: only p = 1 and p = 2 are supported, got p = ", options.p);
  reset();
}
void MultiMarginLossImpl::reset() { weight = weight_buffer(*this, "weight", options.weight); }
Tensor MultiMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  MultiMarginLossOptions o = options;
  o.weight = weight;
  return F::multi_margin_loss(input, target, o);
}

TripletMarginWithDistanceLossImpl::TripletMarginWithDistanceLossImpl(TripletMarginWithDistanceLossOptions o)
    : options(std::move(o)) {
  XG_CHECK(options.margin > 0, ValueError, "TripletMarginWithDistanceLoss: margin must be greater than 0, got ",
           options.margin);
  reset();
}
Tensor TripletMarginWithDistanceLossImpl::forward(const Tensor& anchor, const Tensor& positive,
                                                  const Tensor& negative) {
  return F::triplet_margin_with_distance_loss(anchor, positive, negative, options);
}

}  // namespace xg::nn
