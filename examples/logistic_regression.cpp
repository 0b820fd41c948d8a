// Logistic regression on real images, with raw xgrad tensors.
//
// A binary classifier that tells sneakers (Fashion-MNIST class 7) from ankle boots (class 9)
// from the 784 pixels: p(boot | x) = sigmoid(x·w + b), trained by minimizing the binary
// cross-entropy with mini-batch gradient descent written by hand.
#include <xgrad/data/datasets.hpp>
#include <xgrad/data/idx.hpp>
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/flags.hpp"

// Keeps the images of two classes, as float rows in [0, 1] and labels 0 / 1.
static std::pair<xg::Tensor, xg::Tensor> two_classes(const std::string& dir, const std::string& prefix,
                                                     std::int64_t negative, std::int64_t positive) {
  auto images = xg::data::read_idx(dir + "/" + prefix + "-images-idx3-ubyte.gz");
  auto labels = xg::data::read_idx(dir + "/" + prefix + "-labels-idx1-ubyte.gz", xg::kInt64);
  std::vector<std::int64_t> keep;
  const auto all = labels.to_vector<std::int64_t>();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i] == negative || all[i] == positive) keep.push_back(static_cast<std::int64_t>(i));
  auto idx = xg::tensor(keep);
  auto x = images.index_select(0, idx).reshape({-1, 784}) / 255.0;
  auto y = (labels.index_select(0, idx) == positive).to(xg::kFloat32);
  return {x, y};
}

// Binary cross-entropy on logits z, stable for large |z|:  softplus(z) − y·z.
static xg::Tensor bce_with_logits(const xg::Tensor& z, const xg::Tensor& y) { return (xg::softplus(z) - y * z).mean(); }

int main(int argc, char** argv) try {
  std::string dir = xg::data::FashionMNIST::kDefaultRoot;
  example::Flags flags("logistic_regression", "Sneakers vs ankle boots by logistic regression on Fashion-MNIST.");
  flags.add("--data-dir", dir, "Fashion-MNIST files", "DIR");
  flags.parse(argc, argv);
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz"))
    throw xg::IoError("Fashion-MNIST not found in " + dir + ": sudo apt-get install dataset-fashion-mnist");
  xg::manual_seed(0);
  auto [x_train, y_train] = two_classes(dir, "train", 7, 9);
  auto [x_test, y_test] = two_classes(dir, "t10k", 7, 9);
  std::printf("sneakers vs ankle boots: %lld training and %lld test images\n", static_cast<long long>(x_train.size(0)),
              static_cast<long long>(x_test.size(0)));

  auto w = xg::zeros({784}, xg::requires_grad());
  auto b = xg::zeros({}, xg::requires_grad());
  const double lr = 0.5;
  const std::int64_t n = x_train.size(0), batch = 128;
  for (int epoch = 1; epoch <= 3; ++epoch) {
    auto order = xg::randperm(n);
    double total = 0;
    std::int64_t steps = 0;
    for (std::int64_t i = 0; i < n; i += batch) {
      auto idx = order.narrow(0, i, std::min(batch, n - i));
      auto z = xg::matmul(x_train.index_select(0, idx), w) + b;  // logits
      auto loss = bce_with_logits(z, y_train.index_select(0, idx));
      loss.backward();
      {
        xg::NoGradGuard no_grad;
        w.sub_(lr * w.grad());
        b.sub_(lr * b.grad());
      }
      w.mutable_grad() = xg::Tensor();
      b.mutable_grad() = xg::Tensor();
      total += loss.item<double>();
      ++steps;
    }
    xg::NoGradGuard no_grad;
    auto predicted = (xg::matmul(x_test, w) + b) > 0;
    const double acc = (predicted.to(xg::kFloat32) == y_test).to(xg::kFloat32).mean().item<double>();
    std::printf("epoch %d  mean training loss %.4f  test accuracy %.2f%%\n", epoch, total / steps, 100 * acc);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "logistic_regression: " << e.what() << "\n";
  return 1;
}
