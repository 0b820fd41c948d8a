// The progress bar of fit.
#include "xgrad/train/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "xgrad/error.hpp"

namespace xg::train {

namespace {
// "loss 0.4123 accuracy 0.8512 val_loss … lr 0.001": loss first, then the training metrics, then
// the validation values, then lr; bookkeeping entries (size, batch_loss) are left out.
std::string format_logs(const Logs& logs) {
  std::ostringstream os;
  os << std::setprecision(4);
  auto put = [&](const std::string& k, double v) { os << ' ' << k << ' ' << v; };
  if (auto it = logs.find("loss"); it != logs.end()) put("loss", it->second);
  for (const auto& [k, v] : logs)
    if (k != "loss" && k != "lr" && k != "size" && k != "batch_loss" && k.rfind("val_", 0) != 0) put(k, v);
  if (auto it = logs.find("val_loss"); it != logs.end()) put("val_loss", it->second);
  for (const auto& [k, v] : logs)
    if (k != "val_loss" && k.rfind("val_", 0) == 0) put(k, v);
  if (auto it = logs.find("lr"); it != logs.end()) put("lr", it->second);
  return os.str();
}
}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

ProgressBar::ProgressBar(ProgressBarOptions options) : o_(options) {
  XG_CHECK(o_.tty >= -1 && o_.tty <= 1, ValueError, "ProgressBar: tty must be -1 (auto), 0 or 1, got ", o_.tty);
  XG_CHECK(o_.bar_width >= 0, ValueError, "ProgressBar: bar_width must be >= 0, got ", o_.bar_width);
}

std::ostream& ProgressBar::out() const {
  if (o_.out) return *o_.out;
  if (has_context() && context().out) return *context().out;
  return std::cout;
}

void ProgressBar::on_train_begin(Logs&) {
  in_place_ = o_.tty == 1 || (o_.tty == -1 && &out() == &std::cout && ::isatty(::fileno(stdout)));
}

std::string ProgressBar::header(std::int64_t epoch) const {
  std::ostringstream os;
  os << "Epoch " << epoch + 1 << '/' << (has_context() ? context().epochs : epoch + 1);
  return os.str();
}

void ProgressBar::on_epoch_begin(std::int64_t, Logs&) {
  done_ = samples_ = 0;
  last_width_ = 0;
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void ProgressBar::on_batch_end(std::int64_t, Logs& logs) {
  ++done_;
  if (auto it = logs.find("size"); it != logs.end()) samples_ += static_cast<std::int64_t>(it->second);
  if (!in_place_) return;
  const std::int64_t total = has_context() ? context().steps_per_epoch : 0;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (done_ > 1 && done_ < total && since < o_.refresh_seconds) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::ostringstream line;
  line << header(context().epoch);
  if (total > 0 && o_.bar_width > 0) {
    const auto filled = static_cast<int>(double(o_.bar_width) * double(std::min(done_, total)) / double(total));
    line << " [" << std::string(std::size_t(filled), '=') << (filled < o_.bar_width ? ">" : "")
         << std::string(std::size_t(std::max(0, o_.bar_width - filled - 1)), '.') << ']';
  }
  line << ' ' << done_ << '/' << total << format_logs(logs);
  line << " | " << std::llround(elapsed > 0 ? double(samples_) / elapsed : 0.0) << " samples/s";
  if (total > done_) line << " ETA " << format_duration(elapsed / double(done_) * double(total - done_));
  std::string text = line.str();
  const std::size_t width = text.size();
  if (width < last_width_) text += std::string(last_width_ - width, ' ');
  last_width_ = width;
  out() << '\r' << text << std::flush;
}

void ProgressBar::on_epoch_end(std::int64_t epoch, Logs& logs) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::ostringstream line;
  line << header(epoch) << ' ' << done_ << '/' << (has_context() ? context().steps_per_epoch : done_)
       << format_logs(logs) << " | " << std::llround(elapsed > 0 ? double(samples_) / elapsed : 0.0) << " samples/s "
       << std::fixed << std::setprecision(1) << elapsed << 's';
  std::string text = line.str();
  if (in_place_) {
    if (text.size() < last_width_) text += std::string(last_width_ - text.size(), ' ');
    out() << '\r';
  }
  out() << text << '\n' << std::flush;
}

}  // namespace xg::train
