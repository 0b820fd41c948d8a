// Metrics on host copies of the tensors (float64): they run once per batch, on outputs that are
// small next to the model's work, so clarity wins over kernels here.
#include "xgrad/train/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <utility>

#include "xgrad/error.hpp"
#include "xgrad/ops.hpp"

namespace xg::train::metrics {
namespace {

std::vector<std::int64_t> target_labels(const Tensor& target, const char* metric) {
  XG_CHECK(target.defined(), ValueError, metric, ": the target is undefined (unlabeled data has no ", metric, ")");
  XG_CHECK(target.dim() == 1 || (target.dim() == 2 && target.size(1) == 1), ShapeError, metric,
           ": expected class-index targets of shape [N] or [N, 1], got ", target.shape());
  std::vector<double> v = target.to_vector<double>();
  std::vector<std::int64_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    XG_CHECK(std::isfinite(v[i]) && v[i] == std::floor(v[i]), ValueError, metric, ": target ", i, " is ", v[i],
             ", not a class index");
    out[i] = static_cast<std::int64_t>(v[i]);
  }
  return out;
}

std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> labels_pair(const Tensor& pred, const Tensor& target,
                                                                            const char* metric) {
  auto p = predicted_labels(pred, metric);
  auto t = target_labels(target, metric);
  XG_CHECK(p.size() == t.size(), ShapeError, metric, ": predictions of shape ", pred.shape(), " and targets of shape ",
           target.shape(), " hold different numbers of samples (", p.size(), " != ", t.size(), ")");
  return {std::move(p), std::move(t)};
}

void check_same(const Tensor& pred, const Tensor& target, const char* metric) {
  XG_CHECK(pred.defined() && target.defined(), ValueError, metric, ": prediction or target is undefined");
  XG_CHECK(pred.numel() == target.numel() && pred.dim() >= 1, ShapeError, metric, ": shapes ", pred.shape(), " and ",
           target.shape(), " do not match");
  XG_CHECK(pred.numel() > 0, ValueError, metric, ": empty tensors");
}

// Rows of a [N, D] view of a tensor (D = 1 for [N]).
std::int64_t columns(const Tensor& t) { return t.dim() <= 1 ? 1 : t.numel() / t.size(0); }

double safe_div(double a, double b) { return b == 0 ? 0.0 : a / b; }

void check_state(const std::vector<double>& s, std::size_t expected, const char* metric) {
  XG_CHECK(s.size() == expected, ValueError, metric, ": merge_state: expected a state of ", expected, " numbers, got ",
           s.size());
}

// ---- accumulators --------------------------------------------------------------------------------

class Accuracy final : public Metric {
 public:
  std::string name() const override { return "accuracy"; }
  void reset() override { correct_ = total_ = 0; }
  void update(const Tensor& pred, const Tensor& target) override {
    auto [p, t] = labels_pair(pred, target, "accuracy");
    for (std::size_t i = 0; i < p.size(); ++i) correct_ += p[i] == t[i];
    total_ += static_cast<std::int64_t>(p.size());
  }
  double compute() const override { return safe_div(double(correct_), double(total_)); }
  std::shared_ptr<Metric> clone() const override { return std::make_shared<Accuracy>(*this); }
  std::vector<double> state() const override { return {double(correct_), double(total_)}; }
  void merge_state(const std::vector<double>& s) override {
    check_state(s, 2, "accuracy");
    correct_ += static_cast<std::int64_t>(s[0]);
    total_ += static_cast<std::int64_t>(s[1]);
  }

 private:
  std::int64_t correct_ = 0, total_ = 0;
};

std::int64_t top_k_hits(const Tensor& scores, const Tensor& target, std::int64_t k) {
  XG_CHECK(scores.defined() && scores.dim() == 2 && scores.is_floating_point(), ShapeError,
           "top_k_accuracy: expected floating scores of shape [N, C], got ",
           scores.defined() ? scores.shape() : Shape{});
  XG_CHECK(k >= 1, ValueError, "top_k_accuracy: k must be >= 1, got ", k);
  auto t = target_labels(target, "top_k_accuracy");
  const std::int64_t n = scores.size(0), c = scores.size(1);
  XG_CHECK(static_cast<std::int64_t>(t.size()) == n, ShapeError, "top_k_accuracy: scores ", scores.shape(),
           " and targets ", target.shape(), " hold different numbers of samples");
  auto s = scores.to_vector<double>();
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    XG_CHECK(t[i] >= 0 && t[i] < c, IndexError, "top_k_accuracy: target ", t[i], " out of range for ", c, " classes");
    const double* row = s.data() + i * c;
    // Rank of the target = classes scoring strictly higher, plus equal ones of lower index.
    std::int64_t rank = 0;
    for (std::int64_t j = 0; j < c; ++j) rank += row[j] > row[t[i]] || (row[j] == row[t[i]] && j < t[i]);
    hits += rank < k;
  }
  return hits;
}

class TopK final : public Metric {
 public:
  explicit TopK(std::int64_t k) : k_(k) {}
  std::string name() const override { return "top" + std::to_string(k_) + "_accuracy"; }
  void reset() override { hits_ = total_ = 0; }
  void update(const Tensor& pred, const Tensor& target) override {
    hits_ += top_k_hits(pred, target, k_);
    total_ += pred.size(0);
  }
  double compute() const override { return safe_div(double(hits_), double(total_)); }
  std::shared_ptr<Metric> clone() const override { return std::make_shared<TopK>(*this); }
  std::vector<double> state() const override { return {double(hits_), double(total_)}; }
  void merge_state(const std::vector<double>& s) override {
    check_state(s, 2, "top_k_accuracy");
    hits_ += static_cast<std::int64_t>(s[0]);
    total_ += static_cast<std::int64_t>(s[1]);
  }

 private:
  std::int64_t k_, hits_ = 0, total_ = 0;
};

// A confusion matrix that grows with the labels it sees.
class Confusion final : public Metric {
 public:
  Confusion(std::string which, Average avg, std::string name)
      : which_(std::move(which)), avg_(avg), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  void reset() override {
    n_ = 0;
    counts_.clear();
  }
  void update(const Tensor& pred, const Tensor& target) override {
    auto [p, t] = labels_pair(pred, target, name_.c_str());
    std::int64_t need = n_;
    if (pred.is_floating_point() && pred.dim() == 2 && pred.size(1) >= 2) need = std::max(need, pred.size(1));
    for (std::size_t i = 0; i < p.size(); ++i) {
      XG_CHECK(p[i] >= 0 && t[i] >= 0, IndexError, name_, ": negative class label (prediction ", p[i], ", target ",
               t[i], ")");
      need = std::max({need, p[i] + 1, t[i] + 1});
    }
    grow(need);
    for (std::size_t i = 0; i < p.size(); ++i) counts_[static_cast<std::size_t>(t[i] * n_ + p[i])]++;
  }
  double compute() const override {
    if (n_ == 0) return 0.0;
    std::vector<std::int64_t> flat(counts_.begin(), counts_.end());
    return classification_report(from_vector(flat, {n_, n_})).average(which_, avg_);
  }
  std::shared_ptr<Metric> clone() const override { return std::make_shared<Confusion>(*this); }
  // [n, the n × n counts row by row]; matrices of different sizes merge into the larger one.
  std::vector<double> state() const override {
    std::vector<double> out{double(n_)};
    out.insert(out.end(), counts_.begin(), counts_.end());
    return out;
  }
  void merge_state(const std::vector<double>& s) override {
    XG_CHECK(!s.empty(), ValueError, name_, ": merge_state: an empty state");
    const auto m = static_cast<std::int64_t>(s[0]);
    check_state(s, static_cast<std::size_t>(1 + m * m), name_.c_str());
    grow(m);
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < m; ++j)
        counts_[static_cast<std::size_t>(i * n_ + j)] +=
            static_cast<std::int64_t>(s[static_cast<std::size_t>(1 + i * m + j)]);
  }

 private:
  void grow(std::int64_t n) {
    if (n <= n_) return;
    std::vector<std::int64_t> c(static_cast<std::size_t>(n * n), 0);
    for (std::int64_t i = 0; i < n_; ++i)
      for (std::int64_t j = 0; j < n_; ++j)
        c[static_cast<std::size_t>(i * n + j)] = counts_[static_cast<std::size_t>(i * n_ + j)];
    counts_ = std::move(c);
    n_ = n;
  }
  std::string which_;
  Average avg_;
  std::string name_;
  std::int64_t n_ = 0;
  std::vector<std::int64_t> counts_;
};

class MeanError final : public Metric {
 public:
  explicit MeanError(bool squared) : squared_(squared) {}
  std::string name() const override { return squared_ ? "mse" : "mae"; }
  void reset() override {
    sum_ = 0;
    count_ = 0;
  }
  void update(const Tensor& pred, const Tensor& target) override {
    check_same(pred, target, squared_ ? "mse" : "mae");
    auto p = pred.to_vector<double>(), t = target.to_vector<double>();
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double d = p[i] - t[i];
      sum_ += squared_ ? d * d : std::abs(d);
    }
    count_ += static_cast<std::int64_t>(p.size());
  }
  double compute() const override { return safe_div(sum_, double(count_)); }
  std::shared_ptr<Metric> clone() const override { return std::make_shared<MeanError>(*this); }
  std::vector<double> state() const override { return {sum_, double(count_)}; }
  void merge_state(const std::vector<double>& s) override {
    check_state(s, 2, squared_ ? "mse" : "mae");
    sum_ += s[0];
    count_ += static_cast<std::int64_t>(s[1]);
  }

 private:
  bool squared_;
  double sum_ = 0;
  std::int64_t count_ = 0;
};

// R² per column from running sums: SS_tot = Σy² − (Σy)²/n, SS_res = Σ(y − ŷ)².
class R2 final : public Metric {
 public:
  std::string name() const override { return "r2"; }
  void reset() override {
    n_ = 0;
    sy_.clear();
    syy_.clear();
    sres_.clear();
  }
  void update(const Tensor& pred, const Tensor& target) override {
    check_same(pred, target, "r2");
    const std::int64_t d = columns(target);
    if (sy_.empty())
      sy_.assign(std::size_t(d), 0.0), syy_.assign(std::size_t(d), 0.0), sres_.assign(std::size_t(d), 0.0);
    XG_CHECK(static_cast<std::int64_t>(sy_.size()) == d, ShapeError, "r2: batches with ", sy_.size(), " and ", d,
             " output columns");
    auto p = pred.to_vector<double>(), t = target.to_vector<double>();
    for (std::size_t i = 0; i < p.size(); ++i) {
      const std::size_t j = i % std::size_t(d);
      sy_[j] += t[i];
      syy_[j] += t[i] * t[i];
      sres_[j] += (t[i] - p[i]) * (t[i] - p[i]);
    }
    n_ += target.numel() / d;
  }
  double compute() const override {
    if (n_ == 0) return 0.0;
    double total = 0;
    for (std::size_t j = 0; j < sy_.size(); ++j) {
      const double tot = std::max(0.0, syy_[j] - sy_[j] * sy_[j] / double(n_));
      total += tot == 0 ? (sres_[j] == 0 ? 1.0 : 0.0) : 1.0 - sres_[j] / tot;
    }
    return total / double(sy_.size());
  }
  std::shared_ptr<Metric> clone() const override { return std::make_shared<R2>(*this); }
  // [n, d, Σy (d), Σy² (d), Σ(y − ŷ)² (d)]; d = 0 before the first batch.
  std::vector<double> state() const override {
    std::vector<double> out{double(n_), double(sy_.size())};
    for (const auto* v : {&sy_, &syy_, &sres_}) out.insert(out.end(), v->begin(), v->end());
    return out;
  }
  void merge_state(const std::vector<double>& s) override {
    XG_CHECK(s.size() >= 2, ValueError, "r2: merge_state: expected at least 2 numbers, got ", s.size());
    const auto d = static_cast<std::size_t>(s[1]);
    check_state(s, 2 + 3 * d, "r2");
    if (d == 0) return;
    if (sy_.empty()) sy_.assign(d, 0.0), syy_.assign(d, 0.0), sres_.assign(d, 0.0);
    XG_CHECK(sy_.size() == d, ShapeError, "r2: merging states with ", sy_.size(), " and ", d, " output columns");
    for (std::size_t j = 0; j < d; ++j) sy_[j] += s[2 + j], syy_[j] += s[2 + d + j], sres_[j] += s[2 + 2 * d + j];
    n_ += static_cast<std::int64_t>(s[0]);
  }

 private:
  std::int64_t n_ = 0;
  std::vector<double> sy_, syy_, sres_;
};

template <class M>
double once(M metric, const Tensor& pred, const Tensor& target) {
  metric.update(pred, target);
  return metric.compute();
}

}  // namespace

Metric::~Metric() = default;

void Metric::merge_state(const std::vector<double>&) {
  throw ValueError("Metric::merge_state: " + name() +
                   " has no mergeable state (override state() and merge_state() to combine it across ranks)");
}

std::vector<std::int64_t> predicted_labels(const Tensor& pred, const char* metric) {
  XG_CHECK(pred.defined(), ValueError, metric, ": the prediction is undefined");
  if (!pred.is_floating_point()) {
    XG_CHECK(pred.dim() == 1, ShapeError, metric, ": integer predictions must be labels of shape [N], got ",
             pred.shape());
    return pred.to_vector<std::int64_t>();
  }
  if (pred.dim() == 2 && pred.size(1) >= 2) {
    const std::int64_t n = pred.size(0), c = pred.size(1);
    auto s = pred.to_vector<double>();
    std::vector<std::int64_t> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      const double* row = s.data() + i * c;
      out[std::size_t(i)] = std::max_element(row, row + c) - row;  // first maximum, as argmax
    }
    return out;
  }
  XG_CHECK(pred.dim() == 1 || (pred.dim() == 2 && pred.size(1) == 1), ShapeError, metric,
           ": expected scores [N, C], probabilities [N] or [N, 1], or labels [N]; got ", pred.shape());
  auto s = pred.to_vector<double>();
  std::vector<std::int64_t> out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = s[i] > 0.5;
  return out;
}

double accuracy(const Tensor& pred, const Tensor& target) { return once(Accuracy{}, pred, target); }

double top_k_accuracy(const Tensor& scores, const Tensor& target, std::int64_t k) {
  return once(TopK{k}, scores, target);
}

Tensor confusion_matrix(const Tensor& pred, const Tensor& target, std::int64_t num_classes) {
  XG_CHECK(num_classes >= 0, ValueError, "confusion_matrix: num_classes must be >= 0, got ", num_classes);
  auto [p, t] = labels_pair(pred, target, "confusion_matrix");
  std::int64_t n = num_classes;
  if (n == 0) {
    if (pred.is_floating_point() && pred.dim() == 2 && pred.size(1) >= 2) n = pred.size(1);
    for (std::size_t i = 0; i < p.size(); ++i) n = std::max({n, p[i] + 1, t[i] + 1});
  }
  std::vector<std::int64_t> counts(static_cast<std::size_t>(n * n), 0);
  for (std::size_t i = 0; i < p.size(); ++i) {
    XG_CHECK(p[i] >= 0 && p[i] < n && t[i] >= 0 && t[i] < n, IndexError, "confusion_matrix: sample ", i,
             " has prediction ", p[i], " and target ", t[i], ", outside [0, ", n, ")");
    counts[static_cast<std::size_t>(t[i] * n + p[i])]++;
  }
  return from_vector(counts, {n, n});
}

ClassificationReport classification_report(const Tensor& confusion) {
  XG_CHECK(confusion.defined() && confusion.dim() == 2 && confusion.size(0) == confusion.size(1), ShapeError,
           "classification_report: expected a square confusion matrix, got ",
           confusion.defined() ? confusion.shape() : Shape{});
  const std::int64_t n = confusion.size(0);
  auto c = confusion.to_vector<std::int64_t>();
  ClassificationReport r;
  for (std::int64_t k = 0; k < n; ++k) {
    std::int64_t tp = c[std::size_t(k * n + k)], row = 0, col = 0;
    for (std::int64_t j = 0; j < n; ++j) row += c[std::size_t(k * n + j)], col += c[std::size_t(j * n + k)];
    r.tp.push_back(tp);
    r.fp.push_back(col - tp);
    r.fn.push_back(row - tp);
    r.support.push_back(row);
    const double p = safe_div(double(tp), double(col)), rc = safe_div(double(tp), double(row));
    r.precision.push_back(p);
    r.recall.push_back(rc);
    r.f1.push_back(safe_div(2 * p * rc, p + rc));
  }
  return r;
}

double ClassificationReport::average(const std::string& which, Average avg) const {
  const std::vector<double>* v = which == "precision" ? &precision
                                 : which == "recall"  ? &recall
                                 : which == "f1"      ? &f1
                                                      : nullptr;
  XG_CHECK(v != nullptr, ValueError, "ClassificationReport::average: unknown quantity '", which,
           "' (expected precision, recall or f1)");
  if (v->empty()) return 0.0;
  if (avg == Average::Micro) {
    const double tps = double(std::accumulate(tp.begin(), tp.end(), std::int64_t{0}));
    const double fps = double(std::accumulate(fp.begin(), fp.end(), std::int64_t{0}));
    const double fns = double(std::accumulate(fn.begin(), fn.end(), std::int64_t{0}));
    const double p = safe_div(tps, tps + fps), r = safe_div(tps, tps + fns);
    return which == "precision" ? p : which == "recall" ? r : safe_div(2 * p * r, p + r);
  }
  if (avg == Average::Weighted) {
    double s = 0, w = 0;
    for (std::size_t k = 0; k < v->size(); ++k) s += (*v)[k] * double(support[k]), w += double(support[k]);
    return safe_div(s, w);
  }
  return std::accumulate(v->begin(), v->end(), 0.0) / double(v->size());
}

double precision(const Tensor& pred, const Tensor& target, std::int64_t num_classes, Average avg) {
  return classification_report(confusion_matrix(pred, target, num_classes)).average("precision", avg);
}
double recall(const Tensor& pred, const Tensor& target, std::int64_t num_classes, Average avg) {
  return classification_report(confusion_matrix(pred, target, num_classes)).average("recall", avg);
}
double f1_score(const Tensor& pred, const Tensor& target, std::int64_t num_classes, Average avg) {
  return classification_report(confusion_matrix(pred, target, num_classes)).average("f1", avg);
}

double mean_squared_error(const Tensor& pred, const Tensor& target) { return once(MeanError{true}, pred, target); }
double mean_absolute_error(const Tensor& pred, const Tensor& target) { return once(MeanError{false}, pred, target); }
double r2_score(const Tensor& pred, const Tensor& target) { return once(R2{}, pred, target); }

std::shared_ptr<Metric> make_metric(const std::string& name) {
  if (name == "accuracy" || name == "acc") return std::make_shared<Accuracy>();
  if (name == "mse") return std::make_shared<MeanError>(true);
  if (name == "mae") return std::make_shared<MeanError>(false);
  if (name == "r2") return std::make_shared<R2>();
  if (name.size() > 12 && name.rfind("top", 0) == 0 && name.substr(name.size() - 9) == "_accuracy") {
    const std::string digits = name.substr(3, name.size() - 12);
    if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return std::make_shared<TopK>(std::stoll(digits));
  }
  for (const char* which : {"precision", "recall", "f1"}) {
    const std::string w = which;
    if (name == w || name == "macro_" + w) return std::make_shared<Confusion>(w, Average::Macro, name);
    if (name == "micro_" + w) return std::make_shared<Confusion>(w, Average::Micro, name);
    if (name == "weighted_" + w) return std::make_shared<Confusion>(w, Average::Weighted, name);
  }
  throw ValueError("make_metric: unknown metric '" + name +
                   "'; known: accuracy (acc), top<k>_accuracy, precision, recall, f1 (also macro_/micro_/weighted_ "
                   "prefixed), mse, mae, r2");
}

MetricSpec::MetricSpec(const char* name) : prototype_(make_metric(name)) {}
MetricSpec::MetricSpec(std::string name) : prototype_(make_metric(name)) {}
MetricSpec::MetricSpec(std::shared_ptr<Metric> metric) : prototype_(std::move(metric)) {
  XG_CHECK(prototype_ != nullptr, ValueError, "MetricSpec: null metric");
}
std::shared_ptr<Metric> MetricSpec::make() const {
  auto m = prototype_->clone();
  m->reset();
  return m;
}

}  // namespace xg::train::metrics
