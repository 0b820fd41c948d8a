// Datasets: the handle's checks, and the four stock datasets (tensor slices, index subsets,
// concatenations, lazily transformed datasets).
#include "xgrad/data/dataset.hpp"

#include <algorithm>

#include "data/random_util.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::data {

// ---- the interface's defaults ------------------------------------------------------------------

Example DatasetImpl::get_batch(const std::vector<std::int64_t>& indices) const {
  std::vector<Example> examples;
  examples.reserve(indices.size());
  for (std::int64_t i : indices) examples.push_back(get(i));
  return default_collate(std::move(examples));
}

Tensor DatasetImpl::targets() const {
  const std::int64_t n = size();
  if (n == 0) return {};
  Example first = get(0);
  if (!first.target.defined()) return {};
  TensorList targets;
  targets.reserve(static_cast<std::size_t>(n));
  targets.push_back(std::move(first.target));
  for (std::int64_t i = 1; i < n; ++i) {
    Tensor t = get(i).target;
    XG_CHECK(t.defined(), ValueError, "Dataset::targets: example ", i, " has no target but example 0 has one");
    XG_CHECK(t.sizes() == targets[0].sizes(), ShapeError, "Dataset::targets: example ", i, " has a target of shape ",
             t.sizes(), " but example 0 has ", targets[0].sizes());
    targets.push_back(std::move(t));
  }
  return stack(targets, 0);
}

// ---- the handle ----------------------------------------------------------------------------------

namespace {
const DatasetImpl& checked(const std::shared_ptr<const DatasetImpl>& impl, const char* op) {
  XG_CHECK(impl != nullptr, ValueError, op, ": the dataset is undefined (a default-constructed Dataset)");
  return *impl;
}
void check_index(std::int64_t index, std::int64_t size, const char* op) {
  XG_CHECK(index >= 0 && index < size, IndexError, op, ": index ", index, " is out of range for a dataset of size ",
           size);
}
}  // namespace

Dataset::Dataset(std::shared_ptr<const DatasetImpl> impl) : impl_(std::move(impl)) {
  XG_CHECK(impl_ != nullptr, ValueError, "Dataset: expected a dataset implementation, got a null pointer");
}

std::int64_t Dataset::size() const { return checked(impl_, "Dataset::size").size(); }

Example Dataset::get(std::int64_t index) const {
  const DatasetImpl& d = checked(impl_, "Dataset::get");
  check_index(index, d.size(), "Dataset::get");
  return d.get(index);
}

Example Dataset::get_batch(const std::vector<std::int64_t>& indices) const {
  const DatasetImpl& d = checked(impl_, "Dataset::get_batch");
  XG_CHECK(!indices.empty(), ValueError, "Dataset::get_batch: expected at least one index");
  const std::int64_t n = d.size();
  for (std::int64_t i : indices) check_index(i, n, "Dataset::get_batch");
  return d.get_batch(indices);
}

Tensor Dataset::targets() const { return checked(impl_, "Dataset::targets").targets(); }

MapDataset Dataset::map(Transform transform, std::uint64_t seed) const {
  return MapDataset(*this, std::move(transform), seed);
}

// ---- TensorDataset -------------------------------------------------------------------------------

namespace {
struct TensorDatasetImpl final : DatasetImpl {
  Tensor data, target;
  std::int64_t size() const override { return data.size(0); }
  Example get(std::int64_t i) const override {
    return {data.select(0, i), target.defined() ? target.select(0, i) : Tensor()};
  }
  // One gather per tensor instead of one view per example and a stack.
  Example get_batch(const std::vector<std::int64_t>& indices) const override {
    const Tensor index = from_vector(indices, {static_cast<std::int64_t>(indices.size())});
    return {data.index_select(0, index), target.defined() ? target.index_select(0, index) : Tensor()};
  }
  Tensor targets() const override { return target; }
};
}  // namespace

TensorDataset::TensorDataset(Tensor data, Tensor targets) {
  XG_CHECK(data.defined(), ValueError, "TensorDataset: the data tensor is undefined");
  XG_CHECK(data.dim() >= 1, ShapeError,
           "TensorDataset: the data must have a dimension to index examples along, got "
           "a 0-d tensor");
  if (targets.defined()) {
    XG_CHECK(targets.dim() >= 1, ShapeError,
             "TensorDataset: the targets must have a dimension to index examples "
             "along, got a 0-d tensor");
    XG_CHECK(targets.size(0) == data.size(0), ShapeError, "TensorDataset: data has ", data.size(0), " examples (shape ",
             data.sizes(), ") but targets has ", targets.size(0), " (shape ", targets.sizes(), ")");
  }
  auto impl = std::make_shared<TensorDatasetImpl>();
  impl->data = std::move(data);
  impl->target = std::move(targets);
  impl_ = std::move(impl);
}

const Tensor& TensorDataset::data() const { return static_cast<const TensorDatasetImpl&>(*impl_).data; }

// ---- Subset --------------------------------------------------------------------------------------

namespace {
struct SubsetImpl final : DatasetImpl {
  Dataset parent;
  std::vector<std::int64_t> indices;
  std::int64_t size() const override { return static_cast<std::int64_t>(indices.size()); }
  Example get(std::int64_t i) const override { return parent.impl()->get(indices[static_cast<std::size_t>(i)]); }
  Example get_batch(const std::vector<std::int64_t>& idx) const override {
    std::vector<std::int64_t> mapped(idx.size());
    for (std::size_t k = 0; k < idx.size(); ++k) mapped[k] = indices[static_cast<std::size_t>(idx[k])];
    return parent.impl()->get_batch(mapped);
  }
  Tensor targets() const override {
    if (indices.empty()) return {};
    Tensor all = parent.targets();
    if (!all.defined()) return {};
    return all.index_select(0, from_vector(indices, {static_cast<std::int64_t>(indices.size())}));
  }
};
}  // namespace

Subset::Subset(Dataset dataset, std::vector<std::int64_t> indices) {
  const std::int64_t n = dataset.size();
  for (std::size_t k = 0; k < indices.size(); ++k)
    XG_CHECK(indices[k] >= 0 && indices[k] < n, IndexError, "Subset: index ", indices[k], " (position ", k,
             ") is out of range for a dataset of size ", n);
  auto impl = std::make_shared<SubsetImpl>();
  impl->parent = std::move(dataset);
  impl->indices = std::move(indices);
  impl_ = std::move(impl);
}

const std::vector<std::int64_t>& Subset::indices() const { return static_cast<const SubsetImpl&>(*impl_).indices; }
const Dataset& Subset::dataset() const { return static_cast<const SubsetImpl&>(*impl_).parent; }

// ---- ConcatDataset -------------------------------------------------------------------------------

namespace {
struct ConcatImpl final : DatasetImpl {
  std::vector<Dataset> parts;
  std::vector<std::int64_t> ends;  // ends[k] = total size of parts 0..k
  std::int64_t size() const override { return ends.empty() ? 0 : ends.back(); }
  Example get(std::int64_t i) const override {
    const auto k = static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), i) - ends.begin());
    return parts[k].impl()->get(k == 0 ? i : i - ends[k - 1]);
  }
  Tensor targets() const override {
    TensorList all;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      if (parts[k].size() == 0) continue;
      Tensor t = parts[k].targets();
      XG_CHECK(t.defined() == (all.empty() || all[0].defined()), ValueError, "ConcatDataset::targets: dataset ", k,
               (t.defined() ? " is labeled but an earlier one is not" : " is unlabeled but an earlier one is labeled"));
      all.push_back(std::move(t));
    }
    if (all.empty() || !all[0].defined()) return {};
    return cat(all, 0);
  }
};
}  // namespace

ConcatDataset::ConcatDataset(std::vector<Dataset> datasets) {
  XG_CHECK(!datasets.empty(), ValueError, "ConcatDataset: expected at least one dataset");
  auto impl = std::make_shared<ConcatImpl>();
  std::int64_t total = 0;
  for (std::size_t k = 0; k < datasets.size(); ++k) {
    XG_CHECK(datasets[k].defined(), ValueError, "ConcatDataset: dataset ", k, " is undefined");
    total += datasets[k].size();
    impl->ends.push_back(total);
  }
  impl->parts = std::move(datasets);
  impl_ = std::move(impl);
}

const std::vector<Dataset>& ConcatDataset::datasets() const { return static_cast<const ConcatImpl&>(*impl_).parts; }

// ---- MapDataset ----------------------------------------------------------------------------------

namespace {
struct MapImpl final : DatasetImpl {
  Dataset parent;
  Transform transform;
  std::uint64_t seed = 0;
  std::int64_t size() const override { return parent.impl()->size(); }
  // See Note [Reproducible random transforms]: the generator depends only on the context, this
  // map's seed and nesting level, and the index; the level is raised while the parent is read so
  // that maps inside this one draw other numbers.
  Example get(std::int64_t i) const override {
    detail::RandomContext& ctx = detail::random_context();
    const std::uint64_t level = ctx.level;
    Generator gen(detail::derive_seed({detail::kMapDomain, ctx.seed, static_cast<std::uint64_t>(ctx.epoch), seed, level,
                                       static_cast<std::uint64_t>(i)}));
    Example example;
    {
      struct Raise {
        detail::RandomContext& c;
        std::uint64_t prev;
        ~Raise() { c.level = prev; }
      } raise{ctx, level};
      ctx.level = level + 1;
      example = parent.impl()->get(i);
    }
    return transform(std::move(example), gen);
  }
};
}  // namespace

MapDataset::MapDataset(Dataset dataset, Transform transform, std::uint64_t seed) {
  XG_CHECK(dataset.defined(), ValueError, "MapDataset: the dataset is undefined");
  XG_CHECK(static_cast<bool>(transform), ValueError, "MapDataset: the transform is empty");
  auto impl = std::make_shared<MapImpl>();
  impl->parent = std::move(dataset);
  impl->transform = std::move(transform);
  impl->seed = seed;
  impl_ = std::move(impl);
}

const Dataset& MapDataset::dataset() const { return static_cast<const MapImpl&>(*impl_).parent; }

}  // namespace xg::data
