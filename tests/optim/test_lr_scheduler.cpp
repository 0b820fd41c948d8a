// Learning-rate schedulers against PyTorch 1.13's sequences (tests/reference/lr_schedulers.py wrote
// lr_scheduler_reference.hpp), plus state dicts, composition and argument errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <sstream>
#include <xgrad/optim/lr_scheduler.hpp>

#include "optim/lr_scheduler_reference.hpp"
#include "optim/toy_optimizers.hpp"

using namespace xg;
using namespace xg::optim;
using Catch::Matchers::Contains;
namespace ref = xg::testing::lr_reference;

namespace {
/// "" when got matches want to 1e-12 relative (1e-15 absolute), else the first mismatch. (With
/// glibc's libm the sequences are bit-for-bit PyTorch's; the tolerance is for other libms.)
std::string mismatch(const std::vector<double>& got, const std::vector<double>& want) {
  std::ostringstream os;
  os.precision(17);
  if (got.size() != want.size()) {
    os << "got " << got.size() << " values, PyTorch has " << want.size();
    return os.str();
  }
  for (std::size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= 1e-15 + 1e-12 * std::abs(want[i]))) {
      os << "index " << i << ": got " << got[i] << ", PyTorch " << want[i];
      return os.str();
    }
  return "";
}

/// The first n values.
std::vector<double> head(const std::vector<double>& v, std::size_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::vector<double> lrs_of(const Optimizer& opt) {
  std::vector<double> out;
  for (std::size_t g = 0; g < opt.num_param_groups(); ++g) out.push_back(opt.get_option(g, "lr"));
  return out;
}

/// The lrs (and the momentum-like option, when named) after construction and after each step.
struct Trace {
  std::vector<double> lr, momentum;
};
Trace record(const Optimizer& opt, int steps, const std::function<void()>& step, const std::string& momentum = "") {
  Trace t;
  auto take = [&] {
    for (double v : lrs_of(opt)) t.lr.push_back(v);
    if (!momentum.empty())
      for (std::size_t g = 0; g < opt.num_param_groups(); ++g) t.momentum.push_back(opt.get_option(g, momentum));
  };
  take();
  for (int i = 0; i < steps; ++i) {
    step();
    take();
  }
  return t;
}
Trace record(LRScheduler& s, int steps, const std::string& momentum = "") {
  return record(
      s.optimizer(), steps, [&] { s.step(); }, momentum);
}

/// The lrs after construction, after step(e) for each epoch, then after one more step().
std::vector<double> record_epochs(LRScheduler& s, const std::vector<double>& epochs) {
  auto out = lrs_of(s.optimizer());
  for (double e : epochs) {
    s.step(e);
    for (double v : lrs_of(s.optimizer())) out.push_back(v);
  }
  s.step();
  for (double v : lrs_of(s.optimizer())) out.push_back(v);
  return out;
}
}  // namespace

// ---- one scheduler against PyTorch -------------------------------------------------------------

TEST_CASE("LambdaLR: one lambda per group matches PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  LambdaLR s(*opt, std::vector<LRLambda>{[](std::int64_t e) { return std::pow(0.95, static_cast<double>(e)); },
                                         [](std::int64_t e) { return 1.0 / static_cast<double>(e + 1); }});
  CHECK(mismatch(record(s, 12).lr, ref::lambda_lr) == "");
}

TEST_CASE("MultiplicativeLR: the factor compounds from the second step as in PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  MultiplicativeLR s(*opt, [](std::int64_t e) { return e % 3 ? 0.9 : 0.5; });
  CHECK(mismatch(record(s, 12).lr, ref::multiplicative_lr) == "");
}

TEST_CASE("StepLR: decays every step_size epochs in every group as PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  StepLR s(*opt, 3, 0.5);
  CHECK(mismatch(record(s, 15).lr, ref::step_lr) == "");
}

TEST_CASE("MultiStepLR: a milestone listed twice decays twice as in PyTorch") {
  auto opt = testing::toy::make({0.1});
  MultiStepLR s(*opt, {5, 2, 9, 5}, 0.3);  // unsorted on purpose
  CHECK(mismatch(record(s, 12).lr, ref::multistep_lr) == "");
}

TEST_CASE("ConstantLR: the factor holds for total_iters epochs as in PyTorch") {
  auto opt = testing::toy::make({0.1});
  ConstantLR s(*opt, {.factor = 0.25, .total_iters = 4});
  CHECK(mismatch(record(s, 8).lr, ref::constant_lr) == "");
  auto opt2 = testing::toy::make({0.1});
  ConstantLR d(*opt2);
  CHECK(mismatch(record(d, 8).lr, ref::constant_lr_default) == "");
}

TEST_CASE("LinearLR: the factor moves linearly between start and end as in PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  LinearLR s(*opt, {.start_factor = 0.2, .end_factor = 0.9, .total_iters = 6});
  CHECK(mismatch(record(s, 10).lr, ref::linear_lr) == "");
  auto opt2 = testing::toy::make({0.1});
  LinearLR d(*opt2);
  CHECK(mismatch(record(d, 8).lr, ref::linear_lr_default) == "");
}

TEST_CASE("ExponentialLR: multiplies by gamma every epoch as PyTorch") {
  auto opt = testing::toy::make({0.1});
  ExponentialLR s(*opt, 0.85);
  CHECK(mismatch(record(s, 12).lr, ref::exponential_lr) == "");
}

TEST_CASE("PolynomialLR: reaches zero at total_iters and stays there as in PyTorch") {
  auto opt = testing::toy::make({0.1});
  PolynomialLR s(*opt, {.total_iters = 6, .power = 2.0});
  CHECK(mismatch(record(s, 9).lr, ref::polynomial_lr) == "");
  auto opt2 = testing::toy::make({0.1});
  PolynomialLR d(*opt2);
  CHECK(mismatch(record(d, 8).lr, ref::polynomial_lr_default) == "");
}

TEST_CASE("CosineAnnealingLR: the recursive form with eta_min matches PyTorch past two half periods") {
  auto opt = testing::toy::make({0.1, 0.02});
  CosineAnnealingLR s(*opt, 7, 0.001);
  CHECK(mismatch(record(s, 30).lr, ref::cosine_lr) == "");
  auto opt2 = testing::toy::make({0.1});
  CosineAnnealingLR d(*opt2, 4);
  CHECK(mismatch(record(d, 20).lr, ref::cosine_lr_no_min) == "");
}

TEST_CASE("CosineAnnealingWarmRestarts: restarts every T_0 or growing periods as in PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  CosineAnnealingWarmRestarts s(*opt, 4, {.eta_min = 0.005});
  CHECK(mismatch(record(s, 20).lr, ref::warm_restarts) == "");
  auto opt2 = testing::toy::make({0.1});
  CosineAnnealingWarmRestarts m(*opt2, 3, {.T_mult = 2, .eta_min = 0.001});
  auto trace = record(m, 25);
  CHECK(mismatch(trace.lr, ref::warm_restarts_mult) == "");
  CHECK(m.T_i() == 24);  // periods 3, 6, 12, 24: epoch 25 is in the fourth
  CHECK(m.T_cur() == 25 - 21);
}

TEST_CASE("CosineAnnealingWarmRestarts: step with fractional epochs matches PyTorch") {
  const std::vector<double> epochs = {0.0, 0.5, 1.25, 2.0, 2.5, 3.7, 6.0, 6.1, 9.0, 13.9, 14.0, 20.5, 1.0};
  for (std::int64_t mult : {2, 1}) {
    auto opt = testing::toy::make({0.1});
    CosineAnnealingWarmRestarts s(*opt, 2, {.T_mult = mult, .eta_min = 0.01});
    auto got = lrs_of(*opt);
    for (double e : epochs) {
      s.step(e);
      got.push_back(opt->lr());
    }
    INFO("T_mult " << mult);
    CHECK(mismatch(got, mult == 2 ? ref::warm_restarts_fractional : ref::warm_restarts_fractional_mult1) == "");
    CHECK(s.last_epoch() == 1);  // floor of the last epoch
  }
}

TEST_CASE("CyclicLR: triangular cycles of lr and momentum match PyTorch") {
  auto opt = testing::toy::make({0.1});
  CyclicLR s(*opt, 0.01, 0.1, {.step_size_up = 4});
  auto t = record(s, 20, "momentum");
  CHECK(mismatch(t.lr, ref::cyclic_triangular) == "");
  CHECK(mismatch(t.momentum, ref::cyclic_triangular_momentum) == "");
}

TEST_CASE("CyclicLR: triangular2 with per-group bounds and uneven halves matches PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  CyclicLR s(*opt, {0.01, 0.001}, {0.1, 0.01},
             {.step_size_up = 3,
              .step_size_down = 5,
              .mode = "triangular2",
              .base_momentum = {0.8, 0.7},
              .max_momentum = {0.9, 0.95}});
  auto t = record(s, 30, "momentum");
  CHECK(mismatch(t.lr, ref::cyclic_triangular2) == "");
  CHECK(mismatch(t.momentum, ref::cyclic_triangular2_momentum) == "");
}

TEST_CASE("CyclicLR: exp_range and a custom scale function match PyTorch") {
  auto opt = testing::toy::make({0.1});
  CyclicLR s(*opt, 0.01, 0.1, {.step_size_up = 3, .mode = "exp_range", .gamma = 0.95});
  auto t = record(s, 20, "momentum");
  CHECK(mismatch(t.lr, ref::cyclic_exp_range) == "");
  CHECK(mismatch(t.momentum, ref::cyclic_exp_range_momentum) == "");

  auto opt2 = testing::toy::make({0.1});
  CyclicLR c(*opt2, 0.01, 0.1,
             {.step_size_up = 2,
              .scale_fn = [](double x) { return 1 / (1 + x); },
              .scale_mode = "iterations",
              .cycle_momentum = false});
  CHECK(mismatch(record(c, 12).lr, ref::cyclic_custom_scale) == "");
  CHECK(opt2->get_option(0, "momentum") == 0.9);  // not cycled
}

TEST_CASE("CyclicLR: an Adam-like optimizer cycles betas.0 the way momentum is cycled") {
  auto opt = testing::toy::make<testing::toy::BetaGD>({0.1});
  CyclicLR s(*opt, 0.01, 0.1, {.step_size_up = 4});
  auto t = record(s, 20, "betas.0");
  CHECK(mismatch(t.lr, ref::cyclic_triangular) == "");
  CHECK(mismatch(t.momentum, ref::cyclic_triangular_momentum) == "");
  CHECK(opt->get_option(0, "betas.1") == 0.999);
}

TEST_CASE("OneCycleLR: cosine warm-up and annealing of lr and momentum match PyTorch") {
  auto opt = testing::toy::make({0.1});
  OneCycleLR s(*opt, 0.5, {.total_steps = 20});
  auto t = record(s, 20, "momentum");
  // Steps 0…19 are the cycle. PyTorch also allows step 20 and extrapolates the last phase there;
  // xgrad holds the final values (min_lr = max_lr / 25 / 1e4, max_momentum) instead.
  CHECK(mismatch(head(t.lr, 20), head(ref::one_cycle_cos, 20)) == "");
  CHECK(mismatch(head(t.momentum, 20), head(ref::one_cycle_cos_momentum, 20)) == "");
  CHECK(t.lr.back() == 0.5 / 25 / 1e4);
  CHECK(t.momentum.back() == 0.95);
  CHECK(s.base_lrs() == std::vector<double>{0.5 / 25});
}

TEST_CASE("OneCycleLR: three linear phases cycling Adam's beta1 over two groups match PyTorch") {
  auto opt = testing::toy::make<testing::toy::BetaGD>({0.1, 0.02});
  OneCycleLR s(*opt, {0.5, 0.1},
               {.total_steps = 25,
                .pct_start = 0.25,
                .anneal_strategy = "linear",
                .base_momentum = 0.8,
                .max_momentum = 0.9,
                .div_factor = 10.0,
                .final_div_factor = 100.0,
                .three_phase = true});
  auto t = record(s, 25, "betas.0");
  CHECK(mismatch(head(t.lr, 50), head(ref::one_cycle_linear_three_phase, 50)) == "");
  CHECK(mismatch(head(t.momentum, 50), head(ref::one_cycle_linear_three_phase_momentum, 50)) == "");
  // Step 25 is one past the cycle: PyTorch extrapolates the linear phase to a negative lr
  // (-0.0031666…) there; xgrad holds min_lr = max_lr / 10 / 100.
  CHECK(ref::one_cycle_linear_three_phase[50] < 0);
  CHECK(t.lr[50] == Approx(0.5 / 10 / 100));
  CHECK(t.lr[51] == Approx(0.1 / 10 / 100));
  CHECK(t.momentum[50] == 0.9);
}

TEST_CASE("OneCycleLR: epochs times steps_per_epoch sets the length; stepping past it is an error") {
  auto opt = testing::toy::make({0.1});
  OneCycleLR s(*opt, 0.3, {.epochs = 4, .steps_per_epoch = 5, .cycle_momentum = false});
  CHECK(s.total_steps() == 20);
  CHECK(mismatch(head(record(s, 20).lr, 20), head(ref::one_cycle_epochs, 20)) == "");
  CHECK(opt->get_option(0, "momentum") == 0.9);
  const double lr = opt->lr();
  CHECK_THROWS_WITH(s.step(), Contains("OneCycleLR") && Contains("22 times") && Contains("20"));
  CHECK(s.last_epoch() == 20);  // a failed step changes nothing
  CHECK(opt->lr() == lr);
}

TEST_CASE("ReduceLROnPlateau: patience, threshold and cooldown step by step as PyTorch in min mode") {
  auto opt = testing::toy::make({0.1, 0.02});
  ReduceLROnPlateau s(
      *opt, {.mode = "min", .factor = 0.5, .patience = 2, .threshold = 0.02, .cooldown = 1, .min_lr = {0.02, 0.0}});
  CHECK(std::isinf(s.best()));
  CHECK(s.get_last_lr() == std::vector<double>{0.1, 0.02});
  const std::vector<double> metrics = {1.0,  0.95, 0.94, 0.96, 0.93, 0.9,  0.91, 0.92, 0.95, 0.8, 0.85,
                                       0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85, 0.1};
  std::vector<double> lr, best;
  std::vector<std::int64_t> bad, cool;
  for (double m : metrics) {
    s.step(m);
    for (double v : lrs_of(*opt)) lr.push_back(v);
    bad.push_back(s.num_bad_epochs());
    cool.push_back(s.cooldown_counter());
    best.push_back(s.best());
  }
  CHECK(mismatch(lr, ref::plateau_min) == "");
  CHECK(bad == ref::plateau_min_bad_epochs);
  CHECK(cool == ref::plateau_min_cooldown);
  CHECK(mismatch(best, ref::plateau_min_best) == "");
  CHECK(s.last_epoch() == static_cast<std::int64_t>(metrics.size()));
  CHECK(s.get_last_lr() == lrs_of(*opt));
}

TEST_CASE("ReduceLROnPlateau: max mode with an absolute threshold, min_lr and eps as PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  ReduceLROnPlateau s(*opt, {.mode = "max",
                             .factor = 0.3,
                             .patience = 0,
                             .threshold = 0.01,
                             .threshold_mode = "abs",
                             .cooldown = 2,
                             .min_lr = 0.005,
                             .eps = 1e-3});
  const std::vector<double> metrics = {0.1, 0.2, 0.25, 0.24, 0.26, 0.26, 0.5, 0.5,
                                       0.5, 0.5, 0.5,  0.5,  0.5,  0.5,  0.5, 0.52};
  std::vector<double> lr, best;
  std::vector<std::int64_t> bad, cool;
  for (double m : metrics) {
    s.step(tensor({m}, kFloat64));  // a one-element tensor works as well
    for (double v : lrs_of(*opt)) lr.push_back(v);
    bad.push_back(s.num_bad_epochs());
    cool.push_back(s.cooldown_counter());
    best.push_back(s.best());
  }
  CHECK(mismatch(lr, ref::plateau_max) == "");
  CHECK(bad == ref::plateau_max_bad_epochs);
  CHECK(cool == ref::plateau_max_cooldown);
  CHECK(mismatch(best, ref::plateau_max_best) == "");
  CHECK_THROWS_WITH(s.step(ones({2})), Contains("ReduceLROnPlateau") && Contains("[2]"));
}

// ---- composition ---------------------------------------------------------------------------------

TEST_CASE("SequentialLR: a linear warm-up then cosine annealing matches PyTorch") {
  auto opt = testing::toy::make({0.1, 0.02});
  auto warmup = std::make_shared<LinearLR>(*opt, LinearLROptions{.start_factor = 0.1, .total_iters = 3});
  auto cosine = std::make_shared<CosineAnnealingLR>(*opt, 5);
  SequentialLR s(*opt, {warmup, cosine}, {3});
  CHECK(mismatch(record(s, 12).lr, ref::sequential_warmup_cosine) == "");
  CHECK(s.schedulers().size() == 2);
}

TEST_CASE("SequentialLR: three schedulers, warm restarts and lambdas each restart at their milestone") {
  {
    auto opt = testing::toy::make({0.1});
    SequentialLR s(*opt,
                   {std::make_shared<ConstantLR>(*opt, ConstantLROptions{.factor = 0.5, .total_iters = 2}),
                    std::make_shared<ExponentialLR>(*opt, 0.9), std::make_shared<StepLR>(*opt, 2, 0.5)},
                   {3, 7});
    CHECK(mismatch(record(s, 12).lr, ref::sequential_three) == "");
  }
  {
    auto opt = testing::toy::make({0.1});
    SequentialLR s(
        *opt,
        {std::make_shared<LinearLR>(*opt, LinearLROptions{.start_factor = 0.5, .total_iters = 2}),
         std::make_shared<CosineAnnealingWarmRestarts>(*opt, 3, CosineAnnealingWarmRestartsOptions{.eta_min = 0.01})},
        {2});
    CHECK(mismatch(record(s, 12).lr, ref::sequential_restarts) == "");
  }
  {
    auto opt = testing::toy::make({0.1});
    SequentialLR s(*opt,
                   {std::make_shared<ExponentialLR>(*opt, 0.5),
                    std::make_shared<LambdaLR>(*opt, [](std::int64_t e) { return 1.0 / static_cast<double>(e + 2); })},
                   {4});
    CHECK(mismatch(record(s, 9).lr, ref::sequential_lambda) == "");
  }
}

TEST_CASE("ChainedScheduler: the chainable forms compose as in PyTorch") {
  {
    auto opt = testing::toy::make({0.1, 0.02});
    ChainedScheduler s({std::make_shared<ConstantLR>(*opt, ConstantLROptions{.factor = 0.5, .total_iters = 4}),
                        std::make_shared<ExponentialLR>(*opt, 0.9)});
    CHECK(mismatch(record(s, 10).lr, ref::chained_constant_exponential) == "");
  }
  {
    auto opt = testing::toy::make({0.1});
    ChainedScheduler s({std::make_shared<CosineAnnealingLR>(*opt, 5, 0.01), std::make_shared<StepLR>(*opt, 3, 0.5)});
    CHECK(mismatch(record(s, 15).lr, ref::chained_cosine_step) == "");
  }
  {
    auto opt = testing::toy::make({0.1});
    ChainedScheduler s({std::make_shared<MultiStepLR>(*opt, std::vector<std::int64_t>{2, 6}, 0.5),
                        std::make_shared<PolynomialLR>(*opt, PolynomialLROptions{.total_iters = 8, .power = 1.5}),
                        std::make_shared<LinearLR>(*opt, LinearLROptions{.start_factor = 0.25, .total_iters = 3})});
    auto t = record(s, 12);
    CHECK(mismatch(t.lr, ref::chained_multistep_polynomial_linear) == "");
    CHECK(s.get_last_lr() == lrs_of(*opt));
    CHECK(s.last_epoch() == 12);
  }
}

TEST_CASE("LRScheduler: two schedulers on one optimizer share initial_lr and compose like PyTorch") {
  auto opt = testing::toy::make({0.1});
  ConstantLR a(*opt, {.factor = 0.5, .total_iters = 3});
  CosineAnnealingLR b(*opt, 6, 0.01);
  CHECK(b.base_lrs() == std::vector<double>{0.1});  // the first scheduler's initial_lr, not 0.05
  auto t = record(*opt, 14, [&] {
    a.step();
    b.step();
  });
  CHECK(mismatch(t.lr, ref::two_schedulers_by_hand) == "");
}

TEST_CASE("LRScheduler: step with an epoch uses the closed forms as PyTorch") {
  struct Case {
    const char* name;
    std::function<std::unique_ptr<LRScheduler>(Optimizer&)> make;
    std::vector<double> epochs;
    const std::vector<double>& want;
  };
  const std::vector<Case> cases = {
      {"StepLR",
       [](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.5); },
       {5, 1, 9, 9, 0, 7},
       ref::step_lr_epochs},
      {"MultiStepLR",
       [](Optimizer& o) {
         return std::make_unique<MultiStepLR>(o, std::vector<std::int64_t>{2, 5, 5}, 0.5);
       },
       {4, 5, 1, 8},
       ref::multistep_lr_epochs},
      {"ConstantLR",
       [](Optimizer& o) {
         return std::make_unique<ConstantLR>(o, ConstantLROptions{0.25, 4});
       },
       {2, 4, 6, 1},
       ref::constant_lr_epochs},
      {"LinearLR",
       [](Optimizer& o) {
         return std::make_unique<LinearLR>(o, LinearLROptions{0.2, 0.9, 6});
       },
       {3, 8, 1, 6},
       ref::linear_lr_epochs},
      {"ExponentialLR",
       [](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.85); },
       {3, 10, 1},
       ref::exponential_lr_epochs},
      {"PolynomialLR",
       [](Optimizer& o) {
         return std::make_unique<PolynomialLR>(o, PolynomialLROptions{6, 2.0});
       },
       {2, 7, 5},
       ref::polynomial_lr_epochs},
      {"CosineAnnealingLR",
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 7, 0.001); },
       {3, 10, 4, 14},
       ref::cosine_lr_epochs},
      {"LambdaLR (no closed form: the lambda at that epoch)",
       [](Optimizer& o) {
         return std::make_unique<LambdaLR>(o, [](std::int64_t e) { return std::pow(0.9, static_cast<double>(e)); });
       },
       {3, 10, 4},
       ref::lambda_lr_epochs},
  };
  for (const auto& c : cases) {
    auto opt = testing::toy::make({0.1});
    auto s = c.make(*opt);
    INFO(c.name);
    CHECK(mismatch(record_epochs(*s, c.epochs), c.want) == "");
  }
  auto opt = testing::toy::make({0.1});
  StepLR s(*opt, 3);
  CHECK_THROWS_WITH(s.step(2.5), Contains("StepLR") && Contains("2.5"));
  CHECK_THROWS_WITH(s.step(-1.0), Contains("StepLR") && Contains("-1"));
  CHECK_THROWS_WITH(s.step(1e300), Contains("StepLR") && Contains("1e+300"));
  CHECK_THROWS_AS(s.step(NAN), ValueError);
  CHECK(s.last_epoch() == 0);
}

TEST_CASE("CosineAnnealingLR: resumed at an epoch by load_state_dict it continues as PyTorch's last_epoch") {
  // PyTorch: CosineAnnealingLR(opt, T_max=10, eta_min=0.01, last_epoch=5) over a group with
  // initial_lr 0.1 and lr 0.05 takes the closed form once, then the recursive form.
  auto opt = testing::toy::make({0.1});
  CosineAnnealingLR s(*opt, 10, 0.01);
  auto sd = s.state_dict();
  sd["last_epoch"] = scalar_tensor(std::int64_t{5}, kInt64);
  sd["step_count"] = scalar_tensor(std::int64_t{0}, kInt64);
  s.load_state_dict(sd);
  opt->set_lr(0.05);
  std::vector<double> got;
  for (int i = 0; i < 9; ++i) {
    s.step();
    got.push_back(opt->lr());
  }
  CHECK(mismatch(got, ref::cosine_lr_resumed) == "");
}

// ---- state, accessors, extension -----------------------------------------------------------------

TEST_CASE("LRScheduler: construction takes the initial step and records base lrs") {
  auto opt = testing::toy::make({0.1, 0.02});
  ExponentialLR s(*opt, 0.5);
  CHECK(s.last_epoch() == 0);
  CHECK(s.base_lrs() == std::vector<double>{0.1, 0.02});
  CHECK(s.get_last_lr() == std::vector<double>{0.1, 0.02});
  CHECK(s.name() == "ExponentialLR");
  CHECK(&s.optimizer() == opt.get());
  CHECK(opt->group_attribute(1, "initial_lr") == 0.02);
  s.step();
  CHECK(s.last_epoch() == 1);
  CHECK(s.get_last_lr() == std::vector<double>{0.05, 0.01});
}

namespace {
// The example from the LRScheduler documentation: a user-written scheduler.
class HalvingLR : public LRScheduler {
 public:
  explicit HalvingLR(Optimizer& opt) : LRScheduler(opt, "HalvingLR") { start(); }

 protected:
  std::vector<double> get_lr() override {
    auto lrs = group_lrs();
    if (last_epoch() > 0)
      for (auto& lr : lrs) lr *= 0.5;
    return lrs;
  }
};
}  // namespace

TEST_CASE("LRScheduler: a user-written scheduler steps and chains with built-in ones") {
  auto opt = testing::toy::make({0.8});
  auto halving = std::make_shared<HalvingLR>(*opt);
  auto step = std::make_shared<StepLR>(*opt, 2, 0.1);
  ChainedScheduler s({halving, step});
  s.step();
  CHECK(opt->lr() == Approx(0.4));
  s.step();
  CHECK(opt->lr() == Approx(0.8 * 0.25 * 0.1));
  CHECK_THROWS_WITH(s.step(3.0), Contains("ChainedScheduler"));
}

TEST_CASE("LRScheduler: state_dict save and load resume every scheduler exactly") {
  using Factory = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;
  const std::vector<std::pair<const char*, Factory>> factories = {
      {"CosineAnnealingWarmRestarts",
       [](Optimizer& o) {
         return std::make_unique<CosineAnnealingWarmRestarts>(o, 3, CosineAnnealingWarmRestartsOptions{2, 0.01});
       }},
      {"CyclicLR",
       [](Optimizer& o) { return std::make_unique<CyclicLR>(o, 0.01, 0.1, CyclicLROptions{.step_size_up = 3}); }},
      {"OneCycleLR",
       [](Optimizer& o) { return std::make_unique<OneCycleLR>(o, 0.5, OneCycleLROptions{.total_steps = 20}); }},
      {"CosineAnnealingLR", [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 4, 0.001); }},
      {"SequentialLR",
       [](Optimizer& o) {
         return std::make_unique<SequentialLR>(
             o,
             std::vector<std::shared_ptr<LRScheduler>>{std::make_shared<LinearLR>(o),
                                                       std::make_shared<CosineAnnealingLR>(o, 6)},
             std::vector<std::int64_t>{3});
       }},
      {"ChainedScheduler",
       [](Optimizer& o) {
         return std::make_unique<ChainedScheduler>(std::vector<std::shared_ptr<LRScheduler>>{
             std::make_shared<ConstantLR>(o), std::make_shared<CosineAnnealingLR>(o, 5, 0.01)});
       }},
  };
  for (const auto& [name, make] : factories) {
    INFO(name);
    auto o1 = testing::toy::make({0.1, 0.02});
    auto s1 = make(*o1);
    for (int i = 0; i < 12; ++i) s1->step();

    auto o2 = testing::toy::make({0.1, 0.02});
    auto s2 = make(*o2);
    for (int i = 0; i < 5; ++i) s2->step();
    const auto opt_state = o2->state_dict();
    const auto sched_state = s2->state_dict();
    CHECK(sched_state["last_epoch"].item<std::int64_t>() == 5);

    auto o3 = testing::toy::make({0.1, 0.02});
    auto s3 = make(*o3);
    o3->load_state_dict(opt_state);
    s3->load_state_dict(sched_state);
    for (int i = 0; i < 7; ++i) s3->step();
    CHECK(lrs_of(*o3) == lrs_of(*o1));
    CHECK(o3->get_option(0, "momentum") == o1->get_option(0, "momentum"));
    CHECK(s3->get_last_lr() == s1->get_last_lr());
    CHECK(s3->last_epoch() == s1->last_epoch());
  }
}

TEST_CASE("ReduceLROnPlateau: state_dict keeps best, bad epochs and cooldown") {
  auto opt = testing::toy::make({0.1});
  ReduceLROnPlateau s(*opt, {.patience = 1, .cooldown = 2});
  for (double m : {1.0, 0.5, 0.6, 0.7}) s.step(m);
  CHECK(s.cooldown_counter() == 2);
  auto sd = s.state_dict();
  CHECK(sd.keys() == std::vector<std::string>{"last_epoch", "last_lr", "best", "num_bad_epochs", "cooldown_counter"});
  auto opt2 = testing::toy::make({0.1});
  ReduceLROnPlateau t(*opt2, {.patience = 1, .cooldown = 2});
  t.load_state_dict(sd);
  CHECK(t.best() == 0.5);
  CHECK(t.cooldown_counter() == 2);
  CHECK(t.last_epoch() == 4);
}

TEST_CASE("LRScheduler: load_state_dict lists every problem and changes nothing") {
  auto opt = testing::toy::make({0.1, 0.02});
  StepLR s(*opt, 2);
  s.step();
  auto sd = s.state_dict();
  CHECK(sd.keys() == std::vector<std::string>{"last_epoch", "last_lr", "step_count", "base_lrs"});
  auto one = testing::toy::make({0.1});
  StepLR t(*one, 2);
  CHECK_THROWS_WITH(t.load_state_dict(sd),
                    Contains("StepLR") && Contains("'base_lrs' has shape [2]") && Contains("'last_lr' has shape [2]"));
  sd.erase("step_count");
  sd.insert("gamma", scalar_tensor(0.5, kFloat64));
  auto two = testing::toy::make({0.1, 0.02});
  StepLR u(*two, 2);
  try {
    u.load_state_dict(sd);
    FAIL("accepted a state dict with a missing and an unexpected key");
  } catch (const ValueError& e) {
    CHECK_THAT(std::string(e.what()),
               Contains("2 problems") && Contains("missing 'step_count'") && Contains("unexpected 'gamma'"));
  }
  CHECK(u.last_epoch() == 0);
}

TEST_CASE("LRScheduler: a parameter group added after the scheduler is an error at the next step") {
  auto opt = testing::toy::make({0.1});
  StepLR s(*opt, 2);
  opt->add_param_group({testing::toy::param()});
  CHECK_THROWS_WITH(s.step(), Contains("StepLR") && Contains("2 parameter groups") && Contains("created for 1"));
}

// ---- bad arguments --------------------------------------------------------------------------------

TEST_CASE("LR schedulers: bad arguments are ValueErrors naming the scheduler and the value") {
  auto opt = testing::toy::make({0.1, 0.02});
  Optimizer& o = *opt;
  auto throws = [](const std::function<void()>& f, const std::string& name, const std::string& value) {
    INFO(name << " with " << value);
    CHECK_THROWS_AS(f(), ValueError);
    CHECK_THROWS_WITH(f(), Contains(name) && Contains(value));
  };
  throws([&] { LambdaLR(o, std::vector<LRLambda>{[](std::int64_t) { return 1.0; }}); }, "LambdaLR", "got 1");
  throws([&] { LambdaLR(o, LRLambda{}); }, "LambdaLR", "empty function");
  throws([&] { MultiplicativeLR(o, std::vector<LRLambda>(3, [](std::int64_t) { return 1.0; })); }, "MultiplicativeLR",
         "got 3");
  throws([&] { StepLR(o, 0); }, "StepLR", "step_size");
  throws([&] { StepLR(o, 3, -0.5); }, "StepLR", "-0.5");
  throws([&] { MultiStepLR(o, {3, -2}); }, "MultiStepLR", "-2");
  throws([&] { ConstantLR(o, {.factor = 1.5}); }, "ConstantLR", "1.5");
  throws([&] { ConstantLR(o, {.factor = 0.0}); }, "ConstantLR", "factor");
  throws([&] { ConstantLR(o, {.total_iters = 0}); }, "ConstantLR", "total_iters");
  throws([&] { LinearLR(o, {.start_factor = 0.0}); }, "LinearLR", "start_factor");
  throws([&] { LinearLR(o, {.end_factor = 2.0}); }, "LinearLR", "2");
  throws([&] { LinearLR(o, {.total_iters = -1}); }, "LinearLR", "-1");
  throws([&] { ExponentialLR(o, 0.0); }, "ExponentialLR", "gamma");
  throws([&] { PolynomialLR(o, {.total_iters = 0}); }, "PolynomialLR", "total_iters");
  throws([&] { PolynomialLR(o, {.power = -1.0}); }, "PolynomialLR", "-1");
  throws([&] { CosineAnnealingLR(o, 0); }, "CosineAnnealingLR", "T_max");
  throws([&] { CosineAnnealingLR(o, 5, -0.1); }, "CosineAnnealingLR", "-0.1");
  throws([&] { CosineAnnealingWarmRestarts(o, 0); }, "CosineAnnealingWarmRestarts", "T_0");
  throws([&] { CosineAnnealingWarmRestarts(o, 3, {.T_mult = 0}); }, "CosineAnnealingWarmRestarts", "T_mult");
  throws([&] { CosineAnnealingWarmRestarts(o, 3).step(-0.5); }, "CosineAnnealingWarmRestarts", "-0.5");
  throws([&] { CosineAnnealingWarmRestarts(o, 3).step(INFINITY); }, "CosineAnnealingWarmRestarts", "inf");
  throws([&] { CosineAnnealingWarmRestarts(o, 1, {.T_mult = std::int64_t{1} << 40}).step(4e15); },
         "CosineAnnealingWarmRestarts", "64 bits");
  throws([&] { CyclicLR(o, 0.01, 0.1, {.mode = "sawtooth"}); }, "CyclicLR", "sawtooth");
  throws([&] { CyclicLR(o, 0.01, 0.1, {.step_size_up = 0}); }, "CyclicLR", "step_size_up");
  throws([&] { CyclicLR(o, {0.01, 0.02, 0.03}, 0.1); }, "CyclicLR", "got 3");
  throws([&] { CyclicLR(o, 0.01, 0.1, {.scale_fn = [](double) { return 1.0; }, .scale_mode = "epochs"}); }, "CyclicLR",
         "epochs");
  throws([&] { OneCycleLR(o, 0.1, {}); }, "OneCycleLR", "total_steps");
  throws([&] { OneCycleLR(o, 0.1, {.total_steps = 0}); }, "OneCycleLR", "0");
  throws([&] { OneCycleLR(o, 0.1, {.epochs = 3}); }, "OneCycleLR", "steps_per_epoch");
  throws([&] { OneCycleLR(o, 0.1, {.total_steps = 10, .pct_start = 1.5}); }, "OneCycleLR", "1.5");
  throws([&] { OneCycleLR(o, 0.1, {.total_steps = 10, .anneal_strategy = "step"}); }, "OneCycleLR", "step");
  throws([&] { OneCycleLR(o, 0.1, {.total_steps = 10, .pct_start = 0.1}); }, "OneCycleLR", "no length");
  throws([&] { OneCycleLR(o, 0.1, {.total_steps = 10, .div_factor = 0.0}); }, "OneCycleLR", "div_factor");
  throws([&] { ReduceLROnPlateau(o, {.mode = "lowest"}); }, "ReduceLROnPlateau", "lowest");
  throws([&] { ReduceLROnPlateau(o, {.factor = 1.0}); }, "ReduceLROnPlateau", "factor");
  throws([&] { ReduceLROnPlateau(o, {.patience = -1}); }, "ReduceLROnPlateau", "-1");
  throws([&] { ReduceLROnPlateau(o, {.threshold_mode = "percent"}); }, "ReduceLROnPlateau", "percent");
  throws([&] { ReduceLROnPlateau(o, {.min_lr = {0.1}}); }, "ReduceLROnPlateau", "min_lr");
  auto exp = std::make_shared<ExponentialLR>(o, 0.9);
  throws([&] { SequentialLR(o, {exp, exp}, {}); }, "SequentialLR", "got 0");
  throws([&] { SequentialLR(o, {exp, exp}, {0}); }, "SequentialLR", "0");
  throws([&] { SequentialLR(o, {}, {}); }, "SequentialLR", "empty");
  throws([&] { ChainedScheduler({}); }, "ChainedScheduler", "empty");
  auto other = testing::toy::make({0.1, 0.02});
  auto foreign = std::make_shared<ExponentialLR>(*other, 0.9);
  throws([&] { ChainedScheduler({exp, foreign}); }, "ChainedScheduler", "scheduler 1");
  throws([&] { SequentialLR(o, {exp, foreign}, {2}); }, "SequentialLR", "scheduler 1");
  auto plain = testing::toy::make<testing::toy::PlainGD>({0.1});
  throws([&] { CyclicLR(*plain, 0.01, 0.1); }, "CyclicLR", "momentum");
  throws([&] { OneCycleLR(*plain, 0.1, {.total_steps = 10}); }, "OneCycleLR", "momentum");
  CHECK_NOTHROW(CyclicLR(*plain, 0.01, 0.1, {.cycle_momentum = false}));
}
