// xgrad — reading the IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed).
//
//   auto images = xg::data::read_idx("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
//   // float32 tensor [60000, 28, 28] holding 0…255
#pragma once
#include <string>

#include "xgrad/tensor.hpp"

namespace xg::data {

/// Reads an IDX file (magic 0x0000TTNN: element type TT, NN dimensions). Files starting with the
/// gzip magic are decompressed on the fly. Values are converted to `dtype`. Throws IoError for
/// a missing, truncated or malformed file, naming the path and what was wrong.
Tensor read_idx(const std::string& path, Dtype dtype = kFloat32);

}  // namespace xg::data
