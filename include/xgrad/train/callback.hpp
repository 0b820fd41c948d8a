// xgrad — the callback interface of fit() (Keras's keras.callbacks.Callback) and History, the
// per-epoch record fit() returns. The stock callbacks are in callbacks.hpp, the progress bar in
// progress.hpp and the training-health diagnostics in health.hpp.
//
//   struct PrintLr : xg::train::Callback {
//     void on_epoch_end(std::int64_t epoch, xg::train::Logs& logs) override {
//       std::cout << "epoch " << epoch + 1 << " lr " << logs["lr"] << "\n";
//       if (logs["val_loss"] < 0.1) context().stop_training = true;
//     }
//   };
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "xgrad/data/example.hpp"
#include "xgrad/train/model.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {
class Optimizer;
}

namespace xg::train {

class World;

/// What callbacks can see and steer while fit() runs.
struct TrainContext {
  /// the model being trained
  const Model* model = nullptr;
  /// the optimizer stepping it
  optim::Optimizer* optimizer = nullptr;
  std::int64_t epochs = 0;           ///< fit's `epochs` (the last epoch index + 1)
  std::int64_t initial_epoch = 0;    ///< the first epoch index
  std::int64_t steps_per_epoch = 0;  ///< training batches per epoch
  std::int64_t epoch = 0;            ///< the current epoch (0-based)
  std::int64_t global_step = 0;      ///< optimizer steps taken in this fit
  /// The current training batch, between on_batch_begin and on_batch_end (else null).
  const data::Batch* batch = nullptr;
  /// The model's output and loss for the current batch, in on_batch_end.
  ///@{
  Tensor output, loss;
  ///@}

  /// Set it to end training: fit stops after the current batch (and then ends the epoch).
  bool stop_training = false;
  int verbose = 1;              ///< fit's verbose on rank 0, 0 on the other ranks
  std::ostream* out = nullptr;  ///< where fit's and the callbacks' messages go (a null stream off rank 0)
  /// The ranks of the run (null: one process); see Note [fit across ranks] in fit.hpp.
  World* world = nullptr;
};

/// A hook into fit(): override the events you need. Epochs and batches are 0-based (displayed
/// 1-based), as in Keras. Logs hold:
///   * on_batch_end: "loss" and each metric as running values over the epoch so far,
///     "batch_loss" (this batch alone) and "size" (its number of samples);
///   * on_epoch_end: "loss" and metrics over the epoch's training batches, "val_loss" and
///     "val_<metric>" over the validation loader, and "lr" (group 0's learning rate during the
///     epoch). Callbacks may add entries; History (always last) records all of them.
/// Callbacks run in the order given; context() is valid from on_train_begin to on_train_end.
class Callback {
 public:
  virtual ~Callback();
  /// Called once before the first epoch.
  virtual void on_train_begin(Logs& logs);
  /// Called once after the last epoch (also after an early stop).
  virtual void on_train_end(Logs& logs);
  /// Called at the start of each epoch.
  virtual void on_epoch_begin(std::int64_t epoch, Logs& logs);
  /// Called at the end of each epoch, after validation, with the epoch's logs.
  virtual void on_epoch_end(std::int64_t epoch, Logs& logs);
  /// Called before each training step.
  virtual void on_batch_begin(std::int64_t batch, Logs& logs);
  /// Called after each training step, with the running logs.
  virtual void on_batch_end(std::int64_t batch, Logs& logs);

  /// True for callbacks that print or write files: with a World of several ranks, fit runs them on
  /// rank 0 only (CSVLogger, ModelCheckpoint and ProgressBar say true). Callbacks that steer
  /// training (EarlyStopping, schedulers) must run on every rank and keep the default false.
  virtual bool rank_zero_only() const { return false; }

  /// fit() sets this before on_train_begin (and clears it after on_train_end).
  void set_context(TrainContext* context) { context_ = context; }
  /// The running fit's context; ValueError outside fit.
  TrainContext& context() const;
  /// True while fit() runs this callback.
  bool has_context() const { return context_ != nullptr; }

 private:
  TrainContext* context_ = nullptr;
};

/// The per-epoch record of fit (Keras's History): one value per epoch for every key of the
/// epoch logs. fit() returns one; a History passed in `callbacks` records the same.
///
///   auto h = xg::train::fit(...);
///   h["val_loss"].back();   h.epochs();   h.keys();
class History : public Callback {
 public:
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  /// Records one epoch (what on_epoch_end does): keys first seen later are NaN-padded before.
  void record(std::int64_t epoch, const Logs& logs);

  /// The values of `key`, one per recorded epoch; IndexError listing the keys when unknown.
  const std::vector<double>& operator[](const std::string& key) const;
  /// True when `key` was recorded.
  bool contains(const std::string& key) const { return values_.count(key) != 0; }
  /// The recorded keys, sorted.
  std::vector<std::string> keys() const;
  /// The epoch indices recorded (0-based).
  const std::vector<std::int64_t>& epochs() const { return epochs_; }
  /// The number of recorded epochs.
  std::size_t size() const { return epochs_.size(); }
  /// True before the first recorded epoch.
  bool empty() const { return epochs_.empty(); }
  /// Every key's values (Keras's history.history).
  const std::map<std::string, std::vector<double>>& values() const { return values_; }

 private:
  std::vector<std::int64_t> epochs_;
  std::map<std::string, std::vector<double>> values_;
};

}  // namespace xg::train

XGRAD_API_END
