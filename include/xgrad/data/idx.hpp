// xgrad — the IDX format of MNIST and Fashion-MNIST: reading (plain or gzip-compressed, every IDX
// element type) and writing. A damaged file raises IoError naming the path and the defect; a read
// never trusts the header further than the bytes actually present.
//
//   auto images = xg::data::read_idx("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
//   // float32 tensor [60000, 28, 28] holding 0…255
//   xg::data::write_idx("labels-idx1-ubyte.gz", xg::tensor({3, 1, 4}));   // gzip by the suffix
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// The element types of the IDX format (the third byte of its magic number).
enum class IdxType : std::uint8_t {
  UInt8 = 0x08,
  Int8 = 0x09,
  Int16 = 0x0B,
  Int32 = 0x0C,
  Float32 = 0x0D,
  Float64 = 0x0E,
};

/// Reads an IDX file: a big-endian header (magic 0x0000TTNN: element type TT, NN dimensions, then
/// NN 32-bit sizes) followed by the elements. Files starting with the gzip magic are decompressed
/// on the fly. Values are converted to `dtype`. Throws IoError for a missing, unreadable, corrupt
/// or truncated file, an unknown element type, implausible sizes (no dimension, a dimension above
/// 2^31 − 1 or more than 2^36 bytes of elements) and data left after the last element.
Tensor read_idx(const std::string& path, Dtype dtype = kFloat32);

/// Writes `tensor` (at least 1-D, at most 255 dims) as an IDX file, gzip-compressed when the path
/// ends in ".gz". Without `type`: float32 → Float32, float64 → Float64, bool → UInt8, int64 →
/// UInt8 if every value is in [0, 255], else Int32. Values are stored exactly in integer types
/// (ValueError for a fraction or a value out of range) and rounded to nearest in Float32.
/// Throws IoError when the file cannot be written.
void write_idx(const std::string& path, const Tensor& tensor, std::optional<IdxType> type = std::nullopt);

}  // namespace xg::data

XGRAD_API_END
