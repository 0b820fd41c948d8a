// xgrad — transforms: composable maps on Examples, applied per example (`dataset.map(t)`) or per
// batch (DataLoaderOptions::batch_transform). Normalize / Standardize (per channel), OneHot
// targets, the image augmentations RandomHorizontalFlip and RandomCrop (for [..., C, H, W]),
// Lambda for anything else, and Compose to chain them (torchvision.transforms names).
//
//   auto train = xg::data::FashionMNIST(root, xg::data::Split::Train)
//                    .map(xg::data::Compose({xg::data::RandomCrop(28, 2),
//                                            xg::data::Normalize({0.2860}, {0.3530})}));
//
// Which dim is the channel: for data of 3 or more dims ([C, H, W] examples, [N, C, H, W] batches)
// it is dim -3, as torchvision; for 1-D and 2-D data ([F] feature vectors, [N, F] batches) it is
// the last dim. Per-channel statistics of length 1 apply to every element whatever the layout.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/data/example.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// Applies transforms in order, all drawing from the same generator (torchvision's Compose).
///
///   xg::data::Compose t({xg::data::RandomHorizontalFlip(), xg::data::Normalize({0.5}, {0.5})});
class Compose {
 public:
  /// The transforms, applied in order.
  Compose(std::vector<Transform> transforms);  // NOLINT: implicit, so a braced list is a Compose
  /// The transforms, applied in order: `{t1, t2}`.
  Compose(std::initializer_list<Transform> transforms) : Compose(std::vector<Transform>(transforms)) {}
  /// Applies every transform to `example`.
  Example operator()(Example example, Generator& gen) const;

 private:
  std::vector<Transform> transforms_;
};

/// data ← (data − mean[c]) / std[c] for each channel c (torchvision.transforms.Normalize). `mean`
/// and `std` have one value per channel, or one value for all; std must be positive. The data must
/// be floating point (DtypeError otherwise) and keeps its dtype; the target is untouched.
///
///   xg::data::Normalize n({0.5, 0.5, 0.5}, {0.25, 0.25, 0.25});
///   n(x);   // x [3, H, W] or [N, 3, H, W]
class Normalize {
 public:
  /// Per-channel (or single) means and standard deviations; ValueError for a non-positive std.
  Normalize(std::vector<double> mean, std::vector<double> std);
  /// Normalizes the example's data.
  Example operator()(Example example, Generator& gen) const;
  /// Normalizes `data` (an example [C, ...] or a batch [N, C, ...]).
  Tensor operator()(const Tensor& data) const;
  /// The means and standard deviations given.
  ///@{
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }
  ///@}

 private:
  std::vector<double> mean_, std_;
};

/// Normalize with the mean and standard deviation of a training set, per channel (scikit-learn's
/// StandardScaler, Keras' Normalization layer). fit() measures them on the training data; the
/// fitted transform is then applied unchanged to validation and test data. The standard deviation
/// is the population one (divides by the count, as both of those); a channel with zero spread gets
/// std 1, so it is only centred. Statistics are accumulated in float64.
///
///   auto scaler = xg::data::Standardize().fit(train);     // train: a Dataset or a [N, ...] tensor
///   auto train_s = train.map(scaler), test_s = test.map(scaler);
class Standardize {
 public:
  Standardize() = default;
  /// Measures per-channel statistics of `data`, a stack of examples [N, ...]: the channel of an
  /// example is its dim 0 when it has 1 dim (features) or its dim -3 when it has 3 or more
  /// (C, H, W); examples of 0 or 2 dims have a single channel.
  Standardize& fit(const Tensor& data);
  /// The same over every example of `dataset` (read in chunks, so the set need not fit twice).
  Standardize& fit(const Dataset& dataset);
  /// True once fit() ran.
  bool fitted() const { return !mean_.empty(); }
  /// Standardizes the example's data (ValueError before fit()).
  Example operator()(Example example, Generator& gen) const;
  /// Standardizes `data` (an example or a batch; ValueError before fit()).
  Tensor operator()(const Tensor& data) const;
  /// The fitted per-channel means and standard deviations.
  ///@{
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& std() const { return std_; }
  ///@}

 private:
  std::vector<double> mean_, std_;
};

/// target ← one-hot vector of length num_classes (Keras' to_categorical): an int64 label of any
/// shape [...] becomes [..., num_classes] of `dtype`. Unlike torch.nn.functional.one_hot, which
/// returns int64, the default dtype is float32, the form losses take. Labels outside
/// [0, num_classes) throw IndexError.
class OneHot {
 public:
  /// One-hot vectors of `num_classes` entries of `dtype`.
  explicit OneHot(std::int64_t num_classes, Dtype dtype = kFloat32);
  /// Replaces the example's target by its one-hot form.
  Example operator()(Example example, Generator& gen) const;
  /// The one-hot form of `labels`.
  Tensor operator()(const Tensor& labels) const;

 private:
  std::int64_t num_classes_;
  Dtype dtype_;
};

/// Mirrors the data left to right (reverses its last dim) with probability p
/// (torchvision.transforms.RandomHorizontalFlip). One uniform number is drawn per call: on a
/// batch, every image of it flips together. The flip copies data and records no autograd node.
class RandomHorizontalFlip {
 public:
  /// Flips with probability `p` in [0, 1].
  explicit RandomHorizontalFlip(double p = 0.5);
  /// Flips the example's data or not, drawing from `gen`.
  Example operator()(Example example, Generator& gen) const;

 private:
  double p_;
};

/// Pads the last two dims (H, W) with `padding` zeros on every side, then cuts out a window of
/// `size` at a uniformly random position (torchvision.transforms.RandomCrop with constant padding).
/// The top offset is drawn first, then the left one. Throws ValueError when the padded image is
/// smaller than the window.
///
///   xg::data::RandomCrop crop(28, 4);        // 28 × 28 out of the 36 × 36 padded image
///   xg::data::RandomCrop rect({24, 32});     // height 24, width 32, no padding
class RandomCrop {
 public:
  /// A `size` × `size` window after `padding` zeros on every side.
  explicit RandomCrop(std::int64_t size, std::int64_t padding = 0);
  /// A {height, width} window (a braced pair; ValueError for any other count).
  explicit RandomCrop(std::initializer_list<std::int64_t> size, std::int64_t padding = 0);
  /// Crops the example's data at a position drawn from `gen`.
  Example operator()(Example example, Generator& gen) const;

 private:
  std::int64_t height_, width_, padding_;
};

/// Wraps a function as a transform. It may take the data tensor (`Tensor(Tensor)`, the target is
/// kept), the whole example (`Example(Example)`), or the example and the generator.
///
///   xg::data::Lambda flatten([](xg::Tensor x) { return x.flatten(); });
///   xg::data::Lambda relabel([](xg::data::Example e) { e.target = e.target % 2; return e; });
class Lambda {
 public:
  /// Wraps `f`: `Tensor(Tensor)`, `Example(Example)` or `Example(Example, Generator&)`.
  template <class F>
  explicit Lambda(F f) {
    if constexpr (std::is_invocable_r_v<Example, F&, Example, Generator&>) {
      fn_ = std::move(f);
    } else if constexpr (std::is_invocable_r_v<Example, F&, Example>) {
      fn_ = [f = std::move(f)](Example e, Generator&) mutable { return Example(f(std::move(e))); };
    } else {
      static_assert(std::is_invocable_r_v<Tensor, F&, Tensor>,
                    "Lambda takes Tensor(Tensor), Example(Example) or Example(Example, Generator&)");
      fn_ = [f = std::move(f)](Example e, Generator&) mutable {
        e.data = f(std::move(e.data));
        return e;
      };
    }
  }
  /// Calls the function.
  Example operator()(Example example, Generator& gen) const { return fn_(std::move(example), gen); }

 private:
  Transform fn_;
};

}  // namespace xg::data

XGRAD_API_END
