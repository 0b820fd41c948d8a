// The optimizer race: how xg::optim's methods move, on a function you can see and on a network.
//
// Part 1 starts nine optimizers from the same point of the 2-D Rosenbrock function
//     f(x, y) = (1 − x)² + 100·(y − x²)²,      minimum 0 at (1, 1),
// a curved, narrow valley that punishes plain gradient descent. First-order methods (SGD, SGD with
// momentum and Nesterov momentum, Adagrad, RMSprop, Adam, NAdam) take thousands of cheap steps;
// L-BFGS and Newton-CG take a few dozen expensive ones (each evaluates the function several
// times, Newton-CG also multiplies by the Hessian through double backward). We draw their paths
// over the contour plot and their loss per iteration.
//
// Part 2 trains the same small MLP on Fashion-MNIST with each first-order optimizer (same
// initialization, same mini-batches) and plots the training loss.
//
//   build/examples/optimizer_race --out-dir .        (add --steps 800 for a longer MNIST race)
#include <xgrad/data/datasets.hpp>
#include <xgrad/data/idx.hpp>
#include <xgrad/optim.hpp>
#include <xgrad/train/plot.hpp>
#include <xgrad/xgrad.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/flags.hpp"
#include "common/contour_plot.hpp"

namespace fs = std::filesystem;
namespace optim = xg::optim;

struct Options {
  std::string out_dir = ".";
  std::string data_dir = xg::data::FashionMNIST::kDefaultRoot;
  int steps = 500;              // Fashion-MNIST steps per optimizer
  std::int64_t subset = 12000;  // training images used
  std::int64_t batch_size = 64;
  bool mnist = true;
};

static Options parse(int argc, char** argv) {
  Options o;
  example::Flags flags("optimizer_race", "Optimizers raced on the Rosenbrock function and on Fashion-MNIST.");
  flags.add("--out-dir", o.out_dir, "where the plots (and other outputs) go", "DIR");
  flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
  flags.add("--steps", o.steps, "Fashion-MNIST steps per optimizer");
  flags.add("--subset", o.subset, "training images used");
  flags.add_switch("--no-mnist", o.mnist, false, "skip the Fashion-MNIST race (Rosenbrock only)");
  flags.parse(argc, argv);
  if (o.steps < 1 || o.subset < o.batch_size) throw xg::ValueError("--steps must be >= 1 and --subset >= 64");
  return o;
}

// ------------------------------------------------------------------------------------------------
// Part 1: the Rosenbrock race
// ------------------------------------------------------------------------------------------------

static xg::Tensor rosenbrock(const xg::Tensor& xy) {
  auto x = xy[0];
  auto y = xy[1];
  auto u = 1.0 - x;
  auto v = y - x * x;
  return u * u + 100.0 * v * v;
}

// How an optimizer is driven: plain step() after backward(), step(closure) with a closure that
// calls backward() (LBFGS), or step(closure) with a closure that only returns the loss (Newton-CG
// differentiates it twice itself).
enum class Drive { Step, Closure, LossOnly };

struct Racer {
  std::string name, color;
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<xg::Tensor>)> make;
  Drive drive = Drive::Step;
};

template <class Opt, class Opts>
static Racer racer(std::string name, std::string color, Opts o, Drive drive = Drive::Step) {
  return {std::move(name), std::move(color),
          [o](std::vector<xg::Tensor> p) { return std::make_unique<Opt>(std::move(p), o); }, drive};
}

struct Run {
  std::vector<double> x, y, loss;  // the path and f after each iteration (index 0: the start)
  std::int64_t evaluations = 0;    // function + gradient evaluations (Newton-CG: + Hessian products)
};

static Run race(const Racer& r, int first_order_steps) {
  auto xy = xg::tensor({-1.5, 2.0}, xg::kFloat64).requires_grad_();
  auto opt = r.make({xy});
  Run run;
  auto record = [&] {
    xg::NoGradGuard ng;
    const auto v = xy.to_vector<double>();
    run.x.push_back(v[0]);
    run.y.push_back(v[1]);
    run.loss.push_back(rosenbrock(xy).item<double>());
  };
  record();
  if (r.drive == Drive::Step) {
    for (int i = 0; i < first_order_steps; ++i) {
      opt->zero_grad();
      rosenbrock(xy).backward();
      opt->step();
      ++run.evaluations;
      record();
      if (!std::isfinite(run.loss.back())) break;  // diverged: stop drawing
    }
    return run;
  }
  // The closure methods run one iteration per step() (max_iter = 1) so that every iterate can be
  // drawn; they stop once the loss no longer changes.
  for (int i = 0; i < 200 && run.loss.back() > 1e-14; ++i) {
    if (r.drive == Drive::Closure) {
      opt->step([&] {
        ++run.evaluations;
        opt->zero_grad();
        auto l = rosenbrock(xy);
        l.backward();
        return l;
      });
    } else {
      opt->step([&] {
        ++run.evaluations;
        return rosenbrock(xy);
      });
    }
    const double before = run.loss.back();
    record();
    if (std::abs(run.loss.back() - before) < 1e-16) break;
  }
  if (auto* ncg = dynamic_cast<optim::NewtonCG*>(opt.get())) run.evaluations += ncg->global_state().hvp_evals;
  return run;
}

static void rosenbrock_race(const Options& opt) {
  const int steps = 3000;
  // Learning rates picked per method: large enough to make progress, small enough not to blow up
  // on the steep valley walls (the gradient at the start is about 160).
  const std::vector<Racer> racers = {
      racer<optim::SGD>("SGD", "#7f7f7f", optim::SGDOptions{.lr = 2e-3}),
      racer<optim::SGD>("momentum", "#1f77b4", optim::SGDOptions{.lr = 1e-3, .momentum = 0.9}),
      racer<optim::SGD>("Nesterov", "#17becf", optim::SGDOptions{.lr = 1e-3, .momentum = 0.9, .nesterov = true}),
      racer<optim::Adagrad>("Adagrad", "#8c564b", optim::AdagradOptions{.lr = 1.5}),
      racer<optim::RMSprop>("RMSprop", "#e377c2", optim::RMSpropOptions{.lr = 3e-3}),
      racer<optim::Adam>("Adam", "#d62728", optim::AdamOptions{.lr = 0.05}),
      racer<optim::NAdam>("NAdam", "#ff7f0e", optim::NAdamOptions{.lr = 0.02}),
      racer<optim::LBFGS>("L-BFGS", "#2ca02c", optim::LBFGSOptions{.max_iter = 1, .line_search_fn = "strong_wolfe"},
                          Drive::Closure),
      racer<optim::NewtonCG>("Newton-CG", "#9467bd",
                             optim::NewtonCGOptions{.max_iter = 1, .line_search_fn = "strong_wolfe"}, Drive::LossOnly),
  };
  std::vector<xg::train::Series> paths, curves;
  std::printf("Rosenbrock from (-1.5, 2): f = 12.5\n%-10s %10s %12s %14s %22s\n", "optimizer", "iterations",
              "evaluations", "final f", "final (x, y)");
  for (const auto& r : racers) {
    const Run run = race(r, steps);
    const std::size_t n = run.loss.size() - 1;
    std::printf("%-10s %10zu %12lld %14.3g   (%.6f, %.6f)\n", r.name.c_str(), n,
                static_cast<long long>(run.evaluations), run.loss.back(), run.x.back(), run.y.back());
    paths.push_back({r.name, run.x, run.y, r.color});
    xg::train::Series curve{r.name, {}, {}, r.color};
    for (std::size_t i = 0; i < run.loss.size(); ++i) {
      curve.x.push_back(static_cast<double>(i + 1));  // iteration + 1, so the start sits at 1 on a log axis
      curve.y.push_back(run.loss[i]);
    }
    curves.push_back(curve);
  }
  const std::vector<double> levels = {0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000};
  const auto contour_svg = (fs::path(opt.out_dir) / "rosenbrock_race.svg").string();
  const auto loss_svg = (fs::path(opt.out_dir) / "rosenbrock_loss.svg").string();
  example::write_svg_contour(contour_svg, "Rosenbrock: paths from (-1.5, 2) to the minimum (1, 1)",
                             [](double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); },
                             -2.0, 2.0, -1.0, 3.0, levels, paths, {1.0, 1.0});
  xg::train::write_line_chart(loss_svg, curves,
                              {.title = "Rosenbrock: loss per iteration",
                               .xlabel = "iteration + 1 (log)",
                               .ylabel = "f (log)",
                               .log_x = true,
                               .log_y = true});
  std::cout << "paths: " << fs::absolute(contour_svg).string() << "\nloss:  " << fs::absolute(loss_svg).string()
            << "\n\n";
}

// ------------------------------------------------------------------------------------------------
// Part 2: the Fashion-MNIST race (first-order optimizers on a 784-128-10 MLP)
// ------------------------------------------------------------------------------------------------

static std::pair<xg::Tensor, xg::Tensor> load(const std::string& dir, const std::string& prefix, std::int64_t n) {
  auto x = xg::data::read_idx(dir + "/" + prefix + "-images-idx3-ubyte.gz", xg::kFloat32);
  auto y = xg::data::read_idx(dir + "/" + prefix + "-labels-idx1-ubyte.gz", xg::kInt64);
  n = std::min(n, x.size(0));
  // Pixels to [0, 1], then roughly standardized (Fashion-MNIST's mean ≈ 0.286, std ≈ 0.353).
  return {(x.narrow(0, 0, n).reshape({n, 28 * 28}) / 255.0 - 0.286) / 0.353, y.narrow(0, 0, n)};
}

// The MLP's parameters: w1 [784, 128], b1 [128], w2 [128, 10], b2 [10].
static xg::Tensor mlp(const std::vector<xg::Tensor>& p, const xg::Tensor& x) {
  return xg::matmul(xg::relu(xg::matmul(x, p[0]) + p[1]), p[2]) + p[3];
}

static xg::Tensor cross_entropy(const xg::Tensor& logits, const xg::Tensor& labels) {
  return -xg::log_softmax(logits, 1).gather(1, labels.unsqueeze(1)).mean();
}

static void mnist_race(const Options& opt) {
  const std::string probe = opt.data_dir + "/train-images-idx3-ubyte.gz";
  if (!fs::exists(probe)) {
    std::cout << "Fashion-MNIST not found in " << opt.data_dir
              << " (install dataset-fashion-mnist or pass --data-dir); skipping part 2\n";
    return;
  }
  auto [x_train, y_train] = load(opt.data_dir, "train", opt.subset);
  auto [x_test, y_test] = load(opt.data_dir, "t10k", 2000);
  std::printf("Fashion-MNIST: %lld training images, %lld test images, %d steps of %lld\n",
              static_cast<long long>(x_train.size(0)), static_cast<long long>(x_test.size(0)), opt.steps,
              static_cast<long long>(opt.batch_size));

  // One initialization (He for the ReLU layer) and one sequence of mini-batches for every racer.
  xg::manual_seed(0);
  const std::vector<xg::Tensor> init = {xg::randn({784, 128}) * std::sqrt(2.0 / 784), xg::zeros({128}),
                                        xg::randn({128, 10}) * std::sqrt(1.0 / 128), xg::zeros({10})};
  std::vector<xg::Tensor> batches;
  for (int s = 0; s < opt.steps; ++s) batches.push_back(xg::randint(x_train.size(0), {opt.batch_size}));

  const std::vector<Racer> racers = {
      racer<optim::SGD>("SGD", "#7f7f7f", optim::SGDOptions{.lr = 0.1}),
      racer<optim::SGD>("momentum", "#1f77b4", optim::SGDOptions{.lr = 0.05, .momentum = 0.9}),
      racer<optim::SGD>("Nesterov", "#17becf", optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true}),
      // Adagrad's first step moves every weight by about lr (g/√g² = ±1): keep lr small.
      racer<optim::Adagrad>("Adagrad", "#8c564b", optim::AdagradOptions{.lr = 0.02}),
      racer<optim::RMSprop>("RMSprop", "#e377c2", optim::RMSpropOptions{.lr = 1e-3}),
      racer<optim::Adam>("Adam", "#d62728", optim::AdamOptions{.lr = 1e-3}),
      racer<optim::NAdam>("NAdam", "#ff7f0e", optim::NAdamOptions{.lr = 2e-3}),
  };
  std::vector<xg::train::Series> curves;
  std::printf("%-10s %22s %15s %10s\n", "optimizer", "train loss (last 50)", "test accuracy", "time");
  for (const auto& r : racers) {
    std::vector<xg::Tensor> params;
    for (const auto& t : init) params.push_back(t.clone().requires_grad_());
    auto o = r.make(params);
    const auto start = std::chrono::steady_clock::now();
    xg::train::Series curve{r.name, {}, {}, r.color};
    double smooth = 0, tail = 0;
    for (int s = 0; s < opt.steps; ++s) {
      const auto& idx = batches[static_cast<std::size_t>(s)];
      o->zero_grad();
      auto loss = cross_entropy(mlp(params, x_train.index_select(0, idx)), y_train.index_select(0, idx));
      loss.backward();
      o->step();
      const double l = loss.item<double>();
      smooth = s == 0 ? l : 0.95 * smooth + 0.05 * l;  // an exponential moving average for the plot
      if (s >= opt.steps - 50) tail += l;
      curve.x.push_back(s + 1);
      curve.y.push_back(smooth);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    xg::NoGradGuard ng;
    const double accuracy = (mlp(params, x_test).argmax(1) == y_test).to(xg::kFloat64).mean().item<double>();
    std::printf("%-10s %22.4f %14.2f%% %9.1fs\n", r.name.c_str(), tail / std::min(50, opt.steps), 100 * accuracy, secs);
    curves.push_back(curve);
  }
  const auto svg = (fs::path(opt.out_dir) / "fashion_mnist_optimizers.svg").string();
  xg::train::write_line_chart(
      svg, curves,
      {.title = "Fashion-MNIST MLP: training loss (moving average)", .xlabel = "step", .ylabel = "cross-entropy"});
  std::cout << "loss curves: " << fs::absolute(svg).string() << "\n";
}

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  fs::create_directories(opt.out_dir);
  rosenbrock_race(opt);
  if (opt.mnist) mnist_race(opt);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "optimizer_race: " << e.what() << "\n";
  return 1;
}
