// Writing your own loss: the focal loss, from plain xgrad ops.
//
// Cross entropy −log p_t keeps pushing on examples the model already classifies well. The focal
// loss (Lin et al., "Focal Loss for Dense Object Detection", 2017) scales each example's term by
// (1 − p_t)^γ, so that confident, correct examples fade and the hard ones dominate:
//
//     FL(logits, t) = −(1 − p_t)^γ · log p_t,     p_t = softmax(logits)[t]
//
// γ = 0 is plain cross entropy. This tutorial
//   1. writes the loss with differentiable ops (no new op, no hand-written derivative: the
//      autograd differentiates the formula),
//   2. checks it: against cross entropy at γ = 0, and its gradient against finite differences
//      with xg::autograd::gradcheck,
//   3. trains a softmax classifier with it on a subset of Fashion-MNIST, with plain SGD written
//      by hand, printing the loss and accuracy per epoch.
//
//   build/examples/custom_loss_focal [--epochs 8] [--gamma 2] [--train 20000] [--lr 0.1]
#include <xgrad/data/datasets.hpp>
#include <xgrad/data/idx.hpp>
#include <xgrad/nn/loss.hpp>
#include <xgrad/xgrad.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "common/flags.hpp"

namespace F = xg::nn::functional;

// ---- 1. The loss ----------------------------------------------------------------------------------

// Mean focal loss of logits [N, C] against int64 labels [N].
//
// Everything is computed from log_softmax, as cross entropy is: log p_t never takes the log of a
// probability that rounded to 0, and 1 − p_t = −expm1(log p_t) keeps its precision when p_t is
// close to 1 (where 1 − exp(log p_t) would cancel to 0) — exactly the confident examples whose
// weight the loss is about.
xg::Tensor focal_loss(const xg::Tensor& logits, const xg::Tensor& labels, double gamma) {
  const xg::Tensor log_p = xg::log_softmax(logits, 1);                        // [N, C]
  const xg::Tensor log_pt = log_p.gather(1, labels.unsqueeze(1)).squeeze(1);  // [N]
  const xg::Tensor one_minus_pt = -xg::expm1(log_pt);
  return (-xg::pow(one_minus_pt, gamma) * log_pt).mean();
}

// ---- 2. Checking it -------------------------------------------------------------------------------

void check_focal_loss() {
  xg::manual_seed(0);
  const xg::Tensor logits = xg::randn({6, 4}, xg::kFloat64) * 2;
  const xg::Tensor labels = xg::randint(0, 4, {6});

  // γ = 0 must give cross entropy.
  const double fl0 = focal_loss(logits, labels, 0.0).item<double>();
  const double ce = F::cross_entropy(logits, labels).item<double>();
  std::printf("focal loss at gamma = 0: %.12f, cross entropy: %.12f\n", fl0, ce);
  if (std::abs(fl0 - ce) > 1e-12) throw xg::ValueError("focal loss at gamma = 0 differs from cross entropy");

  // The gradient the autograd derives from the formula, against central differences in float64
  // (gradcheck throws a GradcheckError naming the worst element if they disagree), and the same
  // for the second derivatives.
  for (double gamma : {0.5, 2.0}) {
    const xg::autograd::Fn f = [&](const xg::TensorList& in) { return focal_loss(in[0], labels, gamma); };
    xg::autograd::gradcheck(f, {logits.clone().requires_grad_()});
    xg::autograd::gradgradcheck(f, {logits.clone().requires_grad_()});
    std::printf("gradcheck and gradgradcheck of the focal loss (gamma = %.1f): passed\n", gamma);
  }
}

// ---- 3. Training with it --------------------------------------------------------------------------

struct Options {
  int epochs = 8;
  double gamma = 2.0;
  std::int64_t train = 20000, test = 2000, batch = 100;
  double lr = 0.1;
  std::string data_dir = xg::data::FashionMNIST::kDefaultRoot;
};

Options parse(int argc, char** argv) {
  Options o;
  example::Flags flags("custom_loss_focal",
                       "A softmax classifier on Fashion-MNIST trained with a focal loss written as a custom function.");
  flags.add("--epochs", o.epochs, "epochs to train");
  flags.add("--gamma", o.gamma, "focusing parameter γ of the focal loss");
  flags.add("--train", o.train, "training images used");
  flags.add("--lr", o.lr, "learning rate");
  flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
  flags.parse(argc, argv);
  if (o.epochs < 1 || o.gamma < 0 || o.train < o.batch || o.lr <= 0)
    throw xg::ValueError("need epochs >= 1, gamma >= 0, at least one batch of training images and lr > 0");
  return o;
}

// The first n images of a split as rows of 784 values in [0, 1], and their labels.
std::pair<xg::Tensor, xg::Tensor> load(const std::string& dir, const std::string& split, std::int64_t n) {
  const std::string images = dir + "/" + split + "-images-idx3-ubyte.gz";
  const std::string labels = dir + "/" + split + "-labels-idx1-ubyte.gz";
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels))
    throw xg::IoError("Fashion-MNIST not found in " + dir +
                      ": install it with `sudo apt-get install dataset-fashion-mnist`, or pass --data-dir");
  const xg::Tensor x = xg::data::read_idx(images, xg::kFloat32);
  const xg::Tensor y = xg::data::read_idx(labels, xg::kInt64);
  n = std::min(n, x.size(0));
  return {x.narrow(0, 0, n).reshape({n, 28 * 28}) / 255.0, y.narrow(0, 0, n)};
}

// A softmax classifier: logits = x W + b (the softmax is inside the loss).
struct SoftmaxClassifier {
  xg::Tensor w = xg::zeros({28 * 28, 10}, xg::requires_grad());
  xg::Tensor b = xg::zeros({10}, xg::requires_grad());
  xg::Tensor operator()(const xg::Tensor& x) const { return xg::matmul(x, w) + b; }
};

double accuracy(const SoftmaxClassifier& model, const xg::Tensor& x, const xg::Tensor& y) {
  xg::NoGradGuard no_grad;
  return (model(x).argmax(1) == y).to(xg::kFloat64).mean().item<double>();
}

// Plain SGD: p ← p − lr·∂loss/∂p, then forget the gradient.
void sgd_step(xg::Tensor& p, double lr) {
  xg::NoGradGuard no_grad;
  p.sub_(p.grad() * lr);
  p.mutable_grad() = xg::Tensor();
}

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  check_focal_loss();

  const auto [x_train, y_train] = load(opt.data_dir, "train", opt.train);
  const auto [x_test, y_test] = load(opt.data_dir, "t10k", opt.test);
  std::printf("Fashion-MNIST subset: %lld training and %lld test images; focal loss with gamma = %.2f\n",
              static_cast<long long>(x_train.size(0)), static_cast<long long>(x_test.size(0)), opt.gamma);

  xg::manual_seed(1);
  SoftmaxClassifier model;
  const std::int64_t n = x_train.size(0), batches = n / opt.batch;
  for (int epoch = 1; epoch <= opt.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const xg::Tensor order = xg::randperm(n);
    double total = 0;
    for (std::int64_t k = 0; k < batches; ++k) {
      const xg::Tensor idx = order.narrow(0, k * opt.batch, opt.batch);
      const xg::Tensor loss = focal_loss(model(x_train.index_select(0, idx)), y_train.index_select(0, idx), opt.gamma);
      loss.backward();
      sgd_step(model.w, opt.lr);
      sgd_step(model.b, opt.lr);
      total += loss.item<double>();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %d/%d  focal loss %.4f  train accuracy %.2f%%  test accuracy %.2f%%  (%.2f s)\n", epoch,
                opt.epochs, total / static_cast<double>(batches), 100 * accuracy(model, x_train, y_train),
                100 * accuracy(model, x_test, y_test), secs);
  }

  // What the focal weighting did: the share of the loss carried by the examples the model finds
  // hard (p_t < 0.5), against the share cross entropy would give them.
  {
    xg::NoGradGuard no_grad;
    const xg::Tensor logits = model(x_test);
    const xg::Tensor log_pt = xg::log_softmax(logits, 1).gather(1, y_test.unsqueeze(1)).squeeze(1);
    const xg::Tensor hard = (xg::exp(log_pt) < 0.5).to(xg::kFloat32);
    const xg::Tensor ce_terms = -log_pt;
    const xg::Tensor fl_terms = xg::pow(-xg::expm1(log_pt), opt.gamma) * ce_terms;
    std::printf("test examples with p_t < 0.5: %.1f%%; their share of the loss: cross entropy %.1f%%, focal %.1f%%\n",
                100 * hard.mean().item<double>(),
                100 * (ce_terms * hard).sum().item<double>() / ce_terms.sum().item<double>(),
                100 * (fl_terms * hard).sum().item<double>() / fl_terms.sum().item<double>());
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "custom_loss_focal: " << e.what() << "\n";
  return 1;
}
