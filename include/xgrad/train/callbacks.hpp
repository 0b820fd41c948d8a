// xgrad — the stock callbacks of fit(), after Keras: EarlyStopping, ModelCheckpoint,
// LRSchedulerCallback (any xg::optim scheduler, ReduceLROnPlateau included), TerminateOnNaN,
// CSVLogger and LambdaCallback. Pass them as shared pointers in FitOptions::callbacks:
//
//   auto stop = std::make_shared<xg::train::EarlyStopping>(
//       xg::train::EarlyStoppingOptions{.monitor = "val_loss", .patience = 3, .restore_best_weights = true});
//   xg::train::fit(model, loss, opt, train, {.epochs = 50, .validation = &val, .callbacks = {stop}});
#pragma once
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/train/callback.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {
class SchedulerBase;
}

namespace xg::train {

/// Whether `monitor` should fall ("min") or rise ("max"); "auto" picks "max" for names containing
/// accuracy, acc, auc, precision, recall, f1 or r2 and "min" otherwise. ValueError for other modes.
std::string resolve_mode(const std::string& mode, const std::string& monitor, const char* owner);

/// Options of EarlyStopping (Keras's arguments of the same names and defaults).
struct EarlyStoppingOptions {
  std::string monitor = "val_loss";  ///< the epoch-log key to watch
  /// A change smaller than this does not count as an improvement (>= 0).
  double min_delta = 0.0;
  /// Epochs without improvement after which training stops.
  std::int64_t patience = 0;
  std::string mode = "auto";  ///< "min", "max" or "auto" (see resolve_mode)
  /// Training stops unless the monitored value beats it within `patience` epochs.
  std::optional<double> baseline = std::nullopt;
  /// At the end of training, load the weights of the best epoch (a deep copy of its state dict).
  bool restore_best_weights = false;
  /// Epochs to ignore before watching (a warm-up).
  std::int64_t start_from_epoch = 0;
};
/// Stops training when the monitored value has stopped improving (keras.callbacks.EarlyStopping).
/// An improvement is `value < best − min_delta` (min mode) or `value > best + min_delta` (max
/// mode). After each epoch without improvement a counter grows; when it reaches `patience`,
/// training stops. With restore_best_weights, the model ends with the parameters and buffers it
/// had at the end of the best epoch, bit for bit (as Keras 3, also when training ran to the end).
/// A monitor key missing from the logs is a ValueError listing the keys present.
class EarlyStopping : public Callback {
 public:
  /// Watches `options.monitor` (ValueError for a negative min_delta or patience, or an unknown mode).
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;
  /// The epoch training stopped at (-1 when it did not stop early), the best epoch and value.
  std::int64_t stopped_epoch() const { return stopped_epoch_; }
  /// The best epoch and its monitored value (-1 and ±inf before any).
  ///@{
  std::int64_t best_epoch() const { return best_epoch_; }
  double best() const { return best_; }
  ///@}

 private:
  bool improves(double value, double reference) const;
  EarlyStoppingOptions o_;
  bool max_mode_ = false;
  double best_ = 0;
  std::int64_t wait_ = 0, stopped_epoch_ = -1, best_epoch_ = -1;
  nn::StateDict best_weights_;
  bool have_best_weights_ = false;
};

/// Options of LRSchedulerCallback.
struct LRSchedulerCallbackOptions {
  /// "epoch": step after every epoch (most schedulers); "batch": after every optimizer step
  /// (CyclicLR, OneCycleLR, warm-ups counted in steps).
  std::string interval = "epoch";
  /// The epoch-log key ReduceLROnPlateau is stepped with.
  std::string monitor = "val_loss";
};
/// Steps a learning-rate scheduler (anything from xg::optim's lr_scheduler.hpp) during fit: per
/// epoch or per batch, and ReduceLROnPlateau with a monitored metric at each epoch end. The
/// scheduler must outlive the callback. The "lr" fit logs is the one used during the epoch
/// (read before this callback steps).
///
///   xg::optim::ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 2});
///   auto cb = std::make_shared<xg::train::LRSchedulerCallback>(plateau);   // monitors val_loss
class LRSchedulerCallback : public Callback {
 public:
  /// Steps `scheduler` as `options` say (ValueError for an unknown interval).
  explicit LRSchedulerCallback(optim::SchedulerBase& scheduler, LRSchedulerCallbackOptions options = {});
  void on_batch_end(std::int64_t batch, Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;

 private:
  optim::SchedulerBase* scheduler_;
  LRSchedulerCallbackOptions o_;
  bool plateau_;
};

/// Stops training at the first batch whose loss is NaN or infinite (keras.callbacks.TerminateOnNaN),
/// printing "Batch <b>: invalid loss <value>, terminating training" to fit's output stream. With a
/// world of several ranks (it must then be in every rank's callbacks) the ranks' batch losses are
/// gathered after every batch, so every rank stops at the same batch and terminated() is the same
/// everywhere; rank 0 prints which rank's loss was invalid.
struct TerminateOnNaNOptions {
  /// On stopping, load back the weights (the whole state dict) the model had at the end of the
  /// last epoch whose weights were all finite (or at the start of fit), instead of leaving the
  /// weights of the failing batch. Costs one copy of the state dict per epoch.
  bool restore_last_finite_weights = false;
};
///
///   auto nan_guard = std::make_shared<xg::train::TerminateOnNaN>(
///       xg::train::TerminateOnNaNOptions{.restore_last_finite_weights = true});
class TerminateOnNaN : public Callback {
 public:
  /// Watches the losses as `options` say.
  explicit TerminateOnNaN(TerminateOnNaNOptions options = {}) : o_(options) {}
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  void on_batch_end(std::int64_t batch, Logs& logs) override;
  /// Whether it stopped training (in the last fit).
  bool terminated() const { return terminated_; }
  /// Whether it loaded back the last finite weights when it stopped.
  bool restored() const { return restored_; }

 private:
  void stop();
  TerminateOnNaNOptions o_;
  bool terminated_ = false;
  bool restored_ = false;
  std::int64_t finite_epoch_ = -1;  // epoch of the kept weights (-1: start of fit)
  nn::StateDict finite_weights_;
};

/// Options of CSVLogger (Keras's arguments of the same names and defaults).
struct CSVLoggerOptions {
  /// the field separator
  ///@{
  char separator = ',';
  ///@}

  /// Append to an existing file (its header is kept; written only when the file is empty or new).
  bool append = false;
};
/// Writes one row per epoch to a CSV file (keras.callbacks.CSVLogger): "epoch" (0-based) then
/// the epoch-log keys in alphabetical order, as fixed by the first epoch; a key missing later
/// is written as "NA". The file is flushed after each row. IoError when it cannot be opened.
///
///   epoch,accuracy,loss,lr,val_accuracy,val_loss
///   0,0.8125,0.52,0.001,0.84,0.47
class CSVLogger : public Callback {
 public:
  /// Logs to `filename` (opened at the start of fit).
  explicit CSVLogger(std::string filename, CSVLoggerOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;
  bool rank_zero_only() const override { return true; }

 private:
  std::string filename_;
  CSVLoggerOptions o_;
  std::ofstream file_;
  std::vector<std::string> keys_;
  bool header_written_ = false;
};

/// Writes a module to a file (e.g. `xg::io::save(module, path)`).
using ModuleWriter = std::function<void(const nn::Module& module, const std::string& path)>;

/// Options of ModelCheckpoint (Keras's arguments of the same names and defaults).
struct ModelCheckpointOptions {
  /// The epoch-log key compared with save_best_only (and usable in the file name).
  std::string monitor = "val_loss";
  /// Save only when the monitored value improves on the best so far (else every epoch).
  bool save_best_only = false;
  std::string mode = "auto";  ///< "min", "max" or "auto" (see resolve_mode)
  /// How to write the module to a path; empty: xg::io::save (the state dict as safetensors, which
  /// xg::io::load reads back and PyTorch's safetensors loader understands).
  ModuleWriter writer = nullptr;
};
/// Saves the model after epochs (keras.callbacks.ModelCheckpoint). The path may contain fields
/// `{epoch}` (1-based) and `{<log key>}` (e.g. `{val_loss}`), each with an optional printf-style
/// format: "ckpt-{epoch:03d}-{val_loss:.4f}.safetensors". Every file is written atomically: the
/// writer writes "<path>.tmp", which is then renamed over `path`, so a crash never leaves a torn
/// checkpoint. With save_best_only, a missing monitor key is a ValueError listing the keys present.
/// A model with a NaN or infinite value anywhere in its state dict is never saved (so a good
/// checkpoint is never replaced by a diverged one): the epoch is skipped with a warning on fit's
/// output stream (std::cerr without one) and counted in skipped_non_finite(). A path that names
/// a device or FIFO (/dev/null) is written directly rather than replaced.
///
///   auto ckpt = std::make_shared<xg::train::ModelCheckpoint>("best.safetensors",
///       xg::train::ModelCheckpointOptions{.save_best_only = true});
///   ...  xg::io::load(*net, "best.safetensors");
class ModelCheckpoint : public Callback {
 public:
  /// Saves to `filepath` (a pattern, see above).
  explicit ModelCheckpoint(std::string filepath, ModelCheckpointOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  bool rank_zero_only() const override { return true; }
  /// The files written so far (in order) and the best monitored value.
  const std::vector<std::string>& saved() const { return saved_; }
  /// The best monitored value so far (±inf before any).
  double best() const { return best_; }
  /// Epochs not saved because the weights were not finite (in the last fit).
  std::int64_t skipped_non_finite() const { return skipped_non_finite_; }
  /// The path for an epoch (0-based) and its logs: the fields of the pattern filled in.
  std::string format_path(std::int64_t epoch, const Logs& logs) const;

 private:
  std::string filepath_;
  ModelCheckpointOptions o_;
  bool max_mode_ = false;
  double best_ = 0;
  std::int64_t skipped_non_finite_ = 0;
  std::vector<std::string> saved_;
};

/// The functions a LambdaCallback calls; leave any empty.
struct LambdaCallbackOptions {
  /// called by on_train_begin (empty: nothing)
  std::function<void(Logs&)> on_train_begin = nullptr;
  /// called by on_train_end (empty: nothing)
  std::function<void(Logs&)> on_train_end = nullptr;
  /// called by on_epoch_begin (empty: nothing)
  std::function<void(std::int64_t epoch, Logs&)> on_epoch_begin = nullptr;
  /// called by on_epoch_end (empty: nothing)
  std::function<void(std::int64_t epoch, Logs&)> on_epoch_end = nullptr;
  /// called by on_batch_begin (empty: nothing)
  std::function<void(std::int64_t batch, Logs&)> on_batch_begin = nullptr;
  /// called by on_batch_end (empty: nothing)
  std::function<void(std::int64_t batch, Logs&)> on_batch_end = nullptr;
};
/// A callback made of lambdas (keras.callbacks.LambdaCallback):
///
///   auto log = std::make_shared<xg::train::LambdaCallback>(xg::train::LambdaCallbackOptions{
///       .on_epoch_end = [](std::int64_t e, xg::train::Logs& logs) { std::cout << e << " " << logs["loss"] << "\n";
///       }});
class LambdaCallback : public Callback {
 public:
  /// Calls `functions` at their events.
  explicit LambdaCallback(LambdaCallbackOptions functions);
  void on_train_begin(Logs& logs) override;
  void on_train_end(Logs& logs) override;
  void on_epoch_begin(std::int64_t epoch, Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  void on_batch_begin(std::int64_t batch, Logs& logs) override;
  void on_batch_end(std::int64_t batch, Logs& logs) override;

 private:
  LambdaCallbackOptions f_;
};

}  // namespace xg::train

XGRAD_API_END
