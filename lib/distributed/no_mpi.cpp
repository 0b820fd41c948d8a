// xg::distributed when xgrad was built without MPI: every entry point throws a DistributedError
// that says how to get a build with MPI. Compiled instead of process_group.cpp and collectives.cpp.
#include "xgrad/distributed.hpp"

namespace xg::distributed {

namespace {
[[noreturn]] void unavailable(const char* op) {
  throw DistributedError(xg::detail::concat(
      op,
      ": xgrad was built without MPI; install libopenmpi-dev and openmpi-bin (scripts/install-deps.sh) "
      "and rebuild (cmake -DXGRAD_WITH_MPI=ON)"));
}
}  // namespace

bool is_available() { return false; }
bool is_initialized() { return false; }

InitGuard init(InitOptions) { unavailable("init"); }
InitGuard::InitGuard(InitGuard&& other) noexcept : owns_(std::exchange(other.owns_, false)) {}
InitGuard& InitGuard::operator=(InitGuard&& other) noexcept {
  owns_ = std::exchange(other.owns_, false);
  return *this;
}
InitGuard::~InitGuard() = default;
void InitGuard::finalize() { owns_ = false; }

int rank() { unavailable("rank"); }
int world_size() { unavailable("world_size"); }
int local_rank() { unavailable("local_rank"); }
int local_world_size() { unavailable("local_world_size"); }

int ProcessGroup::rank() const { unavailable("ProcessGroup::rank"); }
int ProcessGroup::size() const { unavailable("ProcessGroup::size"); }
std::vector<int> ProcessGroup::ranks() const { unavailable("ProcessGroup::ranks"); }
ProcessGroup world() { unavailable("world"); }
ProcessGroup new_group(const std::vector<int>&) { unavailable("new_group"); }

// A Work can only be made by a collective, which throws here: the default handle is complete.
void Work::wait() {}
bool Work::is_completed() { return true; }

Work all_reduce(Tensor&, ReduceOp, CollectiveOptions) { unavailable("all_reduce"); }
Work broadcast(Tensor&, int, CollectiveOptions) { unavailable("broadcast"); }
Work reduce(Tensor&, int, ReduceOp, CollectiveOptions) { unavailable("reduce"); }
Work all_gather(std::vector<Tensor>&, const Tensor&, CollectiveOptions) { unavailable("all_gather"); }
Work all_gather_into_tensor(Tensor&, const Tensor&, CollectiveOptions) { unavailable("all_gather_into_tensor"); }
Work reduce_scatter(Tensor&, const std::vector<Tensor>&, ReduceOp, CollectiveOptions) { unavailable("reduce_scatter"); }
Work reduce_scatter_tensor(Tensor&, const Tensor&, ReduceOp, CollectiveOptions) {
  unavailable("reduce_scatter_tensor");
}
Work gather(const Tensor&, std::vector<Tensor>*, int, CollectiveOptions) { unavailable("gather"); }
Work scatter(Tensor&, const std::vector<Tensor>*, int, CollectiveOptions) { unavailable("scatter"); }
Work barrier(CollectiveOptions) { unavailable("barrier"); }

}  // namespace xg::distributed
