// xgrad — the training loop, Keras's fit / evaluate / predict with C++ manners: any module, any
// loss callable, any xg::optim optimizer, DataLoaders for the data, metrics by name, callbacks,
// and a progress bar. fit returns the History of per-epoch losses, metrics and learning rates.
//
//   xg::nn::CrossEntropyLoss ce;
//   xg::optim::Adam opt(net->parameters(), {.lr = 1e-3});
//   auto history = xg::train::fit(net, ce, opt, train_loader,
//                                 {.epochs = 10, .validation = &val_loader, .metrics = {"accuracy"}});
//   auto test = xg::train::evaluate(net, ce, test_loader, {"accuracy"});   // {"loss", "accuracy"}
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <vector>

#include "xgrad/data/dataloader.hpp"
#include "xgrad/train/callback.hpp"
#include "xgrad/train/metrics.hpp"
#include "xgrad/train/model.hpp"
#include "xgrad/train/world.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {
class Optimizer;
}

namespace xg::train {

/// fit's keyword arguments (Keras's names where they exist).
struct FitOptions {
  /// the index after the last epoch to train (training runs initial_epoch … epochs − 1)
  std::int64_t epochs = 1;
  /// Evaluated after each epoch into "val_loss" and "val_<metric>" (null: no validation).
  data::DataLoader* validation = nullptr;
  /// Metrics computed over each epoch's training batches and over the validation data.
  std::vector<metrics::MetricSpec> metrics = {};
  /// Run in this order; fit's own History runs after them.
  std::vector<std::shared_ptr<Callback>> callbacks = {};
  /// 0: silent; 1: a progress bar (redrawn in place on a terminal, else one line per epoch);
  /// 2: one line per epoch.
  int verbose = 1;
  /// Where the progress and the callbacks' messages go (null: std::cout).
  std::ostream* out = nullptr;
  /// The epoch to start at (to resume: epochs counts from 0, so training runs epochs − initial_epoch).
  std::int64_t initial_epoch = 0;
  /// The ranks this run is spread over (null: one process); see Note [fit across ranks].
  std::shared_ptr<World> world = nullptr;
};

// Note [fit across ranks]
// With a World of R > 1 ranks, every rank calls fit with its own shard of the data (a
// DistributedSampler) and a model whose gradients are averaged across ranks (DDP):
//   * the epoch "loss" and metrics are over the union of the ranks' samples: each rank's sums and
//     counts (its metrics' state(), see Metric) are gathered and combined in rank order, so the
//     values are sample-weighted and identical on every rank; "val_*" likewise; then rank 0's
//     epoch logs are broadcast so that every rank's callbacks see the very same numbers and
//     EarlyStopping / ReduceLROnPlateau decide identically. Batch logs stay local to the rank;
//   * the progress bar and callbacks whose rank_zero_only() is true (CSVLogger, ModelCheckpoint,
//     ProgressBar) run on rank 0 only; elsewhere fit's output stream is a null stream and verbose 0;
//   * stop_training is or-ed across ranks after every batch and every epoch (one 8-byte
//     all-reduce), so all ranks stop at the same step — otherwise the ranks still training would
//     wait forever in DDP's all-reduce. TerminateOnNaN also tells every rank which rank saw the NaN;
//   * every rank's training loader must yield the same number of batches (checked at the start:
//     ValueError naming each rank's count); the returned History is the same on every rank.

/// Trains `model` on `train` for options.epochs epochs and returns the History.
///
/// Each epoch: model.train(); for each batch: optimizer.step(closure) where the closure runs
/// zero_grad, forward, loss_fn(prediction, batch.target) and backward (so closure optimizers
/// such as LBFGS work too); the batch's metrics are updated with the (first) prediction. Then,
/// with a validation loader, evaluate() on it (eval mode, no grad). The epoch "loss" is the
/// sample-weighted mean of the batch losses (the dataset mean for mean-reduced losses).
/// The model is left in training mode. ValueError when the loss is not a one-element tensor.
History fit(const Model& model, const LossFn& loss_fn, optim::Optimizer& optimizer, data::DataLoader& train,
            FitOptions options = {});

/// The loss and metrics of `model` over every batch of `loader`, in eval mode without recording
/// a graph ({"loss": …, "accuracy": …}; "loss" is the sample-weighted mean of the batch losses).
/// The module's training mode is restored afterwards. A null loss_fn leaves "loss" out.
Logs evaluate(const Model& model, const LossFn& loss_fn, data::DataLoader& loader,
              const std::vector<metrics::MetricSpec>& metrics = {});

/// evaluate's keyword arguments.
struct EvaluateOptions {
  /// the metrics computed besides the loss
  std::vector<metrics::MetricSpec> metrics = {};
  /// The ranks the data is spread over (null: one process). Collective: every rank evaluates its
  /// own loader (e.g. with a DistributedSampler) and every rank returns the same values, over the
  /// union of the ranks' samples (Note [fit across ranks]; a padded sampler counts its repeated
  /// samples twice, as in PyTorch; use drop_last or an unpadded split for exact test numbers).
  std::shared_ptr<World> world = nullptr;
};
/// evaluate with options:  xg::train::evaluate(net, ce, test_loader, {.metrics = {"accuracy"}, .world = world});
Logs evaluate(const Model& model, const LossFn& loss_fn, data::DataLoader& loader, const EvaluateOptions& options);

/// The model's outputs for every batch of `loader`, concatenated along dim 0 (eval mode, no grad;
/// the training mode is restored afterwards).
Tensor predict(const Model& model, data::DataLoader& loader);
/// The model's output for `input` (eval mode, no grad), in slices of batch_size rows along dim 0
/// (0: all at once).
Tensor predict(const Model& model, const Tensor& input, std::int64_t batch_size = 0);

}  // namespace xg::train

XGRAD_API_END
