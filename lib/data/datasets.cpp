// Fashion-MNIST and MNIST: four IDX files each, read into float32 images in [0, 1] with a channel
// dim, and int64 labels, checked against each other.
#include "xgrad/data/datasets.hpp"

#include <filesystem>

#include "xgrad/data/idx.hpp"
#include "xgrad/ops.hpp"

namespace xg::data {

namespace {

/// root/name.gz when it exists, else root/name; IoError naming both when neither does.
std::string find_file(const std::string& root, const std::string& name, const char* op, const char* hint) {
  const std::filesystem::path dir(root);
  const std::filesystem::path gz = dir / (name + ".gz"), plain = dir / name;
  if (std::filesystem::exists(gz)) return gz.string();
  if (std::filesystem::exists(plain)) return plain.string();
  throw IoError(xg::detail::concat(op, ": '", gz.string(), "' not found (nor '", plain.string(), "')", hint));
}

TensorDataset load_idx_classification(const std::string& root, Split split, const char* op, const char* hint) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images_path = find_file(root, prefix + "-images-idx3-ubyte", op, hint);
  const std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte", op, hint);
  Tensor images = read_idx(images_path, kFloat32);
  Tensor labels = read_idx(labels_path, kInt64);
  XG_CHECK(images.dim() == 3, IoError, op, ": '", images_path, "' holds shape ", images.sizes(),
           ", not images [N, H, W]");
  XG_CHECK(labels.dim() == 1, IoError, op, ": '", labels_path, "' holds shape ", labels.sizes(), ", not labels [N]");
  XG_CHECK(images.size(0) == labels.size(0), IoError, op, ": '", images_path, "' holds ", images.size(0),
           " images but '", labels_path, "' holds ", labels.size(0), " labels");
  if (labels.numel() > 0) {
    const auto lo = labels.min().item<std::int64_t>(), hi = labels.max().item<std::int64_t>();
    XG_CHECK(lo >= 0 && hi <= 9, IoError, op, ": '", labels_path, "' holds labels from ", lo, " to ", hi,
             ", outside the classes 0…9");
  }
  // bytes 0…255 → [0, 1], as torchvision's ToTensor; in place on the fresh tensor
  images.div_(255.0);
  return TensorDataset(images.unsqueeze(1), labels);
}

}  // namespace

FashionMNIST::FashionMNIST(const std::string& root, Split split)
    : TensorDataset(load_idx_classification(
          root, split, "FashionMNIST",
          "; install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")) {}

const std::vector<std::string>& FashionMNIST::classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

MNIST::MNIST(const std::string& root, Split split) : TensorDataset(load_idx_classification(root, split, "MNIST", "")) {}

const std::vector<std::string>& MNIST::classes() {
  static const std::vector<std::string> names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return names;
}

}  // namespace xg::data
