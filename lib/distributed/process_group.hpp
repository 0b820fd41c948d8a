// Internal: what ProcessGroup and Work handles point to, shared by process_group.cpp and
// collectives.cpp. The only place besides those files that sees <mpi.h>.
#pragma once
#include <mpi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/distributed.hpp"

namespace xg::distributed {

// Note [Communicators and finalization]
// Every group owns a communicator of its own (the world group a duplicate of MPI_COMM_WORLD), with
// MPI_ERRORS_RETURN so that failures come back as codes that become DistributedErrors instead of
// MPI's default of aborting the job. A handle may outlive MPI_Finalize (a ProcessGroup copied into
// a static, say): then its communicator is not freed, since MPI forbids any call after finalize.
struct ProcessGroup::Impl {
  MPI_Comm comm = MPI_COMM_NULL;  // MPI_COMM_NULL on ranks that are not members
  int rank = -1;                  // this process's rank in the group, -1 when not a member
  int size = 0;
  std::vector<int> world_ranks;  // group rank -> world rank
  bool owns_comm = true;
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();
};

// Note [Work and staging buffers]
// A collective runs on contiguous buffers: the tensor's own memory when it is contiguous, else a
// staging copy. Work::Impl keeps the buffers (and the group) alive until MPI is done with them and
// runs `finish` exactly once after completion: AVG's division, copying staged results back into
// the caller's (non-contiguous or listed) tensors. A Work destroyed while still pending waits,
// except during exception unwinding, where waiting could block forever on ranks that will never
// join; then the request and buffers are leaked on purpose, as the InitGuard is about to abort.
struct Work::Impl {
  const char* op = "";
  // the tensor the collective is about, for error messages (kept cheap: text only on failure)
  Shape shape;
  Dtype dtype = kFloat32;
  bool has_tensor = false;
  MPI_Request request = MPI_REQUEST_NULL;
  bool done = false;
  std::string error;  // set when completion failed; wait() rethrows it
  std::shared_ptr<ProcessGroup::Impl> group;
  std::vector<Tensor> keep;
  std::function<void()> finish;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();
  /// "tensor of shape [2, 3] and dtype float32" (or "no tensor" for barrier).
  std::string what() const;
  /// Runs `finish` once (under NoGradGuard) and marks the work done.
  void complete();
};

namespace detail {
/// True once MPI_Finalize was called (no MPI call is allowed after it).
bool mpi_finalized();
/// Throws DistributedError "op: call xg::distributed::init() first" unless initialized.
void check_initialized(const char* op);
/// MPI's text for an error code.
std::string mpi_error_string(int code);
/// The group of `options` (the world by default), checked to contain this rank.
std::shared_ptr<ProcessGroup::Impl> resolve_group(const std::optional<ProcessGroup>& group, const char* op);
}  // namespace detail

}  // namespace xg::distributed
