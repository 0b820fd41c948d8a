// xgrad — map-style datasets, as torch.utils.data: a Dataset is a cheap shared handle (like
// xg::Tensor) to something with a size and an Example per index. TensorDataset slices tensors,
// Subset picks indices, ConcatDataset chains datasets, MapDataset applies a Transform.
//
//   xg::data::TensorDataset ds(xg::randn({100, 4}), xg::randint(0, 3, {100}));
//   xg::data::Subset first(ds, {0, 1, 2});
//   auto scaled = ds.map(xg::data::Normalize({0.5}, {0.25}));
//   xg::data::Example ex = scaled.get(7);   // ex.data [4], ex.target int64 scalar
#pragma once
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "xgrad/data/example.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// What a dataset is. Subclass it to write your own (torch.utils.data.Dataset's __len__ and
/// __getitem__), then wrap it with make_dataset:
///
///   struct Squares : xg::data::DatasetImpl {
///     std::int64_t size() const override { return 10; }
///     xg::data::Example get(std::int64_t i) const override {
///       return {xg::tensor({double(i)}), xg::tensor({double(i * i)})};
///     }
///   };
///   xg::data::Dataset ds = xg::data::make_dataset<Squares>();
///
/// get and get_batch may be called from several threads at once (DataLoader workers), so they
/// must not modify shared state. Indices are checked by the Dataset handle before they arrive.
class DatasetImpl {
 public:
  virtual ~DatasetImpl() = default;
  /// Number of examples.
  virtual std::int64_t size() const = 0;
  /// Example `index`, with 0 <= index < size().
  virtual Example get(std::int64_t index) const = 0;
  /// The examples at `indices` as one batch. The default stacks get(i) with default_collate;
  /// datasets that can gather a batch at once (TensorDataset) override it.
  virtual Example get_batch(const std::vector<std::int64_t>& indices) const;
  /// Every example's target stacked along dim 0 (undefined for unlabeled data). The default
  /// fetches every example; datasets that hold their targets override it.
  virtual Tensor targets() const;
};

class MapDataset;

/// A shared handle to a dataset. Copies share the dataset; datasets are immutable once built.
class Dataset {
 public:
  Dataset() = default;  ///< An undefined dataset (defined() is false).
  /// A handle to an implementation (to write a dataset of one's own, derive from DatasetImpl).
  explicit Dataset(std::shared_ptr<const DatasetImpl> impl);

  /// False for a default-constructed handle.
  bool defined() const { return impl_ != nullptr; }
  /// The number of examples.
  std::int64_t size() const;
  /// Example `index`; IndexError unless 0 <= index < size().
  Example get(std::int64_t index) const;
  /// Example `index` (as get()).
  Example operator[](std::int64_t index) const { return get(index); }
  /// Examples at `indices` (each checked) stacked into a batch along a new dim 0.
  Example get_batch(const std::vector<std::int64_t>& indices) const;
  /// All targets stacked along dim 0 (e.g. the int64 labels [N] of a classification set).
  Tensor targets() const;
  /// This dataset with `transform` applied to each example it returns (see MapDataset).
  MapDataset map(Transform transform, std::uint64_t seed = 0) const;

  /// The implementation.
  const std::shared_ptr<const DatasetImpl>& impl() const { return impl_; }

 protected:
  /// the implementation (null: undefined)
  std::shared_ptr<const DatasetImpl> impl_;
};

/// Builds a Dataset handle for your own DatasetImpl subclass D.
template <class D, class... Args>
Dataset make_dataset(Args&&... args) {
  return Dataset(std::make_shared<const D>(std::forward<Args>(args)...));
}

/// Examples are slices along dim 0 of `data` and `targets` (torch.utils.data.TensorDataset with
/// one input and one target tensor). `targets` may be undefined for unlabeled data. Throws
/// ShapeError when the two tensors have different lengths or `data` is 0-d.
/// Batches are gathered with one index_select per tensor (no per-example stacking).
///
///   xg::data::TensorDataset ds(xg::randn({60, 3}), xg::arange(60));
///   ds.get(5).data;                   // a view of row 5: [3]
///   ds.get_batch({1, 4}).target;      // tensor([1, 4])
class TensorDataset : public Dataset {
 public:
  /// Example i is (data[i], targets[i]); both must have the same size along dim 0.
  explicit TensorDataset(Tensor data, Tensor targets = {});
  /// The whole data tensor [N, ...].
  const Tensor& data() const;
};

/// The examples of `dataset` at `indices`, in that order (torch.utils.data.Subset). Indices are
/// checked against the dataset's size (IndexError); repeats are allowed.
///
///   xg::data::Subset evens(ds, {0, 2, 4});
///   evens.get(1);   // ds.get(2)
class Subset : public Dataset {
 public:
  /// The examples of `dataset` at `indices`.
  Subset(Dataset dataset, std::vector<std::int64_t> indices);
  /// The indices into dataset().
  const std::vector<std::int64_t>& indices() const;
  /// The dataset the indices refer to.
  const Dataset& dataset() const;
};

/// The examples of several datasets one after another (torch.utils.data.ConcatDataset).
///
///   xg::data::ConcatDataset both({train, extra});   // size() == train.size() + extra.size()
class ConcatDataset : public Dataset {
 public:
  /// The examples of `datasets`, one after another.
  explicit ConcatDataset(std::vector<Dataset> datasets);
  /// The datasets concatenated.
  const std::vector<Dataset>& datasets() const;
};

/// `dataset` with `transform` applied to every example it returns, lazily at get() time (LibTorch's
/// MapDataset, torchvision's `transform=`). Random transforms draw from a generator seeded per
/// example and per epoch: see Note [Reproducible random transforms]; `seed` separates two maps
/// that would otherwise draw the same numbers.
///
///   auto augmented = train.map(xg::data::Compose({xg::data::RandomHorizontalFlip(0.5),
///                                                 xg::data::RandomCrop(28, 4)}));
class MapDataset : public Dataset {
 public:
  /// `dataset` with `transform` applied to each example.
  MapDataset(Dataset dataset, Transform transform, std::uint64_t seed = 0);
  /// The dataset transformed.
  const Dataset& dataset() const;
};

}  // namespace xg::data

XGRAD_API_END
