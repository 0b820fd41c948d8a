// Learning-rate schedules, drawn.
//
// A scheduler rewrites the "lr" (and for some, the momentum) of every parameter group of an
// optimizer as training goes on. This tutorial builds each of xgrad's schedulers on a tiny
// optimizer, steps it the way a training loop would, records the learning rate after every step
// and draws the curves in a few SVG files:
//
//   build/examples/lr_schedules --out-dir .
//     lr_schedules_decay.svg      StepLR, MultiStepLR, ExponentialLR, PolynomialLR, CosineAnnealingLR, LambdaLR
//     lr_schedules_warmup.svg     ConstantLR, LinearLR, SequentialLR (warm-up → cosine), ChainedScheduler
//     lr_schedules_cyclic.svg     CyclicLR (three modes), CosineAnnealingWarmRestarts, OneCycleLR
//     lr_schedules_momentum.svg   the momentum that CyclicLR and OneCycleLR move against the lr
//     lr_schedules_plateau.svg    ReduceLROnPlateau on a made-up validation loss, and SWALR
#include <xgrad/optim/averaging.hpp>
#include <xgrad/optim/lr_scheduler.hpp>
#include <xgrad/train/plot.hpp>
#include <xgrad/xgrad.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/flags.hpp"

namespace fs = std::filesystem;
namespace optim = xg::optim;

// ---- 1. A stand-in optimizer ------------------------------------------------------------------------
// Schedulers only read and write hyper-parameters by name ("lr", "momentum", "betas.0"), so any
// optimizer will do. This one is SGD with momentum written on xg::optim::OptimizerBase: its options
// struct lists its fields with `visit`, which is how a scheduler finds "lr" and "momentum".
struct SgdOptions {
  double lr = 0.1;
  double momentum = 0.9;
  template <class V>
  void visit(V&& v) {
    v("lr", lr);
    v("momentum", momentum);
  }
  void validate() const { XG_CHECK(lr >= 0, ValueError, "Sgd: invalid learning rate ", lr); }
};
struct SgdState {
  xg::Tensor velocity;
  template <class V>
  void visit(V&& v) {
    v("velocity", velocity);
  }
};
struct Sgd : optim::OptimizerBase<Sgd, SgdOptions, SgdState> {
  using OptimizerBase::OptimizerBase;
  void init_state(const xg::Tensor& p, SgdState& s, const SgdOptions&) { s.velocity = xg::zeros_like(p); }
  void update(xg::Tensor& p, const xg::Tensor& g, SgdState& s, const SgdOptions& o) {
    s.velocity.mul_(o.momentum).add_(g);
    p.sub_(s.velocity * o.lr);
  }
};

// A fresh optimizer over one dummy parameter, starting at lr = 0.1.
std::unique_ptr<Sgd> fresh_optimizer(double lr = 0.1) {
  return std::make_unique<Sgd>(std::vector<xg::Tensor>{xg::zeros({1}).requires_grad_()}, SgdOptions{.lr = lr});
}

// ---- 2. Recording a schedule ------------------------------------------------------------------------
// The training loop calls optimizer.step() then scheduler.step() once per epoch (or per batch for
// CyclicLR and OneCycleLR). Here we skip the training and keep the rhythm: the lr in use at step t
// is recorded before the t-th scheduler.step().
xg::train::Series record(const std::string& name, Sgd& opt, int steps, const std::function<void()>& step,
                         const std::string& option = "lr") {
  xg::train::Series s{name, {}, {}, ""};
  for (int t = 0; t <= steps; ++t) {
    s.x.push_back(t);
    s.y.push_back(opt.get_option(0, option));
    if (t < steps) {
      opt.step();  // (no gradients here: a no-op, but it is where training would happen)
      step();
    }
  }
  return s;
}
template <class Scheduler>
xg::train::Series record(const std::string& name, Sgd& opt, int steps, Scheduler& sched,
                         const std::string& option = "lr") {
  return record(
      name, opt, steps, [&] { sched.step(); }, option);
}

int main(int argc, char** argv) try {
  std::string out_dir = ".";
  example::Flags flags("lr_schedules", "Every learning-rate scheduler, plotted over a training run.");
  flags.add("--out-dir", out_dir, "where the plots go", "DIR");
  flags.parse(argc, argv);
  fs::create_directories(out_dir);
  auto svg = [&](const std::string& file) { return (fs::path(out_dir) / file).string(); };
  const int epochs = 100;

  // ---- 3. Decays: functions of the epoch, from base_lr = 0.1 down ----------------------------------
  std::vector<xg::train::Series> decay;
  {
    auto opt = fresh_optimizer();
    optim::StepLR s(*opt, /*step_size=*/30, /*gamma=*/0.5);  // halve every 30 epochs
    decay.push_back(record("StepLR(30, 0.5)", *opt, epochs, s));
  }
  {
    auto opt = fresh_optimizer();
    optim::MultiStepLR s(*opt, {40, 70, 90}, 0.3);  // decay at chosen epochs
    decay.push_back(record("MultiStepLR", *opt, epochs, s));
  }
  {
    auto opt = fresh_optimizer();
    optim::ExponentialLR s(*opt, 0.97);  // lr = 0.1 · 0.97^epoch
    decay.push_back(record("ExponentialLR(0.97)", *opt, epochs, s));
  }
  {
    auto opt = fresh_optimizer();
    optim::PolynomialLR s(*opt, {.total_iters = 80, .power = 2.0});  // zero from epoch 80 on
    decay.push_back(record("PolynomialLR(80, 2)", *opt, epochs, s));
  }
  {
    auto opt = fresh_optimizer();
    optim::CosineAnnealingLR s(*opt, /*T_max=*/epochs, /*eta_min=*/0.005);
    decay.push_back(record("CosineAnnealingLR", *opt, epochs, s));
  }
  {
    auto opt = fresh_optimizer();
    // Any factor of the epoch: here the inverse square root used by transformers after warm-up.
    optim::LambdaLR s(*opt, [](std::int64_t e) { return 1.0 / std::sqrt(1.0 + static_cast<double>(e) / 5); });
    decay.push_back(record("LambdaLR 1/sqrt", *opt, epochs, s));
  }
  xg::train::write_line_chart(svg("lr_schedules_decay.svg"), decay,
                              {.title = "Decaying schedules", .xlabel = "epoch", .ylabel = "learning rate"});

  // ---- 4. Warm-ups and composition -----------------------------------------------------------------
  // Schedulers are *chainable*: each computes the new lr from the current one, so several can
  // drive one optimizer. SequentialLR hands over at milestones; ChainedScheduler multiplies.
  std::vector<xg::train::Series> warm;
  {
    auto opt = fresh_optimizer();
    optim::ConstantLR s(*opt, {.factor = 0.25, .total_iters = 10});
    warm.push_back(record("ConstantLR(0.25, 10)", *opt, 40, s));
  }
  {
    auto opt = fresh_optimizer();
    optim::LinearLR s(*opt, {.start_factor = 0.05, .total_iters = 15});
    warm.push_back(record("LinearLR(0.05, 15)", *opt, 40, s));
  }
  {
    auto opt = fresh_optimizer();
    auto warmup =
        std::make_shared<optim::LinearLR>(*opt, optim::LinearLROptions{.start_factor = 0.1, .total_iters = 8});
    auto cosine = std::make_shared<optim::CosineAnnealingLR>(*opt, 32);
    optim::SequentialLR s(*opt, {warmup, cosine}, /*milestones=*/{8});
    warm.push_back(record("Sequential: warm-up, cosine", *opt, 40, s));
  }
  {
    auto opt = fresh_optimizer();
    optim::ChainedScheduler s(
        {std::make_shared<optim::ConstantLR>(*opt, optim::ConstantLROptions{.factor = 0.5, .total_iters = 10}),
         std::make_shared<optim::ExponentialLR>(*opt, 0.95)});
    warm.push_back(record("Chained: constant x exp", *opt, 40, s));
  }
  xg::train::write_line_chart(
      svg("lr_schedules_warmup.svg"), warm,
      {.title = "Warm-up and composed schedules", .xlabel = "epoch", .ylabel = "learning rate"});

  // ---- 5. Cycles and restarts (stepped every batch) ------------------------------------------------
  std::vector<xg::train::Series> cyclic, momentum;
  for (const char* mode : {"triangular", "triangular2", "exp_range"}) {
    auto opt = fresh_optimizer();
    optim::CyclicLR s(*opt, /*base_lr=*/0.01, /*max_lr=*/0.1, {.step_size_up = 10, .mode = mode, .gamma = 0.99});
    auto lr = record(std::string("CyclicLR ") + mode, *opt, 60, s);
    cyclic.push_back(lr);
    if (std::string(mode) == "triangular") {
      auto opt2 = fresh_optimizer();
      optim::CyclicLR s2(*opt2, 0.01, 0.1, {.step_size_up = 10});
      momentum.push_back(record("CyclicLR momentum", *opt2, 60, s2, "momentum"));
    }
  }
  {
    auto opt = fresh_optimizer();
    optim::CosineAnnealingWarmRestarts s(*opt, /*T_0=*/8, {.T_mult = 2});  // periods 8, 16, 32
    cyclic.push_back(record("WarmRestarts(8, x2)", *opt, 60, s));
  }
  {
    auto opt = fresh_optimizer();
    optim::OneCycleLR s(*opt, /*max_lr=*/0.12, {.total_steps = 60});
    cyclic.push_back(record("OneCycleLR cos", *opt, 59, s));
    auto opt2 = fresh_optimizer();
    optim::OneCycleLR s2(*opt2, 0.12, {.total_steps = 60});
    momentum.push_back(record("OneCycleLR momentum", *opt2, 59, s2, "momentum"));
  }
  {
    auto opt = fresh_optimizer();
    optim::OneCycleLR s(*opt, 0.12, {.total_steps = 60, .anneal_strategy = "linear", .three_phase = true});
    cyclic.push_back(record("OneCycleLR linear 3-phase", *opt, 59, s));
  }
  xg::train::write_line_chart(svg("lr_schedules_cyclic.svg"), cyclic,
                              {.title = "Cyclic schedules (per batch)", .xlabel = "step", .ylabel = "learning rate"});
  xg::train::write_line_chart(svg("lr_schedules_momentum.svg"), momentum,
                              {.title = "Momentum moves against the lr", .xlabel = "step", .ylabel = "momentum"});

  // ---- 6. Schedules driven by a metric, and SWA --------------------------------------------------------
  // ReduceLROnPlateau reads a metric instead of counting epochs: here a made-up validation loss that
  // improves, then stalls twice. The lr drops by `factor` after `patience` epochs without progress.
  std::vector<xg::train::Series> plateau;
  {
    auto opt = fresh_optimizer();
    optim::ReduceLROnPlateau s(*opt, {.factor = 0.3, .patience = 4, .cooldown = 2});
    auto loss = [](int e) { return e < 30 ? 1.0 / (1 + e) : e < 60 ? 1.0 / 31 : 0.8 / 31 + 0.001 * std::sin(e); };
    int e = 0;
    plateau.push_back(record("ReduceLROnPlateau", *opt, epochs, [&] { s.step(loss(e++)); }));
  }
  {
    // The SWA recipe: a cosine schedule for 60 epochs, then SWALR anneals to a constant swa_lr while
    // an AveragedModel collects the weights (see xg::optim::AveragedModel).
    auto opt = fresh_optimizer();
    optim::CosineAnnealingLR cosine(*opt, epochs);
    optim::SWALR swa(*opt, /*swa_lr=*/0.03, {.anneal_epochs = 10});
    int e = 0;
    plateau.push_back(record("cosine, then SWALR", *opt, epochs, [&] { e++ < 60 ? cosine.step() : swa.step(); }));
  }
  xg::train::write_line_chart(
      svg("lr_schedules_plateau.svg"), plateau,
      {.title = "Metric-driven and SWA schedules", .xlabel = "epoch", .ylabel = "learning rate"});

  for (const char* f : {"lr_schedules_decay.svg", "lr_schedules_warmup.svg", "lr_schedules_cyclic.svg",
                        "lr_schedules_momentum.svg", "lr_schedules_plateau.svg"})
    std::cout << "wrote " << fs::absolute(svg(f)).string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "lr_schedules: " << e.what() << "\n";
  return 1;
}
