// Metrics against hand-computed values and scikit-learn's documented examples (accuracy_score,
// top_k_accuracy_score, precision_recall_fscore_support with zero_division=0, r2_score), and
// streaming accumulators that agree with the one-shot functions however the data is batched.
#include <catch2/catch.hpp>

#include <vector>

#include "xgrad/train/metrics.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
namespace M = xg::metrics;

namespace {
Tensor labels(std::vector<std::int64_t> v) { return xg::tensor(v); }
Tensor values(std::vector<double> v) { return xg::tensor(v); }
}  // namespace

TEST_CASE("accuracy: labels, scores and probabilities give the fraction of correct predictions", "[train][metrics]") {
  CHECK(M::accuracy(labels({0, 2, 1, 3}), labels({0, 1, 1, 3})) == Approx(0.75));
  // scores [N, C]: argmax per row (2, 0, 1) against (2, 1, 1)
  Tensor scores = from_vector<double>({0.1, 0.2, 0.7, 0.9, 0.05, 0.05, 0.2, 0.5, 0.3}, {3, 3});
  CHECK(M::accuracy(scores, labels({2, 1, 1})) == Approx(2.0 / 3));
  // probabilities of class 1, thresholded at 0.5
  CHECK(M::accuracy(values({0.9, 0.2, 0.6, 0.4}), values({1, 0, 0, 0})) == Approx(0.75));
  CHECK_THROWS_AS(M::accuracy(labels({0, 1}), labels({0, 1, 1})), ShapeError);
  CHECK_THROWS_AS(M::accuracy(values({0.5}), values({0.5})), ValueError);
}

TEST_CASE("top_k_accuracy: matches scikit-learn's example", "[train][metrics]") {
  // sklearn.metrics.top_k_accuracy_score docs: y_true [0, 1, 2, 2], k=2 → 0.75
  Tensor s = from_vector<double>({0.5, 0.2, 0.2, 0.3, 0.4, 0.2, 0.2, 0.4, 0.3, 0.7, 0.2, 0.1}, {4, 3});
  CHECK(M::top_k_accuracy(s, labels({0, 1, 2, 2}), 2) == Approx(0.75));
  CHECK(M::top_k_accuracy(s, labels({0, 1, 2, 2}), 1) == Approx(M::accuracy(s, labels({0, 1, 2, 2}))));
  CHECK(M::top_k_accuracy(s, labels({0, 1, 2, 2}), 3) == Approx(1.0));
  CHECK_THROWS_AS(M::top_k_accuracy(s, labels({0, 1, 5, 2}), 2), IndexError);
}

TEST_CASE("confusion_matrix: rows are the truth and columns the prediction", "[train][metrics]") {
  Tensor cm = M::confusion_matrix(labels({0, 2, 1, 0, 0, 1}), labels({0, 1, 2, 0, 1, 2}));
  REQUIRE(cm.shape() == Shape{3, 3});
  CHECK(cm.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 0, 0, 1, 0, 1, 0, 2, 0});
  CHECK(M::confusion_matrix(labels({0}), labels({0}), 4).shape() == Shape{4, 4});
  CHECK_THROWS_AS(M::confusion_matrix(labels({0, 3}), labels({0, 1}), 3), IndexError);
}

TEST_CASE("precision, recall and F1: scikit-learn's example for every average", "[train][metrics]") {
  // sklearn precision_recall_fscore_support docs: y_true [0,1,2,0,1,2], y_pred [0,2,1,0,0,1]
  Tensor pred = labels({0, 2, 1, 0, 0, 1}), target = labels({0, 1, 2, 0, 1, 2});
  CHECK(M::precision(pred, target, 0, M::Average::Macro) == Approx(2.0 / 9));
  CHECK(M::precision(pred, target, 0, M::Average::Micro) == Approx(1.0 / 3));
  CHECK(M::precision(pred, target, 0, M::Average::Weighted) == Approx(2.0 / 9));
  CHECK(M::recall(pred, target, 0, M::Average::Macro) == Approx(1.0 / 3));
  CHECK(M::f1_score(pred, target, 0, M::Average::Macro) == Approx(0.8 / 3));  // class F1s 0.8, 0, 0
  CHECK(M::f1_score(pred, target, 0, M::Average::Micro) == Approx(1.0 / 3));
  auto r = M::classification_report(M::confusion_matrix(pred, target));
  CHECK(r.precision == std::vector<double>{2.0 / 3, 0, 0});
  CHECK(r.support == std::vector<std::int64_t>{2, 2, 2});
}

TEST_CASE("precision, recall and F1: a class never predicted counts as 0 (zero_division=0)", "[train][metrics]") {
  Tensor pred = labels({0, 0, 0, 0}), target = labels({0, 0, 1, 1});
  CHECK(M::precision(pred, target) == Approx(0.25));    // (0.5 + 0) / 2
  CHECK(M::recall(pred, target) == Approx(0.5));        // (1 + 0) / 2
  CHECK(M::f1_score(pred, target) == Approx(1.0 / 3));  // (2/3 + 0) / 2
  // a class in num_classes that never occurs nor is predicted contributes 0 to the macro mean
  CHECK(M::recall(pred, target, 4) == Approx(0.25));
}

TEST_CASE("regression metrics: MSE, MAE and R2 match scikit-learn's examples", "[train][metrics]") {
  Tensor t = values({3, -0.5, 2, 7}), p = values({2.5, 0.0, 2, 8});
  CHECK(M::mean_squared_error(p, t) == Approx(0.375));
  CHECK(M::mean_absolute_error(p, t) == Approx(0.5));
  CHECK(M::r2_score(p, t) == Approx(0.9486081370449679));  // sklearn r2_score docs
  // multi-output, uniform average: numpy per-column 1 - SS_res/SS_tot, averaged
  Tensor t2 = from_vector<double>({0.5, 1, -1, 1, 7, -6}, {3, 2}),
         p2 = from_vector<double>({0, 2, -1, 2, 8, -5}, {3, 2});
  CHECK(M::r2_score(p2, t2) == Approx(0.9368005266622779));
  // constant target: 1 when exact, 0 otherwise
  CHECK(M::r2_score(values({2, 2}), values({2, 2})) == 1.0);
  CHECK(M::r2_score(values({1, 2}), values({2, 2})) == 0.0);
  CHECK_THROWS_AS(M::mean_squared_error(values({1, 2}), values({1, 2, 3})), ShapeError);
}

TEST_CASE("streaming metrics: batch-by-batch updates equal the one-shot values", "[train][metrics]") {
  Tensor pred = labels({0, 2, 1, 0, 0, 1, 2, 2}), target = labels({0, 1, 2, 0, 1, 2, 2, 0});
  for (const char* name : {"accuracy", "precision", "recall", "f1", "micro_f1", "weighted_precision"}) {
    auto m = M::make_metric(name);
    CHECK(m->compute() == 0.0);
    m->update(pred.slice(0, 0, 3), target.slice(0, 0, 3));
    m->update(pred.slice(0, 3, 8), target.slice(0, 3, 8));
    const std::string n = name;
    double expected = n == "accuracy"    ? M::accuracy(pred, target)
                      : n == "precision" ? M::precision(pred, target)
                      : n == "recall"    ? M::recall(pred, target)
                      : n == "f1"        ? M::f1_score(pred, target)
                      : n == "micro_f1"  ? M::f1_score(pred, target, 0, M::Average::Micro)
                                         : M::precision(pred, target, 0, M::Average::Weighted);
    INFO(name);
    CHECK(m->compute() == Approx(expected));
    CHECK(m->name() == name);
    m->reset();
    CHECK(m->compute() == 0.0);
  }
  Tensor t = from_vector<double>({0.5, 1, -1, 1, 7, -6}, {3, 2}), p = from_vector<double>({0, 2, -1, 2, 8, -5}, {3, 2});
  auto r2 = M::make_metric("r2");
  r2->update(p.slice(0, 0, 1), t.slice(0, 0, 1));
  r2->update(p.slice(0, 1, 3), t.slice(0, 1, 3));
  CHECK(r2->compute() == Approx(0.9368005266622779));
  auto top2 = M::make_metric("top2_accuracy");
  CHECK(top2->name() == "top2_accuracy");
  CHECK_THROWS_AS(M::make_metric("auc"), ValueError);
}
