// The collectives of xg::distributed on MPI's C API: argument checks first (typed errors naming
// the op, before any MPI call), then one blocking or non-blocking MPI call on contiguous buffers.
// See Note [Work and staging buffers] in process_group.hpp.
#include <algorithm>
#include <climits>
#include <cstdint>

#include "core/tensor_impl.hpp"
#include "distributed/process_group.hpp"

namespace xg::distributed {

namespace {
using Group = std::shared_ptr<ProcessGroup::Impl>;

MPI_Datatype mpi_type(Dtype d) {
  switch (d) {
    case kFloat32:
      return MPI_FLOAT;
    case kFloat64:
      return MPI_DOUBLE;
    case kInt64:
      return MPI_INT64_T;
    case kBool:
      return MPI_C_BOOL;
  }
  return MPI_DATATYPE_NULL;
}

/// MPI's operation for `op` on dtype `d`. AVG is a SUM followed by a division (floating only, as in
/// PyTorch); MPI has no MAX or MIN on C bool, whose max is logical or and min logical and.
MPI_Op mpi_op(ReduceOp op, Dtype d, const char* name) {
  XG_CHECK(op != ReduceOp::AVG || is_floating_point(d), DtypeError, name,
           ": ReduceOp::AVG needs a floating-point tensor, got dtype ", d, " (use SUM and divide)");
  if (d == kBool) return op == ReduceOp::SUM || op == ReduceOp::MAX ? MPI_LOR : MPI_LAND;
  switch (op) {
    case ReduceOp::SUM:
    case ReduceOp::AVG:
      return MPI_SUM;
    case ReduceOp::MAX:
      return MPI_MAX;
    case ReduceOp::MIN:
      return MPI_MIN;
    case ReduceOp::PRODUCT:
      return MPI_PROD;
  }
  return MPI_OP_NULL;
}

/// A defined tensor whose element count fits MPI's int counts.
int count_of(const Tensor& t, const char* name, const char* arg) {
  xg::detail::check_defined(t, name, arg);
  XG_CHECK(t.numel() <= INT_MAX, ValueError, name, ": ", arg, " of shape ", t.sizes(), " has ", t.numel(),
           " elements, more than MPI's int counts allow (", INT_MAX, "); split it");
  return static_cast<int>(t.numel());
}

/// A tensor the collective writes into: no two elements may share memory (an expanded tensor).
int count_of_output(const Tensor& t, const char* name, const char* arg) {
  const int n = count_of(t, name, arg);
  for (std::int64_t d = 0; d < t.dim(); ++d)
    XG_CHECK(t.stride(d) != 0 || t.size(d) <= 1, ValueError, name, ": ", arg, " of shape ", t.sizes(),
             " has stride 0 in dim ", d, " (an expanded tensor): its elements share memory and cannot be written");
  return n;
}

/// The group rank of world rank `r`, which must belong to the group.
int root_of(const ProcessGroup::Impl& g, int r, const char* name, const char* arg) {
  const auto it = std::find(g.world_ranks.begin(), g.world_ranks.end(), r);
  XG_CHECK(it != g.world_ranks.end(), IndexError, name, ": ", arg, "=", r,
           " is not a rank of the process group (world ranks ", Shape(g.world_ranks.begin(), g.world_ranks.end()), ")");
  return static_cast<int>(it - g.world_ranks.begin());
}

/// Every tensor of `list` has `like`'s shape and dtype, and the list one tensor per rank.
void check_list(const std::vector<Tensor>& list, const Tensor& like, int size, const char* name, const char* arg,
                bool written) {
  XG_CHECK(static_cast<int>(list.size()) == size, ValueError, name, ": ", arg, " has ", list.size(),
           " tensors but the process group has ", size, " ranks (one tensor per rank)");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Tensor& t = list[i];
    XG_CHECK(t.defined(), ValueError, name, ": ", arg, "[", i, "] is an undefined tensor");
    if (written) count_of_output(t, name, arg);
    XG_CHECK(t.sizes() == like.sizes(), ShapeError, name, ": ", arg, "[", i, "] has shape ", t.sizes(),
             " but the tensor has shape ", like.sizes(), " (all must have the same shape)");
    XG_CHECK(t.dtype() == like.dtype(), DtypeError, name, ": ", arg, "[", i, "] has dtype ", t.dtype(),
             " but the tensor has dtype ", like.dtype(), " (all must have the same dtype)");
  }
}

/// `big` holds `size` copies of `small` concatenated along dim 0, or stacked along a new dim 0.
void check_concat(const Tensor& big, const Tensor& small, int size, const char* name, const char* big_arg,
                  const char* small_arg) {
  XG_CHECK(big.dtype() == small.dtype(), DtypeError, name, ": ", big_arg, " has dtype ", big.dtype(), " but ",
           small_arg, " has dtype ", small.dtype());
  std::vector<std::int64_t> dims(small.sizes().begin(), small.sizes().end());
  std::vector<std::int64_t> cat = dims.empty() ? std::vector<std::int64_t>{size} : dims;
  if (!dims.empty()) cat[0] *= size;
  dims.insert(dims.begin(), size);
  const Shape stacked(dims), concatenated(cat);
  XG_CHECK(big.sizes() == concatenated || big.sizes() == stacked, ShapeError, name, ": ", big_arg, " has shape ",
           big.sizes(), " but ", small_arg, " has shape ", small.sizes(), " and the group has ", size,
           " ranks: expected shape ", concatenated, " (concatenated along dim 0) or ", stacked, " (stacked)");
}

/// The tensor itself when contiguous, else a contiguous copy (copy_in) or fresh buffer.
Tensor staging(const Tensor& t, bool copy_in) {
  if (t.is_contiguous()) return t;
  return copy_in ? t.contiguous() : empty(t.sizes(), t.dtype());
}

/// Divides a floating-point contiguous buffer by n in place (AVG = SUM / n).
void divide(const Tensor& buf, int n) {
  const std::int64_t count = buf.numel();
  if (buf.dtype() == kFloat32) {
    float* p = static_cast<float*>(buf.data_ptr());
    const float d = static_cast<float>(n);
    for (std::int64_t i = 0; i < count; ++i) p[i] /= d;
  } else {
    double* p = static_cast<double*>(buf.data_ptr());
    const double d = static_cast<double>(n);
    for (std::int64_t i = 0; i < count; ++i) p[i] /= d;
  }
}

void bump(const Tensor& t) { xg::detail::impl(t).bump_version(); }

/// The rows of a contiguous [size * n] buffer as tensors of `shape`.
Tensor chunk_of(const Tensor& flat, int i, int n, const Shape& shape) {
  return flat.narrow(0, static_cast<std::int64_t>(i) * n, n).view(shape);
}

/// Starts (async) or runs (blocking) one MPI call and wraps it in a Work; see Note [Work and
/// staging buffers]. `finish` may be empty.
template <class Blocking, class Start>
Work run(const char* name, const char* blocking_call, const char* async_call, const Tensor* about, Group group,
         bool async, std::vector<Tensor> keep, std::function<void()> finish, Blocking blocking, Start start) {
  auto w = std::make_shared<Work::Impl>();
  w->op = name;
  if (about) {
    w->shape = about->sizes();
    w->dtype = about->dtype();
    w->has_tensor = true;
  }
  w->group = std::move(group);
  const int rc = async ? start(&w->request) : blocking();
  if (rc != MPI_SUCCESS) {
    w->done = true;
    throw DistributedError(xg::detail::concat(name, ": ", async ? async_call : blocking_call, " failed on ", w->what(),
                                              ": ", detail::mpi_error_string(rc)));
  }
  w->finish = std::move(finish);
  if (async) {
    w->keep = std::move(keep);
  } else {
    w->complete();
  }
  return Work(std::move(w));
}
}  // namespace

// ---- all_reduce, broadcast, reduce -----------------------------------------------------------------

Work all_reduce(Tensor& tensor, ReduceOp op, CollectiveOptions options) {
  constexpr const char* name = "all_reduce";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of_output(tensor, name, "tensor");
  const MPI_Op mop = mpi_op(op, tensor.dtype(), name);
  const MPI_Datatype dt = mpi_type(tensor.dtype());
  NoGradGuard no_grad;
  Tensor buf = staging(tensor, true);
  void* p = buf.data_ptr();
  bump(tensor);
  std::function<void()> finish;
  if (op == ReduceOp::AVG || !buf.is_same(tensor))
    finish = [tensor, buf, op, size = g->size]() mutable {
      if (op == ReduceOp::AVG) divide(buf, size);
      if (!buf.is_same(tensor)) tensor.copy_(buf);
    };
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Allreduce", "MPI_Iallreduce", &tensor, g, options.async_op, {buf}, std::move(finish),
      [&] { return MPI_Allreduce(MPI_IN_PLACE, p, n, dt, mop, comm); },
      [&](MPI_Request* r) { return MPI_Iallreduce(MPI_IN_PLACE, p, n, dt, mop, comm, r); });
}

Work broadcast(Tensor& tensor, int src, CollectiveOptions options) {
  constexpr const char* name = "broadcast";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of_output(tensor, name, "tensor");
  const int root = root_of(*g, src, name, "src");
  const bool is_root = g->rank == root;
  const MPI_Datatype dt = mpi_type(tensor.dtype());
  NoGradGuard no_grad;
  Tensor buf = staging(tensor, is_root);
  void* p = buf.data_ptr();
  std::function<void()> finish;
  if (!is_root) {
    bump(tensor);
    if (!buf.is_same(tensor)) finish = [tensor, buf]() mutable { tensor.copy_(buf); };
  }
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Bcast", "MPI_Ibcast", &tensor, g, options.async_op, {buf}, std::move(finish),
      [&] { return MPI_Bcast(p, n, dt, root, comm); },
      [&](MPI_Request* r) { return MPI_Ibcast(p, n, dt, root, comm, r); });
}

Work reduce(Tensor& tensor, int dst, ReduceOp op, CollectiveOptions options) {
  constexpr const char* name = "reduce";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of_output(tensor, name, "tensor");
  const int root = root_of(*g, dst, name, "dst");
  const bool is_root = g->rank == root;
  const MPI_Op mop = mpi_op(op, tensor.dtype(), name);
  const MPI_Datatype dt = mpi_type(tensor.dtype());
  NoGradGuard no_grad;
  Tensor buf = staging(tensor, true);
  void* p = buf.data_ptr();
  std::function<void()> finish;
  if (is_root) {
    bump(tensor);
    if (op == ReduceOp::AVG || !buf.is_same(tensor))
      finish = [tensor, buf, op, size = g->size]() mutable {
        if (op == ReduceOp::AVG) divide(buf, size);
        if (!buf.is_same(tensor)) tensor.copy_(buf);
      };
  }
  MPI_Comm comm = g->comm;
  const void* send = is_root ? MPI_IN_PLACE : p;
  void* recv = is_root ? p : nullptr;
  return run(
      name, "MPI_Reduce", "MPI_Ireduce", &tensor, g, options.async_op, {buf}, std::move(finish),
      [&] { return MPI_Reduce(send, recv, n, dt, mop, root, comm); },
      [&](MPI_Request* r) { return MPI_Ireduce(send, recv, n, dt, mop, root, comm, r); });
}

// ---- gathers -------------------------------------------------------------------------------------

Work all_gather(std::vector<Tensor>& tensor_list, const Tensor& tensor, CollectiveOptions options) {
  constexpr const char* name = "all_gather";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of(tensor, name, "tensor");
  check_list(tensor_list, tensor, g->size, name, "tensor_list", true);
  const MPI_Datatype dt = mpi_type(tensor.dtype());
  NoGradGuard no_grad;
  Tensor in = staging(tensor, true);
  Tensor out = empty({static_cast<std::int64_t>(g->size) * n}, tensor.dtype());
  for (const Tensor& t : tensor_list) bump(t);
  std::function<void()> finish = [list = tensor_list, out, n, shape = tensor.sizes()]() mutable {
    for (std::size_t i = 0; i < list.size(); ++i) list[i].copy_(chunk_of(out, static_cast<int>(i), n, shape));
  };
  const void* send = in.data_ptr();
  void* recv = out.data_ptr();
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Allgather", "MPI_Iallgather", &tensor, g, options.async_op, {in, out}, std::move(finish),
      [&] { return MPI_Allgather(send, n, dt, recv, n, dt, comm); },
      [&](MPI_Request* r) { return MPI_Iallgather(send, n, dt, recv, n, dt, comm, r); });
}

Work all_gather_into_tensor(Tensor& output, const Tensor& input, CollectiveOptions options) {
  constexpr const char* name = "all_gather_into_tensor";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of(input, name, "input");
  count_of_output(output, name, "output");
  check_concat(output, input, g->size, name, "output", "input");
  const MPI_Datatype dt = mpi_type(input.dtype());
  NoGradGuard no_grad;
  Tensor in = staging(input, true);
  Tensor out = staging(output, false);
  bump(output);
  std::function<void()> finish;
  if (!out.is_same(output)) finish = [output, out]() mutable { output.copy_(out); };
  const void* send = in.data_ptr();
  void* recv = out.data_ptr();
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Allgather", "MPI_Iallgather", &input, g, options.async_op, {in, out}, std::move(finish),
      [&] { return MPI_Allgather(send, n, dt, recv, n, dt, comm); },
      [&](MPI_Request* r) { return MPI_Iallgather(send, n, dt, recv, n, dt, comm, r); });
}

Work gather(const Tensor& tensor, std::vector<Tensor>* gather_list, int dst, CollectiveOptions options) {
  constexpr const char* name = "gather";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of(tensor, name, "tensor");
  const int root = root_of(*g, dst, name, "dst");
  const bool is_root = g->rank == root;
  if (is_root) {
    XG_CHECK(gather_list != nullptr, ValueError, name, ": rank ", dst,
             " is the destination and needs a gather_list (one tensor per rank), got nullptr");
    check_list(*gather_list, tensor, g->size, name, "gather_list", true);
  }
  const MPI_Datatype dt = mpi_type(tensor.dtype());
  NoGradGuard no_grad;
  Tensor in = staging(tensor, true);
  Tensor out;
  std::function<void()> finish;
  if (is_root) {
    out = empty({static_cast<std::int64_t>(g->size) * n}, tensor.dtype());
    for (const Tensor& t : *gather_list) bump(t);
    finish = [list = *gather_list, out, n, shape = tensor.sizes()]() mutable {
      for (std::size_t i = 0; i < list.size(); ++i) list[i].copy_(chunk_of(out, static_cast<int>(i), n, shape));
    };
  }
  const void* send = in.data_ptr();
  void* recv = is_root ? out.data_ptr() : nullptr;
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Gather", "MPI_Igather", &tensor, g, options.async_op, {in, out}, std::move(finish),
      [&] { return MPI_Gather(send, n, dt, recv, n, dt, root, comm); },
      [&](MPI_Request* r) { return MPI_Igather(send, n, dt, recv, n, dt, root, comm, r); });
}

// ---- scatters ------------------------------------------------------------------------------------

Work scatter(Tensor& tensor, const std::vector<Tensor>* scatter_list, int src, CollectiveOptions options) {
  constexpr const char* name = "scatter";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of_output(tensor, name, "tensor");
  const int root = root_of(*g, src, name, "src");
  const bool is_root = g->rank == root;
  if (is_root) {
    XG_CHECK(scatter_list != nullptr, ValueError, name, ": rank ", src,
             " is the source and needs a scatter_list (one tensor per rank), got nullptr");
    check_list(*scatter_list, tensor, g->size, name, "scatter_list", false);
  }
  const MPI_Datatype dt = mpi_type(tensor.dtype());
  NoGradGuard no_grad;
  Tensor in;
  if (is_root) {
    in = empty({static_cast<std::int64_t>(g->size) * n}, tensor.dtype());
    for (int i = 0; i < g->size; ++i)
      chunk_of(in, i, n, tensor.sizes()).copy_((*scatter_list)[static_cast<std::size_t>(i)]);
  }
  Tensor out = staging(tensor, false);
  bump(tensor);
  std::function<void()> finish;
  if (!out.is_same(tensor)) finish = [tensor, out]() mutable { tensor.copy_(out); };
  const void* send = is_root ? in.data_ptr() : nullptr;
  void* recv = out.data_ptr();
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Scatter", "MPI_Iscatter", &tensor, g, options.async_op, {in, out}, std::move(finish),
      [&] { return MPI_Scatter(send, n, dt, recv, n, dt, root, comm); },
      [&](MPI_Request* r) { return MPI_Iscatter(send, n, dt, recv, n, dt, root, comm, r); });
}

namespace {
/// The common tail of reduce_scatter and reduce_scatter_tensor: `in` is the contiguous [size * n]
/// input, `output` the caller's tensor of n elements.
Work reduce_scatter_impl(const char* name, Tensor& output, Tensor in, int n, ReduceOp op, const Group& g, bool async) {
  const MPI_Op mop = mpi_op(op, output.dtype(), name);
  const MPI_Datatype dt = mpi_type(output.dtype());
  Tensor out = staging(output, false);
  bump(output);
  std::function<void()> finish;
  if (op == ReduceOp::AVG || !out.is_same(output))
    finish = [output, out, op, size = g->size]() mutable {
      if (op == ReduceOp::AVG) divide(out, size);
      if (!out.is_same(output)) output.copy_(out);
    };
  const void* send = in.data_ptr();
  void* recv = out.data_ptr();
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Reduce_scatter_block", "MPI_Ireduce_scatter_block", &output, g, async, {in, out}, std::move(finish),
      [&] { return MPI_Reduce_scatter_block(send, recv, n, dt, mop, comm); },
      [&](MPI_Request* r) { return MPI_Ireduce_scatter_block(send, recv, n, dt, mop, comm, r); });
}
}  // namespace

Work reduce_scatter(Tensor& output, const std::vector<Tensor>& input_list, ReduceOp op, CollectiveOptions options) {
  constexpr const char* name = "reduce_scatter";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of_output(output, name, "output");
  check_list(input_list, output, g->size, name, "input_list", false);
  mpi_op(op, output.dtype(), name);  // AVG on integers fails before any copy
  NoGradGuard no_grad;
  Tensor in = empty({static_cast<std::int64_t>(g->size) * n}, output.dtype());
  for (int i = 0; i < g->size; ++i) chunk_of(in, i, n, output.sizes()).copy_(input_list[static_cast<std::size_t>(i)]);
  return reduce_scatter_impl(name, output, in, n, op, g, options.async_op);
}

Work reduce_scatter_tensor(Tensor& output, const Tensor& input, ReduceOp op, CollectiveOptions options) {
  constexpr const char* name = "reduce_scatter_tensor";
  Group g = detail::resolve_group(options.group, name);
  const int n = count_of_output(output, name, "output");
  count_of(input, name, "input");
  check_concat(input, output, g->size, name, "input", "output");
  mpi_op(op, output.dtype(), name);
  NoGradGuard no_grad;
  return reduce_scatter_impl(name, output, staging(input, true), n, op, g, options.async_op);
}

// ---- barrier -------------------------------------------------------------------------------------

Work barrier(CollectiveOptions options) {
  constexpr const char* name = "barrier";
  Group g = detail::resolve_group(options.group, name);
  MPI_Comm comm = g->comm;
  return run(
      name, "MPI_Barrier", "MPI_Ibarrier", nullptr, g, options.async_op, {}, {}, [&] { return MPI_Barrier(comm); },
      [&](MPI_Request* r) { return MPI_Ibarrier(comm, r); });
}

}  // namespace xg::distributed
