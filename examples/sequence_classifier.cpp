// Fashion-MNIST as sequences: an LSTM reads each image row by row.
//
// A 28×28 image is a sequence of 28 steps with 28 features each (one pixel row per step). An
// LSTM with 64 hidden units reads the rows top to bottom; its hidden state after the last row
// summarizes the image, and a linear head turns it into 10 class scores. Training uses Adam,
// written out in a few lines of raw tensor ops, on a subset of the training set so that the run
// takes about a minute on two cores.
//
//   build/examples/sequence_classifier --epochs 5 --train-size 20000
#include <xgrad/data/datasets.hpp>
#include <xgrad/data/idx.hpp>
#include <xgrad/nn/rnn.hpp>
#include <xgrad/xgrad.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/flags.hpp"

namespace fs = std::filesystem;

struct Options {
  int epochs = 5;
  std::int64_t train_size = 20000;  // images used for training (of 60 000)
  std::int64_t test_size = 10000;   // images used for testing (of 10 000)
  std::int64_t batch_size = 64;
  double lr = 2e-3;
  std::uint64_t seed = 0;
  std::string data_dir = xg::data::FashionMNIST::kDefaultRoot;
};

static Options parse(int argc, char** argv) {
  Options o;
  example::Flags flags("sequence_classifier", "Fashion-MNIST images read row by row by a recurrent classifier.");
  flags.add("--epochs", o.epochs, "epochs to train");
  flags.add("--train-size", o.train_size, "images used for training (of 60 000)");
  flags.add("--test-size", o.test_size, "images used for testing (of 10 000)");
  flags.add("--batch-size", o.batch_size, "mini-batch size");
  flags.add("--lr", o.lr, "learning rate");
  flags.add("--seed", o.seed, "random seed");
  flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
  flags.parse(argc, argv);
  if (o.epochs < 1 || o.train_size < 1 || o.test_size < 1 || o.batch_size < 1 || o.lr <= 0)
    throw xg::ValueError("epochs, sizes and the learning rate must be positive");
  return o;
}

// ---- 1. Data ------------------------------------------------------------------------------------
// read_idx gives float32 [n, 28, 28] pixels in 0…255 and int64 labels. Scaled to [0, 1], an image
// is already a batch-first sequence: [n, 28 steps, 28 features].
static std::pair<xg::Tensor, xg::Tensor> load(const std::string& dir, const std::string& prefix, std::int64_t n) {
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  if (!fs::exists(images) || !fs::exists(labels))
    throw xg::IoError("Fashion-MNIST not found in " + dir +
                      ": install it with `sudo apt-get install dataset-fashion-mnist`, or pass --data-dir");
  auto x = xg::data::read_idx(images, xg::kFloat32);
  auto y = xg::data::read_idx(labels, xg::kInt64);
  n = std::min(n, x.size(0));
  return {x.narrow(0, 0, n) / 255.0, y.narrow(0, 0, n)};
}

// ---- 2. The model -------------------------------------------------------------------------------
// The LSTM's final hidden state h_n[-1] is its output at the last step; the head maps it to logits.
struct SequenceClassifierImpl : xg::nn::Module {
  SequenceClassifierImpl(std::int64_t features, std::int64_t hidden, std::int64_t classes) {
    lstm = register_module("lstm", xg::nn::LSTM(features, hidden, {.batch_first = true}));
    // A linear head initialized as torch.nn.Linear: U(-1/√hidden, 1/√hidden).
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
    head_weight = register_parameter("head_weight", xg::empty({classes, hidden}).uniform_(-bound, bound));
    head_bias = register_parameter("head_bias", xg::empty({classes}).uniform_(-bound, bound));
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    auto [output, state] = lstm->forward(x, {});    // zero initial state
    const xg::Tensor last = std::get<0>(state)[0];  // h_n of the single layer: [batch, hidden]
    return xg::linear(last, head_weight, head_bias);
  }
  xg::nn::LSTM lstm{nullptr};
  xg::Tensor head_weight, head_bias;
};
XG_MODULE(SequenceClassifier);

// Mean cross-entropy of logits against integer labels: −log softmax(logits)[label].
static xg::Tensor cross_entropy(const xg::Tensor& logits, const xg::Tensor& labels) {
  return -xg::log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).mean();
}

// ---- 3. Adam, by hand ---------------------------------------------------------------------------
// For each parameter p with gradient g, at step t:
//   m ← β₁ m + (1 − β₁) g          v ← β₂ v + (1 − β₂) g²
//   p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
struct Adam {
  std::vector<xg::Tensor> params, m, v;
  double lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  long t = 0;
  Adam(std::vector<xg::Tensor> ps, double learning_rate) : params(std::move(ps)), lr(learning_rate) {
    for (const auto& p : params) {
      m.push_back(xg::zeros_like(p));
      v.push_back(xg::zeros_like(p));
    }
  }
  void step() {
    xg::NoGradGuard no_grad;
    ++t;
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(t));
    const double c2 = 1.0 - std::pow(beta2, static_cast<double>(t));
    for (std::size_t i = 0; i < params.size(); ++i) {
      const xg::Tensor& g = params[i].grad();
      if (!g.defined()) continue;
      m[i].mul_(beta1).add_(g, 1.0 - beta1);
      v[i].mul_(beta2).add_(g * g, 1.0 - beta2);
      params[i].sub_((m[i] / c1) / ((v[i] / c2).sqrt() + eps) * lr);
      params[i].mutable_grad() = xg::Tensor();  // zero_grad (set to none)
    }
  }
};

// Loss and accuracy over a split, in batches, without recording a graph.
static std::pair<double, double> evaluate(SequenceClassifier& model, const xg::Tensor& x, const xg::Tensor& y) {
  xg::NoGradGuard no_grad;
  model->eval();
  double loss = 0, correct = 0;
  const std::int64_t n = x.size(0), bs = 500;
  for (std::int64_t i = 0; i < n; i += bs) {
    const std::int64_t m = std::min(bs, n - i);
    auto logits = model(x.narrow(0, i, m));
    auto labels = y.narrow(0, i, m);
    loss += cross_entropy(logits, labels).item<double>() * static_cast<double>(m);
    correct += (logits.argmax(1) == labels).sum().item<double>();
  }
  model->train();
  return {loss / static_cast<double>(n), correct / static_cast<double>(n)};
}

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  xg::manual_seed(opt.seed);

  auto [x_raw, y_train] = load(opt.data_dir, "train", opt.train_size);
  auto [x_test_raw, y_test] = load(opt.data_dir, "t10k", opt.test_size);
  // Standardize with the training images' mean and standard deviation (zero-centred inputs keep
  // the gates away from saturation at the start).
  const double mean = x_raw.mean().item<double>(), stdev = x_raw.std().item<double>();
  const xg::Tensor x_train = (x_raw - mean) / stdev, x_test = (x_test_raw - mean) / stdev;
  const std::int64_t n = x_train.size(0);
  std::cout << "Fashion-MNIST as sequences: " << n << " training and " << x_test.size(0)
            << " test images, each 28 steps x 28 features\n";

  SequenceClassifier model(28, 64, 10);
  std::cout << *model << "\n" << model->num_parameters() << " parameters\n";
  Adam adam(model->parameters(), opt.lr);

  // ---- 4. Training ------------------------------------------------------------------------------
  const std::int64_t batches = (n + opt.batch_size - 1) / opt.batch_size;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    auto order = xg::randperm(n);  // a new shuffle each epoch
    double running = 0, correct = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
      const std::int64_t lo = b * opt.batch_size, m = std::min(opt.batch_size, n - lo);
      auto idx = order.narrow(0, lo, m);
      auto labels = y_train.index_select(0, idx);
      auto logits = model(x_train.index_select(0, idx));  // [m, 28, 28] → [m, 10]
      auto loss = cross_entropy(logits, labels);
      loss.backward();  // through the head, 28 LSTM steps and the input projection
      adam.step();
      running += loss.item<double>() * static_cast<double>(m);
      correct += (logits.argmax(1) == labels).sum().item<double>();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto [test_loss, test_acc] = evaluate(model, x_test, y_test);
    std::printf("epoch %d/%d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  (%.1f s, %.0f sequences/s)\n",
                epoch, opt.epochs, running / static_cast<double>(n), 100 * correct / static_cast<double>(n), test_loss,
                100 * test_acc, secs, static_cast<double>(n) / secs);
    std::fflush(stdout);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "sequence_classifier: " << e.what() << "\n";
  return 1;
}
