// DistributedDataParallel: one model replica per rank, gradients averaged during backward in
// buckets whose non-blocking all-reduces are started by post-accumulate-grad hooks and awaited by a
// callback queued at the end of backward. Also: the fp16/bf16 compression hooks.
#if XGRAD_HAVE_MPI
#include <mpi.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <ostream>
#include <unordered_set>

#if XGRAD_HAVE_MPI
#include "distributed/process_group.hpp"
#endif
#include "kernels/convert16.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/distributed.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

using Clock = std::chrono::steady_clock;
namespace dist = ::xg::distributed;

// Note [DDP buckets]
// Parameters that require grad are taken in reverse registration order (roughly the order in which
// backward produces their gradients) and packed, per dtype, into buckets of at most bucket_cap_mb;
// each bucket owns a flat buffer with a slot per parameter. The post-accumulate-grad hook of a
// parameter copies its .grad() into its slot; when a bucket's last slot is filled, the bucket's
// all-reduce is started (async). Buckets are started strictly in bucket order — bucket k only after
// buckets 0..k-1 — because MPI matches collectives on a communicator by the order in which ranks
// issue them, and ranks may see gradients become ready in different orders (e.g. with unused
// parameters). The hook also queues, once per backward, a callback that runs when the graph walk is
// done: it marks missing gradients (find_unused_parameters) or reports them, starts the remaining
// buckets, waits for all, and copies the averages back into the .grad()s. The average is exact
// rank-order-independent float addition as MPI performs it, identical on every rank.

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- 16-bit compression (comm_hook "fp16" / "bf16"): the conversions are dispatched kernels ----
// (Note [16-bit conversions in bulk] in kernels/convert16.cpp)

constexpr kernels::Format16 format16(bool half) { return half ? kernels::Format16::Half : kernels::Format16::BFloat16; }

#if XGRAD_HAVE_MPI
template <bool kHalf>
void sum16(void* in, void* inout, int* len, MPI_Datatype*) {
  kernels::add16(format16(kHalf), static_cast<const std::uint16_t*>(in), static_cast<std::uint16_t*>(inout), *len);
}

MPI_Op sum16_op(bool half) {
  // Created once per process (after MPI_Init, at the first compressed bucket) and never freed:
  // MPI releases user ops at finalize.
  static MPI_Op ops[2] = {MPI_OP_NULL, MPI_OP_NULL};
  MPI_Op& op = ops[half ? 1 : 0];
  if (op == MPI_OP_NULL) {
    const int rc = half ? MPI_Op_create(&sum16<true>, 1, &op) : MPI_Op_create(&sum16<false>, 1, &op);
    XG_CHECK(rc == MPI_SUCCESS, DistributedError, "DistributedDataParallel: MPI_Op_create for the ",
             half ? "fp16" : "bf16", " sum failed: ", dist::detail::mpi_error_string(rc));
  }
  return op;
}
#endif

}  // namespace

double DistributedDataParallelStats::hidden_fraction() const {
  // Union of the [started, completed] intervals, and its part before backward_end.
  std::vector<std::pair<double, double>> iv;
  for (std::size_t b = 0; b < bucket_started.size() && b < bucket_completed.size(); ++b)
    iv.emplace_back(bucket_started[b], bucket_completed[b]);
  std::sort(iv.begin(), iv.end());
  double total = 0, hidden = 0, cur_s = 0, cur_e = -1;
  auto flush = [&] {
    if (cur_e < cur_s) return;
    total += cur_e - cur_s;
    hidden += std::max(0.0, std::min(cur_e, backward_end) - cur_s);
  };
  for (const auto& [s, e] : iv) {
    if (s > cur_e) {
      flush();
      cur_s = s;
      cur_e = e;
    } else cur_e = std::max(cur_e, e);
  }
  flush();
  return total > 0 ? hidden / total : 0.0;
}

struct DistributedDataParallelImpl::Reducer : std::enable_shared_from_this<Reducer> {
  struct Bucket {
    Dtype dtype = kFloat32;
    std::vector<std::size_t> params;
    std::int64_t numel = 0;
    Tensor flat;                        // the slots, averaged in place
    std::vector<std::uint16_t> packed;  // the 16-bit payload with a compression hook
    dist::Work work;
    int pending = 0;
    bool started = false, completed = false;
    double t_started = 0, t_completed = 0;
  };

  std::optional<dist::ProcessGroup> group;
  int size = 1;
  int src = 0;  // world rank of the group's rank 0
  DistributedDataParallelOptions options;
  int hook_kind = 0;  // 0 none, 1 fp16, 2 bf16

  std::vector<Tensor> params;
  std::vector<std::string> names;
  std::vector<std::size_t> bucket_of;
  std::vector<std::int64_t> offset_of;
  std::vector<Bucket> buckets;
  std::vector<char> ready;
  std::vector<unsigned> hook_handles;

  bool sync = true;
  bool in_step = false;
  std::size_t next_bucket = 0;
  Clock::time_point t0;
  DistributedDataParallelStats stats;

  dist::CollectiveOptions coll(bool async = false) const { return {.group = group, .async_op = async}; }

  Tensor slot(std::size_t i) const {
    const Bucket& b = buckets[bucket_of[i]];
    return b.flat.narrow(0, offset_of[i], params[i].numel()).view(params[i].sizes());
  }

  void build_buckets() {
    const double cap_bytes = options.bucket_cap_mb * 1024.0 * 1024.0;
    std::map<Dtype, std::size_t> open;  // dtype -> index into `made`
    std::vector<Bucket> made;
    std::vector<std::size_t> first;  // position (in reverse order) of each bucket's first parameter
    bucket_of.assign(params.size(), 0);
    offset_of.assign(params.size(), 0);
    std::size_t pos = 0;
    for (std::size_t k = params.size(); k-- > 0; ++pos) {
      const Tensor& p = params[k];
      auto it = open.find(p.dtype());
      if (it == open.end()) {
        made.emplace_back();
        made.back().dtype = p.dtype();
        first.push_back(pos);
        it = open.emplace(p.dtype(), made.size() - 1).first;
      }
      Bucket& b = made[it->second];
      b.params.push_back(k);
      b.numel += p.numel();
      if (static_cast<double>(b.numel) * static_cast<double>(element_size(p.dtype())) >= cap_bytes) open.erase(it);
    }
    std::vector<std::size_t> order(made.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return first[a] < first[b]; });
    buckets.clear();
    for (std::size_t o : order) buckets.push_back(std::move(made[o]));
    for (std::size_t bi = 0; bi < buckets.size(); ++bi) {
      Bucket& b = buckets[bi];
      b.flat = zeros({b.numel}, b.dtype);
      std::int64_t off = 0;
      for (std::size_t i : b.params) {
        bucket_of[i] = bi;
        offset_of[i] = off;
        off += params[i].numel();
      }
    }
    ready.assign(params.size(), 0);
  }

  void begin_step() {
    // Buckets of a backward that failed midway may still be in flight: every rank started them,
    // so finishing them here keeps the ranks' collectives matched and the buffers free.
    for (auto& b : buckets) {
      if (b.started) b.work.wait();
      b.started = b.completed = false;
      b.pending = static_cast<int>(b.params.size());
    }
    std::fill(ready.begin(), ready.end(), 0);
    next_bucket = 0;
    in_step = true;
    t0 = Clock::now();
    stats = DistributedDataParallelStats{};
    stats.num_buckets = static_cast<int>(buckets.size());
    stats.bucket_started.assign(buckets.size(), 0.0);
    stats.bucket_completed.assign(buckets.size(), 0.0);
  }

  // A callback dropped unrun (the backward threw) must not leave the reducer mid-step.
  struct StepToken {
    std::weak_ptr<Reducer> reducer;
    bool finished = false;
    ~StepToken() {
      if (finished) return;
      if (auto r = reducer.lock()) r->in_step = false;
    }
  };

  void on_grad_ready(std::size_t i) {
    if (!sync) return;
    if (!in_step) {
      begin_step();
      auto token = std::make_shared<StepToken>();
      token->reducer = weak_from_this();
      autograd::queue_callback([token] {
        token->finished = true;
        if (auto r = token->reducer.lock()) r->finalize();
      });
    }
    XG_CHECK(!ready[i], DistributedError, "DistributedDataParallel: parameter '", names[i],
             "' received its gradient twice in one backward; DDP supports one accumulation per parameter per "
             "backward");
    mark_ready(i, params[i].grad());
    if (options.overlap) start_ready_buckets();
    poll();
  }

  void mark_ready(std::size_t i, const Tensor& grad) {
    ready[i] = 1;
    {
      NoGradGuard ng;
      Tensor s = slot(i);
      if (grad.defined()) s.copy_(grad);
      else s.zero_();
    }
    --buckets[bucket_of[i]].pending;
  }

  void start_ready_buckets() {
    while (next_bucket < buckets.size() && buckets[next_bucket].pending == 0) start(next_bucket++);
  }

  void start(std::size_t bi) {
    Bucket& b = buckets[bi];
    b.started = true;
    stats.bucket_started[bi] = seconds_since(t0);
    if (in_step) ++stats.buckets_started_during_backward;
    if (hook_kind == 0) {
      stats.bytes += b.numel * static_cast<std::int64_t>(element_size(b.dtype));
      b.work = dist::all_reduce(b.flat, dist::ReduceOp::AVG, coll(true));
      return;
    }
    // Compressed: pre-divide by the world size (keeps fp16 sums in range, as PyTorch's hook does),
    // round to 16 bits, sum as 16-bit values, widen back in `finish`.
    stats.bytes += b.numel * 2;
    const bool half = hook_kind == 1;
    b.packed.resize(static_cast<std::size_t>(b.numel));
    {
      NoGradGuard ng;
      const Tensor f = (b.dtype == kFloat32 ? b.flat : b.flat.to(kFloat32)).contiguous();
      const float inv = 1.0f / static_cast<float>(size);
      kernels::pack16(format16(half), f.data_ptr<float>(), inv, b.packed.data(), b.numel);
    }
#if XGRAD_HAVE_MPI
    auto g = dist::detail::resolve_group(group, "DistributedDataParallel");
    auto w = std::make_shared<dist::Work::Impl>();
    w->op = half ? "DistributedDataParallel (fp16 all_reduce)" : "DistributedDataParallel (bf16 all_reduce)";
    w->shape = Shape{b.numel};
    w->dtype = b.dtype;
    w->has_tensor = true;
    w->group = g;
    Bucket* bp = &b;
    w->finish = [bp, half] {
      Tensor wide = empty({bp->numel}, kFloat32);
      kernels::unpack16(format16(half), bp->packed.data(), wide.data_ptr<float>(), bp->numel);
      bp->flat.copy_(bp->dtype == kFloat32 ? wide : wide.to(bp->dtype));
    };
    const int rc = MPI_Iallreduce(MPI_IN_PLACE, b.packed.data(), static_cast<int>(b.numel), MPI_UINT16_T,
                                  sum16_op(half), g->comm, &w->request);
    XG_CHECK(rc == MPI_SUCCESS, DistributedError, w->op, ": MPI_Iallreduce of ", b.numel,
             " 16-bit values failed: ", dist::detail::mpi_error_string(rc));
    b.work = dist::Work(std::move(w));
#else
    throw DistributedError("xgrad was built without MPI; install libopenmpi-dev and openmpi-bin and rebuild");
#endif
  }

  // Drives MPI's progress engine (Open MPI progresses non-blocking collectives only inside MPI
  // calls) and records when buckets complete.
  void poll() {
    for (std::size_t bi = 0; bi < next_bucket; ++bi) {
      Bucket& b = buckets[bi];
      if (b.completed) continue;
      if (!b.work.is_completed()) break;
      b.completed = true;
      stats.bucket_completed[bi] = seconds_since(t0);
    }
  }

  void finalize() {
    stats.backward_end = seconds_since(t0);
    in_step = false;
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < params.size(); ++i)
      if (!ready[i]) missing.push_back(i);
    if (!missing.empty() && !options.find_unused_parameters) {
      std::string list;
      for (std::size_t k = 0; k < missing.size() && k < 8; ++k)
        list += ::xg::detail::concat(k ? ", " : "", "'", names[missing[k]], "' ", params[missing[k]].sizes());
      if (missing.size() > 8) list += ::xg::detail::concat(", ... (", missing.size() - 8, " more)");
      throw DistributedError(::xg::detail::concat(
          "DistributedDataParallel: ", missing.size(), " of ", params.size(),
          " parameters received no gradient in this backward: ", list,
          ". Every parameter must take part in computing the loss; if some are unused in some steps, construct "
          "DistributedDataParallel with {.find_unused_parameters = true} (they are then averaged as zero "
          "gradients), or set requires_grad_(false) on parameters that are never trained"));
    }
    // find_unused_parameters: a missing gradient counts as zero (or as what no_sync() accumulated).
    for (std::size_t i : missing) mark_ready(i, params[i].grad());
    for (; next_bucket < buckets.size(); ++next_bucket) start(next_bucket);
    // Which parameters some rank used: those unused everywhere keep their .grad() untouched.
    std::vector<char> used_anywhere(params.size(), 1);
    if (options.find_unused_parameters) {
      Tensor flags = zeros({static_cast<std::int64_t>(params.size())}, kInt64);
      {
        auto* f = flags.data_ptr<std::int64_t>();
        std::vector<char> local(params.size(), 1);
        for (std::size_t i : missing) local[i] = 0;
        for (std::size_t i = 0; i < params.size(); ++i) f[i] = local[i];
      }
      dist::all_reduce(flags, dist::ReduceOp::MAX, coll());
      const auto* f = flags.data_ptr<std::int64_t>();
      for (std::size_t i = 0; i < params.size(); ++i) used_anywhere[i] = f[i] != 0;
    }
    for (std::size_t bi = 0; bi < buckets.size(); ++bi) {
      Bucket& b = buckets[bi];
      b.work.wait();
      if (!b.completed) {
        b.completed = true;
        stats.bucket_completed[bi] = seconds_since(t0);
      }
      b.started = false;
    }
    NoGradGuard ng;
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (!used_anywhere[i]) continue;
      Tensor avg = slot(i);
      Tensor& g = params[i].mutable_grad();
      if (g.defined() && g.sizes() == avg.sizes() && g.dtype() == avg.dtype()) g.copy_(avg);
      else params[i].set_grad(avg.clone());
    }
    stats.all_done = seconds_since(t0);
  }

  // Copies group rank 0's values of `tensors` to every rank, one broadcast per dtype.
  void broadcast_from_source(const std::vector<Tensor>& tensors) const {
    if (size == 1 || tensors.empty()) return;
    NoGradGuard ng;
    std::map<Dtype, std::vector<Tensor>> by_dtype;
    for (const auto& t : tensors) by_dtype[t.dtype()].push_back(t);
    for (auto& [dtype, list] : by_dtype) {
      TensorList flat;
      for (const auto& t : list) flat.push_back(t.detach().reshape({-1}));
      Tensor buf = cat(flat, 0).contiguous();
      dist::broadcast(buf, src, coll());
      std::int64_t off = 0;
      for (auto& t : list) {
        Tensor dst = t.detach();
        dst.copy_(buf.narrow(0, off, t.numel()).view(t.sizes()));
        off += t.numel();
      }
    }
  }
};

DistributedDataParallelImpl::DistributedDataParallelImpl(ModulePtr module, DistributedDataParallelOptions options)
    : Module("DistributedDataParallel"), module_(std::move(module)), options_(std::move(options)) {
  XG_CHECK(module_ != nullptr, ValueError, "DistributedDataParallel: the module is an empty handle");
  XG_CHECK(options_.bucket_cap_mb > 0, ValueError, "DistributedDataParallel: bucket_cap_mb must be positive, got ",
           options_.bucket_cap_mb);
  int kind = -1;
  if (options_.comm_hook == "none") kind = 0;
  else if (options_.comm_hook == "fp16") kind = 1;
  else if (options_.comm_hook == "bf16") kind = 2;
  XG_CHECK(kind >= 0, ValueError, "DistributedDataParallel: unknown comm_hook '", options_.comm_hook,
           "'; expected \"none\", \"fp16\" or \"bf16\"");
  register_module("module", module_);

  auto r = std::make_shared<Reducer>();
  r->options = options_;
  r->hook_kind = kind;
  r->group = options_.process_group;
  const dist::ProcessGroup g = r->group ? *r->group : dist::world();
  XG_CHECK(g.contains_self(), DistributedError, "DistributedDataParallel: this rank (", dist::rank(),
           ") is not a member of the process group");
  r->size = g.size();
  r->src = g.ranks().at(0);

  // Parameters that take part (requires_grad), each once, with their names under module().
  std::unordered_set<const void*> seen;
  for (const auto& [name, p] : module_->named_parameters()) {
    if (!p.requires_grad() || !seen.insert(p.unsafe_impl()).second) continue;
    XG_CHECK(p.is_floating_point(), DtypeError, "DistributedDataParallel: parameter '", name, "' has dtype ", p.dtype(),
             "; gradients need a floating dtype");
    XG_CHECK(kind == 0 || p.dtype() == kFloat32, DtypeError, "DistributedDataParallel: comm_hook '", options_.comm_hook,
             "' compresses float32 gradients, but parameter '", name, "' is ", p.dtype());
    r->params.push_back(p);
    r->names.push_back(name);
  }

  // The replicas must have the same structure: compare parameter count and total size across ranks.
  if (r->size > 1) {
    std::int64_t numel = 0;
    for (const auto& p : r->params) numel += p.numel();
    const auto n_buffers = static_cast<std::int64_t>(module_->buffers().size());
    Tensor lo = tensor(std::vector<std::int64_t>{static_cast<std::int64_t>(r->params.size()), numel, n_buffers});
    Tensor hi = lo.clone();
    dist::all_reduce(lo, dist::ReduceOp::MIN, r->coll());
    dist::all_reduce(hi, dist::ReduceOp::MAX, r->coll());
    XG_CHECK(lo.to_vector<std::int64_t>() == hi.to_vector<std::int64_t>(), DistributedError,
             "DistributedDataParallel: the model differs across ranks: this rank (", dist::rank(), ") has ",
             r->params.size(), " trainable parameters with ", numel, " elements and ", n_buffers,
             " buffers; across ranks [parameters, elements, buffers] range from ", Shape(lo.to_vector<std::int64_t>()),
             " to ", Shape(hi.to_vector<std::int64_t>()));
  }
  // Every replica starts from rank 0's values.
  std::vector<Tensor> state = module_->parameters();
  for (const auto& b : module_->buffers()) state.push_back(b);
  r->broadcast_from_source(state);

  r->build_buckets();
  std::weak_ptr<Reducer> weak = r;
  for (std::size_t i = 0; i < r->params.size(); ++i)
    r->hook_handles.push_back(r->params[i].register_post_accumulate_grad_hook([weak, i](const Tensor&) {
      if (auto rr = weak.lock()) rr->on_grad_ready(i);
    }));
  reducer_ = std::move(r);
}

DistributedDataParallelImpl::~DistributedDataParallelImpl() {
  if (!reducer_) return;
  for (std::size_t i = 0; i < reducer_->params.size(); ++i) {
    try {
      reducer_->params[i].remove_hook(reducer_->hook_handles[i]);
    } catch (...) {  // the hook is gone already; nothing to undo
    }
  }
}

Tensor DistributedDataParallelImpl::forward(const Tensor& input) {
  if (is_training() && options_.broadcast_buffers) reducer_->broadcast_from_source(module_->buffers());
  return (*module_)(input);
}

DistributedDataParallelImpl::NoSyncGuard::NoSyncGuard(DistributedDataParallelImpl& ddp)
    : ddp_(ddp), prev_(ddp.reducer_->sync) {
  ddp_.reducer_->sync = false;
}
DistributedDataParallelImpl::NoSyncGuard::~NoSyncGuard() { ddp_.reducer_->sync = prev_; }

bool DistributedDataParallelImpl::require_backward_grad_sync() const { return reducer_->sync; }

const DistributedDataParallelStats& DistributedDataParallelImpl::last_step_stats() const { return reducer_->stats; }

std::vector<std::vector<std::string>> DistributedDataParallelImpl::bucket_parameter_names() const {
  std::vector<std::vector<std::string>> out;
  for (const auto& b : reducer_->buckets) {
    out.emplace_back();
    for (std::size_t i : b.params) out.back().push_back(reducer_->names[i]);
  }
  return out;
}

void DistributedDataParallelImpl::pretty_print(std::ostream& os) const {
  os << "DistributedDataParallel(world_size=" << reducer_->size << ", buckets=" << reducer_->buckets.size()
     << ", comm_hook=" << options_.comm_hook << ")";
}

}  // namespace xg::nn
