// Splits: sizes, disjointness and coverage of random and fraction splits, class proportions of
// stratified splits to within one example per class, K-fold and stratified K-fold folds, and the
// statistics of cross_validate.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;

namespace {
/// n examples with the given labels (data = index).
TensorDataset labeled(const std::vector<std::int64_t>& labels) {
  const auto n = static_cast<std::int64_t>(labels.size());
  return TensorDataset(arange(n, kFloat32).unsqueeze(1), from_vector(labels, {n}));
}

/// Imbalanced classes: 0 × 53, 1 × 31, 2 × 10, 3 × 7, 4 × 1.
std::vector<std::int64_t> imbalanced_labels() {
  std::vector<std::int64_t> y;
  const std::int64_t sizes[] = {53, 31, 10, 7, 1};
  for (std::int64_t c = 0; c < 5; ++c) y.insert(y.end(), static_cast<std::size_t>(sizes[c]), c);
  // interleave so that classes are not in blocks
  std::vector<std::int64_t> out(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) out[(i * 37) % y.size()] = y[i];
  return out;
}

/// Checks that the parts are disjoint and together hold 0…n−1 exactly once.
void check_partition(const std::vector<Subset>& parts, std::int64_t n) {
  std::vector<std::int64_t> all;
  for (const auto& p : parts) all.insert(all.end(), p.indices().begin(), p.indices().end());
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> expected(static_cast<std::size_t>(n));
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(all == expected);
}

std::map<std::int64_t, std::int64_t> class_counts(const std::vector<std::int64_t>& indices,
                                                  const std::vector<std::int64_t>& labels) {
  std::map<std::int64_t, std::int64_t> counts;
  for (std::int64_t i : indices) ++counts[labels[static_cast<std::size_t>(i)]];
  return counts;
}
}  // namespace

TEST_CASE("random_split: lengths give subsets of those sizes that partition the dataset") {
  auto ds = labeled(std::vector<std::int64_t>(10, 0));
  auto parts = random_split(ds, {6, 3, 1}, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].size() == 6);
  CHECK(parts[1].size() == 3);
  CHECK(parts[2].size() == 1);
  check_partition(parts, 10);
  CHECK(random_split(ds, {6, 3, 1}, 1)[0].indices() == parts[0].indices());  // seeded
  CHECK(random_split(ds, {6, 3, 1}, 2)[0].indices() != parts[0].indices());
  CHECK(random_split(ds, std::vector<std::int64_t>{5, 5})[1].size() == 5);
}

TEST_CASE("random_split: fractions floor each part and give the rest to the first parts in turn") {
  auto ds = labeled(std::vector<std::int64_t>(11, 0));
  // 11 × (0.3, 0.3, 0.4) = 3.3, 3.3, 4.4 → 3, 3, 4 and one left over for part 0 (PyTorch's rule)
  auto parts = random_split(ds, {0.3, 0.3, 0.4});
  CHECK(parts[0].size() == 4);
  CHECK(parts[1].size() == 3);
  CHECK(parts[2].size() == 4);
  check_partition(parts, 11);
}

TEST_CASE("random_split: lengths that do not add up throw ValueError") {
  auto ds = labeled(std::vector<std::int64_t>(10, 0));
  CHECK_THROWS_AS(random_split(ds, {6, 3}), ValueError);
  CHECK_THROWS_AS(random_split(ds, {0.5, 0.6}), ValueError);
  CHECK_THROWS_AS(random_split(ds, {-1, 11}), ValueError);
  CHECK_THROWS_AS(random_split(ds, {2.5, 7.5}), ValueError);
  CHECK_THROWS_AS(random_split(ds, std::vector<double>{}), ValueError);
}

TEST_CASE("train_val_test_split: sizes round N times each fraction and the parts partition the data") {
  auto ds = labeled(std::vector<std::int64_t>(101, 0));
  auto [train, val, test] = train_val_test_split(ds, {0.6, 0.2, 0.2}, {.seed = 4});
  // 60.6, 20.2, 20.2 → 60, 20, 20 and the extra example to the largest remainder (train)
  CHECK(train.size() == 61);
  CHECK(val.size() == 20);
  CHECK(test.size() == 20);
  check_partition({train, val, test}, 101);
  auto again = train_val_test_split(ds, {0.6, 0.2, 0.2}, {.seed = 4});
  CHECK(again.val.indices() == val.indices());
}

TEST_CASE("train_val_test_split: without shuffle the parts are consecutive runs") {
  auto ds = labeled(std::vector<std::int64_t>(10, 0));
  auto s = train_val_test_split(ds, {0.5, 0.3, 0.2}, {.shuffle = false});
  CHECK(s.train.indices() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
  CHECK(s.val.indices() == std::vector<std::int64_t>{5, 6, 7});
  CHECK(s.test.indices() == std::vector<std::int64_t>{8, 9});
  auto tt = train_test_split(ds, 0.3, {.shuffle = false});
  CHECK(tt.test.indices() == std::vector<std::int64_t>{7, 8, 9});
}

TEST_CASE("train_val_test_split: stratified parts keep each class's share to within one example") {
  const auto labels = imbalanced_labels();
  auto ds = labeled(labels);
  const std::vector<double> f = {0.6, 0.2, 0.2};
  for (std::uint64_t seed : {0u, 1u, 2u}) {
    auto [train, val, test] = train_val_test_split(ds, {0.6, 0.2, 0.2}, {.stratify = true, .seed = seed});
    const std::vector<Subset> parts = {train, val, test};
    check_partition(parts, 102);
    std::map<std::int64_t, std::int64_t> class_size;
    for (std::int64_t y : labels) ++class_size[y];
    for (std::size_t j = 0; j < 3; ++j) {
      const auto counts = class_counts(parts[j].indices(), labels);
      for (const auto& [c, n_c] : class_size) {
        const double ideal = static_cast<double>(n_c) * f[j];
        const std::int64_t got = counts.count(c) ? counts.at(c) : 0;
        CHECK(std::abs(static_cast<double>(got) - ideal) < 1.0);
      }
      const double ideal_size = 102.0 * f[j];
      CHECK(std::abs(static_cast<double>(parts[j].size()) - ideal_size) < 1.0);
    }
    CHECK(train.size() + val.size() + test.size() == 102);
  }
}

TEST_CASE("split_dataset: stratification stays within one per class for many class mixes") {
  // class sizes 1…12 in several orders and fractions with awkward remainders
  std::vector<std::int64_t> labels;
  for (std::int64_t c = 1; c <= 12; ++c) labels.insert(labels.end(), static_cast<std::size_t>(c), c * 7 - 20);
  auto ds = labeled(labels);
  for (const auto& f : std::vector<std::vector<double>>{
           {0.7, 0.3}, {0.5, 0.25, 0.25}, {0.1, 0.2, 0.3, 0.4}, {1.0 / 3, 1.0 / 3, 1.0 / 3}}) {
    auto parts = split_dataset(ds, f, {.stratify = true, .seed = 8});
    check_partition(parts, static_cast<std::int64_t>(labels.size()));
    std::map<std::int64_t, std::int64_t> class_size;
    for (std::int64_t y : labels) ++class_size[y];
    for (std::size_t j = 0; j < f.size(); ++j) {
      const auto counts = class_counts(parts[j].indices(), labels);
      for (const auto& [c, n_c] : class_size) {
        const std::int64_t got = counts.count(c) ? counts.at(c) : 0;
        CHECK(std::abs(static_cast<double>(got) - static_cast<double>(n_c) * f[j]) < 1.0);
      }
      CHECK(std::abs(static_cast<double>(parts[j].size()) - static_cast<double>(labels.size()) * f[j]) < 1.0);
    }
  }
}

TEST_CASE("split_dataset: bad fractions, stratifying unlabeled data or without shuffle throw ValueError") {
  auto ds = labeled({0, 1, 0, 1});
  CHECK_THROWS_AS(split_dataset(ds, {0.5, 0.6}), ValueError);
  CHECK_THROWS_AS(split_dataset(ds, {1.5, -0.5}), ValueError);
  CHECK_THROWS_AS(split_dataset(ds, {0.5, 0.5}, {.stratify = true, .shuffle = false}), ValueError);
  CHECK_THROWS_AS(split_dataset(TensorDataset(zeros({4, 2})), {0.5, 0.5}, {.stratify = true}), ValueError);
  CHECK_THROWS_AS(split_dataset(TensorDataset(zeros({2, 1}), tensor({0.5f, 1.0f})), {0.5, 0.5}, {.stratify = true}),
                  ValueError);
  CHECK_THROWS_AS(train_test_split(ds, 1.0), ValueError);
}

TEST_CASE("KFold: folds of consecutive examples, each validated exactly once") {
  auto folds = KFold(3).split(10);
  REQUIRE(folds.size() == 3);
  CHECK(folds[0].val == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(folds[1].val == std::vector<std::int64_t>{4, 5, 6});
  CHECK(folds[2].val == std::vector<std::int64_t>{7, 8, 9});
  CHECK(folds[1].train == std::vector<std::int64_t>{0, 1, 2, 3, 7, 8, 9});
  std::vector<int> validated(10, 0);
  for (const auto& fold : KFold(4, true, 7).split(10)) {
    CHECK(fold.train.size() + fold.val.size() == 10);
    std::set<std::int64_t> train(fold.train.begin(), fold.train.end());
    for (std::int64_t i : fold.val) {
      ++validated[static_cast<std::size_t>(i)];
      CHECK(train.count(i) == 0);
    }
    CHECK(std::is_sorted(fold.val.begin(), fold.val.end()));
  }
  CHECK(validated == std::vector<int>(10, 1));
  CHECK(KFold(4, true, 7).split(10)[0].val == KFold(4, true, 7).split(10)[0].val);
  CHECK(KFold(4, true, 7).split(10)[0].val != KFold(4).split(10)[0].val);
  CHECK_THROWS_AS(KFold(1), ValueError);
  CHECK_THROWS_AS(KFold(5).split(4), ValueError);
}

TEST_CASE("StratifiedKFold: each fold validates on floor or ceil of n_c / k of every class") {
  const auto labels = imbalanced_labels();
  auto ds = labeled(labels);
  std::map<std::int64_t, std::int64_t> class_size;
  for (std::int64_t y : labels) ++class_size[y];
  for (bool shuffle : {false, true}) {
    auto folds = StratifiedKFold(5, shuffle, 3).split(ds);
    REQUIRE(folds.size() == 5);
    std::vector<int> validated(labels.size(), 0);
    std::vector<std::int64_t> sizes;
    for (const auto& fold : folds) {
      for (std::int64_t i : fold.val) ++validated[static_cast<std::size_t>(i)];
      CHECK(fold.train.size() + fold.val.size() == labels.size());
      sizes.push_back(static_cast<std::int64_t>(fold.val.size()));
      const auto counts = class_counts(fold.val, labels);
      for (const auto& [c, n_c] : class_size) {
        const std::int64_t got = counts.count(c) ? counts.at(c) : 0;
        CHECK(got >= n_c / 5);
        CHECK(got <= (n_c + 4) / 5);
      }
    }
    CHECK(validated == std::vector<int>(labels.size(), 1));
    CHECK(*std::max_element(sizes.begin(), sizes.end()) - *std::min_element(sizes.begin(), sizes.end()) <= 1);
  }
  CHECK_THROWS_AS(StratifiedKFold(3).split(std::vector<std::int64_t>{0, 0, 1, 1}), ValueError);
  CHECK_THROWS_AS(StratifiedKFold(3).split(TensorDataset(zeros({6, 1}))), ValueError);
}

TEST_CASE("cross_validate: scores each fold and reports their mean and sample std") {
  auto ds = labeled(std::vector<std::int64_t>(10, 0));
  std::int64_t calls = 0;
  auto cv = cross_validate(KFold(3), ds, [&](const Subset& train, const Subset& val) {
    ++calls;
    CHECK(train.size() + val.size() == 10);
    return static_cast<double>(val.size());  // 4, 3, 3
  });
  CHECK(calls == 3);
  CHECK(cv.scores == std::vector<double>{4.0, 3.0, 3.0});
  CHECK(cv.mean == Approx(10.0 / 3.0));
  // Σ (s − mean)² = (2/3)² + 2 (1/3)² = 2/3, divided by k − 1 = 2
  CHECK(cv.std == Approx(std::sqrt(1.0 / 3.0)));
  CHECK_THROWS_AS(cross_validate(KFold(3), ds, {}), ValueError);
}
