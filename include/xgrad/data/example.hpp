// xgrad — the unit of data: an Example (input tensor + optional target), the Transform type that
// maps Examples, the default collate that stacks Examples into a batch, and the scope that tells
// random transforms which epoch's random streams to draw (see Note [Reproducible random transforms]).
//
//   xg::data::Example ex{xg::rand({1, 28, 28}), xg::tensor(3)};
//   xg::data::Example batch = xg::data::default_collate({ex, ex});   // data [2, 1, 28, 28], target [2]
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "xgrad/random.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// One sample: its input `data` and its `target` (undefined for unlabeled data), as LibTorch's
/// torch::data::Example. A batch is an Example too, whose tensors have a leading batch dimension:
/// `batch.data` is [B, ...] and `batch.target` is [B, ...] (or undefined).
struct Example {
  /// the input
  Tensor data;
  /// the label or regression target (undefined for unlabeled data)
  Tensor target;
};

/// A batch made by a DataLoader: an Example with a leading batch dimension.
using Batch = Example;

/// A map on Examples. Deterministic transforms ignore the generator; random ones draw from it
/// (never from the global generator), which is what makes an augmented pipeline reproducible.
/// DataLoader workers call a transform from several threads at once, so it must not modify
/// shared state (the stock transforms keep none). Any callable `Example(Example, Generator&)` is
/// a Transform:
///
///   xg::data::Transform scale = [](xg::data::Example e, xg::Generator&) {
///     e.data = e.data / 255.0;
///     return e;
///   };
using Transform = std::function<Example(Example, Generator&)>;

/// Turns a list of Examples into one batch.
using Collate = std::function<Example(std::vector<Example>)>;

/// Stacks the `data` of the examples along a new dim 0, and their `target`s likewise (the batch
/// target is undefined when every example's target is). Throws ShapeError naming the first
/// example whose shape differs from example 0, ValueError for an empty list or for a mix of
/// labeled and unlabeled examples (torch.utils.data.default_collate).
Example default_collate(std::vector<Example> examples);

// Note [Reproducible random transforms]
// A random transform draws from a Generator handed to it, never from a shared one. MapDataset::get(i)
// seeds that generator from (context seed, context epoch, the map's own seed, nesting level, i):
// the numbers example i receives depend on nothing else, so they are the same whichever thread
// fetches it and in whatever order, and they change with the epoch. The context is thread-local;
// a DataLoader sets it to (its seed, the epoch) while it fetches, and outside any loader it is
// (0, 0), so `dataset.get(i)` repeats itself. EpochGuard sets it by hand for loops of your own.

/// Within its scope (on this thread), random transforms draw the streams of `epoch` under `seed`.
///
///   for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
///     xg::data::EpochGuard guard(epoch);
///     auto ex = augmented.get(0);   // a different crop each epoch, the same one on every rerun
///   }
class EpochGuard {
 public:
  /// Sets the epoch and seed of the random transforms until the end of the scope.
  explicit EpochGuard(std::int64_t epoch, std::uint64_t seed = 0);
  ~EpochGuard();
  EpochGuard(const EpochGuard&) = delete;
  EpochGuard& operator=(const EpochGuard&) = delete;

 private:
  std::int64_t prev_epoch_;
  std::uint64_t prev_seed_;
};

}  // namespace xg::data

XGRAD_API_END
