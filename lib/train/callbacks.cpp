// The stock callbacks (ModelCheckpoint lives in checkpoint.cpp).
#include "xgrad/train/callbacks.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <ostream>
#include <sstream>
#include <utility>

#include "xgrad/autograd.hpp"
#include "xgrad/error.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/train/world.hpp"

namespace xg::train {

namespace {
double monitored(const Logs& logs, const std::string& key, const char* owner) {
  auto it = logs.find(key);
  if (it != logs.end()) return it->second;
  std::string known;
  for (const auto& [k, v] : logs) known += (known.empty() ? "" : ", ") + k;
  throw ValueError(std::string(owner) + ": the monitored value '" + key + "' is not in the epoch logs (present: " +
                   (known.empty() ? "none" : known) + "); pass a validation loader to monitor val_* values");
}

bool state_is_finite(const nn::StateDict& state) {
  NoGradGuard no_grad;
  for (const auto& item : state) {
    const Tensor& t = item.value();
    if (t.defined() && t.is_floating_point() && t.numel() > 0 && !isfinite(t).all().item<bool>()) return false;
  }
  return true;
}

nn::StateDict deep_copy(const nn::StateDict& state) {
  nn::StateDict copy;
  NoGradGuard no_grad;
  for (const auto& item : state) copy.insert(item.key(), item.value().detach().clone());
  return copy;
}
}  // namespace

std::string resolve_mode(const std::string& mode, const std::string& monitor, const char* owner) {
  if (mode == "min" || mode == "max") return mode;
  XG_CHECK(mode == "auto", ValueError, owner, ": mode must be \"min\", \"max\" or \"auto\", got \"", mode, "\"");
  for (const char* up : {"acc", "auc", "precision", "recall", "f1", "r2"})
    if (monitor.find(up) != std::string::npos) return "max";
  return "min";
}

// ---- EarlyStopping -------------------------------------------------------------------------------

EarlyStopping::EarlyStopping(EarlyStoppingOptions options) : o_(std::move(options)) {
  XG_CHECK(o_.min_delta >= 0, ValueError, "EarlyStopping: min_delta must be >= 0, got ", o_.min_delta);
  XG_CHECK(o_.patience >= 0, ValueError, "EarlyStopping: patience must be >= 0, got ", o_.patience);
  max_mode_ = resolve_mode(o_.mode, o_.monitor, "EarlyStopping") == "max";
}

bool EarlyStopping::improves(double value, double reference) const {
  return max_mode_ ? value - o_.min_delta > reference : value + o_.min_delta < reference;
}

void EarlyStopping::on_train_begin(Logs&) {
  wait_ = 0;
  stopped_epoch_ = best_epoch_ = -1;
  best_ = max_mode_ ? -INFINITY : INFINITY;
  best_weights_ = nn::StateDict();
  have_best_weights_ = false;
}

void EarlyStopping::on_epoch_end(std::int64_t epoch, Logs& logs) {
  if (epoch < o_.start_from_epoch) return;
  const double current = monitored(logs, o_.monitor, "EarlyStopping");
  if (std::isnan(current))  // never an improvement (as ReduceLROnPlateau::step(NaN))
    (context().out ? *context().out : std::cerr) << "EarlyStopping: " << o_.monitor << " is NaN at epoch " << epoch + 1
                                                 << "; it counts as an epoch without improvement\n";
  const nn::Module& module = context().model->module();
  if (o_.restore_best_weights && !have_best_weights_) {
    best_weights_ = deep_copy(module.state_dict());
    have_best_weights_ = true;
  }
  ++wait_;
  if (improves(current, best_)) {
    best_ = current;
    best_epoch_ = epoch;
    if (o_.restore_best_weights) best_weights_ = deep_copy(module.state_dict());
    if (!o_.baseline || improves(current, *o_.baseline)) wait_ = 0;
    return;
  }
  if (wait_ >= o_.patience && epoch > 0) {
    stopped_epoch_ = epoch;
    context().stop_training = true;
    if (context().verbose > 0 && context().out)
      *context().out << "Epoch " << epoch + 1 << ": early stopping (" << o_.monitor << " best " << best_ << " at epoch "
                     << best_epoch_ + 1 << ")\n";
  }
}

void EarlyStopping::on_train_end(Logs&) {
  if (!o_.restore_best_weights || !have_best_weights_) return;
  context().model->module().load_state_dict(best_weights_);
}

// ---- LRSchedulerCallback --------------------------------------------------------------------------

LRSchedulerCallback::LRSchedulerCallback(optim::SchedulerBase& scheduler, LRSchedulerCallbackOptions options)
    : scheduler_(&scheduler), o_(std::move(options)) {
  plateau_ = dynamic_cast<optim::ReduceLROnPlateau*>(scheduler_) != nullptr;
  XG_CHECK(o_.interval == "epoch" || o_.interval == "batch", ValueError,
           "LRSchedulerCallback: interval must be \"epoch\" or \"batch\", got \"", o_.interval, "\"");
  XG_CHECK(!plateau_ || o_.interval == "epoch", ValueError,
           "LRSchedulerCallback: ReduceLROnPlateau steps on an epoch metric; interval must be \"epoch\"");
  XG_CHECK(plateau_ || dynamic_cast<optim::LRScheduler*>(scheduler_) != nullptr, ValueError,
           "LRSchedulerCallback: ", scheduler.name(), " is neither an LRScheduler nor ReduceLROnPlateau");
}

void LRSchedulerCallback::on_batch_end(std::int64_t, Logs&) {
  if (o_.interval == "batch") static_cast<optim::LRScheduler*>(scheduler_)->step();
}

void LRSchedulerCallback::on_epoch_end(std::int64_t, Logs& logs) {
  if (plateau_)
    static_cast<optim::ReduceLROnPlateau*>(scheduler_)->step(monitored(logs, o_.monitor, "LRSchedulerCallback"));
  else if (o_.interval == "epoch") static_cast<optim::LRScheduler*>(scheduler_)->step();
}

// ---- TerminateOnNaN -------------------------------------------------------------------------------

void TerminateOnNaN::on_train_begin(Logs&) {
  terminated_ = restored_ = false;
  finite_epoch_ = -1;
  finite_weights_ = nn::StateDict();
  if (o_.restore_last_finite_weights && state_is_finite(context().model->module().state_dict()))
    finite_weights_ = deep_copy(context().model->module().state_dict());
}

void TerminateOnNaN::on_epoch_end(std::int64_t epoch, Logs&) {
  if (!o_.restore_last_finite_weights || terminated_) return;
  const nn::StateDict state = context().model->module().state_dict();
  if (!state_is_finite(state)) return;
  finite_weights_ = deep_copy(state);
  finite_epoch_ = epoch;
}

void TerminateOnNaN::stop() {
  terminated_ = true;
  context().stop_training = true;
  if (!o_.restore_last_finite_weights || finite_weights_.size() == 0) return;
  context().model->module().load_state_dict(finite_weights_);
  restored_ = true;
  if (context().out) {
    if (finite_epoch_ < 0) *context().out << "Restoring the weights from the start of training\n";
    else *context().out << "Restoring the weights from the end of epoch " << finite_epoch_ + 1 << "\n";
  }
}

void TerminateOnNaN::on_batch_end(std::int64_t batch, Logs& logs) {
  if (terminated_) return;
  auto it = logs.find("batch_loss");
  if (it == logs.end()) it = logs.find("loss");
  const double loss = it == logs.end() ? 0.0 : it->second;
  World* world = context().world;
  if (world != nullptr && world->size() > 1) {
    // Every rank sees every rank's loss, so all stop at this batch (Note [fit across ranks]).
    const auto all = all_gather(*world, {loss});
    for (std::size_t r = 0; r < all.size(); ++r) {
      if (std::isfinite(all[r][0])) continue;
      if (context().out)
        *context().out << "Batch " << batch << ": invalid loss " << all[r][0] << " on rank " << r
                       << ", terminating training\n";
      stop();
      return;
    }
    return;
  }
  if (std::isfinite(loss)) return;
  if (context().out) *context().out << "Batch " << batch << ": invalid loss " << loss << ", terminating training\n";
  stop();
}

// ---- CSVLogger ------------------------------------------------------------------------------------

CSVLogger::CSVLogger(std::string filename, CSVLoggerOptions options) : filename_(std::move(filename)), o_(options) {
  XG_CHECK(!filename_.empty(), ValueError, "CSVLogger: empty file name");
}

void CSVLogger::on_train_begin(Logs&) {
  std::error_code ec;
  // (a device such as /dev/null has no size: it is never "non-empty")
  const bool has_content = o_.append && std::filesystem::is_regular_file(filename_, ec) &&
                           std::filesystem::file_size(filename_, ec) > 0 && !ec;
  file_.close();
  file_.clear();
  errno = 0;
  file_.open(filename_, o_.append ? std::ios::app : std::ios::trunc);
  XG_CHECK(file_.is_open(), IoError, "CSVLogger: cannot open '", filename_,
           "' for writing: ", errno != 0 ? std::strerror(errno) : "unknown error");
  header_written_ = has_content;
  keys_.clear();
}

void CSVLogger::on_epoch_end(std::int64_t epoch, Logs& logs) {
  if (keys_.empty())
    for (const auto& [k, v] : logs) keys_.push_back(k);
  if (!header_written_) {
    file_ << "epoch";
    for (const auto& k : keys_) file_ << o_.separator << k;
    file_ << '\n';
    header_written_ = true;
  }
  file_ << epoch;
  std::ostringstream row;
  row << std::setprecision(10);
  for (const auto& k : keys_) {
    auto it = logs.find(k);
    row << o_.separator;
    if (it == logs.end()) row << "NA";
    else row << it->second;
  }
  file_ << row.str() << '\n';
  errno = 0;
  file_.flush();
  // The OS reason (ENOSPC on a full disk or /dev/full) is what the failed write(2) left in errno.
  XG_CHECK(file_.good(), IoError, "CSVLogger: writing '", filename_,
           "' failed: ", errno != 0 ? std::strerror(errno) : "unknown error");
}

void CSVLogger::on_train_end(Logs&) {
  if (!file_.is_open()) return;
  errno = 0;
  file_.close();
  XG_CHECK(!file_.fail(), IoError, "CSVLogger: closing '", filename_,
           "' failed: ", errno != 0 ? std::strerror(errno) : "unknown error");
}

// ---- LambdaCallback -------------------------------------------------------------------------------

LambdaCallback::LambdaCallback(LambdaCallbackOptions functions) : f_(std::move(functions)) {}
void LambdaCallback::on_train_begin(Logs& logs) {
  if (f_.on_train_begin) f_.on_train_begin(logs);
}
void LambdaCallback::on_train_end(Logs& logs) {
  if (f_.on_train_end) f_.on_train_end(logs);
}
void LambdaCallback::on_epoch_begin(std::int64_t e, Logs& logs) {
  if (f_.on_epoch_begin) f_.on_epoch_begin(e, logs);
}
void LambdaCallback::on_epoch_end(std::int64_t e, Logs& logs) {
  if (f_.on_epoch_end) f_.on_epoch_end(e, logs);
}
void LambdaCallback::on_batch_begin(std::int64_t b, Logs& logs) {
  if (f_.on_batch_begin) f_.on_batch_begin(b, logs);
}
void LambdaCallback::on_batch_end(std::int64_t b, Logs& logs) {
  if (f_.on_batch_end) f_.on_batch_end(b, logs);
}

}  // namespace xg::train
