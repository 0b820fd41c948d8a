// xgrad — training checkpoints: model, optimizer, scheduler, epoch, random-number state and
// metadata in one safetensors file, so that a resumed run continues bit for bit as if it had
// never stopped.
//
//   xg::io::save_checkpoint("ckpt.safetensors", {.model = model.get(), .optimizer = &opt,
//                                                .scheduler = &sched, .epoch = epoch});
//   xg::io::Checkpoint ck{.model = model.get(), .optimizer = &opt, .scheduler = &sched};
//   xg::io::load_checkpoint("ckpt.safetensors", ck);        // ck.epoch is the saved epoch
#pragma once
#include <cstdint>
#include <filesystem>

#include "xgrad/io/safetensors.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {
class Optimizer;
class SchedulerBase;
}  // namespace xg::optim

namespace xg::io {

/// What a checkpoint holds. Every pointer is optional (null: not saved / not restored).
/// save_checkpoint reads the objects; load_checkpoint restores into them and fills epoch and
/// metadata from the file.
struct Checkpoint {
  /// the model's state dict
  nn::Module* model = nullptr;
  /// the optimizer's state dict
  optim::Optimizer* optimizer = nullptr;
  /// the scheduler's state dict
  optim::SchedulerBase* scheduler = nullptr;
  /// The number of epochs (or steps — the caller decides) completed.
  std::int64_t epoch = 0;
  /// Free-form values (validation loss, git hash, …). Keys starting with "xgrad." are reserved.
  Metadata metadata = {};
};

/// Options of load_checkpoint.
struct CheckpointLoadOptions {
  /// As for load_state_dict: the model's names, shapes and dtypes must match the file's.
  bool strict = true;
  /// Restore the global random generator (dropout masks, shuffles) to its state at saving time.
  bool restore_rng_state = true;
};

/// Writes one safetensors file, atomically: the model's state dict under "model.<name>", the
/// optimizer's under "optimizer.<key>", the scheduler's under "scheduler.<key>"; in the metadata
/// the epoch, the state of xg::default_generator(), the optimizer and scheduler classes, and the
/// caller's metadata.
void save_checkpoint(const std::filesystem::path& path, const Checkpoint& checkpoint);

/// Restores a checkpoint into the objects `into` points at, then sets into.epoch and
/// into.metadata. Asking for an optimizer or scheduler the file does not hold, or of another
/// class, is a ValueError; a file that is not a checkpoint or is corrupt is an xg::IoError. All or
/// nothing: if any part fails to load, the model, optimizer and scheduler are left as they were.
/// Returns the model's missing / unexpected keys (non-strict loads).
nn::LoadStateDictResult load_checkpoint(const std::filesystem::path& path, Checkpoint& into,
                                        const CheckpointLoadOptions& options = {});

}  // namespace xg::io

XGRAD_API_END
