// Fashion-MNIST with a multi-layer perceptron, written with raw xgrad tensors.
//
// This tutorial trains a 784-256-128-10 ReLU network on the real Fashion-MNIST images with a
// hand-written training loop: mini-batch SGD with momentum, a validation split, a progress line,
// and a learning-curve plot (SVG). Everything the nn / optim modules will package later is done
// here in plain ops, so you can see every step.
//
//   build/examples/fashion_mnist_mlp --epochs 5 --lr 0.05 --out-dir .
#include <xgrad/data/datasets.hpp>
#include <xgrad/data/idx.hpp>
#include <xgrad/train/plot.hpp>
#include <xgrad/xgrad.hpp>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include "common/flags.hpp"

namespace fs = std::filesystem;

struct Options {
  int epochs = 5;
  std::int64_t batch_size = 64;
  double lr = 0.05;
  double momentum = 0.9;
  std::int64_t validation = 5000;
  std::uint64_t seed = 0;
  std::string data_dir = xg::data::FashionMNIST::kDefaultRoot;
  std::string out_dir = ".";
};

static Options parse(int argc, char** argv) {
  Options o;
  example::Flags flags("fashion_mnist_mlp", "An MLP on Fashion-MNIST, trained with SGD and momentum.");
  flags.add("--epochs", o.epochs, "epochs to train");
  flags.add("--batch-size", o.batch_size, "mini-batch size");
  flags.add("--lr", o.lr, "learning rate");
  flags.add("--momentum", o.momentum, "SGD momentum");
  flags.add("--validation", o.validation, "training images held out for validation");
  flags.add("--seed", o.seed, "random seed");
  flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
  flags.add("--out-dir", o.out_dir, "where the plots (and other outputs) go", "DIR");
  flags.parse(argc, argv);
  if (o.epochs < 1 || o.batch_size < 1 || o.lr <= 0 || o.validation < 0)
    throw xg::ValueError("epochs, batch size and learning rate must be positive");
  return o;
}

// Images become float32 rows in [0, 1], standardized with the training set's mean and std.
struct Split {
  xg::Tensor x, y;
};

static std::pair<xg::Tensor, xg::Tensor> load(const std::string& dir, const std::string& prefix) {
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  if (!fs::exists(images) || !fs::exists(labels))
    throw xg::IoError("Fashion-MNIST not found in " + dir +
                      ": install it with `sudo apt-get install dataset-fashion-mnist`, or pass --data-dir");
  auto x = xg::data::read_idx(images, xg::kFloat32);
  auto y = xg::data::read_idx(labels, xg::kInt64);
  return {x.reshape({x.size(0), 28 * 28}) / 255.0, y};
}

// One dense layer's parameters, He-initialized for ReLU: W ~ N(0, 2/fan_in).
struct Dense {
  xg::Tensor w, b, vw, vb;  // weights, bias and their momentum buffers
  Dense(std::int64_t in, std::int64_t out)
      : w((xg::randn({in, out}) * std::sqrt(2.0 / static_cast<double>(in))).requires_grad_()),
        b(xg::zeros({out}, xg::requires_grad())),
        vw(xg::zeros({in, out})),
        vb(xg::zeros({out})) {}
  xg::Tensor operator()(const xg::Tensor& x) const { return xg::matmul(x, w) + b; }
};

struct MLP {
  Dense l1{784, 256}, l2{256, 128}, l3{128, 10};
  xg::Tensor operator()(const xg::Tensor& x) const { return l3(xg::relu(l2(xg::relu(l1(x))))); }
};

// Mean cross-entropy of logits against integer labels: −log softmax(logits)[label].
static xg::Tensor cross_entropy(const xg::Tensor& logits, const xg::Tensor& labels) {
  return -xg::log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).mean();
}

// Loss and accuracy over a whole split, in batches, without recording a graph.
static std::pair<double, double> evaluate(const MLP& net, const Split& s) {
  xg::NoGradGuard no_grad;
  double loss = 0, correct = 0;
  const std::int64_t n = s.x.size(0), bs = 1000;
  for (std::int64_t i = 0; i < n; i += bs) {
    const std::int64_t m = std::min(bs, n - i);
    auto logits = net(s.x.narrow(0, i, m));
    auto y = s.y.narrow(0, i, m);
    loss += cross_entropy(logits, y).item<double>() * static_cast<double>(m);
    correct += (logits.argmax(1) == y).sum().item<double>();
  }
  return {loss / static_cast<double>(n), correct / static_cast<double>(n)};
}

// SGD with momentum (PyTorch's form): v ← μv + g;  p ← p − lr·v.
static void sgd_step(xg::Tensor& p, xg::Tensor& v, double lr, double momentum) {
  xg::NoGradGuard no_grad;
  v.mul_(momentum).add_(p.grad());
  p.sub_(v * lr);
  p.mutable_grad() = xg::Tensor();  // zero_grad, set to none
}

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  xg::manual_seed(opt.seed);

  // 1. Data: 60 000 training images (split into train / validation) and 10 000 test images.
  auto [x_all, y_all] = load(opt.data_dir, "train");
  auto [x_test, y_test] = load(opt.data_dir, "t10k");
  const std::int64_t n_train = x_all.size(0) - opt.validation;
  const auto mean = x_all.narrow(0, 0, n_train).mean().item<double>();
  const auto stdev = x_all.narrow(0, 0, n_train).std().item<double>();
  auto standardize = [&](const xg::Tensor& x) { return (x - mean) / stdev; };
  Split train{standardize(x_all.narrow(0, 0, n_train)), y_all.narrow(0, 0, n_train)};
  Split val{standardize(x_all.narrow(0, n_train, opt.validation)), y_all.narrow(0, n_train, opt.validation)};
  Split test{standardize(x_test), y_test};
  std::cout << "Fashion-MNIST: " << n_train << " train, " << opt.validation << " validation, " << x_test.size(0)
            << " test images\n";

  // 2. The model and its training loop.
  MLP net;
  const bool tty = isatty(fileno(stdout));
  std::vector<double> epochs, train_loss, val_loss, train_acc, val_acc;
  const std::int64_t batches = (n_train + opt.batch_size - 1) / opt.batch_size;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    auto order = xg::randperm(n_train);  // a new shuffle each epoch
    double running = 0;
    for (std::int64_t b = 0; b < batches; ++b) {
      const std::int64_t lo = b * opt.batch_size, m = std::min(opt.batch_size, n_train - lo);
      auto idx = order.narrow(0, lo, m);
      auto loss = cross_entropy(net(train.x.index_select(0, idx)), train.y.index_select(0, idx));
      loss.backward();
      for (Dense* l : {&net.l1, &net.l2, &net.l3}) {
        sgd_step(l->w, l->vw, opt.lr, opt.momentum);
        sgd_step(l->b, l->vb, opt.lr, opt.momentum);
      }
      running += loss.item<double>();
      if (tty && (b % 20 == 0 || b + 1 == batches)) {
        const int width = 30, done = static_cast<int>(width * (b + 1) / batches);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("\repoch %d/%d [%s%s] %lld/%lld  loss %.4f  %.0f samples/s", epoch, opt.epochs,
                    std::string(done, '=').c_str(), std::string(width - done, ' ').c_str(),
                    static_cast<long long>(b + 1), static_cast<long long>(batches), running / (b + 1),
                    static_cast<double>(lo + m) / secs);
        std::fflush(stdout);
      }
    }
    const auto [tl, ta] = evaluate(net, train);
    const auto [vl, va] = evaluate(net, val);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%sepoch %d/%d  train loss %.4f acc %.2f%%  val loss %.4f acc %.2f%%  (%.1f s, %.0f samples/s)\n",
                tty ? "\r\033[K" : "", epoch, opt.epochs, tl, 100 * ta, vl, 100 * va, secs,
                static_cast<double>(n_train) / secs);
    epochs.push_back(epoch);
    train_loss.push_back(tl);
    val_loss.push_back(vl);
    train_acc.push_back(100 * ta);
    val_acc.push_back(100 * va);
  }

  // 3. Test accuracy and the learning curves.
  const auto [test_loss, test_acc] = evaluate(net, test);
  std::printf("test loss %.4f  test accuracy %.2f%%\n", test_loss, 100 * test_acc);
  fs::create_directories(opt.out_dir);
  const std::string loss_svg = (fs::path(opt.out_dir) / "fashion_mnist_loss.svg").string();
  const std::string acc_svg = (fs::path(opt.out_dir) / "fashion_mnist_accuracy.svg").string();
  xg::train::write_line_chart(loss_svg, {{"train", epochs, train_loss, ""}, {"validation", epochs, val_loss, ""}},
                              {.title = "Fashion-MNIST MLP: loss", .xlabel = "epoch", .ylabel = "cross-entropy"});
  xg::train::write_line_chart(acc_svg, {{"train", epochs, train_acc, ""}, {"validation", epochs, val_acc, ""}},
                              {.title = "Fashion-MNIST MLP: accuracy", .xlabel = "epoch", .ylabel = "accuracy (%)"});
  std::cout << "learning curves written to " << fs::absolute(loss_svg).string() << " and "
            << fs::absolute(acc_svg).string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "fashion_mnist_mlp: " << e.what() << "\n";
  return 1;
}
