// xgrad — splitting a dataset: random_split (torch.utils.data), train/validation/test splits that
// can keep the class proportions (scikit-learn's train_test_split with stratify), K-fold and
// stratified K-fold index generators, and cross_validate to score a fresh model on each fold.
//
//   auto [train, val, test] = xg::data::train_val_test_split(ds, {0.6, 0.2, 0.2}, {.stratify = true});
//   auto cv = xg::data::cross_validate(xg::data::StratifiedKFold(5), ds,
//                                      [](const xg::data::Subset& tr, const xg::data::Subset& va) {
//                                        return train_and_score(tr, va);   // e.g. accuracy
//                                      });
//   // cv.scores (one per fold), cv.mean, cv.std
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// Sizes for random_split: either lengths summing to the dataset's size ({800, 200}) or fractions
/// summing to 1 ({0.8, 0.2}), as torch.utils.data.random_split accepts both.
class SplitLengths {
 public:
  /// Lengths or fractions: `{800, 200}`, `{0.8, 0.2}`.
  SplitLengths(std::initializer_list<double> values) : values_(values) {}  // NOLINT: implicit on purpose
  /// Lengths or fractions.
  SplitLengths(std::vector<double> values) : values_(std::move(values)) {}  // NOLINT: implicit on purpose
  /// Lengths.
  SplitLengths(const std::vector<std::int64_t>& lengths) : values_(lengths.begin(), lengths.end()) {}  // NOLINT
  /// The lengths or fractions, as given.
  const std::vector<double>& values() const { return values_; }

 private:
  std::vector<double> values_;
};

/// Splits `dataset` into non-overlapping random subsets (torch.utils.data.random_split). Fractions
/// f give ⌊N·f⌋ examples each, and the remaining examples go one each to the first subsets, round
/// robin, as PyTorch does. The permutation is derived from `seed`. Throws ValueError when lengths
/// do not sum to N, fractions do not sum to 1, or any is negative.
///
///   auto parts = xg::data::random_split(ds, {0.8, 0.2}, /*seed=*/42);   // parts[0], parts[1]
std::vector<Subset> random_split(const Dataset& dataset, const SplitLengths& lengths, std::uint64_t seed = 0);

/// How split_dataset and its two-way / three-way forms split.
struct SplitOptions {
  /// Keep each class's share in every part: class c with n_c examples puts ⌊n_c·f⌋ or ⌈n_c·f⌉ of
  /// them in the part of fraction f. Classes are the (integer) values of dataset.targets().
  bool stratify = false;
  /// Shuffle before splitting; without it the parts are consecutive runs 0…, as Keras'
  /// validation_split takes the last examples. Stratifying needs shuffling.
  bool shuffle = true;
  /// the seed of the shuffle
  std::uint64_t seed = 0;
};

/// Splits `dataset` into parts of the given fractions (non-negative, summing to 1). Each part holds
/// ⌊N·f⌋ or ⌈N·f⌉ examples, sizes summing to N (largest remainders get the extra examples; with
/// stratification the sizes still obey that bound). Throws ValueError for bad fractions, for
/// stratify without shuffle, and for stratify on targets that are not one integer per example.
std::vector<Subset> split_dataset(const Dataset& dataset, const std::vector<double>& fractions,
                                  const SplitOptions& options = {});

/// What train_test_split returns.
struct TrainTest {
  /// the training and test parts
  ///@{
  Subset train, test;
  ///@}
};
/// Two parts, `test_size` of the examples in the second (scikit-learn's train_test_split).
TrainTest train_test_split(const Dataset& dataset, double test_size = 0.25, const SplitOptions& options = {});

/// What train_val_test_split returns.
struct TrainValTest {
  /// the training, validation and test parts
  ///@{
  Subset train, val, test;
  ///@}
};
/// Three parts: training, validation and test, of the given fractions.
TrainValTest train_val_test_split(const Dataset& dataset, std::array<double, 3> fractions = {0.6, 0.2, 0.2},
                                  const SplitOptions& options = {});

/// One round of cross-validation: the indices to train on and the indices to validate on (both
/// increasing).
struct Fold {
  /// the indices to train on
  std::vector<std::int64_t> train;
  /// the indices to validate on
  std::vector<std::int64_t> val;
};

/// Something that makes the folds of a dataset (KFold, StratifiedKFold, or your own).
class FoldSplitter {
 public:
  virtual ~FoldSplitter() = default;
  /// The number of folds.
  virtual std::int64_t n_splits() const = 0;
  /// The folds of `dataset`.
  virtual std::vector<Fold> split(const Dataset& dataset) const = 0;
};

/// K folds of consecutive examples (scikit-learn's KFold): the first N mod k folds validate on
/// ⌊N/k⌋ + 1 examples, the others on ⌊N/k⌋; every example is validated exactly once. With
/// `shuffle`, the examples are permuted (from `seed`) before being cut into folds. Throws
/// ValueError for k < 2 or more folds than examples.
///
///   for (const auto& fold : xg::data::KFold(5, true, 1).split(ds.size())) { ... fold.train, fold.val }
class KFold : public FoldSplitter {
 public:
  /// `n_splits` folds (>= 2), shuffled first when `shuffle`.
  explicit KFold(std::int64_t n_splits = 5, bool shuffle = false, std::uint64_t seed = 0);
  std::int64_t n_splits() const override { return k_; }
  /// The folds of the indices 0 … num_examples − 1.
  std::vector<Fold> split(std::int64_t num_examples) const;
  std::vector<Fold> split(const Dataset& dataset) const override;

 private:
  std::int64_t k_;
  bool shuffle_;
  std::uint64_t seed_;
};

/// K folds that keep the class proportions (scikit-learn's StratifiedKFold): examples sorted by
/// class are dealt to the folds in turn, so class c puts ⌊n_c/k⌋ or ⌈n_c/k⌉ examples in each
/// fold's validation part and fold sizes differ by at most one. With `shuffle`, the examples
/// within each class are permuted (from `seed`) first. Classes are the integer values of
/// dataset.targets(). Throws ValueError for k < 2 or when no class has k examples.
class StratifiedKFold : public FoldSplitter {
 public:
  /// `n_splits` folds (>= 2), shuffled within each class first when `shuffle`.
  explicit StratifiedKFold(std::int64_t n_splits = 5, bool shuffle = false, std::uint64_t seed = 0);
  std::int64_t n_splits() const override { return k_; }
  /// The folds of examples with these class labels.
  std::vector<Fold> split(const std::vector<std::int64_t>& labels) const;
  std::vector<Fold> split(const Dataset& dataset) const override;

 private:
  std::int64_t k_;
  bool shuffle_;
  std::uint64_t seed_;
};

/// Per-fold scores of a cross-validation, their mean, and their sample standard deviation
/// (divides by k − 1, as numpy.std(ddof=1); scikit-learn reports ddof=0 — multiply by
/// sqrt((k − 1) / k) to compare).
struct CrossValidation {
  /// one score per fold
  std::vector<double> scores;
  /// their mean
  double mean = 0.0;
  double std = 0.0;
};

/// For each fold of `splitter`, calls `fn(train_subset, val_subset)` — which should build and
/// train a fresh model on the first and return its metric on the second — and gathers the scores.
CrossValidation cross_validate(const FoldSplitter& splitter, const Dataset& dataset,
                               const std::function<double(const Subset& train, const Subset& val)>& fn);

}  // namespace xg::data

XGRAD_API_END
