// xgrad — training on many processes and machines over MPI (PyTorch's torch.distributed).
// A process group started by `mpirun`, in-place collectives on tensors of every dtype (blocking or
// not), and on top of them DistributedDataParallel, SyncBatchNorm, local SGD and rank-aware training.
//
//   auto guard = xg::distributed::init();            // once, at the top of main()
//   xg::Tensor t = xg::full({3}, double(xg::distributed::rank() + 1));
//   xg::distributed::all_reduce(t);                    // every rank now holds 1 + 2 + ... + world_size
//
// Built without MPI, every function here throws xg::DistributedError saying how to enable it
// (is_available() tells which build this is). No MPI header is included here.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "xgrad/error.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::distributed {

// =================================================================================================
// ---- process group and collectives (lib/distributed/process_group.cpp, collectives.cpp,
//      no_mpi.cpp)
// =================================================================================================

/// How a collective combines the ranks' values, elementwise. AVG = SUM divided by the group size
/// (floating dtypes only). On kBool, SUM and MAX are logical or, MIN and PRODUCT logical and.
enum class ReduceOp { SUM, AVG, MAX, MIN, PRODUCT };

/// True when xgrad was built with MPI (otherwise every other function throws DistributedError).
///   if (!xg::distributed::is_available()) return run_single_process();
bool is_available();

/// True between init() and the destruction of its guard.
bool is_initialized();

/// Options of init().
struct InitOptions {
  /// Set xg::set_num_threads(max(1, hardware cores / ranks on this machine)), capped by the cores
  /// this process may run on (mpirun binds ranks), so the ranks of one machine share its cores
  /// instead of oversubscribing them.
  bool set_num_threads = true;
};

/// Owns the MPI environment: finalizes it on destruction. Move-only. If it is destroyed while an
/// exception unwinds the stack (a rank failed), it calls MPI_Abort instead, which ends every rank
/// of the job with exit code 1 rather than leaving the others waiting in a collective forever.
///   int main() { auto guard = xg::distributed::init(); ... }
class InitGuard {
 public:
  InitGuard() = default;
  /// Moves the ownership of the MPI environment.
  ///@{
  InitGuard(InitGuard&& other) noexcept;
  InitGuard& operator=(InitGuard&& other) noexcept;
  ///@}
  InitGuard(const InitGuard&) = delete;
  InitGuard& operator=(const InitGuard&) = delete;
  ~InitGuard();
  /// Finalize now (idempotent); a guard that was finalized or moved from does nothing later.
  void finalize();

 private:
  friend InitGuard init(InitOptions);
  explicit InitGuard(bool owns) : owns_(owns) {}
  bool owns_ = false;
};

/// Initializes MPI from what `mpirun` / `mpiexec` put in the environment (a program started without
/// mpirun is a world of one). Call once; a second call while initialized throws DistributedError.
///   auto guard = xg::distributed::init({.set_num_threads = false});
[[nodiscard]] InitGuard init(InitOptions options = {});

/// This process's rank in the world, 0 <= rank() < world_size().
int rank();
/// Number of processes in the world.
int world_size();
/// Rank among the processes on this machine (shared-memory node), e.g. to pick a device or a core.
int local_rank();
/// Number of processes on this machine.
int local_world_size();

/// A set of ranks that run collectives together (an MPI communicator). A copyable handle; copies
/// share the communicator. rank() is this process's rank inside the group, or -1 when it is not a
/// member (collectives on a group you are not in throw DistributedError).
///   auto evens = xg::distributed::new_group({0, 2});
///   if (evens.rank() >= 0) xg::distributed::all_reduce(t, xg::distributed::ReduceOp::SUM, {.group = evens});
class ProcessGroup {
 public:
  struct Impl;
  ProcessGroup() = default;  // an empty handle; using it throws DistributedError
  /// Wraps an implementation (made by new_group and world()).
  explicit ProcessGroup(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  /// This process's rank in the group (-1 when not a member).
  int rank() const;
  /// Number of ranks in the group.
  int size() const;
  /// World ranks of the members, in group-rank order.
  std::vector<int> ranks() const;
  /// True when this process belongs to the group.
  bool contains_self() const { return rank() >= 0; }
  /// The implementation (internal).
  const std::shared_ptr<Impl>& impl() const { return impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

/// The group of all ranks (MPI_COMM_WORLD's duplicate).
ProcessGroup world();

/// A sub-group of the world made of `ranks` (world ranks, distinct, in the order that becomes the
/// group's rank order). Collective over the world: every rank calls it with the same list, members
/// or not. Throws ValueError for duplicates, IndexError for ranks out of range.
///   auto first_two = xg::distributed::new_group({0, 1});
ProcessGroup new_group(const std::vector<int>& ranks);

/// The handle a collective returns. For a blocking call it is already complete; for async_op = true
/// wait() blocks until the collective finished, then copies the result into non-contiguous targets.
/// A copyable handle (copies share the request); it keeps the staging buffers alive until completion.
/// If a Work from an async call is dropped without wait(), its destructor waits (never leaks a
/// pending request).
///   auto work = xg::distributed::all_reduce(t, ReduceOp::SUM, {.async_op = true});
///   ... compute ...
///   work.wait();
class Work {
 public:
  struct Impl;
  Work() = default;  // a completed no-op
  /// Wraps a started collective (made by the collectives with async_op).
  explicit Work(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  /// Blocks until the collective completed and its results are in place; idempotent. Throws
  /// DistributedError naming the collective if MPI reported a failure.
  void wait();
  /// Non-blocking test; true once complete (it then also finishes the copy-back, as wait() does).
  bool is_completed();

 private:
  std::shared_ptr<Impl> impl_;
};

/// Options shared by every collective (PyTorch's group= and async_op= keywords).
struct CollectiveOptions {
  /// the group (default: the world)
  std::optional<ProcessGroup> group = {};  // default: the world
  /// true: start the collective and return a Work at once
  bool async_op = false;  // true: start the collective and return at once
};

/// Reduces `tensor` elementwise across the group; every rank receives the result, in place.
///   xg::Tensor g = model->parameters()[0].grad();
///   xg::distributed::all_reduce(g, xg::distributed::ReduceOp::AVG);
Work all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::SUM, CollectiveOptions options = {});

/// Copies rank `src`'s tensor into `tensor` on every other rank of the group. Same shape and dtype on
/// every rank. As in PyTorch, `src` and `dst` below are world ranks (members of the group).
///   xg::distributed::broadcast(weights, /*src=*/0);
Work broadcast(Tensor& tensor, int src, CollectiveOptions options = {});

/// Like all_reduce, but only rank `dst` receives the result; other ranks' tensors are unchanged.
///   xg::distributed::reduce(loss_sum, /*dst=*/0);
Work reduce(Tensor& tensor, int dst, ReduceOp op = ReduceOp::SUM, CollectiveOptions options = {});

/// Gathers every rank's `tensor` into `tensor_list` (group-size tensors of the same shape and
/// dtype as `tensor`; element i receives rank i's tensor).
///   std::vector<xg::Tensor> all;   // distinct tensors: vector(n, t) would hold n handles of one tensor
///   for (int i = 0; i < xg::distributed::world_size(); ++i) all.push_back(xg::empty_like(t));
///   xg::distributed::all_gather(all, t);
Work all_gather(std::vector<Tensor>& tensor_list, const Tensor& tensor, CollectiveOptions options = {});

/// Gathers every rank's `input` into `output`, concatenated along dim 0: output has shape
/// [size * input.size(0), ...] (or [size] for a 0-d input), or [size, *input.shape] stacked.
///   xg::Tensor out = xg::empty({world_size() * 4, 3});
///   xg::distributed::all_gather_into_tensor(out, xg::ones({4, 3}));
Work all_gather_into_tensor(Tensor& output, const Tensor& input, CollectiveOptions options = {});

/// Reduces input_list[i] across ranks into rank i's `output` (input_list has group-size tensors of
/// output's shape and dtype).
///   xg::distributed::reduce_scatter(shard, chunks);
Work reduce_scatter(Tensor& output, const std::vector<Tensor>& input_list, ReduceOp op = ReduceOp::SUM,
                    CollectiveOptions options = {});

/// Reduces `input` (shape [size * output.size(0), ...], or [size, *output.shape]) across ranks and
/// scatters it along dim 0: rank i receives the reduced i-th chunk in `output`.
///   xg::distributed::reduce_scatter_tensor(shard, full);
Work reduce_scatter_tensor(Tensor& output, const Tensor& input, ReduceOp op = ReduceOp::SUM,
                           CollectiveOptions options = {});

/// Gathers every rank's `tensor` into `*gather_list` on rank `dst` (group-size tensors of tensor's
/// shape and dtype, element i from group rank i); other ranks pass nullptr (or a list, ignored).
///   std::vector<xg::Tensor> parts;
///   if (rank() == 0) for (int i = 0; i < world_size(); ++i) parts.push_back(xg::empty_like(t));
///   xg::distributed::gather(t, rank() == 0 ? &parts : nullptr, /*dst=*/0);
Work gather(const Tensor& tensor, std::vector<Tensor>* gather_list, int dst = 0, CollectiveOptions options = {});

/// Sends (*scatter_list)[i] from rank `src` to group rank i's `tensor`; other ranks pass nullptr.
///   `xg::distributed::scatter(mine, rank() == 0 ? &parts : nullptr, /*src=*/0);`
Work scatter(Tensor& tensor, const std::vector<Tensor>* scatter_list, int src = 0, CollectiveOptions options = {});

/// Blocks until every rank of the group reached it (async_op: until wait()).
Work barrier(CollectiveOptions options = {});

}  // namespace xg::distributed

// =================================================================================================
// ---- DistributedDataParallel, SyncBatchNorm, local SGD (lib/distributed/ddp.cpp,
//      sync_batch_norm.cpp, local_sgd.cpp)
// =================================================================================================
// DistributedDataParallel keeps one replica of a model per rank and averages the gradients during
// backward, bucket by bucket, with non-blocking all-reduces started from post-accumulate-grad hooks
// (Note [DDP buckets] in lib/distributed/ddp.cpp). SyncBatchNorm computes batch statistics over the
// global batch. PeriodicModelAverager implements local SGD (parameters averaged every k steps).
#include <chrono>
#include <string>

#include "xgrad/nn/module.hpp"
#include "xgrad/nn/normalization.hpp"

namespace xg::nn {

/// Options of DistributedDataParallel (PyTorch's keyword arguments).
struct DistributedDataParallelOptions {
  /// Gradients are all-reduced in buckets of about this many megabytes (MiB): a bucket is started
  /// as soon as every gradient in it is ready. Smaller buckets start earlier, larger ones cost
  /// fewer messages. A single parameter larger than the cap gets a bucket of its own.
  double bucket_cap_mb = 25.0;
  /// Parameters that got no gradient in a backward are treated as ready with a zero gradient when
  /// backward ends (a parameter unused on every rank keeps its .grad() as it was). Without it, a
  /// missing gradient at the end of backward is a DistributedError.
  bool find_unused_parameters = false;
  /// In training mode, every forward first copies rank 0's buffers (BatchNorm running statistics)
  /// to all ranks.
  bool broadcast_buffers = true;
  /// The group whose ranks hold replicas (default: the world). Rank 0 of the group is the source.
  std::optional<distributed::ProcessGroup> process_group = {};
  /// Communication hook: "none" (all-reduce float32/float64 gradients as they are), "fp16" or
  /// "bf16" (each bucket is rounded to IEEE half / bfloat16, pre-divided by the world size, and
  /// all-reduced as 16-bit values with a custom MPI sum: half the bytes on the wire, at the cost of
  /// the format's precision — 2^-11 (fp16) or 2^-8 (bf16) relative — and fp16's range of ±65504).
  std::string comm_hook = "none";
  /// true (default): a bucket's all-reduce starts during backward as soon as it is ready, so
  /// communication overlaps the rest of backward. false: every bucket starts when backward ends
  /// (no overlap; for measuring what the overlap gains).
  bool overlap = true;
};

/// Timing of the last synchronized backward of a DistributedDataParallel (seconds, measured from
/// the moment the first gradient of that backward was ready).
struct DistributedDataParallelStats {
  /// the number of gradient buckets
  int num_buckets = 0;
  /// Bytes each rank put into all-reduces (after compression by the comm hook).
  std::int64_t bytes = 0;
  /// Buckets whose all-reduce started before the end of backward.
  int buckets_started_during_backward = 0;
  /// When the graph walk ended (all gradients computed).
  double backward_end = 0;
  /// When every bucket was averaged and written into the .grad()s (backward() returns right after).
  double all_done = 0;
  /// Per bucket: when its all-reduce was started, and when it was seen complete.
  ///@{
  std::vector<double> bucket_started, bucket_completed;
  ///@}

  /// all_done − backward_end: the communication backward had to wait for.
  double exposed_seconds() const { return all_done - backward_end; }
  /// Of the time during which some all-reduce was in flight (the union of the buckets' intervals),
  /// the fraction that lay before the end of backward, i.e. hidden behind computation.
  double hidden_fraction() const;
};

/// Data-parallel training, as torch.nn.parallel.DistributedDataParallel: wraps a model whose
/// replica lives on every rank, copies rank 0's parameters and buffers to all ranks at
/// construction, and makes every backward leave each parameter's .grad() equal to the average of
/// the ranks' gradients — the gradient of the global batch when each rank's loss is the mean over
/// an equal share of it. Gradients are grouped in buckets (reverse registration order, by dtype)
/// whose non-blocking all-reduces start during backward as soon as they are ready; backward
/// returns once all are averaged. Parameters, named_parameters() and state_dict() are the wrapped
/// module's, named with the prefix "module." as in PyTorch.
///
///   auto guard = xg::distributed::init();
///   auto model = xg::nn::Sequential(xg::nn::Linear(784, 256), xg::nn::ReLU(), xg::nn::Linear(256, 10));
///   xg::nn::DistributedDataParallel ddp(model, {.bucket_cap_mb = 4});
///   xg::optim::SGD opt(ddp->parameters(), {.lr = 0.1});
///   auto loss = xg::nn::functional::cross_entropy(ddp(x_shard), y_shard);
///   opt.zero_grad(); loss.backward(); opt.step();      // identical step on every rank
///
/// Every rank must run the same sequence of forward/backward calls (the all-reduces are collective).
class DistributedDataParallelImpl : public Module {
 public:
  /// Wraps `module` (its parameters are broadcast from rank 0 first, so every rank starts equal).
  DistributedDataParallelImpl(ModulePtr module, DistributedDataParallelOptions options = {});
  ~DistributedDataParallelImpl() override;
  /// Broadcasts rank 0's buffers first when training and broadcast_buffers; then module->forward.
  Tensor forward(const Tensor& input) override;
  /// The wrapped module (PyTorch's ddp.module).
  const ModulePtr& module() const { return module_; }

  /// Turns gradient synchronization off for its lifetime (PyTorch's `with ddp.no_sync():`): the
  /// gradients of backward passes inside accumulate locally, and the first synchronized backward
  /// after it averages the accumulated sums.
  ///   { auto guard = ddp->no_sync(); loss(micro_batch_1).backward(); }
  ///   loss(micro_batch_2).backward();     // all-reduces the gradients of both micro-batches
  class NoSyncGuard {
   public:
    /// Turns `ddp`'s gradient synchronization off until destroyed.
    explicit NoSyncGuard(DistributedDataParallelImpl& ddp);
    ~NoSyncGuard();
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;

   private:
    DistributedDataParallelImpl& ddp_;
    bool prev_;
  };
  /// A guard that turns gradient synchronization off for its lifetime (see NoSyncGuard).
  [[nodiscard]] NoSyncGuard no_sync() { return NoSyncGuard(*this); }
  /// Whether backward currently all-reduces (false inside no_sync()).
  bool require_backward_grad_sync() const;

  /// Timing of the last synchronized backward (see DistributedDataParallelStats).
  const DistributedDataParallelStats& last_step_stats() const;
  /// The buckets: names of their parameters (relative to module()), in all-reduce order.
  std::vector<std::vector<std::string>> bucket_parameter_names() const;
  /// The options this module was made with.
  const DistributedDataParallelOptions& options() const { return options_; }
  /// `DistributedDataParallel(world_size=2, buckets=3, comm_hook=none)` followed by the module.
  void pretty_print(std::ostream& os) const override;

  struct Reducer;  // lib/distributed/ddp.cpp

 private:
  ModulePtr module_;
  DistributedDataParallelOptions options_;
  std::shared_ptr<Reducer> reducer_;
};

/// The holder: `xg::nn::DistributedDataParallel ddp(model, {.find_unused_parameters = true});`
class DistributedDataParallel : public ModuleHolder<DistributedDataParallelImpl> {
 public:
  using ModuleHolder<DistributedDataParallelImpl>::ModuleHolder;
  /// Wraps a module.
  DistributedDataParallel(ModulePtr module, DistributedDataParallelOptions options = {})
      : ModuleHolder(std::make_shared<DistributedDataParallelImpl>(std::move(module), std::move(options))) {}
  /// Wraps the module a holder points to.
  template <class Holder, class = decltype(std::declval<Holder>().ptr())>
  DistributedDataParallel(const Holder& module, DistributedDataParallelOptions options = {})
      : DistributedDataParallel(ModulePtr(module.ptr()), std::move(options)) {}
};

/// Batch normalization whose training-mode statistics are those of the global batch across the
/// ranks of a group (torch.nn.SyncBatchNorm): per-channel counts, means and squared deviations are
/// all-gathered in float64 and combined exactly (Chan's parallel formula), the running statistics
/// are updated with the global unbiased variance, and backward all-reduces the two per-channel
/// gradient sums so that input gradients are those of BatchNorm over the global batch. Accepts
/// [N, C, *] inputs (any rank ≥ 2). Eval mode is plain BatchNorm with the running statistics.
/// Every rank of the group must call forward and backward together; a rank may have 0 samples.
///
///   xg::nn::SyncBatchNorm bn(16);                      // in place of BatchNorm2d(16)
///   auto model2 = xg::nn::convert_sync_batchnorm(model.ptr());   // every BatchNorm replaced
class SyncBatchNormImpl : public BatchNormImplBase {
 public:
  /// Batch normalization over `num_features` channels with statistics across `process_group` (default: the world).
  explicit SyncBatchNormImpl(std::int64_t num_features, BatchNormOptions options = {},
                             std::optional<distributed::ProcessGroup> process_group = {});
  /// Takes over `bn`'s options, parameters and buffers (the same tensors, so optimizers built on
  /// them still work) and its training mode.
  explicit SyncBatchNormImpl(const BatchNormImplBase& bn, std::optional<distributed::ProcessGroup> process_group = {});
  Tensor forward(const Tensor& input) override;
  ModulePtr clone() const override { return clone_as<SyncBatchNormImpl>(); }
  /// the group the statistics are combined over (none: the world)
  std::optional<distributed::ProcessGroup> process_group;

 protected:
  void check_input_dim(const Tensor& input) const override;
  const char* layer_name() const override { return "SyncBatchNorm"; }
};
/// The module handle of SyncBatchNormImpl (see ModuleHolder).
class SyncBatchNorm : public ModuleHolder<SyncBatchNormImpl> {
 public:
  using ModuleHolder<SyncBatchNormImpl>::ModuleHolder;
  /// Spelled out so that braced options work: `SyncBatchNorm(64, {.momentum = 0.01})`.
  SyncBatchNorm(std::int64_t num_features, BatchNormOptions options = {},
                std::optional<distributed::ProcessGroup> process_group = {})
      : ModuleHolder(std::make_shared<SyncBatchNormImpl>(num_features, options, std::move(process_group))) {}
};

/// Returns `module` with every BatchNorm1d/BatchNorm2d (itself or any descendant) replaced by a
/// SyncBatchNorm that keeps its parameters, buffers and options (torch's
/// SyncBatchNorm.convert_sync_batchnorm). Children are replaced in place; the result is `module`
/// itself unless `module` is a BatchNorm.
///   model = xg::nn::convert_sync_batchnorm(model);
ModulePtr convert_sync_batchnorm(ModulePtr module, std::optional<distributed::ProcessGroup> process_group = {});

}  // namespace xg::nn

namespace xg::distributed {

/// Local SGD's averaging step (PyTorch's PeriodicModelAverager, Lin et al. 2020, "Don't use large
/// mini-batches, use local SGD"): every rank trains on its own and, after `warmup_steps` steps,
/// every `period`-th call replaces the parameters by their average across the ranks. During the
/// warm-up, pair it with DistributedDataParallel (averaged gradients); after it, train without
/// gradient synchronization (e.g. inside ddp->no_sync()) and let the averager synchronize.
///
///   xg::distributed::PeriodicModelAverager averager({.period = 4, .warmup_steps = 100});
///   for (...) { loss.backward(); opt.step(); averager.average_parameters(model->parameters()); }
struct PeriodicModelAveragerOptions {
  /// average every `period` steps after the warm-up
  int period = 4;
  /// steps before the first averaging
  int warmup_steps = 0;
  /// the group averaged over (none: the world)
  std::optional<ProcessGroup> process_group = {};
};
/// Local SGD's periodic parameter averaging (see PeriodicModelAveragerOptions above for the schedule).
class PeriodicModelAverager {
 public:
  /// An averager with `options` (ValueError for a period below 1 or negative warmup_steps).
  explicit PeriodicModelAverager(PeriodicModelAveragerOptions options = {});
  /// Counts a step; averages `params` (in place, all-reduce AVG, one message per dtype) when
  /// step >= warmup_steps and (step - warmup_steps) % period == 0. Returns whether it averaged.
  bool average_parameters(const std::vector<Tensor>& params);
  /// Steps counted so far.
  std::int64_t step() const { return step_; }
  /// The options it was made with.
  const PeriodicModelAveragerOptions& options() const { return options_; }

 private:
  PeriodicModelAveragerOptions options_;
  std::int64_t step_ = 0;
};

/// Averages `tensors` across the group in place with one all-reduce per dtype (the tensors are
/// packed into a flat buffer): what the averager does at its averaging steps.
void average_parameters(const std::vector<Tensor>& tensors, std::optional<ProcessGroup> group = {});

}  // namespace xg::distributed

// =================================================================================================
// ---- training across ranks (lib/distributed/train_world.cpp)
// =================================================================================================
// The data and training layers know nothing of MPI; these bridge them to the process group:
// a DistributedSampler for this rank, and the World that fit() / evaluate() average over.
#include "xgrad/data/sampler.hpp"
#include "xgrad/train/world.hpp"

namespace xg::distributed {

/// make_sampler's arguments: DistributedSamplerOptions without num_replicas and rank, which come
/// from the group.
struct SamplerOptions {
  /// shuffle the indices every epoch (seeded by seed and the epoch)
  bool shuffle = true;
  std::uint64_t seed = 0;  ///< the same on every rank
  /// drop the tail that does not divide evenly (else pad by repeating indices)
  bool drop_last = false;
  std::optional<ProcessGroup> group = {};  ///< default: the world
};

/// A DistributedSampler over `dataset` for this process: num_replicas = the group's size, rank =
/// this process's rank in it (PyTorch's DistributedSampler(dataset) defaults). DistributedError
/// before init() or when this process is not in the group.
///   xg::data::DataLoader loader(train, {.batch_size = 64, .sampler = xg::distributed::make_sampler(train)});
std::shared_ptr<data::DistributedSampler> make_sampler(const data::Dataset& dataset, SamplerOptions options = {});

/// The World of fit() / evaluate() / train::save_checkpoint on this process group: rank() and
/// size() are the group's, all_reduce_sum and broadcast run all_reduce / broadcast on a float64
/// tensor (blocking; an empty vector is a no-op on every rank). Open MPI's all-reduce of a small
/// vector gives every rank the same bits, and fit broadcasts rank 0's epoch logs anyway.
///   auto guard = xg::distributed::init();
///   xg::train::fit(model, ce, opt, loader, {.epochs = 3, .world = xg::distributed::train_world()});
std::shared_ptr<train::World> train_world(std::optional<ProcessGroup> group = {});

}  // namespace xg::distributed

XGRAD_API_END
