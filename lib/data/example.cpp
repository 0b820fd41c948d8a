// Examples: the default collate (stack along a new dim 0) and the thread-local random context.
#include "xgrad/data/example.hpp"

#include "data/random_util.hpp"
#include "xgrad/ops.hpp"

namespace xg::data {

namespace detail {
RandomContext& random_context() {
  thread_local RandomContext ctx;
  return ctx;
}
}  // namespace detail

EpochGuard::EpochGuard(std::int64_t epoch, std::uint64_t seed) {
  auto& ctx = detail::random_context();
  prev_epoch_ = ctx.epoch;
  prev_seed_ = ctx.seed;
  ctx.epoch = epoch;
  ctx.seed = seed;
}

EpochGuard::~EpochGuard() {
  auto& ctx = detail::random_context();
  ctx.epoch = prev_epoch_;
  ctx.seed = prev_seed_;
}

Example default_collate(std::vector<Example> examples) {
  XG_CHECK(!examples.empty(), ValueError, "default_collate: expected at least one example");
  const Example& first = examples[0];
  XG_CHECK(first.data.defined(), ValueError, "default_collate: example 0 has no data");
  const bool labeled = first.target.defined();
  // Copied before the loop moves the tensors out of the examples.
  const Shape data_shape = first.data.sizes(), target_shape = labeled ? first.target.sizes() : Shape{};
  const Dtype data_dtype = first.data.dtype(), target_dtype = labeled ? first.target.dtype() : kInt64;
  TensorList data, targets;
  data.reserve(examples.size());
  if (labeled) targets.reserve(examples.size());
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const Example& e = examples[i];
    XG_CHECK(e.data.defined(), ValueError, "default_collate: example ", i, " has no data");
    XG_CHECK(e.data.sizes() == data_shape, ShapeError, "default_collate: example ", i, " has data of shape ",
             e.data.sizes(), " but example 0 has ", data_shape);
    XG_CHECK(e.data.dtype() == data_dtype, DtypeError, "default_collate: example ", i, " has data of dtype ",
             e.data.dtype(), " but example 0 has ", data_dtype);
    XG_CHECK(e.target.defined() == labeled, ValueError, "default_collate: example ", i,
             (labeled ? " has no target but example 0 has one" : " has a target but example 0 has none"));
    if (labeled) {
      XG_CHECK(e.target.sizes() == target_shape, ShapeError, "default_collate: example ", i, " has a target of shape ",
               e.target.sizes(), " but example 0 has ", target_shape);
      XG_CHECK(e.target.dtype() == target_dtype, DtypeError, "default_collate: example ", i, " has a target of dtype ",
               e.target.dtype(), " but example 0 has ", target_dtype);
      targets.push_back(std::move(examples[i].target));
    }
    data.push_back(std::move(examples[i].data));
  }
  return {stack(data, 0), labeled ? stack(targets, 0) : Tensor()};
}

}  // namespace xg::data
