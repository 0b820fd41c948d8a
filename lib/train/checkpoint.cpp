// ModelCheckpoint: file-name patterns and atomic writes.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <utility>

#include "xgrad/error.hpp"
#include "xgrad/train/callbacks.hpp"

namespace xg::train {

ModelCheckpoint::ModelCheckpoint(std::string filepath, ModelCheckpointOptions options)
    : filepath_(std::move(filepath)), o_(std::move(options)) {
  XG_CHECK(!filepath_.empty(), ValueError, "ModelCheckpoint: empty file path");
  XG_CHECK(o_.writer != nullptr, ValueError,
           "ModelCheckpoint: no writer given; pass .writer = a function (const nn::Module&, const std::string& path) "
           "that saves the module");
  max_mode_ = resolve_mode(o_.mode, o_.monitor, "ModelCheckpoint") == "max";
}

void ModelCheckpoint::on_train_begin(Logs&) {
  best_ = max_mode_ ? -INFINITY : INFINITY;
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
    best_ = current;
  }
  const std::string path = format_path(epoch, logs);
  const std::string tmp = path + ".tmp";
  std::error_code ec;
  try {
    o_.writer(context().model->module(), tmp);
  } catch (...) {
    std::filesystem::remove(tmp, ec);
    throw;
  }
  XG_CHECK(std::filesystem::exists(tmp, ec), IoError, "ModelCheckpoint: the writer did not create '", tmp, "'");
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw IoError("ModelCheckpoint: cannot rename '" + tmp + "' to '" + path + "'");
  }
  saved_.push_back(path);
  if (context().verbose > 0 && context().out && o_.save_best_only)
    *context().out << "Epoch " << epoch + 1 << ": " << o_.monitor << " improved to " << best_ << ", saved " << path << "\n";
}

}  // namespace xg::train
