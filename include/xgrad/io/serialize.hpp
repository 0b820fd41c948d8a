// xgrad — saving and loading models, optimizers and schedulers (torch.save / load_state_dict).
// Each is saved as its flat state dict in one safetensors file: a model's parameters and buffers
// under PyTorch's dotted names (so the file loads into the equivalent torch.nn model), an
// optimizer's or scheduler's progress with its hyper-parameters as 0-d tensors.
//
//   xg::io::save(*model, "model.safetensors");
//   xg::io::load(*model, "model.safetensors");               // strict: names, shapes, dtypes match
#pragma once
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

/// Saves `module.state_dict()` (parameters and persistent buffers, dotted names) to a safetensors
/// file, atomically. `metadata` is stored in the header's "__metadata__".
void save(const nn::Module& module, const std::filesystem::path& path, const Metadata& metadata = {});
/// Loads a safetensors file into `module` with load_state_dict: strict — missing or unexpected
/// names, shape or dtype mismatches are one ValueError listing them all (prefixed with the file
/// name); non-strict — matching names are loaded (converted to the module's dtypes) and the others
/// returned. Defects of the file itself are xg::IoError. A checkpoint file (save_checkpoint)
/// loads too: its model part is used.
nn::LoadStateDictResult load(nn::Module& module, const std::filesystem::path& path, bool strict = true);

/// Saves an optimizer's state_dict() (its hyper-parameters per group as 0-d tensors, its
/// per-parameter state as tensors), with the optimizer's class in the metadata.
void save(const optim::Optimizer& optimizer, const std::filesystem::path& path, const Metadata& metadata = {});
/// Restores it into an optimizer of the same class over parameters of the same shapes; a file
/// written by another optimizer class is a ValueError naming both.
void load(optim::Optimizer& optimizer, const std::filesystem::path& path);

/// The same for learning-rate schedulers (their step counter and per-group values).
void save(const optim::SchedulerBase& scheduler, const std::filesystem::path& path, const Metadata& metadata = {});
/// Restores a scheduler saved by save() (into one of the same class over as many groups).
void load(optim::SchedulerBase& scheduler, const std::filesystem::path& path);

}  // namespace xg::io

XGRAD_API_END
