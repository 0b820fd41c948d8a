// The MPI process group: init/finalize, ranks, sub-groups, and the Work handle of collectives.
#include "distributed/process_group.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

#include "xgrad/autograd.hpp"
#include "xgrad/threads.hpp"

namespace xg::distributed {

namespace {
struct State {
  bool initialized = false;  // between init() and finalize
  bool we_initialized_mpi = false;
  int rank = 0, size = 1, local_rank = 0, local_size = 1;
  std::shared_ptr<ProcessGroup::Impl> world;
};
State& state() {
  static State s;
  return s;
}

void check_mpi(int rc, const char* op, const char* call) {
  XG_CHECK(rc == MPI_SUCCESS, DistributedError, op, ": ", call, " failed: ", detail::mpi_error_string(rc));
}

/// Threads per rank: the machine's cores shared by the ranks on it, and no more than the cores this
/// process may run on (mpirun binds each rank to one core when ranks <= 2, for instance).
int threads_per_rank(int local_size) {
  const int hardware = std::max(1u, std::thread::hardware_concurrency());
  int n = std::max(1, hardware / std::max(1, local_size));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = std::min(n, std::max(1, CPU_COUNT(&set)));
  return n;
}
}  // namespace

// ---- detail ----------------------------------------------------------------------------------------

namespace detail {
bool mpi_finalized() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  return finalized != 0;
}

void check_initialized(const char* op) {
  XG_CHECK(state().initialized, DistributedError, op,
           ": the process group is not initialized; call xg::distributed::init() first");
}

std::string mpi_error_string(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error code " + std::to_string(code);
  return std::string(text, static_cast<std::size_t>(length));
}

std::shared_ptr<ProcessGroup::Impl> resolve_group(const std::optional<ProcessGroup>& group, const char* op) {
  check_initialized(op);
  if (!group) return state().world;
  const auto& g = group->impl();
  XG_CHECK(g != nullptr, DistributedError, op, ": the process group is an empty handle (use world() or new_group())");
  XG_CHECK(g->rank >= 0, DistributedError, op, ": this rank (", state().rank,
           ") is not a member of the process group of world ranks ",
           Shape(g->world_ranks.begin(), g->world_ranks.end()));
  return g;
}
}  // namespace detail

// ---- Impl lifetimes ------------------------------------------------------------------------------

ProcessGroup::Impl::~Impl() {
  if (owns_comm && comm != MPI_COMM_NULL && !detail::mpi_finalized()) MPI_Comm_free(&comm);
}

Work::Impl::~Impl() {
  if (done || request == MPI_REQUEST_NULL || detail::mpi_finalized()) return;
  if (std::uncaught_exceptions() > 0) {
    // See Note [Work and staging buffers]: keep the buffers alive for MPI, never block here.
    static auto* leaked = new std::vector<std::vector<Tensor>>();
    leaked->push_back(std::move(keep));
    return;
  }
  MPI_Wait(&request, MPI_STATUS_IGNORE);
  if (finish) {
    try {
      NoGradGuard no_grad;
      finish();
    } catch (...) {  // a destructor must not throw; the copy-back cannot fail on valid tensors
    }
  }
}

std::string Work::Impl::what() const {
  if (!has_tensor) return "no tensor";
  return xg::detail::concat("a tensor of shape ", shape, " and dtype ", dtype);
}

void Work::Impl::complete() {
  done = true;
  if (finish) {
    NoGradGuard no_grad;
    auto f = std::move(finish);
    finish = nullptr;
    f();
  }
  keep.clear();
}

// ---- Work ----------------------------------------------------------------------------------------

void Work::wait() {
  if (!impl_) return;
  Impl& w = *impl_;
  if (!w.error.empty()) throw DistributedError(w.error);
  if (w.done) return;
  XG_CHECK(!detail::mpi_finalized(), DistributedError, w.op, ": wait() after MPI was finalized");
  const int rc = MPI_Wait(&w.request, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) {
    w.done = true;
    w.error = xg::detail::concat(w.op, ": waiting for the collective on ", w.what(),
                                 " failed: ", detail::mpi_error_string(rc));
    throw DistributedError(w.error);
  }
  w.complete();
}

bool Work::is_completed() {
  if (!impl_) return true;
  Impl& w = *impl_;
  if (w.done) return true;
  int flag = 0;
  const int rc = MPI_Test(&w.request, &flag, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) {
    w.done = true;
    w.error =
        xg::detail::concat(w.op, ": testing the collective on ", w.what(), " failed: ", detail::mpi_error_string(rc));
    throw DistributedError(w.error);
  }
  if (flag) w.complete();
  return flag != 0;
}

// ---- init and finalize ---------------------------------------------------------------------------

bool is_available() { return true; }
bool is_initialized() { return state().initialized; }

InitGuard init(InitOptions options) {
  State& s = state();
  XG_CHECK(!s.initialized, DistributedError, "init: the process group is already initialized (call init() once)");
  XG_CHECK(!detail::mpi_finalized(), DistributedError,
           "init: MPI was already finalized in this process and cannot be initialized again");
  int already = 0;
  MPI_Initialized(&already);
  if (!already) {
    // SERIALIZED: collectives may be called from any thread, one at a time (the kernels' TBB
    // threads never call MPI).
    int provided = 0;
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "init", "MPI_Init_thread");
    s.we_initialized_mpi = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &s.rank), "init", "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &s.size), "init", "MPI_Comm_size");

  auto world = std::make_shared<ProcessGroup::Impl>();
  check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &world->comm), "init", "MPI_Comm_dup");
  MPI_Comm_set_errhandler(world->comm, MPI_ERRORS_RETURN);
  world->rank = s.rank;
  world->size = s.size;
  world->world_ranks.resize(static_cast<std::size_t>(s.size));
  for (int i = 0; i < s.size; ++i) world->world_ranks[static_cast<std::size_t>(i)] = i;
  s.world = std::move(world);

  // The ranks that share this machine's memory: local rank and count.
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, s.rank, MPI_INFO_NULL, &node), "init",
            "MPI_Comm_split_type");
  MPI_Comm_rank(node, &s.local_rank);
  MPI_Comm_size(node, &s.local_size);
  MPI_Comm_free(&node);

  if (options.set_num_threads) set_num_threads(threads_per_rank(s.local_size));
  s.initialized = true;
  return InitGuard(true);
}

InitGuard::InitGuard(InitGuard&& other) noexcept : owns_(std::exchange(other.owns_, false)) {}
InitGuard& InitGuard::operator=(InitGuard&& other) noexcept {
  if (this != &other) {
    if (owns_) finalize();
    owns_ = std::exchange(other.owns_, false);
  }
  return *this;
}

InitGuard::~InitGuard() {
  if (!owns_) return;
  if (std::uncaught_exceptions() > 0) {
    // A rank failed. MPI_Finalize would wait for the other ranks, which may be waiting for this one
    // in a collective: end the whole job instead, with a non-zero exit code.
    std::fprintf(stderr,
                 "xgrad: rank %d of %d is leaving through an exception; aborting the MPI job so that "
                 "the other ranks do not wait for it forever\n",
                 state().rank, state().size);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  finalize();
}

void InitGuard::finalize() {
  if (!owns_) return;
  owns_ = false;
  State& s = state();
  s.world.reset();
  s.initialized = false;
  if (s.we_initialized_mpi && !detail::mpi_finalized()) MPI_Finalize();
}

// ---- ranks and groups ----------------------------------------------------------------------------

int rank() {
  detail::check_initialized("rank");
  return state().rank;
}
int world_size() {
  detail::check_initialized("world_size");
  return state().size;
}
int local_rank() {
  detail::check_initialized("local_rank");
  return state().local_rank;
}
int local_world_size() {
  detail::check_initialized("local_world_size");
  return state().local_size;
}

int ProcessGroup::rank() const {
  XG_CHECK(impl_ != nullptr, DistributedError, "ProcessGroup::rank: empty process group handle");
  return impl_->rank;
}
int ProcessGroup::size() const {
  XG_CHECK(impl_ != nullptr, DistributedError, "ProcessGroup::size: empty process group handle");
  return impl_->size;
}
std::vector<int> ProcessGroup::ranks() const {
  XG_CHECK(impl_ != nullptr, DistributedError, "ProcessGroup::ranks: empty process group handle");
  return impl_->world_ranks;
}

ProcessGroup world() {
  detail::check_initialized("world");
  return ProcessGroup(state().world);
}

ProcessGroup new_group(const std::vector<int>& ranks) {
  detail::check_initialized("new_group");
  const State& s = state();
  XG_CHECK(!ranks.empty(), ValueError, "new_group: the list of ranks is empty");
  std::vector<int> sorted = ranks;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    XG_CHECK(sorted[i] >= 0 && sorted[i] < s.size, IndexError, "new_group: rank ", sorted[i],
             " is out of range for a world of size ", s.size);
    XG_CHECK(i == 0 || sorted[i] != sorted[i - 1], ValueError, "new_group: rank ", sorted[i],
             " appears twice in the list of ranks");
  }
  auto g = std::make_shared<ProcessGroup::Impl>();
  g->world_ranks = ranks;
  g->size = static_cast<int>(ranks.size());
  const auto it = std::find(ranks.begin(), ranks.end(), s.rank);
  const bool member = it != ranks.end();
  // Collective over the world (as PyTorch's new_group): members get a communicator ordered as the
  // list, the others MPI_COMM_NULL.
  const int key = member ? static_cast<int>(it - ranks.begin()) : 0;
  check_mpi(MPI_Comm_split(s.world->comm, member ? 0 : MPI_UNDEFINED, key, &g->comm), "new_group", "MPI_Comm_split");
  if (member) {
    MPI_Comm_set_errhandler(g->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(g->comm, &g->rank);
  }
  return ProcessGroup(std::move(g));
}

}  // namespace xg::distributed
