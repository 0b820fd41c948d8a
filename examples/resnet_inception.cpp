// Two classic convolutional building blocks written as ordinary C++: a ResNet basic block (a skip
// connection around two 3×3 convolutions) and an Inception block (parallel 1×1, 3×3, 5×5 and
// pooling branches concatenated along the channels). Each goes into a small network for 28×28
// grey images; we print both summaries, check one forward + backward pass, and train each for a
// few dozen steps on a slice of Fashion-MNIST (random images if the dataset is not installed),
// printing the loss as it falls. The whole run takes well under a minute on two cores.
//
//   build/examples/resnet_inception [--steps 60] [--batch-size 64] [--data-dir DIR]
#include <xgrad/data/datasets.hpp>
#include <xgrad/data/idx.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "common/flags.hpp"

namespace F = xg::nn::functional;

// ---- 1. A ResNet basic block ----------------------------------------------------------------------
// He et al. (2016): y = relu(F(x) + shortcut(x)) with F = conv3×3 → BN → relu → conv3×3 → BN. The
// convolutions have no bias, since the BatchNorm that follows adds its own. When the block changes
// the resolution (stride 2) or the number of channels, the shortcut is a strided 1×1 convolution
// plus BatchNorm ("option B" of the paper) so that the two terms have the same shape; otherwise it
// is the identity, and the block only has to learn a residual.
struct BasicBlockImpl : xg::nn::Module {
  BasicBlockImpl(std::int64_t in, std::int64_t out, std::int64_t stride) {
    conv1 = register_module("conv1", xg::nn::Conv2d(in, out, 3, {.stride = stride, .padding = 1, .bias = false}));
    bn1 = register_module("bn1", xg::nn::BatchNorm2d(out));
    conv2 = register_module("conv2", xg::nn::Conv2d(out, out, 3, {.padding = 1, .bias = false}));
    bn2 = register_module("bn2", xg::nn::BatchNorm2d(out));
    if (stride != 1 || in != out)
      downsample = register_module(
          "downsample", xg::nn::Sequential(
                            {xg::nn::Conv2d(in, out, 1, {.stride = stride, .bias = false}), xg::nn::BatchNorm2d(out)}));
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    xg::Tensor h = xg::relu(bn1(conv1(x)));
    h = bn2(conv2(h));
    const xg::Tensor shortcut = downsample ? downsample(x) : x;
    return xg::relu(h + shortcut);
  }
  xg::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  xg::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  xg::nn::Sequential downsample{nullptr};
};
XG_MODULE(BasicBlock);

// A small ResNet for 1×28×28 inputs: a 3×3 stem, three blocks (16 channels at 28×28, 32 at 14×14,
// 64 at 7×7), global average pooling and a linear classifier — the shape of ResNet-18, shrunk.
static xg::nn::Sequential small_resnet() {
  return xg::nn::Sequential({
      {"stem", xg::nn::Conv2d(1, 16, 3, {.padding = 1, .bias = false})},
      {"stem_bn", xg::nn::BatchNorm2d(16)},
      {"stem_relu", xg::nn::ReLU()},
      {"layer1", BasicBlock(16, 16, 1)},
      {"layer2", BasicBlock(16, 32, 2)},
      {"layer3", BasicBlock(32, 64, 2)},
      {"avgpool", xg::nn::AdaptiveAvgPool2d(1)},
      {"flatten", xg::nn::Flatten()},
      {"fc", xg::nn::Linear(64, 10)},
  });
}

// ---- 2. An Inception block -----------------------------------------------------------------------
// Szegedy et al. (2015): four branches look at the same input at different scales, and their outputs
// are stacked along the channel dimension with xg::cat. The 1×1 "reduce" convolutions before the
// 3×3 and 5×5 ones cut the channels first, which is what keeps the block cheap. Padding keeps every
// branch at the input's height and width, so the results can be concatenated.
struct InceptionOptions {
  std::int64_t ch1x1, ch3x3_reduce, ch3x3, ch5x5_reduce, ch5x5, pool_proj;
};

struct InceptionImpl : xg::nn::Module {
  InceptionImpl(std::int64_t in, InceptionOptions o) {
    auto conv_relu = [](std::int64_t i, std::int64_t out, std::int64_t k) {
      return xg::nn::Conv2d(i, out, k, {.padding = k / 2, .activation = "relu"});
    };
    branch1 = register_module("branch1", conv_relu(in, o.ch1x1, 1));
    branch2 = register_module(
        "branch2", xg::nn::Sequential({conv_relu(in, o.ch3x3_reduce, 1), conv_relu(o.ch3x3_reduce, o.ch3x3, 3)}));
    branch3 = register_module(
        "branch3", xg::nn::Sequential({conv_relu(in, o.ch5x5_reduce, 1), conv_relu(o.ch5x5_reduce, o.ch5x5, 5)}));
    branch4 = register_module("branch4", xg::nn::Sequential({xg::nn::MaxPool2d(3, {.stride = 1, .padding = 1}),
                                                             conv_relu(in, o.pool_proj, 1)}));
  }
  xg::Tensor forward(const xg::Tensor& x) override {
    return xg::cat({branch1(x), branch2(x), branch3(x), branch4(x)}, /*dim=*/1);
  }
  xg::nn::Conv2d branch1{nullptr};
  xg::nn::Sequential branch2{nullptr}, branch3{nullptr}, branch4{nullptr};
};
// The handle. XG_MODULE(Inception) would do, but a braced options list cannot pass through its
// forwarding constructor, so the constructor is spelled out (as the built-in layers do).
class Inception : public xg::nn::ModuleHolder<InceptionImpl> {
 public:
  using xg::nn::ModuleHolder<InceptionImpl>::ModuleHolder;
  Inception(std::int64_t in, InceptionOptions o) : ModuleHolder(std::make_shared<InceptionImpl>(in, o)) {}
};

// A small Inception network: stem, pool to 14×14, an Inception block with 8+16+8+8 = 40 output
// channels, pool to 7×7, a second block with 16+24+12+12 = 64 channels, global pooling, classifier.
static xg::nn::Sequential small_inception() {
  return xg::nn::Sequential({
      {"stem", xg::nn::Conv2d(1, 16, 3, {.padding = 1, .activation = "relu"})},
      {"pool1", xg::nn::MaxPool2d(2)},
      {"inception1",
       Inception(16, {.ch1x1 = 8, .ch3x3_reduce = 12, .ch3x3 = 16, .ch5x5_reduce = 4, .ch5x5 = 8, .pool_proj = 8})},
      {"pool2", xg::nn::MaxPool2d(2)},
      {"inception2",
       Inception(40, {.ch1x1 = 16, .ch3x3_reduce = 16, .ch3x3 = 24, .ch5x5_reduce = 8, .ch5x5 = 12, .pool_proj = 12})},
      {"avgpool", xg::nn::AdaptiveAvgPool2d(1)},
      {"flatten", xg::nn::Flatten()},
      {"fc", xg::nn::Linear(64, 10)},
  });
}

// ---- 3. Data ---------------------------------------------------------------------------------------
// A slice of Fashion-MNIST as [n, 1, 28, 28] images standardized to mean 0, std 1, and int64
// labels; without the dataset, random images whose label is the brightest of ten horizontal
// stripes (a task a conv net can learn), so that the example always runs.
static std::pair<xg::Tensor, xg::Tensor> load_data(const std::string& dir, std::int64_t n) {
  const std::string images = dir + "/train-images-idx3-ubyte.gz", labels = dir + "/train-labels-idx1-ubyte.gz";
  if (std::filesystem::exists(images) && std::filesystem::exists(labels)) {
    auto x = xg::data::read_idx(images, xg::kFloat32).narrow(0, 0, n).unsqueeze(1) / 255.0;
    auto y = xg::data::read_idx(labels, xg::kInt64).narrow(0, 0, n);
    std::cout << "data: the first " << n << " Fashion-MNIST training images\n";
    return {(x - x.mean()) / x.std(), y};
  }
  std::cout << "data: Fashion-MNIST not found in " << dir << ", using " << n << " synthetic images\n";
  auto y = xg::randint(0, 10, {n});
  auto x = xg::randn({n, 1, 28, 28});
  // Brighten rows 2·label … 2·label + 2 of each image.
  auto rows = xg::arange(28).reshape({1, 1, 28, 1});
  auto lo = (y * 2).reshape({n, 1, 1, 1});
  auto stripe = (rows >= lo).to(xg::kFloat32) * (rows < lo + 3).to(xg::kFloat32);
  return {x + 2.0 * stripe, y};
}

// ---- 4. Training -----------------------------------------------------------------------------------
// Adam on mini-batches of the slice; the loss is printed every few steps (an average over those
// steps, which is less noisy than single batches).
static void train(const char* title, xg::nn::Sequential& model, const xg::Tensor& x, const xg::Tensor& y, int steps,
                  std::int64_t batch_size) {
  xg::optim::Adam opt(model->parameters(), {.lr = 3e-3});
  model->train();
  // The last images of the slice are held out for the accuracy printed at the end.
  const std::int64_t n = x.size(0), held = std::min<std::int64_t>(1000, n / 4), train_n = n - held;
  auto order = xg::randperm(train_n);
  double running = 0;
  int counted = 0;
  const auto start = std::chrono::steady_clock::now();
  std::printf("%s: training %d steps of %lld images\n", title, steps, static_cast<long long>(batch_size));
  for (int step = 1; step <= steps; ++step) {
    const std::int64_t begin = ((step - 1) * batch_size) % std::max<std::int64_t>(1, train_n - batch_size + 1);
    const auto idx = order.narrow(0, begin, batch_size);
    const auto logits = model(x.index_select(0, idx));
    const auto loss = F::cross_entropy(logits, y.index_select(0, idx));
    opt.zero_grad();
    loss.backward();
    opt.step();
    running += loss.item<double>();
    ++counted;
    if (step % 5 == 0 || step == 1) {
      std::printf("  step %3d  loss %.4f\n", step, running / counted);
      running = 0;
      counted = 0;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Accuracy on images the steps above did not use (the end of the slice), in eval mode: BatchNorm
  // then normalizes with its running statistics.
  xg::NoGradGuard no_grad;
  model->eval();
  const auto xs = x.narrow(0, n - held, held), ys = y.narrow(0, n - held, held);
  const double acc = (model(xs).argmax(1) == ys).to(xg::kFloat64).mean().item<double>();
  std::printf("  %.1f s; accuracy on the last %lld images of the slice: %.3f\n\n", seconds,
              static_cast<long long>(held), acc);
}

int main(int argc, char** argv) try {
  int steps = 60;
  std::int64_t batch_size = 64;
  std::string data_dir = xg::data::FashionMNIST::kDefaultRoot;
  example::Flags flags("resnet_inception",
                       "A small ResNet and an Inception block: summaries and a short training run.");
  flags.add("--steps", steps, "training steps");
  flags.add("--batch-size", batch_size, "mini-batch size");
  flags.add("--data-dir", data_dir, "Fashion-MNIST files", "DIR");
  flags.parse(argc, argv);
  if (steps < 1 || batch_size < 1) throw xg::ValueError("--steps and --batch-size must be positive");
  xg::manual_seed(0);

  auto resnet = small_resnet();
  auto inception = small_inception();
  // Summaries: nested modules show up with dotted names (layer2.downsample.0), and the Inception
  // block's branches each get a row with their own output shape before the concatenation.
  std::cout << *resnet->named_children()["layer2"] << "\n\n";
  std::cout << xg::nn::summary(resnet, {1, 1, 28, 28}) << "\n";
  std::cout << *inception->named_children()["inception1"] << "\n\n";
  std::cout << xg::nn::summary(inception, {1, 1, 28, 28}) << "\n";

  // One forward and backward pass on a small batch: every parameter gets a gradient.
  for (auto* model : {&resnet, &inception}) {
    auto out = (*model)(xg::randn({4, 1, 28, 28}));
    F::cross_entropy(out, xg::tensor(std::vector<std::int64_t>{0, 1, 2, 3})).backward();
    std::int64_t with_grad = 0;
    for (const auto& p : (*model)->parameters()) with_grad += p.grad().defined();
    std::cout << "forward " << out.sizes() << ", backward: " << with_grad << " of " << (*model)->parameters().size()
              << " parameters have a gradient\n";
  }
  std::cout << "\n";

  const std::int64_t n = std::max<std::int64_t>(4096, batch_size * 2 + 1000);
  auto [x, y] = load_data(data_dir, n);
  train("ResNet", resnet, x, y, steps, batch_size);
  train("Inception", inception, x, y, steps, batch_size);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "resnet_inception: " << e.what() << "\n";
  return 1;
}
