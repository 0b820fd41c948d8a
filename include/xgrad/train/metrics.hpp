// xgrad — evaluation metrics: functions on (prediction, target) tensors with scikit-learn's
// definitions (accuracy, top-k accuracy, confusion matrix, precision / recall / F1, MSE, MAE, R²),
// and streaming accumulators of the same metrics that fit() and evaluate() update batch by batch.
//
//   double acc = xg::metrics::accuracy(logits, labels);                 // logits [N, C], labels [N]
//   auto f1 = xg::metrics::f1_score(logits, labels, 10, xg::metrics::Average::Macro);
//   auto m = xg::metrics::make_metric("accuracy");  m->update(logits, labels);  m->compute();
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::train::metrics {

// Note [Class predictions]
// Classification metrics accept predictions in three forms and turn them into class labels:
//   * integer tensor [N]            — already labels;
//   * floating tensor [N, C], C ≥ 2 — scores (logits or probabilities): the label is the argmax;
//   * floating tensor [N] or [N, 1] — the probability of class 1: the label is (p > 0.5).
// Targets are class indices [N] (integer, or floating holding whole numbers). Anything else is a
// ShapeError naming the metric and both shapes.

/// Predicted class labels of `pred` (see Note [Class predictions]), as int64 values.
std::vector<std::int64_t> predicted_labels(const Tensor& pred, const char* metric = "predicted_labels");

/// The fraction of samples whose predicted class equals the target (sklearn accuracy_score).
///
///   xg::metrics::accuracy(xg::tensor({0, 2, 1}), xg::tensor({0, 1, 1}));   // 2/3
double accuracy(const Tensor& pred, const Tensor& target);

/// The fraction of samples whose target is among the k highest scores of `scores` [N, C]
/// (sklearn top_k_accuracy_score; ties are broken towards the lower class index).
double top_k_accuracy(const Tensor& scores, const Tensor& target, std::int64_t k = 5);

/// The confusion matrix [num_classes, num_classes] (int64): entry (i, j) counts samples of true
/// class i predicted as class j (sklearn's convention: rows are truth). num_classes = 0 infers it
/// as 1 + the largest label seen (or C for [N, C] scores). Labels outside [0, num_classes) are an
/// IndexError.
Tensor confusion_matrix(const Tensor& pred, const Tensor& target, std::int64_t num_classes = 0);

/// How per-class precision / recall / F1 are combined (sklearn's `average`).
enum class Average {
  Macro,     ///< unweighted mean over classes
  Micro,     ///< from the global counts of true / false positives (= accuracy for single-label)
  Weighted,  ///< mean weighted by each class's support (number of true samples)
};

/// Per-class and averaged precision, recall and F1 of a confusion matrix (sklearn's
/// precision_recall_fscore_support with zero_division=0: a class that is never predicted has
/// precision 0, a class that never occurs has recall 0, and F1 is 0 when precision + recall = 0).
struct ClassificationReport {
  ///@{
  std::vector<double> precision, recall, f1;  ///< per class
  ///@}
  std::vector<std::int64_t> support;  ///< true samples per class
  /// The combination of the per-class values (or the micro-averaged value) of "precision",
  /// "recall" or "f1".
  double average(const std::string& which, Average avg) const;
  ///@{
  std::vector<std::int64_t> tp, fp, fn;  ///< per class counts, for micro averages
  ///@}
};
/// The report of a [C, C] confusion matrix (rows = truth).
ClassificationReport classification_report(const Tensor& confusion);

/// Precision tp / (tp + fp), averaged as `avg` (zero_division = 0, see ClassificationReport).
double precision(const Tensor& pred, const Tensor& target, std::int64_t num_classes = 0, Average avg = Average::Macro);
/// Recall tp / (tp + fn), averaged as `avg`.
double recall(const Tensor& pred, const Tensor& target, std::int64_t num_classes = 0, Average avg = Average::Macro);
/// F1 = 2 P R / (P + R) per class, then averaged as `avg` (sklearn f1_score: the macro F1 is the
/// mean of per-class F1s, not the F1 of the mean P and R).
double f1_score(const Tensor& pred, const Tensor& target, std::int64_t num_classes = 0, Average avg = Average::Macro);

/// Mean squared error mean((pred − target)²) over all elements (shapes must match).
double mean_squared_error(const Tensor& pred, const Tensor& target);
/// Mean absolute error mean(|pred − target|).
double mean_absolute_error(const Tensor& pred, const Tensor& target);
/// Coefficient of determination 1 − SS_res / SS_tot (sklearn r2_score): per output column for
/// [N, D] tensors, then averaged uniformly. A constant target gives 1 when predicted exactly and
/// 0 otherwise (sklearn's convention).
double r2_score(const Tensor& pred, const Tensor& target);

/// A streaming metric: update() with each batch, compute() the value over everything seen since
/// reset(). fit() keeps one per metric name for training and one for validation.
///
///   struct MaxError : xg::metrics::Metric {
///     double m = 0;
///     std::string name() const override { return "max_error"; }
///     void reset() override { m = 0; }
///     void update(const xg::Tensor& p, const xg::Tensor& t) override { m = std::max(m, (p -
///     t).abs().max().item<double>()); } double compute() const override { return m; } std::shared_ptr<Metric> clone()
///     const override { return std::make_shared<MaxError>(*this); }
///   };
class Metric {
 public:
  virtual ~Metric();
  /// The key under which fit() logs it ("accuracy"; validation adds "val_").
  virtual std::string name() const = 0;
  /// Forgets every batch (at the start of each epoch).
  virtual void reset() = 0;
  /// Adds a batch: `pred` is the model output, `target` the batch target.
  virtual void update(const Tensor& pred, const Tensor& target) = 0;
  /// The value over every batch since reset() (0 before the first update).
  virtual double compute() const = 0;
  /// A fresh copy (fit uses one for training and one for validation).
  virtual std::shared_ptr<Metric> clone() const = 0;

  /// Combining across ranks (Note [fit across ranks] in fit.hpp): the accumulator's sufficient
  /// statistics as numbers (counts, sums, a confusion matrix), such that merge_state() of the
  /// states of disjoint parts of the data gives the statistics of their union. The default, empty,
  /// means "not mergeable": fit then averages the ranks' compute() weighted by their sample
  /// counts, which is exact for per-sample means (accuracy, MSE) but not for F1 or R².
  virtual std::vector<double> state() const { return {}; }
  /// Adds a state from state() (of this metric's type) as if its batches had been seen here.
  virtual void merge_state(const std::vector<double>& state);
};

/// A stock metric by name: "accuracy" (alias "acc"), "top5_accuracy" (any k: "top3_accuracy"),
/// "precision", "recall", "f1" (macro averages; "micro_f1", "weighted_f1", … for the others),
/// "mse", "mae", "r2". ValueError listing the names for anything else.
std::shared_ptr<Metric> make_metric(const std::string& name);

/// A metric for fit's options: a name (`"accuracy"`) or a Metric object of your own.
class MetricSpec {
 public:
  /// A built-in metric by name (see make_metric).
  ///@{
  MetricSpec(const char* name);  // NOLINT: implicit on purpose
  MetricSpec(std::string name);  // NOLINT: implicit on purpose
  ///@}

  /// A metric object of your own (ValueError when null); make() returns reset clones of it.
  MetricSpec(std::shared_ptr<Metric> metric);  // NOLINT: implicit on purpose
  /// A fresh accumulator.
  std::shared_ptr<Metric> make() const;

 private:
  std::shared_ptr<Metric> prototype_;
};

}  // namespace xg::train::metrics

namespace xg {
/// `xg::metrics::accuracy(...)` is `xg::train::metrics::accuracy(...)`.
namespace metrics = train::metrics;
}  // namespace xg

XGRAD_API_END
