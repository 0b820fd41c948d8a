// xgrad — ready-made datasets read from IDX files: Fashion-MNIST (Debian package
// dataset-fashion-mnist) and MNIST, as torchvision.datasets: images float32 [N, 1, 28, 28] scaled
// to [0, 1], labels int64 [N] in 0…9.
//
//   xg::data::FashionMNIST train(xg::data::FashionMNIST::kDefaultRoot, xg::data::Split::Train);
//   train.size();                 // 60000
//   train.get(0).data.sizes();    // [1, 28, 28]
#pragma once
#include <string>
#include <vector>

#include "xgrad/data/dataset.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::data {

/// Which part of a dataset that ships split.
enum class Split { Train, Test };

/// Fashion-MNIST: 60000 training and 10000 test images of clothes in 10 classes. `root` holds
/// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
/// t10k-labels-idx1-ubyte, each plain or with ".gz". Throws IoError naming the missing path (and
/// how to install the Debian package) or the defect of a damaged file.
class FashionMNIST : public TensorDataset {
 public:
  /// Where the Debian package dataset-fashion-mnist installs the files.
  static constexpr const char* kDefaultRoot = "/usr/share/datasets/fashion-mnist";
  /// The `split` part of the files under `root`.
  explicit FashionMNIST(const std::string& root = kDefaultRoot, Split split = Split::Train);
  /// The class names, index = label: "T-shirt/top", "Trouser", ..., "Ankle boot".
  static const std::vector<std::string>& classes();
};

/// MNIST handwritten digits, in the same four IDX files (plain or ".gz") under `root`.
class MNIST : public TensorDataset {
 public:
  /// The `split` part of the files under `root`.
  MNIST(const std::string& root, Split split = Split::Train);
  /// "0" … "9".
  static const std::vector<std::string>& classes();
};

}  // namespace xg::data

XGRAD_API_END
