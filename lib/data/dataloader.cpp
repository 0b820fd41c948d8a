// The DataLoader: epoch orders derived from (seed, epoch), and batches assembled ahead of the
// loop by TBB tasks in an arena of num_workers threads (capped at what TBB can lend).
#include "xgrad/data/dataloader.hpp"

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <numeric>

#include "data/random_util.hpp"
#include "xgrad/autograd.hpp"

namespace xg::data {

// Note [Prefetching batches deterministically]
// What batch b holds is a pure function of (dataset, order of the epoch, b, seed, epoch): its
// indices come from the epoch's permutation, and every random draw made while assembling it
// comes from generators seeded by those numbers (Note [Reproducible random transforms]). So it
// does not matter which thread assembles it, or when; only that the loop receives batch b at
// step b. With workers, a ring of W = prefetch_factor × workers slots holds the batches
// ahead: batch b lives in slot b mod W, and a task for it is enqueued in the loader's arena when
// batch b − W has been handed out. A slot's ticket says what it holds — 3b: batch b is wanted,
// 3b + 1: someone is assembling it, 3b + 2: it is ready. Whoever moves the ticket from 3b to
// 3b + 1 (a worker, or the loop itself when it gets there first) assembles the batch, so the loop
// never waits for a batch nobody is working on, however few threads TBB grants the arena. A
// task whose ticket has moved on (the pass was abandoned) does nothing.

struct DataLoader::Impl {
  Dataset dataset;
  DataLoaderOptions opts;
  std::int64_t next_epoch = 0;

  // the pass under way
  std::int64_t epoch = 0;
  std::vector<std::int64_t> order;
  std::int64_t num_batches = 0;
  std::int64_t current = 0;  // the batch the iterator is on
  Example batch;

  // prefetching (only with workers)
  struct Slot {
    std::atomic<std::int64_t> ticket{-1};
    Example batch;
    std::exception_ptr error;
  };
  std::unique_ptr<tbb::task_arena> arena;
  std::unique_ptr<tbb::task_group> group;
  std::vector<std::unique_ptr<Slot>> slots;
  std::mutex mutex;
  std::condition_variable ready;

  Impl(Dataset d, DataLoaderOptions o) : dataset(std::move(d)), opts(std::move(o)) {
    // TBB lends at most (allowed parallelism − 1) worker threads, the loop's thread being the
    // last one; asking for more only makes TBB complain, so the request is capped.
    const auto allowed =
        static_cast<std::int64_t>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
    const std::int64_t workers = std::min(opts.num_workers, std::max<std::int64_t>(allowed - 1, 0));
    if (workers > 0) {
      // the workers, plus a place for the loop's thread when it waits for them
      arena = std::make_unique<tbb::task_arena>(static_cast<int>(workers) + 1, 1);
      group = std::make_unique<tbb::task_group>();
      const std::int64_t window = opts.prefetch_factor * workers;
      for (std::int64_t i = 0; i < window; ++i) slots.push_back(std::make_unique<Slot>());
    }
  }
  ~Impl() { stop(); }

  // The epoch the loader last gave its sampler (Note [Samplers follow the loader's epoch]).
  std::int64_t sampler_epoch_given = 0;

  std::int64_t batches_per_epoch() const {
    const std::int64_t n = opts.sampler ? opts.sampler->size() : dataset.size(), bs = opts.batch_size;
    return opts.drop_last ? n / bs : (n + bs - 1) / bs;
  }

  std::vector<std::int64_t> order_of(std::int64_t e) const {
    if (opts.sampler) {
      std::vector<std::int64_t> idx = opts.sampler->indices(e);
      XG_CHECK(static_cast<std::int64_t>(idx.size()) == opts.sampler->size(), ValueError,
               "DataLoader: the sampler's indices(", e, ") returned ", idx.size(), " indices, but its size() is ",
               opts.sampler->size());
      return idx;
    }
    std::vector<std::int64_t> idx(static_cast<std::size_t>(dataset.size()));
    std::iota(idx.begin(), idx.end(), std::int64_t{0});
    if (opts.shuffle) {
      Generator gen(detail::derive_seed({detail::kShuffleDomain, opts.seed, static_cast<std::uint64_t>(e)}));
      detail::shuffle(idx, gen);
    }
    return idx;
  }

  /// Batch b of the pass under way, assembled in the calling thread.
  Example assemble(std::int64_t b) const {
    NoGradGuard no_grad;
    EpochGuard epoch_guard(epoch, opts.seed);
    const std::int64_t bs = opts.batch_size;
    const auto first = order.begin() + b * bs;
    const auto last = order.begin() + std::min<std::int64_t>((b + 1) * bs, static_cast<std::int64_t>(order.size()));
    const std::vector<std::int64_t> indices(first, last);
    Example out;
    if (opts.collate) {
      std::vector<Example> examples;
      examples.reserve(indices.size());
      for (std::int64_t i : indices) examples.push_back(dataset.impl()->get(i));
      out = opts.collate(std::move(examples));
    } else {
      out = dataset.impl()->get_batch(indices);
    }
    if (opts.batch_transform) {
      Generator gen(detail::derive_seed(
          {detail::kBatchDomain, opts.seed, static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(b)}));
      out = opts.batch_transform(std::move(out), gen);
    }
    return out;
  }

  Slot& slot_of(std::int64_t b) {
    return *slots[static_cast<std::size_t>(b % static_cast<std::int64_t>(slots.size()))];
  }

  /// Fills the slot of batch b if nobody has started it (see the Note).
  void fill(std::int64_t b) {
    Slot& s = slot_of(b);
    std::int64_t expected = 3 * b;
    if (!s.ticket.compare_exchange_strong(expected, 3 * b + 1)) return;
    try {
      s.batch = assemble(b);
    } catch (...) { s.error = std::current_exception(); }
    {
      std::lock_guard<std::mutex> lock(mutex);
      s.ticket.store(3 * b + 2);
    }
    ready.notify_all();
  }

  void schedule(std::int64_t b) {
    Slot& s = slot_of(b);
    s.batch = {};
    s.error = nullptr;
    s.ticket.store(3 * b);
    arena->enqueue(group->defer([this, b] { fill(b); }));
  }

  /// Batch b, from its slot (waiting if a worker is on it) or assembled here.
  Example take(std::int64_t b) {
    if (slots.empty()) return assemble(b);
    const auto window = static_cast<std::int64_t>(slots.size());
    fill(b);  // does the work unless a worker has claimed it
    Slot& s = slot_of(b);
    {
      std::unique_lock<std::mutex> lock(mutex);
      ready.wait(lock, [&] { return s.ticket.load() == 3 * b + 2; });
    }
    Example out = std::move(s.batch);
    std::exception_ptr error = std::move(s.error);
    s.ticket.store(-1);
    if (b + window < num_batches) schedule(b + window);
    if (error) std::rethrow_exception(error);
    return out;
  }

  /// Abandons the pass under way: pending batches are dropped, running ones finish.
  void stop() {
    if (!group) return;
    for (auto& s : slots) {
      std::int64_t t = s->ticket.load();
      if (t >= 0 && t % 3 == 0) s->ticket.compare_exchange_strong(t, -1);
    }
    arena->execute([this] { group->wait(); });
    for (auto& s : slots) {
      s->ticket.store(-1);
      s->batch = {};
      s->error = nullptr;
    }
  }

  // Note [Samplers follow the loader's epoch]
  // The loader's epoch counter decides the order (set_epoch on the loader resumes), and the
  // sampler is told each epoch so that its own epoch() agrees. PyTorch code instead calls
  // sampler.set_epoch(e) before each epoch; when the sampler's epoch differs from the one the
  // loader last gave it, someone set it, and the loader adopts it.
  void start() {
    stop();
    if (opts.sampler) {
      if (opts.sampler->epoch() != sampler_epoch_given) next_epoch = opts.sampler->epoch();
      opts.sampler->set_epoch(next_epoch);
      sampler_epoch_given = next_epoch;
    }
    epoch = next_epoch++;
    order = order_of(epoch);
    num_batches = batches_per_epoch();
    current = 0;
    batch = {};
    for (std::int64_t b = 0; b < std::min<std::int64_t>(static_cast<std::int64_t>(slots.size()), num_batches); ++b)
      schedule(b);
    if (num_batches > 0) batch = take(0);
  }

  void advance() {
    ++current;
    batch = {};
    if (current < num_batches) batch = take(current);
  }
};

DataLoader::DataLoader(Dataset dataset, DataLoaderOptions options) {
  XG_CHECK(dataset.defined(), ValueError, "DataLoader: the dataset is undefined");
  XG_CHECK(options.batch_size >= 1, ValueError, "DataLoader: batch_size must be at least 1, got ", options.batch_size);
  XG_CHECK(options.num_workers >= 0, ValueError, "DataLoader: num_workers must be non-negative, got ",
           options.num_workers);
  XG_CHECK(options.num_workers <= 1024, ValueError, "DataLoader: num_workers = ", options.num_workers,
           " is more threads than any machine can use");
  XG_CHECK(options.prefetch_factor >= 1, ValueError, "DataLoader: prefetch_factor must be at least 1, got ",
           options.prefetch_factor);
  XG_CHECK(!(options.sampler && options.shuffle), ValueError,
           "DataLoader: sampler option is mutually exclusive with shuffle (the sampler decides the order)");
  impl_ = std::make_unique<Impl>(std::move(dataset), std::move(options));
  if (impl_->opts.sampler) impl_->sampler_epoch_given = impl_->opts.sampler->epoch();
}

DataLoader::DataLoader(DataLoader&&) noexcept = default;
DataLoader& DataLoader::operator=(DataLoader&&) noexcept = default;
DataLoader::~DataLoader() = default;

DataLoader::Iterator DataLoader::begin() {
  impl_->start();
  return Iterator(impl_.get());
}

Example& DataLoader::Iterator::operator*() const {
  XG_CHECK(!done(), IndexError, "DataLoader: dereferencing an iterator past the last batch");
  return loader_->batch;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  XG_CHECK(!done(), IndexError, "DataLoader: advancing an iterator past the last batch");
  loader_->advance();
  return *this;
}

bool DataLoader::Iterator::done() const { return loader_ == nullptr || loader_->current >= loader_->num_batches; }

std::int64_t DataLoader::size() const { return impl_->batches_per_epoch(); }
std::int64_t DataLoader::epoch() const { return impl_->next_epoch; }
void DataLoader::set_epoch(std::int64_t epoch) {
  XG_CHECK(epoch >= 0, ValueError, "DataLoader::set_epoch: the epoch must be non-negative, got ", epoch);
  impl_->next_epoch = epoch;
}
std::vector<std::int64_t> DataLoader::batch_indices(std::int64_t epoch) const { return impl_->order_of(epoch); }
const Dataset& DataLoader::dataset() const { return impl_->dataset; }
const DataLoaderOptions& DataLoader::options() const { return impl_->opts; }

}  // namespace xg::data
