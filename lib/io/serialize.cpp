// Modules, optimizers and schedulers through their flat state dicts. The header records which
// kind of object wrote the file ("xgrad.kind") and, for optimizers and schedulers, the class
// ("xgrad.class"), so loading an Adam file into SGD fails with a clear message instead of a list
// of mismatched names.
#include "xgrad/io/serialize.hpp"

#include "xgrad/error.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xg::io {
namespace {

namespace fs = std::filesystem;

Metadata with_kind(Metadata metadata, const std::string& kind, const std::string& cls) {
  metadata["xgrad.kind"] = kind;
  if (!cls.empty()) metadata["xgrad.class"] = cls;
  return metadata;
}

// Rethrows a ValueError of load_state_dict with the file's name in front.
template <class F>
auto naming_file(const fs::path& path, F&& f) {
  try {
    return f();
  } catch (const ValueError& e) { throw ValueError("loading '" + path.string() + "': " + e.what()); }
}

void check_class(const SafetensorsContents& c, const fs::path& path, const std::string& kind, const std::string& cls) {
  const auto k = c.metadata.find("xgrad.kind");
  const auto n = c.metadata.find("xgrad.class");
  XG_CHECK(k == c.metadata.end() || k->second == kind, ValueError, "loading '", path.string(), "' into ", cls,
           ": the file holds ", k->second, " state, not ", kind, " state");
  XG_CHECK(n == c.metadata.end() || n->second == cls, ValueError, "loading '", path.string(), "' into ", cls,
           ": the file was saved from ", n->second, ", not from ", cls);
}

}  // namespace

void save(const nn::Module& module, const fs::path& path, const Metadata& metadata) {
  save_safetensors(module.state_dict(), path, with_kind(metadata, "module", ""));
}

nn::LoadStateDictResult load(nn::Module& module, const fs::path& path, bool strict) {
  auto c = read_safetensors(path);
  const auto kind = c.metadata.find("xgrad.kind");
  if (kind != c.metadata.end() && kind->second == "checkpoint") {
    // A checkpoint: its model part is the state dict under "model.".
    OrderedDict<std::string, Tensor> model;
    for (const auto& item : c.tensors)
      if (item.key().rfind("model.", 0) == 0) model.insert(item.key().substr(6), item.value());
    c.tensors = std::move(model);
  } else {
    XG_CHECK(kind == c.metadata.end() || kind->second == "module", ValueError, "loading '", path.string(), "' into ",
             module.name(), ": the file holds ", kind->second, " state, not module state");
  }
  return naming_file(path, [&] { return module.load_state_dict(c.tensors, strict); });
}

void save(const optim::Optimizer& optimizer, const fs::path& path, const Metadata& metadata) {
  save_safetensors(optimizer.state_dict(), path, with_kind(metadata, "optimizer", optimizer.name()));
}

void load(optim::Optimizer& optimizer, const fs::path& path) {
  const auto c = read_safetensors(path);
  check_class(c, path, "optimizer", optimizer.name());
  naming_file(path, [&] { optimizer.load_state_dict(c.tensors); });
}

void save(const optim::SchedulerBase& scheduler, const fs::path& path, const Metadata& metadata) {
  save_safetensors(scheduler.state_dict(), path, with_kind(metadata, "scheduler", scheduler.name()));
}

void load(optim::SchedulerBase& scheduler, const fs::path& path) {
  const auto c = read_safetensors(path);
  check_class(c, path, "scheduler", scheduler.name());
  naming_file(path, [&] { scheduler.load_state_dict(c.tensors); });
}

}  // namespace xg::io
