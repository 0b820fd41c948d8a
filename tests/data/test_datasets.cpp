// Fashion-MNIST and MNIST: loading a small set written by the test (scaling, shapes, plain or
// gzip names, every inconsistency an IoError), and the real Fashion-MNIST when it is installed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "data/temp_dir.hpp"
#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;
using xg::testing::TempDir;

namespace {
/// Writes n images (image i is filled with the byte 51·i mod 256) and labels i mod 10.
void write_fake(const TempDir& dir, const std::string& prefix, std::int64_t n, bool gz = true) {
  const std::string ext = gz ? ".gz" : "";
  auto images = (arange(n) * 51 - ((arange(n) * 51) / 256).to(kInt64) * 256).reshape({n, 1, 1}).expand({n, 28, 28});
  write_idx(dir / (prefix + "-images-idx3-ubyte" + ext), images.contiguous());
  write_idx(dir / (prefix + "-labels-idx1-ubyte" + ext), arange(n) - (arange(n) / 10).to(kInt64) * 10);
}
}  // namespace

TEST_CASE("FashionMNIST: images become float32 [N, 1, 28, 28] in [0, 1] with int64 labels") {
  TempDir dir;
  write_fake(dir, "train", 12);
  write_fake(dir, "t10k", 3, /*gz=*/false);
  FashionMNIST train(dir.str(), Split::Train);
  CHECK(train.size() == 12);
  CHECK(train.data().sizes() == Shape{12, 1, 28, 28});
  CHECK(train.data().dtype() == kFloat32);
  CHECK(train.targets().dtype() == kInt64);
  CHECK(train.get(1).data.allclose(full({1, 28, 28}, 0.2f)));             // 51 / 255
  CHECK(train.get(5).data.allclose(full({1, 28, 28}, 255.0f / 255.0f)));  // 255
  CHECK(train.get(11).target.item<std::int64_t>() == 1);
  FashionMNIST test(dir.str(), Split::Test);  // plain files are found too
  CHECK(test.size() == 3);
  CHECK(FashionMNIST::classes().size() == 10);
  CHECK(FashionMNIST::classes()[9] == "Ankle boot");
  MNIST digits(dir.str(), Split::Train);
  CHECK(digits.size() == 12);
}

TEST_CASE("FashionMNIST: missing files name the path and the Debian package") {
  TempDir dir;
  CHECK_THROWS_AS(FashionMNIST(dir.str()), IoError);
  CHECK_THROWS_WITH(FashionMNIST(dir.str()), Catch::Contains(dir / "train-images-idx3-ubyte.gz") &&
                                                 Catch::Contains("apt-get install dataset-fashion-mnist"));
  write_fake(dir, "train", 2);
  std::filesystem::remove(dir / "train-labels-idx1-ubyte.gz");
  CHECK_THROWS_WITH(FashionMNIST(dir.str()), Catch::Contains("train-labels-idx1-ubyte"));
}

TEST_CASE("FashionMNIST: inconsistent or damaged files throw IoError") {
  TempDir dir;
  write_fake(dir, "train", 4);
  write_idx(dir / "train-labels-idx1-ubyte.gz", tensor({0, 1, 2}));
  CHECK_THROWS_WITH(FashionMNIST(dir.str()), Catch::Contains("4 images") && Catch::Contains("3 labels"));
  write_idx(dir / "train-labels-idx1-ubyte.gz", tensor({0, 1, 2, 10}));
  CHECK_THROWS_WITH(FashionMNIST(dir.str()), Catch::Contains("0…9"));
  write_idx(dir / "train-labels-idx1-ubyte.gz", tensor({{0, 1}, {2, 3}}));
  CHECK_THROWS_AS(FashionMNIST(dir.str()), IoError);
  write_idx(dir / "train-labels-idx1-ubyte.gz", tensor({0, 1, 2, 3}));
  write_idx(dir / "train-images-idx3-ubyte.gz", zeros({4, 784}, kInt64));
  CHECK_THROWS_WITH(FashionMNIST(dir.str()), Catch::Contains("not images"));
  xg::testing::write_bytes(dir / "train-images-idx3-ubyte.gz", {0x1f, 0x8b, 8, 0, 0, 0});
  CHECK_THROWS_AS(FashionMNIST(dir.str()), IoError);
}

TEST_CASE("FashionMNIST: the installed data set has 60000 + 10000 images of 10 balanced classes") {
  const std::string root = FashionMNIST::kDefaultRoot;
  if (!std::filesystem::exists(std::filesystem::path(root) / "train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST is not installed in " << root << " (apt-get install dataset-fashion-mnist); skipped");
    return;
  }
  FashionMNIST train(root, Split::Train), test(root, Split::Test);
  CHECK(train.data().sizes() == Shape{60000, 1, 28, 28});
  CHECK(test.data().sizes() == Shape{10000, 1, 28, 28});
  CHECK(train.targets().sizes() == Shape{60000});
  CHECK(test.targets().sizes() == Shape{10000});
  CHECK(train.data().min().item<float>() == 0.0f);
  CHECK(train.data().max().item<float>() == 1.0f);
  for (const FashionMNIST* split : {&train, &test}) {
    REQUIRE(split->targets().min().item<std::int64_t>() == 0);
    REQUIRE(split->targets().max().item<std::int64_t>() == 9);
  }
  auto count = [](const Tensor& labels) {
    std::vector<std::int64_t> counts(10, 0);
    for (std::int64_t y : labels.to_vector<std::int64_t>()) ++counts[static_cast<std::size_t>(y)];
    return counts;
  };
  CHECK(count(train.targets()) == std::vector<std::int64_t>(10, 6000));
  CHECK(count(test.targets()) == std::vector<std::int64_t>(10, 1000));
}
