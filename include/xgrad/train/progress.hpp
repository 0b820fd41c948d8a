// xgrad — the progress display of fit(): batches done / total, loss, metrics, samples per
// second and ETA, redrawn in place ('\r') on a terminal, exactly one line per epoch otherwise
// (logs, pipes, CI). fit(…, {.verbose = 1}) adds one; add your own to choose the stream.
//
//   Epoch 3/10 [=============>..........] 260/469 loss 0.4123 accuracy 0.8512 | 5120 samples/s ETA 0:04
//   Epoch 3/10 469/469 loss 0.4010 accuracy 0.8561 val_loss 0.4203 val_accuracy 0.8490 | 5098 samples/s 9.2s
#pragma once
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "xgrad/train/callback.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::train {

/// Options of ProgressBar.
struct ProgressBarOptions {
  /// Where to draw (null: fit's output stream, std::cout by default).
  std::ostream* out = nullptr;
  /// -1: redraw in place when the stream is std::cout and stdout is a terminal (isatty);
  /// 1: always redraw in place; 0: one line per epoch.
  int tty = -1;
  /// characters of the bar
  int bar_width = 24;
  /// Minimum seconds between two redraws in place (the last batch is always drawn).
  double refresh_seconds = 0.1;
};

/// A Callback that shows fit's progress (see the header comment for the two formats). In place,
/// each redraw starts with `\r` and the epoch's final line ends with `\n`. Values are printed
/// with 4 significant digits; the ETA as m:ss (h:mm:ss beyond an hour).
class ProgressBar : public Callback {
 public:
  /// A progress bar drawn as `options` say.
  explicit ProgressBar(ProgressBarOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_epoch_begin(std::int64_t epoch, Logs& logs) override;
  void on_batch_end(std::int64_t batch, Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  bool rank_zero_only() const override { return true; }
  /// Whether it redraws in place (resolved at on_train_begin).
  bool in_place() const { return in_place_; }

 private:
  std::ostream& out() const;
  std::string header(std::int64_t epoch) const;
  ProgressBarOptions o_;
  bool in_place_ = false;
  std::int64_t done_ = 0, samples_ = 0;
  std::size_t last_width_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

/// "1:05" for 65 s, "1:01:05" beyond an hour.
std::string format_duration(double seconds);

}  // namespace xg::train

XGRAD_API_END
