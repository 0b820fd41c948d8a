// ModelCheckpoint: file-name patterns and atomic writes.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <utility>

#include "xgrad/autograd.hpp"
#include "xgrad/error.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/io/serialize.hpp"
#include "xgrad/train/callbacks.hpp"

namespace xg::train {

namespace {
bool state_is_finite(const nn::StateDict& state) {
  NoGradGuard no_grad;
  for (const auto& item : state) {
    const Tensor& t = item.value();
    if (t.defined() && t.is_floating_point() && t.numel() > 0 && !isfinite(t).all().item<bool>()) return false;
  }
  return true;
}
}  // namespace

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)), o_(std::move(options)) {
  XG_CHECK(!filepath_.empty(), ValueError, "ModelCheckpoint: empty file path");
  if (!o_.writer) o_.writer = [](const nn::Module& module, const std::string& path) { io::save(module, path); };
  max_mode_ = resolve_mode(o_.mode, o_.monitor, "ModelCheckpoint") == "max";
}

void ModelCheckpoint::on_train_begin(Logs&) {
  best_ = max_mode_ ? -INFINITY : INFINITY;
  skipped_non_finite_ = 0;
  saved_.clear();
}

std::string ModelCheckpoint::format_path(std::int64_t epoch, const Logs& logs) const {
  std::string out;
  for (std::size_t i = 0; i < filepath_.size(); ++i) {
    const char c = filepath_[i];
    if (c != '{') {
      XG_CHECK(c != '}', ValueError, "ModelCheckpoint: unmatched '}' in \"", filepath_, "\"");
      out += c;
      continue;
    }
    const auto close = filepath_.find('}', i);
    XG_CHECK(close != std::string::npos, ValueError, "ModelCheckpoint: unmatched '{' in \"", filepath_, "\"");
    const std::string field = filepath_.substr(i + 1, close - i - 1);
    i = close;
    const auto colon = field.find(':');
    const std::string key = field.substr(0, colon);
    const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    XG_CHECK(spec.find_first_not_of("0123456789.+- #") == spec.size() - 1 || spec.empty(), ValueError,
             "ModelCheckpoint: bad format \"", spec, "\" for {", key, "} (use printf-style like 03d, .4f, .3e)");
    double value;
    if (key == "epoch") {
      value = double(epoch + 1);
    } else {
      auto it = logs.find(key);
      if (it == logs.end()) {
        std::string known = "epoch";
        for (const auto& [k, v] : logs) known += ", " + k;
        throw ValueError("ModelCheckpoint: the path field {" + key + "} is not in the logs (present: " + known + ")");
      }
      value = it->second;
    }
    char buf[128];
    if (spec.empty()) {
      std::ostringstream os;
      os << value;
      out += os.str();
      continue;
    }
    const char conv = spec.back();
    std::string fmt(1, '%');
    fmt.append(spec, 0, spec.size() - 1);
    if (conv == 'd' || conv == 'i') {
      std::snprintf(buf, sizeof buf, (fmt + "lld").c_str(), static_cast<long long>(std::llround(value)));
    } else {
      XG_CHECK(conv == 'f' || conv == 'e' || conv == 'g' || conv == 'E' || conv == 'G', ValueError,
               "ModelCheckpoint: bad format \"", spec, "\" for {", key, "} (use d, f, e or g conversions)");
      std::snprintf(buf, sizeof buf, (fmt + conv).c_str(), value);
    }
    out += buf;
  }
  return out;
}

void ModelCheckpoint::on_epoch_end(std::int64_t epoch, Logs& logs) {
  if (o_.save_best_only) {
    auto it = logs.find(o_.monitor);
    if (it == logs.end()) {
      std::string known;
      for (const auto& [k, v] : logs) known += (known.empty() ? "" : ", ") + k;
      throw ValueError("ModelCheckpoint: the monitored value '" + o_.monitor +
                       "' is not in the epoch logs (present: " + known + ")");
    }
    const double current = it->second;
    const bool better = max_mode_ ? current > best_ : current < best_;
    if (!better) return;
  }
  const std::string path = format_path(epoch, logs);
  const nn::Module& module = context().model->module();
  if (!state_is_finite(module.state_dict())) {
    // Note [NaN-safe checkpoints]
    // A diverged model never replaces a good checkpoint: a state with NaN or infinite values is not
    // saved (the last good file stays), and the skip is counted (skipped_non_finite) and reported.
    ++skipped_non_finite_;
    std::ostream& warn = context().out ? *context().out : std::cerr;
    warn << "ModelCheckpoint: epoch " << epoch + 1 << ": the model has NaN or infinite weights; not saving '" << path
         << "'\n";
    return;
  }
  if (o_.save_best_only) best_ = logs.find(o_.monitor)->second;
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    // A device or FIFO (/dev/null) is written directly (Note [Saving to special files] in io/file.cpp).
    XG_CHECK(!std::filesystem::is_directory(status), IoError, "ModelCheckpoint: cannot write '", path,
             "': it is a directory");
    o_.writer(module, path);
    saved_.push_back(path);
    return;
  }
  const std::string tmp = path + ".tmp";
  try {
    o_.writer(module, tmp);
  } catch (...) {
    std::filesystem::remove(tmp, ec);
    throw;
  }
  XG_CHECK(std::filesystem::exists(tmp, ec), IoError, "ModelCheckpoint: the writer did not create '", tmp, "'");
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw IoError("ModelCheckpoint: cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  }
  saved_.push_back(path);
  if (context().verbose > 0 && context().out && o_.save_best_only)
    *context().out << "Epoch " << epoch + 1 << ": " << o_.monitor << " improved to " << best_ << ", saved " << path
                   << "\n";
}

}  // namespace xg::train
