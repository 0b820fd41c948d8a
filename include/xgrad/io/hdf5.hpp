// xgrad — named tensors and models in HDF5 files, readable with h5py, HDFView or Keras-style tools.
// Each tensor is one dataset; the dots of its name become groups ("features.0.weight" is the
// dataset /features/0/weight, so h5py users write f["features/0/weight"]). See docs/saving.md.
//
//   xg::io::save_hdf5(*model, "model.h5");
//   xg::io::load_hdf5(*model, "model.h5");
#pragma once
#include <filesystem>

#include "xgrad/io/safetensors.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::io {

/// Whether this build of xgrad has HDF5 support (libhdf5 found at configure time). Without it
/// every HDF5 function throws an xg::IoError saying so.
bool hdf5_available();

/// Writes each tensor as a dataset (float32 → IEEE F32LE, float64 → F64LE, int64 → STD I64LE,
/// bool → h5py's boolean enum {FALSE = 0, TRUE = 1} over int8; 0-d tensors as scalar datasets),
/// with a string attribute "dtype" holding xgrad's name of the dtype. Dots in names become groups.
/// `metadata` becomes string attributes of the root group. Written atomically.
void save_hdf5(const OrderedDict<std::string, Tensor>& tensors, const std::filesystem::path& path,
               const Metadata& metadata = {});
/// Saves module.state_dict() the same way.
void save_hdf5(const nn::Module& module, const std::filesystem::path& path, const Metadata& metadata = {});

/// Reads every dataset of the file (recursively; "/a/b/c" is named "a.b.c"), in name order.
/// Floating datasets of 4 bytes or fewer load as float32, wider ones as float64; integer datasets
/// as int64; h5py booleans as bool. Unreadable, truncated or corrupt files and datasets of other
/// types are xg::IoError naming the file.
OrderedDict<std::string, Tensor> load_hdf5(const std::filesystem::path& path);
/// The string attributes of the root group.
Metadata load_hdf5_metadata(const std::filesystem::path& path);
/// Loads an HDF5 file into a module with load_state_dict (strict or not, as io::load).
nn::LoadStateDictResult load_hdf5(nn::Module& module, const std::filesystem::path& path, bool strict = true);

}  // namespace xg::io

XGRAD_API_END
