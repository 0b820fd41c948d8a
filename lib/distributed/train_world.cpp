// The distributed layer's bridges to data/ and train/: make_sampler and the MPI-backed World.
// Built on the public collectives only (no MPI header), so it compiles with or without MPI; without
// it the collectives throw the DistributedError that says how to enable MPI.
#include <utility>

#include "xgrad/distributed.hpp"
#include "xgrad/ops.hpp"

namespace xg::distributed {
namespace {

ProcessGroup group_or_world(const std::optional<ProcessGroup>& group) { return group ? *group : world(); }

class ProcessGroupWorld final : public train::World {
 public:
  explicit ProcessGroupWorld(ProcessGroup group) : group_(std::move(group)) {
    XG_CHECK(group_.rank() >= 0, DistributedError, "train_world: this process (world rank ", distributed::rank(),
             ") is not a member of the group");
  }
  int rank() const override { return group_.rank(); }
  int size() const override { return group_.size(); }
  void all_reduce_sum(std::vector<double>& values) override {
    if (values.empty()) return;
    Tensor t = from_vector(values, {static_cast<std::int64_t>(values.size())});
    all_reduce(t, ReduceOp::SUM, {.group = group_});
    values = t.to_vector<double>();
  }
  void broadcast(std::vector<double>& values, int root) override {
    if (values.empty()) return;
    Tensor t = from_vector(values, {static_cast<std::int64_t>(values.size())});
    // collectives name world ranks; `root` is a rank of this group
    distributed::broadcast(t, group_.ranks().at(static_cast<std::size_t>(root)), {.group = group_});
    values = t.to_vector<double>();
  }

 private:
  ProcessGroup group_;
};

}  // namespace

std::shared_ptr<data::DistributedSampler> make_sampler(const data::Dataset& dataset, SamplerOptions options) {
  const ProcessGroup g = group_or_world(options.group);
  XG_CHECK(g.rank() >= 0, DistributedError, "make_sampler: this process (world rank ", distributed::rank(),
           ") is not a member of the group");
  return std::make_shared<data::DistributedSampler>(dataset,
                                                    data::DistributedSamplerOptions{.num_replicas = g.size(),
                                                                                    .rank = g.rank(),
                                                                                    .shuffle = options.shuffle,
                                                                                    .seed = options.seed,
                                                                                    .drop_last = options.drop_last});
}

std::shared_ptr<train::World> train_world(std::optional<ProcessGroup> group) {
  return std::make_shared<ProcessGroupWorld>(group_or_world(group));
}

}  // namespace xg::distributed
