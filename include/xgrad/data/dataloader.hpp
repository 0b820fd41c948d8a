// xgrad — DataLoader: iterates a Dataset in batches (torch.utils.data.DataLoader), shuffled anew
// each epoch from (seed, epoch), with batches assembled ahead of time by worker threads. Whatever
// the number of workers, a given seed yields bitwise the same batches in the same order.
//
//   xg::data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .num_workers = 2});
//   for (int epoch = 0; epoch < 10; ++epoch)
//     for (auto& batch : loader) {   // batch.data [64, 1, 28, 28], batch.target [64]
//       ...
//     }
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/data/example.hpp"
#include "xgrad/data/sampler.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// How a DataLoader batches (torch.utils.data.DataLoader's arguments and defaults, except `seed`,
/// which replaces the global generator PyTorch draws its shuffle from).
struct DataLoaderOptions {
  /// examples per batch (>= 1)
  std::int64_t batch_size = 1;
  /// Visit the examples in a new random order each epoch (otherwise 0, 1, 2, …).
  bool shuffle = false;
  /// Leave out the last batch when it is smaller than batch_size.
  bool drop_last = false;
  /// Seeds the shuffle of every epoch and the random transforms (Note [Reproducible random transforms]).
  std::uint64_t seed = 0;
  /// Threads assembling batches ahead of the loop; 0 assembles each batch in the loop's thread
  /// when it is asked for. Results do not depend on it. The threads come from TBB's pool, so at
  /// most (allowed parallelism − 1) are used (hardware threads − 1 unless a tbb::global_control
  /// says otherwise); the loop's thread assembles a batch itself when it gets there first.
  std::int64_t num_workers = 0;
  /// Batches assembled ahead per worker (at most prefetch_factor × num_workers in flight).
  std::int64_t prefetch_factor = 2;
  /// Makes a batch of the fetched examples. Empty: default_collate, and datasets that gather a
  /// batch at once (TensorDataset, Subsets of it) do so without fetching examples one by one.
  Collate collate = {};
  /// Applied to each assembled batch (in the worker), drawing from a generator seeded by
  /// (seed, epoch, batch number).
  Transform batch_transform = {};
  /// Where the indices of each epoch come from (PyTorch's sampler=), e.g. a DistributedSampler
  /// for this rank's shard. Null: 0…N−1, or a shuffle when `shuffle`; both together are a
  /// ValueError, as in PyTorch. Epoch e visits sampler->indices(e). At each begin() the loader
  /// calls sampler->set_epoch(e); if you called set_epoch(k) on the sampler since then (PyTorch's
  /// habit of calling it before every epoch), the loader starts epoch k instead, so both styles
  /// give the same orders. Share a sampler between loaders only if their epochs agree.
  std::shared_ptr<Sampler> sampler = nullptr;
};

/// Iterates a dataset in batches. Each pass (each begin()) is a new epoch; epoch e visits the
/// examples in the order batch_indices(e). Batches are Examples: `batch.data` [B, ...] and
/// `batch.target` [B, ...] (undefined for unlabeled data); see default_collate. Ops run in
/// batch assembly record no graph. An exception thrown while assembling a batch is rethrown when
/// the loop reaches that batch. One pass at a time: begin() abandons a pass under way.
///
///   xg::data::DataLoader loader(ds, {.batch_size = 32, .shuffle = true, .seed = 7});
///   loader.size();   // number of batches per epoch
///   for (const auto& batch : loader) train_step(batch.data, batch.target);
class DataLoader {
  struct Impl;

 public:
  /// Throws ValueError for batch_size < 1, num_workers < 0, prefetch_factor < 1 or an undefined dataset.
  explicit DataLoader(Dataset dataset, DataLoaderOptions options = {});
  /// Movable, not copyable.
  ///@{
  DataLoader(DataLoader&&) noexcept;
  DataLoader& operator=(DataLoader&&) noexcept;
  ///@}
  ~DataLoader();

  struct Sentinel {};
  /// An input iterator over one epoch's batches; `*it` is the current batch.
  class Iterator {
   public:
    /// Iterator types (an input iterator over batches).
    ///@{
    using iterator_category = std::input_iterator_tag;
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using pointer = Example*;
    using reference = Example&;
    ///@}
    Iterator() = default;
    /// The current batch.
    Example& operator*() const;
    /// The current batch.
    Example* operator->() const { return &**this; }
    /// Moves to the next batch.
    Iterator& operator++();
    /// Moves to the next batch.
    void operator++(int) { ++*this; }
    friend bool operator==(const Iterator& it, Sentinel) { return it.done(); }

   private:
    friend class DataLoader;
    explicit Iterator(DataLoader::Impl* loader) : loader_(loader) {}
    bool done() const;
    DataLoader::Impl* loader_ = nullptr;
  };

  /// Starts the next epoch and returns its first batch.
  Iterator begin();
  /// The end of the epoch.
  Sentinel end() const { return {}; }

  /// Batches per epoch: ⌈N / batch_size⌉, or ⌊N / batch_size⌋ with drop_last (N: the dataset's
  /// size, or the sampler's).
  std::int64_t size() const;
  /// The epoch the next begin() starts (0 for a fresh loader).
  std::int64_t epoch() const;
  /// Makes the next begin() start epoch `epoch`, e.g. to resume training from a checkpoint.
  void set_epoch(std::int64_t epoch);
  /// The order in which epoch `epoch` visits the dataset (before drop_last): the sampler's
  /// indices(epoch) when there is one, a permutation of 0…N−1 derived from (seed, epoch) when
  /// shuffling, else 0…N−1.
  std::vector<std::int64_t> batch_indices(std::int64_t epoch) const;
  /// The dataset batched.
  const Dataset& dataset() const;
  /// The options it was made with.
  const DataLoaderOptions& options() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xg::data

XGRAD_API_END
