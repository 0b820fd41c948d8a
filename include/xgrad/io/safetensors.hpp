// xgrad — named tensors in the safetensors format (Hugging Face's, read by PyTorch, JAX, …).
// A file is an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data. See docs/saving.md.
//
//   xg::io::save_safetensors(model->state_dict(), "model.safetensors");
//   auto tensors = xg::io::load_safetensors("model.safetensors");   // OrderedDict name → Tensor
#pragma once
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "xgrad/ordered_dict.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::io {

/// Free-form string pairs stored in the header's "__metadata__" object.
using Metadata = std::map<std::string, std::string>;

/// The largest header load_safetensors accepts (as the safetensors library: 100 MB).
inline constexpr std::uint64_t kMaxSafetensorsHeader = 100'000'000;

/// Writes `tensors` (float32 → "F32", float64 → "F64", int64 → "I64", bool → "BOOL") to `path`,
/// atomically (see atomic_write). The layout is the one the safetensors library writes: data
/// sorted by descending dtype then by name, header padded with spaces to a multiple of 8 bytes.
/// Tensors need not be contiguous; names must be non-empty and not "__metadata__".
void save_safetensors(const OrderedDict<std::string, Tensor>& tensors, const std::filesystem::path& path,
                      const Metadata& metadata = {});

/// The same, into memory (what save_safetensors writes).
std::string serialize_safetensors(const OrderedDict<std::string, Tensor>& tensors, const Metadata& metadata = {});

/// Reads every tensor of a safetensors file, in the order of their data in the file. Besides the
/// four native dtypes it reads F16 and BF16 (as float32) and I8, I16, I32, U8, U16, U32 (as int64).
/// Any defect — truncated file, header longer than the file or than 100 MB, invalid JSON,
/// unknown dtype, byte ranges out of bounds, overlapping, leaving gaps or not matching
/// shape × element size — is an xg::IoError naming the file and the problem.
OrderedDict<std::string, Tensor> load_safetensors(const std::filesystem::path& path);
/// Reads only the "__metadata__" of a file (the header is validated as by load_safetensors).
Metadata load_safetensors_metadata(const std::filesystem::path& path);

/// The tensors and metadata of a safetensors file.
struct SafetensorsContents {
  /// the tensors, in the file's order
  OrderedDict<std::string, Tensor> tensors;
  /// the "__metadata__" strings
  Metadata metadata;
};
/// Reads tensors and metadata in one pass.
SafetensorsContents read_safetensors(const std::filesystem::path& path);
/// Parses a safetensors image held in memory; `name` is used in error messages. Never reads
/// outside [data, data + size).
SafetensorsContents parse_safetensors(const void* data, std::size_t size, const std::string& name = "<memory>");

}  // namespace xg::io

XGRAD_API_END
