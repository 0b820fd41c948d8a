// Local SGD: ranks train independently and average their parameters every `period` steps.
#include <map>

#include "xgrad/autograd.hpp"
#include "xgrad/distributed.hpp"
#include "xgrad/ops.hpp"

namespace xg::distributed {

void average_parameters(const std::vector<Tensor>& tensors, std::optional<ProcessGroup> group) {
  if (tensors.empty()) return;
  NoGradGuard ng;
  // One all-reduce per dtype over a packed copy; the average is the same float sum on every rank,
  // so afterwards the replicas are bitwise identical.
  std::map<Dtype, std::vector<Tensor>> by_dtype;
  for (const auto& t : tensors) {
    XG_CHECK(t.defined(), ValueError, "average_parameters: an undefined tensor was given");
    XG_CHECK(t.is_floating_point(), DtypeError, "average_parameters: parameters must be floating point, got ",
             t.dtype(), " for a tensor of shape ", t.sizes());
    by_dtype[t.dtype()].push_back(t);
  }
  for (auto& [dtype, list] : by_dtype) {
    TensorList flat;
    for (const auto& t : list) flat.push_back(t.detach().reshape({-1}));
    Tensor buf = cat(flat, 0).contiguous();
    all_reduce(buf, ReduceOp::AVG, {.group = group});
    std::int64_t off = 0;
    for (const auto& t : list) {
      Tensor dst = t.detach();
      dst.copy_(buf.narrow(0, off, t.numel()).view(t.sizes()));
      off += t.numel();
    }
  }
}

PeriodicModelAverager::PeriodicModelAverager(PeriodicModelAveragerOptions options) : options_(std::move(options)) {
  XG_CHECK(options_.period >= 1, ValueError, "PeriodicModelAverager: period must be at least 1, got ", options_.period);
  XG_CHECK(options_.warmup_steps >= 0, ValueError, "PeriodicModelAverager: warmup_steps must be non-negative, got ",
           options_.warmup_steps);
}

bool PeriodicModelAverager::average_parameters(const std::vector<Tensor>& params) {
  // PyTorch's rule: no averaging during warm-up (DDP keeps the replicas equal then); afterwards
  // every period-th step, counting from the end of the warm-up.
  const std::int64_t s = step_++;
  if (s < options_.warmup_steps || (s - options_.warmup_steps) % options_.period != 0) return false;
  distributed::average_parameters(params, options_.process_group);
  return true;
}

}  // namespace xg::distributed
