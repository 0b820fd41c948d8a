// Splits: random_split as PyTorch, fraction splits with optional stratification (a controlled
// rounding of the class × part table, found by max-flow), K-fold and stratified K-fold as
// scikit-learn, and cross-validation over any of them.
#include "xgrad/data/splits.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "data/random_util.hpp"
#include "xgrad/ops.hpp"

namespace xg::data {

namespace {

constexpr double kEps = 1e-9;  // fractions times counts closer than this to an integer are that integer

std::int64_t floor_eps(double x) { return static_cast<std::int64_t>(std::floor(x + kEps)); }

Generator split_generator(std::uint64_t seed) { return Generator(detail::derive_seed({detail::kSplitDomain, seed})); }

std::vector<std::int64_t> iota_vec(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), std::int64_t{0});
  return v;
}

/// One integer class per example, from dataset.targets() ([N] or [N, 1], integer values).
std::vector<std::int64_t> class_labels(const Dataset& dataset, const char* op) {
  const Tensor t = dataset.targets();
  XG_CHECK(t.defined(), ValueError, op, ": stratifying needs class labels, but the dataset has no targets");
  XG_CHECK(t.dim() == 1 || (t.dim() == 2 && t.size(1) == 1), ShapeError, op,
           ": stratifying needs one class label per example, but the targets have shape ", t.sizes());
  const std::vector<double> v = t.to_vector<double>();
  std::vector<std::int64_t> labels(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    XG_CHECK(v[i] == std::trunc(v[i]) && std::abs(v[i]) < 9.0e15, ValueError, op,
             ": stratifying needs integer class labels, but example ", i, " has target ", v[i]);
    labels[i] = static_cast<std::int64_t>(v[i]);
  }
  return labels;
}

std::vector<Subset> cut(const Dataset& dataset, const std::vector<std::int64_t>& order,
                        const std::vector<std::int64_t>& sizes) {
  std::vector<Subset> parts;
  std::size_t at = 0;
  for (std::int64_t s : sizes) {
    parts.emplace_back(dataset, std::vector<std::int64_t>(order.begin() + static_cast<std::ptrdiff_t>(at),
                                                          order.begin() + static_cast<std::ptrdiff_t>(at + s)));
    at += static_cast<std::size_t>(s);
  }
  return parts;
}

/// Hamilton's largest-remainder rounding of n·f: ⌊n·f⌋ each, then one more to the largest
/// fractional parts (earlier parts first among equals) until the sizes sum to n.
std::vector<std::int64_t> largest_remainder(std::int64_t n, const std::vector<double>& f) {
  std::vector<std::int64_t> sizes(f.size());
  std::vector<std::size_t> by_remainder(f.size());
  std::int64_t total = 0;
  for (std::size_t j = 0; j < f.size(); ++j) {
    sizes[j] = floor_eps(static_cast<double>(n) * f[j]);
    total += sizes[j];
    by_remainder[j] = j;
  }
  auto remainder = [&](std::size_t j) { return static_cast<double>(n) * f[j] - static_cast<double>(sizes[j]); };
  std::stable_sort(by_remainder.begin(), by_remainder.end(),
                   [&](std::size_t a, std::size_t b) { return remainder(a) > remainder(b); });
  for (std::size_t k = 0; total < n; ++k, ++total) ++sizes[by_remainder[k % f.size()]];
  return sizes;
}

// Note [Stratified split sizes]
// Class c (n_c examples) should put n_c·f_j examples in part j. A controlled rounding of that
// table rounds every cell to its floor or ceiling while keeping each row sum n_c exact and each
// column sum within one of N·f_j; one always exists for two-way tables (Cox 1987). Start from the
// floors; row c still owes r_c = n_c − Σ_j ⌊n_c f_j⌋ units, each to a different part among those
// whose cell has a fractional part, and column j may take between ⌊N f_j⌋ − Σ_c ⌊n_c f_j⌋ and
// ⌈N f_j⌉ − Σ_c ⌊n_c f_j⌋. That is a flow problem: source → class (capacity r_c) → part (capacity
// 1 where the cell is fractional) → sink. Augmenting paths fill the columns' minima first, then the
// largest-remainder sizes (so the parts usually have the sizes of an unstratified split), then the
// maxima. Flow on a sink arc never decreases while augmenting, so the minima stay met.
std::vector<std::vector<std::int64_t>> stratified_counts(const std::vector<std::int64_t>& class_sizes,
                                                         const std::vector<double>& f) {
  const std::size_t nc = class_sizes.size(), np = f.size();
  std::int64_t n = 0;
  for (std::int64_t s : class_sizes) n += s;
  std::vector<std::vector<std::int64_t>> count(nc, std::vector<std::int64_t>(np));
  std::vector<std::vector<char>> fractional(nc, std::vector<char>(np));
  std::vector<std::int64_t> owed(nc), col_floor(np, 0);
  for (std::size_t c = 0; c < nc; ++c) {
    std::int64_t row = 0;
    for (std::size_t j = 0; j < np; ++j) {
      const double ideal = static_cast<double>(class_sizes[c]) * f[j];
      count[c][j] = floor_eps(ideal);
      fractional[c][j] = ideal - static_cast<double>(count[c][j]) > kEps;
      row += count[c][j];
      col_floor[j] += count[c][j];
    }
    owed[c] = class_sizes[c] - row;
  }
  const std::vector<std::int64_t> target = largest_remainder(n, f);
  std::vector<std::int64_t> lo(np), mid(np), hi(np);
  for (std::size_t j = 0; j < np; ++j) {
    const double ideal = static_cast<double>(n) * f[j];
    lo[j] = std::max<std::int64_t>(floor_eps(ideal) - col_floor[j], 0);
    mid[j] = std::max<std::int64_t>(target[j] - col_floor[j], 0);
    hi[j] = std::max<std::int64_t>(static_cast<std::int64_t>(std::ceil(ideal - kEps)) - col_floor[j], 0);
  }
  std::vector<std::vector<char>> flow(nc, std::vector<char>(np, 0));
  std::vector<std::int64_t> out_of(nc, 0), into(np, 0);
  // Breadth-first search for one augmenting path under column capacities cap; nodes are classes
  // 0…nc−1 and parts nc…nc+np−1.
  auto augment = [&](const std::vector<std::int64_t>& cap) {
    const std::size_t nodes = nc + np;
    std::vector<std::ptrdiff_t> parent(nodes, -2);  // -2 unvisited, -1 reached from the source
    std::vector<std::size_t> queue;
    for (std::size_t c = 0; c < nc; ++c)
      if (out_of[c] < owed[c]) {
        parent[c] = -1;
        queue.push_back(c);
      }
    for (std::size_t q = 0; q < queue.size(); ++q) {
      const std::size_t u = queue[q];
      if (u < nc) {
        for (std::size_t j = 0; j < np; ++j)
          if (fractional[u][j] && !flow[u][j] && parent[nc + j] == -2) {
            parent[nc + j] = static_cast<std::ptrdiff_t>(u);
            queue.push_back(nc + j);
          }
      } else {
        const std::size_t j = u - nc;
        if (into[j] < cap[j]) {  // reached the sink: push one unit back along the path
          ++into[j];
          std::size_t v = u;
          for (;;) {
            const auto c = static_cast<std::size_t>(parent[v]);
            flow[c][v - nc] = 1;
            if (parent[c] == -1) {
              ++out_of[c];
              return true;
            }
            const std::size_t prev = static_cast<std::size_t>(parent[c]);  // a part whose unit c takes over
            flow[c][prev - nc] = 0;
            v = prev;
          }
        }
        for (std::size_t c = 0; c < nc; ++c)
          if (flow[c][j] && parent[c] == -2) {
            parent[c] = static_cast<std::ptrdiff_t>(u);
            queue.push_back(c);
          }
      }
    }
    return false;
  };
  for (const auto* cap : {&lo, &mid, &hi})
    while (augment(*cap)) {}
  for (std::size_t c = 0; c < nc; ++c) {
    XG_CHECK(out_of[c] == owed[c], ValueError,
             "split_dataset: found no stratified rounding of the class counts "
             "(class sizes and fractions are inconsistent)");
    for (std::size_t j = 0; j < np; ++j) count[c][j] += flow[c][j];
  }
  return count;
}

void check_fractions(const std::vector<double>& f, const char* op) {
  XG_CHECK(!f.empty(), ValueError, op, ": expected at least one fraction");
  double sum = 0;
  for (double x : f) {
    XG_CHECK(std::isfinite(x) && x >= 0, ValueError, op, ": fractions must be non-negative, got ", x);
    sum += x;
  }
  XG_CHECK(std::abs(sum - 1.0) <= 1e-6, ValueError, op, ": fractions must sum to 1, got ", sum);
}

}  // namespace

std::vector<Subset> random_split(const Dataset& dataset, const SplitLengths& lengths, std::uint64_t seed) {
  const std::vector<double>& v = lengths.values();
  const std::int64_t n = dataset.size();
  XG_CHECK(!v.empty(), ValueError, "random_split: expected at least one length");
  double sum = 0;
  for (double x : v) {
    XG_CHECK(std::isfinite(x) && x >= 0, ValueError, "random_split: lengths must be non-negative, got ", x);
    sum += x;
  }
  std::vector<std::int64_t> sizes(v.size());
  if (std::abs(sum - 1.0) <= 1e-9 && sum <= 1.0 + 1e-12) {
    // fractions: ⌊n·f⌋ each, then the remainder one by one to the first parts (PyTorch's rule)
    std::int64_t total = 0;
    for (std::size_t j = 0; j < v.size(); ++j) total += sizes[j] = floor_eps(static_cast<double>(n) * v[j]);
    for (std::size_t j = 0; total < n; ++total, j = (j + 1) % v.size()) ++sizes[j];
  } else {
    std::int64_t total = 0;
    for (std::size_t j = 0; j < v.size(); ++j) {
      XG_CHECK(v[j] == std::trunc(v[j]), ValueError, "random_split: length ", v[j],
               " is neither a whole number nor part of fractions summing to 1");
      total += sizes[j] = static_cast<std::int64_t>(v[j]);
    }
    XG_CHECK(total == n, ValueError, "random_split: the lengths sum to ", total, " but the dataset holds ", n,
             " examples");
  }
  Generator gen = split_generator(seed);
  return cut(dataset, detail::permutation(n, gen), sizes);
}

std::vector<Subset> split_dataset(const Dataset& dataset, const std::vector<double>& fractions,
                                  const SplitOptions& options) {
  check_fractions(fractions, "split_dataset");
  XG_CHECK(!options.stratify || options.shuffle, ValueError,
           "split_dataset: stratified splits need shuffle = true (the classes would otherwise stay in blocks)");
  const std::int64_t n = dataset.size();
  Generator gen = split_generator(options.seed);
  if (!options.stratify) {
    const std::vector<std::int64_t> order = options.shuffle ? detail::permutation(n, gen) : iota_vec(n);
    return cut(dataset, order, largest_remainder(n, fractions));
  }
  // group the examples by class (classes in increasing order), shuffle within each class
  const std::vector<std::int64_t> labels = class_labels(dataset, "split_dataset");
  std::map<std::int64_t, std::vector<std::int64_t>> members;
  for (std::size_t i = 0; i < labels.size(); ++i) members[labels[i]].push_back(static_cast<std::int64_t>(i));
  std::vector<std::int64_t> class_sizes;
  for (auto& [label, idx] : members) {
    detail::shuffle(idx, gen);
    class_sizes.push_back(static_cast<std::int64_t>(idx.size()));
  }
  const auto counts = stratified_counts(class_sizes, fractions);
  std::vector<std::vector<std::int64_t>> parts(fractions.size());
  std::size_t c = 0;
  for (const auto& [label, idx] : members) {
    std::size_t at = 0;
    for (std::size_t j = 0; j < fractions.size(); ++j) {
      const auto k = static_cast<std::size_t>(counts[c][j]);
      parts[j].insert(parts[j].end(), idx.begin() + static_cast<std::ptrdiff_t>(at),
                      idx.begin() + static_cast<std::ptrdiff_t>(at + k));
      at += k;
    }
    ++c;
  }
  std::vector<Subset> out;
  for (auto& p : parts) {
    detail::shuffle(p, gen);  // interleave the classes
    out.emplace_back(dataset, std::move(p));
  }
  return out;
}

TrainTest train_test_split(const Dataset& dataset, double test_size, const SplitOptions& options) {
  XG_CHECK(test_size > 0 && test_size < 1, ValueError, "train_test_split: test_size must be in (0, 1), got ",
           test_size);
  auto parts = split_dataset(dataset, {1.0 - test_size, test_size}, options);
  return {std::move(parts[0]), std::move(parts[1])};
}

TrainValTest train_val_test_split(const Dataset& dataset, std::array<double, 3> fractions,
                                  const SplitOptions& options) {
  check_fractions({fractions.begin(), fractions.end()}, "train_val_test_split");
  auto parts = split_dataset(dataset, {fractions.begin(), fractions.end()}, options);
  return {std::move(parts[0]), std::move(parts[1]), std::move(parts[2])};
}

// ---- K-fold --------------------------------------------------------------------------------------

namespace {
/// Folds from a fold number per example: fold i validates on the examples numbered i.
std::vector<Fold> folds_from(const std::vector<std::int64_t>& fold_of, std::int64_t k) {
  std::vector<Fold> folds(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < fold_of.size(); ++i)
    for (std::int64_t f = 0; f < k; ++f)
      (fold_of[i] == f ? folds[static_cast<std::size_t>(f)].val : folds[static_cast<std::size_t>(f)].train)
          .push_back(static_cast<std::int64_t>(i));
  return folds;
}
}  // namespace

KFold::KFold(std::int64_t n_splits, bool shuffle, std::uint64_t seed) : k_(n_splits), shuffle_(shuffle), seed_(seed) {
  XG_CHECK(n_splits >= 2, ValueError, "KFold: n_splits must be at least 2, got ", n_splits);
}

std::vector<Fold> KFold::split(std::int64_t num_examples) const {
  XG_CHECK(num_examples >= k_, ValueError, "KFold: cannot make ", k_, " folds of ", num_examples, " examples");
  Generator gen = split_generator(seed_);
  const std::vector<std::int64_t> order = shuffle_ ? detail::permutation(num_examples, gen) : iota_vec(num_examples);
  std::vector<std::int64_t> fold_of(static_cast<std::size_t>(num_examples));
  std::int64_t at = 0;
  for (std::int64_t f = 0; f < k_; ++f) {
    const std::int64_t size = num_examples / k_ + (f < num_examples % k_ ? 1 : 0);
    for (std::int64_t i = at; i < at + size; ++i)
      fold_of[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = f;
    at += size;
  }
  return folds_from(fold_of, k_);
}

std::vector<Fold> KFold::split(const Dataset& dataset) const { return split(dataset.size()); }

StratifiedKFold::StratifiedKFold(std::int64_t n_splits, bool shuffle, std::uint64_t seed)
    : k_(n_splits), shuffle_(shuffle), seed_(seed) {
  XG_CHECK(n_splits >= 2, ValueError, "StratifiedKFold: n_splits must be at least 2, got ", n_splits);
}

std::vector<Fold> StratifiedKFold::split(const std::vector<std::int64_t>& labels) const {
  const auto n = static_cast<std::int64_t>(labels.size());
  XG_CHECK(n >= k_, ValueError, "StratifiedKFold: cannot make ", k_, " folds of ", n, " examples");
  // classes numbered in order of first appearance, as scikit-learn does
  std::map<std::int64_t, std::int64_t> code;
  std::vector<std::int64_t> y(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
    y[i] = code.try_emplace(labels[i], static_cast<std::int64_t>(code.size())).first->second;
  const auto nc = static_cast<std::int64_t>(code.size());
  std::vector<std::int64_t> class_size(static_cast<std::size_t>(nc), 0);
  for (std::int64_t c : y) ++class_size[static_cast<std::size_t>(c)];
  XG_CHECK(*std::max_element(class_size.begin(), class_size.end()) >= k_, ValueError,
           "StratifiedKFold: n_splits = ", k_, " is greater than the number of members of every class");
  // Deal the examples sorted by class to the folds in turn: fold f gets sorted positions f, f + k, …,
  // so each class block is spread as evenly as it can be and fold sizes differ by at most one.
  std::vector<std::vector<std::int64_t>> allocation(static_cast<std::size_t>(k_),
                                                    std::vector<std::int64_t>(static_cast<std::size_t>(nc), 0));
  std::int64_t pos = 0;
  for (std::int64_t c = 0; c < nc; ++c)
    for (std::int64_t m = 0; m < class_size[static_cast<std::size_t>(c)]; ++m, ++pos)
      ++allocation[static_cast<std::size_t>(pos % k_)][static_cast<std::size_t>(c)];
  Generator gen = split_generator(seed_);
  std::vector<std::int64_t> fold_of(labels.size());
  for (std::int64_t c = 0; c < nc; ++c) {
    std::vector<std::int64_t> folds_for_class;  // 0,0,…,1,1,… as many as each fold takes
    for (std::int64_t f = 0; f < k_; ++f)
      folds_for_class.insert(
          folds_for_class.end(),
          static_cast<std::size_t>(allocation[static_cast<std::size_t>(f)][static_cast<std::size_t>(c)]), f);
    if (shuffle_) detail::shuffle(folds_for_class, gen);
    std::size_t next = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
      if (y[i] == c) fold_of[i] = folds_for_class[next++];
  }
  return folds_from(fold_of, k_);
}

std::vector<Fold> StratifiedKFold::split(const Dataset& dataset) const {
  return split(class_labels(dataset, "StratifiedKFold"));
}

CrossValidation cross_validate(const FoldSplitter& splitter, const Dataset& dataset,
                               const std::function<double(const Subset& train, const Subset& val)>& fn) {
  XG_CHECK(static_cast<bool>(fn), ValueError, "cross_validate: the scoring function is empty");
  const std::vector<Fold> folds = splitter.split(dataset);
  XG_CHECK(folds.size() >= 2, ValueError, "cross_validate: expected at least 2 folds, the splitter made ",
           folds.size());
  CrossValidation cv;
  for (const Fold& fold : folds) cv.scores.push_back(fn(Subset(dataset, fold.train), Subset(dataset, fold.val)));
  const auto k = static_cast<double>(cv.scores.size());
  cv.mean = std::accumulate(cv.scores.begin(), cv.scores.end(), 0.0) / k;
  double ss = 0;
  for (double s : cv.scores) ss += (s - cv.mean) * (s - cv.mean);
  cv.std = std::sqrt(ss / (k - 1));  // sample standard deviation (ddof = 1)
  return cv;
}

}  // namespace xg::data
