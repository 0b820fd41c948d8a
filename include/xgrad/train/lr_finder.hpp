// xgrad — the learning-rate range test (Smith 2015; fastai's lr_find, torch-lr-finder): train for
// up to num_iter steps with the learning rate growing exponentially from start_lr to end_lr,
// track the smoothed loss, stop when it diverges, then restore the model and optimizer.
//
//   auto r = xg::train::lr_find(net, ce, opt, train_loader, {.start_lr = 1e-6, .end_lr = 1});
//   opt.set_lr(r.suggested_lr);
//   xg::train::plot_lr_find(r, "lr_find.svg");
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/data/dataloader.hpp"
#include "xgrad/train/model.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {
class Optimizer;
}

namespace xg::train {

/// Options of lr_find.
struct LRFindOptions {
  /// the learning rate of the first step
  double start_lr = 1e-7;
  /// the learning rate of the last step (the rate grows geometrically)
  double end_lr = 10;
  /// Steps of the test (the loader is cycled if it has fewer batches).
  std::int64_t num_iter = 100;
  /// Weight of the new loss in the exponential smoothing: s = smooth·loss + (1 − smooth)·s, in (0, 1].
  double smooth = 0.05;
  /// Stop once the smoothed loss exceeds diverge_threshold × the best smoothed loss so far.
  double diverge_threshold = 5;
};

/// What lr_find measured.
struct LRFindResult {
  std::vector<double> lrs;         ///< the learning rate of each step
  std::vector<double> losses;      ///< smoothed losses
  std::vector<double> raw_losses;  ///< the batch losses
  /// The learning rate where the smoothed loss falls fastest (the most negative slope against
  /// log lr, skipping the first 10 and last 5 points when there are enough, as torch-lr-finder).
  double suggested_lr = 0;
  /// the index of suggested_lr in lrs
  std::size_t suggested_index = 0;
  bool diverged = false;  ///< stopped early because the loss diverged
};

/// Runs the range test. Afterwards the module's parameters and buffers, its training mode, the
/// optimizer's state and learning rates, and the loader's epoch counter are as before (bit for bit).
/// ValueError for start_lr <= 0, end_lr <= start_lr, num_iter < 2 or smooth outside (0, 1].
LRFindResult lr_find(const Model& model, const LossFn& loss_fn, optim::Optimizer& optimizer, data::DataLoader& loader,
                     LRFindOptions options = {});

/// Loss against learning rate (log x), the smoothed curve over the raw losses, with the suggestion marked.
void plot_lr_find(const LRFindResult& result, const std::string& path);

}  // namespace xg::train

XGRAD_API_END
