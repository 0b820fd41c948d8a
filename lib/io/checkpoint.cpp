// One file per checkpoint: the flat state dicts of model, optimizer and scheduler side by side
// under prefixes, and the non-tensor parts (epoch, generator state, classes) in the metadata.
// Optimizer hyper-parameters and step counters stay 0-d tensors of their own dtype (float64,
// int64, bool), so they come back bit for bit; the generator state is the exact text of
// Generator::get_state().
#include "xgrad/io/checkpoint.hpp"

#include <charconv>
#include <functional>
#include <vector>

#include "xgrad/error.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/random.hpp"

namespace xg::io {
namespace {

namespace fs = std::filesystem;
using Dict = OrderedDict<std::string, Tensor>;

constexpr const char* kKind = "xgrad.kind";
constexpr const char* kVersion = "xgrad.checkpoint_version";
constexpr const char* kEpoch = "xgrad.epoch";
constexpr const char* kRng = "xgrad.rng_state";
constexpr const char* kOptimizer = "xgrad.optimizer";
constexpr const char* kScheduler = "xgrad.scheduler";

bool reserved(const std::string& key) { return key.rfind("xgrad.", 0) == 0; }

void add_prefixed(Dict& out, const std::string& prefix, const Dict& in) {
  for (const auto& item : in) out.insert(prefix + item.key(), item.value());
}
Dict take_prefixed(const Dict& in, const std::string& prefix) {
  Dict out;
  for (const auto& item : in)
    if (item.key().rfind(prefix, 0) == 0) out.insert(item.key().substr(prefix.size()), item.value());
  return out;
}
// Deep copies, to restore from when a later part of the load fails.
Dict copy_of(const Dict& d) {
  Dict out;
  for (const auto& item : d) out.insert(item.key(), item.value().detach().clone());
  return out;
}

}  // namespace

void save_checkpoint(const fs::path& path, const Checkpoint& ck) {
  Metadata meta;
  for (const auto& [k, v] : ck.metadata) {
    XG_CHECK(!reserved(k), ValueError, "save_checkpoint: metadata key '", k, "' uses the reserved prefix 'xgrad.'");
    meta[k] = v;
  }
  meta.insert_or_assign(kKind, std::string("checkpoint"));
  meta.insert_or_assign(kVersion, std::to_string(1));
  meta.insert_or_assign(kEpoch, std::to_string(ck.epoch));
  meta.insert_or_assign(kRng, default_generator().get_state());
  Dict tensors;
  if (ck.model) add_prefixed(tensors, "model.", ck.model->state_dict());
  if (ck.optimizer) {
    add_prefixed(tensors, "optimizer.", ck.optimizer->state_dict());
    meta[kOptimizer] = ck.optimizer->name();
  }
  if (ck.scheduler) {
    add_prefixed(tensors, "scheduler.", ck.scheduler->state_dict());
    meta[kScheduler] = ck.scheduler->name();
  }
  save_safetensors(tensors, path, meta);
}

nn::LoadStateDictResult load_checkpoint(const fs::path& path, Checkpoint& into, const CheckpointLoadOptions& options) {
  const std::string file = path.string();
  const SafetensorsContents c = read_safetensors(path);
  const auto meta = [&](const char* key) -> const std::string* {
    auto it = c.metadata.find(key);
    return it == c.metadata.end() ? nullptr : &it->second;
  };
  const std::string* kind = meta(kKind);
  XG_CHECK(kind && *kind == "checkpoint", IoError, "load_checkpoint: '", file,
           "' is not an xgrad checkpoint (its metadata has no xgrad.kind = checkpoint",
           kind ? "; it holds " + *kind + " state" : std::string(), ")");
  std::int64_t epoch = 0;
  const std::string* e = meta(kEpoch);
  XG_CHECK(e && std::from_chars(e->data(), e->data() + e->size(), epoch).ec == std::errc(), IoError,
           "load_checkpoint: '", file, "': the epoch in the metadata is missing or not an integer");
  // Check the generator state before changing anything.
  std::optional<Generator> rng;
  if (const std::string* r = meta(kRng); r && options.restore_rng_state) {
    rng.emplace();
    try {
      rng->set_state(*r);
    } catch (const ValueError&) {
      throw IoError("load_checkpoint: '" + file + "': the random generator state in the metadata is corrupt");
    }
  }
  const auto require_class = [&](const char* key, const char* what, const std::string& cls) {
    const std::string* saved = meta(key);
    XG_CHECK(saved, ValueError, "load_checkpoint: '", file, "' holds no ", what, " state (it was saved without one)");
    XG_CHECK(*saved == cls, ValueError, "load_checkpoint: '", file, "': the ", what, " state was saved from ", *saved,
             ", not from ", cls);
  };
  if (into.optimizer) require_class(kOptimizer, "optimizer", into.optimizer->name());
  if (into.scheduler) require_class(kScheduler, "scheduler", into.scheduler->name());

  // All or nothing: each successful part pushes how to undo it.
  std::vector<std::function<void()>> undo;
  nn::LoadStateDictResult result;
  try {
    if (into.model) {
      Dict backup = copy_of(into.model->state_dict());
      result = into.model->load_state_dict(take_prefixed(c.tensors, "model."), options.strict);
      undo.push_back([m = into.model, b = std::move(backup)] { m->load_state_dict(b, false); });
    }
    if (into.optimizer) {
      Dict backup = copy_of(into.optimizer->state_dict());
      into.optimizer->load_state_dict(take_prefixed(c.tensors, "optimizer."));
      undo.push_back([o = into.optimizer, b = std::move(backup)] { o->load_state_dict(b); });
    }
    if (into.scheduler) into.scheduler->load_state_dict(take_prefixed(c.tensors, "scheduler."));
  } catch (const ValueError& err) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) (*it)();
    throw ValueError("load_checkpoint: '" + file + "': " + err.what());
  }
  if (rng) default_generator() = *rng;
  into.epoch = epoch;
  into.metadata.clear();
  for (const auto& [k, v] : c.metadata)
    if (!reserved(k)) into.metadata[k] = v;
  return result;
}

}  // namespace xg::io
