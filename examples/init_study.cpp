// Why initialization matters: signals and gradients through a deep network.
//
// A deep MLP (by default 12 hidden layers of 256 units) is fed one batch of real Fashion-MNIST
// images. For each pairing of an activation with an initializer we run one forward and one
// backward pass and print, layer by layer, the mean and standard deviation of the activations
// and the norm of the weight gradient. Nothing is trained: what you see is the state in which
// training would start.
//
// What to look for (a layer multiplies the variance of its signal by about fan_in·Var(w) times
// the activation's mean squared slope, forward and backward alike):
//   * tanh with N(0, 1) weights: pre-activations have variance ≈ fan_in = 256, the units
//     saturate at ±1 (activation std ≈ 1), and each layer multiplies the gradient by ≈ 16·E[tanh']
//     > 1 on the way back: the gradient EXPLODES towards the input, by orders of magnitude;
//   * sigmoid with N(0, 1) weights saturates too (its outputs pile up at 0 and 1);
//   * tanh with tiny N(0, 0.01²) weights: each layer scales the signal by 0.01·√256 = 0.16, the
//     activations VANISH within a few layers and every gradient is tiny;
//   * Glorot (Xavier) keeps the variance for tanh, whose slope at 0 is 1 — but sigmoid's slope is
//     at most 1/4, so with Glorot each sigmoid layer divides the gradient by about 4: it VANISHES
//     towards the input (Glorot & Bengio's original observation);
//   * ReLU zeroes half of its inputs, halving the variance: with Glorot the activations fade by
//     about √2 per layer, He's factor 2 in the variance compensates exactly;
//   * SELU with LeCun-normal weights is self-normalizing: activations stay near mean 0, std 1.
//
// The layers take their activation and initializer by name, as Keras users write them:
//   xg::nn::Linear(256, 256, {.activation = "tanh", .init = "glorot_uniform", .bias_init = "zeros"})
//
//   build/examples/init_study --depth 12 --batch 512 --out-dir .
#include <xgrad/data/datasets.hpp>
#include <xgrad/data/idx.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/train/plot.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/flags.hpp"

namespace fs = std::filesystem;
namespace nn = xg::nn;

struct Options {
  int depth = 12;
  std::int64_t width = 256;
  std::int64_t batch = 512;
  std::uint64_t seed = 0;
  std::string data_dir = xg::data::FashionMNIST::kDefaultRoot;
  std::string out_dir = ".";
};

static Options parse(int argc, char** argv) {
  Options o;
  example::Flags flags("init_study", "Activation and gradient statistics of a deep MLP under each initializer.");
  flags.add("--depth", o.depth, "hidden layers");
  flags.add("--width", o.width, "units per hidden layer");
  flags.add("--batch", o.batch, "images pushed through the network");
  flags.add("--seed", o.seed, "random seed");
  flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
  flags.add("--out-dir", o.out_dir, "where the plots (and other outputs) go", "DIR");
  flags.parse(argc, argv);
  if (o.depth < 1 || o.width < 1 || o.batch < 1 || o.batch > 60000)
    throw xg::ValueError("depth, width and batch must be positive (batch at most 60000)");
  return o;
}

// One experiment: an activation for every hidden layer and the initializer of every weight.
struct Config {
  std::string label;
  std::string activation;
  nn::Initializer init;
};

// N(0, std²) weights, the "naive" initialization. Any callable void(Tensor&) is an initializer.
static nn::Initializer gaussian(double std) {
  return nn::Initializer([std](xg::Tensor& w) { nn::init::normal_(w, 0.0, std); }, "normal");
}

// The network: `depth` hidden Linear layers with the activation built in, then a linear
// classifier. Biases start at zero, as Keras does, so that only the weights matter here.
static nn::Sequential build(const Options& o, const Config& c) {
  nn::Sequential net;
  std::int64_t in = 28 * 28;
  for (int l = 0; l < o.depth; ++l) {
    net->push_back(nn::Linear(in, o.width, {.activation = c.activation, .init = c.init, .bias_init = "zeros"}));
    in = o.width;
  }
  net->push_back(nn::Linear(in, 10, {.init = c.init, .bias_init = "zeros"}));
  return net;
}

struct LayerStats {
  std::vector<double> mean, std, grad_norm;
};

// One forward and backward pass. Forward hooks see each layer's output (after its activation);
// after backward each weight holds its gradient.
static LayerStats measure(nn::Sequential& net, const xg::Tensor& x, const xg::Tensor& y) {
  LayerStats s;
  std::vector<nn::HookHandle> hooks;
  for (std::size_t l = 0; l + 1 < net->size(); ++l)
    hooks.push_back(net[static_cast<std::int64_t>(l)]->register_forward_hook(
        [&s](nn::Module&, const xg::Tensor&, const xg::Tensor& out) {
          s.mean.push_back(out.mean().item<double>());
          s.std.push_back(out.std().item<double>());
          return xg::Tensor();
        }));
  auto logits = net(x);
  // Cross-entropy: −log softmax(logits)[label], averaged over the batch.
  auto loss = -xg::log_softmax(logits, 1).gather(1, y.unsqueeze(1)).mean();
  loss.backward();
  for (std::size_t l = 0; l < hooks.size(); ++l) {
    net[static_cast<std::int64_t>(l)]->remove_hook(hooks[l]);
    s.grad_norm.push_back(net->at<nn::LinearImpl>(static_cast<std::int64_t>(l)).weight.grad().norm().item<double>());
  }
  return s;
}

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  xg::manual_seed(opt.seed);

  // 1. A batch of real images, standardized to mean 0 and standard deviation 1.
  const std::string images = opt.data_dir + "/train-images-idx3-ubyte.gz";
  const std::string labels = opt.data_dir + "/train-labels-idx1-ubyte.gz";
  if (!fs::exists(images) || !fs::exists(labels))
    throw xg::IoError("Fashion-MNIST not found in " + opt.data_dir +
                      ": install it with `sudo apt-get install dataset-fashion-mnist`, or pass --data-dir");
  auto all_x = xg::data::read_idx(images, xg::kFloat32);
  auto all_y = xg::data::read_idx(labels, xg::kInt64);
  auto pick = xg::randperm(all_x.size(0)).narrow(0, 0, opt.batch);
  auto x = all_x.index_select(0, pick).reshape({opt.batch, 28 * 28});
  x = (x - x.mean()) / x.std();
  auto y = all_y.index_select(0, pick);

  // 2. The experiments.
  const std::vector<Config> configs = {
      {"sigmoid, N(0,1)", "sigmoid", gaussian(1.0)},
      {"sigmoid, Glorot", "sigmoid", "glorot_uniform"},
      {"tanh, N(0,1)", "tanh", gaussian(1.0)},
      {"tanh, N(0,0.01)", "tanh", gaussian(0.01)},
      {"tanh, Glorot", "tanh", "glorot_uniform"},
      {"relu, Glorot", "relu", "glorot_uniform"},
      {"relu, He", "relu", "he_normal"},
      {"elu, He", "elu", "he_normal"},
      {"selu, LeCun", "selu", "lecun_normal"},
  };
  {
    auto net = build(opt, configs.front());
    std::cout << "Each network (" << opt.depth << " hidden layers) on a batch of " << opt.batch << " images:\n"
              << nn::summary(net, {opt.batch, 28 * 28}) << "\n";
  }

  struct Outcome {
    std::string label;
    double last_std, ratio;
  };
  std::vector<Outcome> outcomes;
  std::vector<xg::train::Series> std_series, grad_series;
  std::vector<double> layers;
  for (int l = 1; l <= opt.depth; ++l) layers.push_back(l);
  for (const auto& c : configs) {
    auto net = build(opt, c);
    const LayerStats s = measure(net, x, y);
    std::printf("\n%s\n  layer   act mean   act std    |grad W|\n", c.label.c_str());
    for (int l = 0; l < opt.depth; ++l)
      std::printf("  %5d  %9.4f  %9.4f  %10.3e\n", l + 1, s.mean[l], s.std[l], s.grad_norm[l]);
    std::printf("  first/last hidden layer gradient ratio: %.3g\n", s.grad_norm.front() / s.grad_norm.back());
    outcomes.push_back({c.label, s.std.back(), s.grad_norm.front() / s.grad_norm.back()});
    std_series.push_back({c.label, layers, s.std, ""});
    grad_series.push_back({c.label, layers, s.grad_norm, ""});
  }

  // 3. In one table: does the signal survive to the last layer, and does the first layer get a
  //    gradient of the same size as the last (ratio ≈ 1)?
  std::printf("\n%-18s %20s %24s\n", "", "last-layer act std", "grad ratio first/last");
  for (const auto& o : outcomes) std::printf("%-18s %20.3g %24.3g\n", o.label.c_str(), o.last_std, o.ratio);

  // 4. The plots: log scales, since the interesting effects are exponential in depth.
  fs::create_directories(opt.out_dir);
  const std::string std_svg = (fs::path(opt.out_dir) / "init_study_activations.svg").string();
  const std::string grad_svg = (fs::path(opt.out_dir) / "init_study_gradients.svg").string();
  xg::train::write_line_chart(std_svg, std_series,
                              {.title = "Activation standard deviation per layer",
                               .xlabel = "hidden layer",
                               .ylabel = "std of activations",
                               .log_y = true});
  xg::train::write_line_chart(
      grad_svg, grad_series,
      {.title = "Weight-gradient norm per layer", .xlabel = "hidden layer", .ylabel = "||dL/dW||", .log_y = true});
  std::cout << "\nplots written to " << fs::absolute(std_svg).string() << " and " << fs::absolute(grad_svg).string()
            << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "init_study: " << e.what() << "\n";
  return 1;
}
