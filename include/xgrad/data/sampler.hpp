// xgrad — samplers: the order in which a DataLoader visits a dataset, epoch by epoch
// (torch.utils.data.Sampler), and DistributedSampler, which gives each of num_replicas processes
// its own disjoint shard of the same per-epoch shuffle (torch.utils.data.DistributedSampler).
//
//   auto sampler = std::make_shared<xg::data::DistributedSampler>(train, xg::data::DistributedSamplerOptions{
//       .num_replicas = world_size, .rank = rank, .seed = 7});
//   xg::data::DataLoader loader(train, {.batch_size = 64, .sampler = sampler});   // this rank's shard
//
// Nothing here knows of MPI: the caller says how many replicas there are and which one this is
// (xg::distributed::make_sampler takes them from the process group).
#pragma once
#include <cstdint>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// The indices a DataLoader visits in each epoch. A sampler is a pure function of the epoch
/// (indices(e) is the same whenever it is asked), which keeps prefetching deterministic
/// (Note [Prefetching batches deterministically]). Subclass it for your own orders:
///
///   struct Reversed : xg::data::Sampler {
///     std::int64_t n;
///     explicit Reversed(std::int64_t n) : n(n) {}
///     std::vector<std::int64_t> indices(std::int64_t) const override {
///       std::vector<std::int64_t> v; for (auto i = n; i-- > 0;) v.push_back(i); return v; }
///     std::int64_t size() const override { return n; }
///   };
class Sampler {
 public:
  virtual ~Sampler();
  /// The dataset indices epoch `epoch` visits, in order (size() of them).
  virtual std::vector<std::int64_t> indices(std::int64_t epoch) const = 0;
  /// How many indices every epoch yields.
  virtual std::int64_t size() const = 0;

  /// PyTorch's set_epoch: the epoch indices() without argument uses. A DataLoader that owns the
  /// sampler sets it at the start of each of its epochs; an epoch you set before the loop starts
  /// is adopted by the loader (see DataLoaderOptions::sampler). ValueError for a negative epoch.
  void set_epoch(std::int64_t epoch);
  /// The epoch set by set_epoch (0 before).
  std::int64_t epoch() const { return epoch_; }
  /// indices(epoch()): the order of the current epoch.
  std::vector<std::int64_t> indices() const { return indices(epoch_); }

 private:
  std::int64_t epoch_ = 0;
};

/// DistributedSampler's arguments (PyTorch's names and defaults; num_replicas and rank have no
/// default because nothing below the distributed layer knows the process group).
struct DistributedSamplerOptions {
  /// The number of processes sharing the dataset (>= 1), e.g. xg::distributed::world_size().
  std::int64_t num_replicas = 0;
  /// This process's shard, 0 <= rank < num_replicas, e.g. xg::distributed::rank().
  std::int64_t rank = -1;
  /// Shuffle with a generator seeded by seed + epoch (the same permutation on every rank).
  bool shuffle = true;
  /// Must be the same on every rank.
  std::uint64_t seed = 0;
  /// Drop the tail so that every rank gets ⌊N / num_replicas⌋ indices; otherwise every rank
  /// gets ⌈N / num_replicas⌉, the shortfall padded with indices from the start of the order.
  bool drop_last = false;
};

/// Restricts a DataLoader to this rank's shard of the dataset, exactly as PyTorch does:
///   * order: 0…N−1, or with shuffle a permutation drawn from a Generator seeded seed + epoch
///     (identical on every rank, different from epoch to epoch);
///   * num_samples = ⌈N / R⌉ (R = num_replicas), or with drop_last and N mod R ≠ 0,
///     ⌈(N − R) / R⌉ = ⌊N / R⌋; total_size = num_samples · R;
///   * without drop_last the order is padded to total_size by repeating it from its start (as
///     often as needed when total_size − N > N); with drop_last it is cut to total_size;
///   * rank r takes order[r], order[r + R], order[r + 2R], … (order[r : total_size : R]).
/// So the ranks' shards are disjoint and together cover the dataset (drop_last: all but the
/// N mod R last of the order), every rank runs the same number of batches, and padding repeats at
/// most R − 1 examples per epoch. The permutation is xgrad's own (a Fisher–Yates shuffle from an
/// xg::Generator), not torch.randperm's, so the orders are not PyTorch's.
///
///   xg::data::DistributedSampler s(100, {.num_replicas = 3, .rank = 1, .shuffle = false});
///   s.size();        // 34
///   s.indices(0);    // 1, 4, 7, …, 97, 0   (the last one is padding)
class DistributedSampler : public Sampler {
 public:
  /// For a dataset of `dataset_size` examples. ValueError (naming the values) when num_replicas < 1,
  /// rank is outside [0, num_replicas − 1] or dataset_size < 0.
  DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options);
  /// For `dataset` (its size is read once; datasets are immutable).
  DistributedSampler(const Dataset& dataset, DistributedSamplerOptions options);

  std::vector<std::int64_t> indices(std::int64_t epoch) const override;
  using Sampler::indices;
  /// num_samples: the indices of this rank per epoch.
  std::int64_t size() const override { return num_samples_; }
  /// num_samples · num_replicas: the padded (or cut) length of the epoch's order.
  std::int64_t total_size() const { return num_samples_ * o_.num_replicas; }
  /// The size N of the dataset sampled.
  std::int64_t dataset_size() const { return dataset_size_; }
  /// The options it was made with.
  const DistributedSamplerOptions& options() const { return o_; }

 private:
  std::int64_t dataset_size_;
  DistributedSamplerOptions o_;
  std::int64_t num_samples_;
};

}  // namespace xg::data

XGRAD_API_END
