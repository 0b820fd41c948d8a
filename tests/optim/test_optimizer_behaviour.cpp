// What every first-order optimizer shares: hyper-parameter validation, the fused update's SIMD
// body agreeing with its scalar tail, in-place updates of odd parameters, version counters,
// gradient checks and per-group options.
#include <catch2/catch.hpp>

#include <xgrad/optim.hpp>

#include "optim/reference_problem.hpp"

using namespace xg;
using namespace xg::optim;
using Catch::Matchers::Contains;

namespace {
Tensor p1() { return tensor({1.0}, kFloat64).requires_grad_(); }

using Factory = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
template <class Opt, class Options>
Factory make(Options o) {
  return [o](std::vector<Tensor> p) { return std::make_unique<Opt>(std::move(p), o); };
}

const std::vector<std::pair<std::string, Factory>>& all_first_order() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"SGD", make<SGD>(SGDOptions{.lr = 0.01, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01})},
      {"SGD nesterov", make<SGD>(SGDOptions{.lr = 0.01, .momentum = 0.9, .nesterov = true, .maximize = true})},
      {"Adagrad", make<Adagrad>(AdagradOptions{.lr = 0.1, .lr_decay = 0.01, .weight_decay = 0.01})},
      {"RMSprop", make<RMSprop>(RMSpropOptions{.weight_decay = 0.01, .momentum = 0.5, .centered = true})},
      {"RMSprop plain", make<RMSprop>(RMSpropOptions{.maximize = true})},
      {"Adadelta", make<Adadelta>(AdadeltaOptions{.weight_decay = 0.01})},
      {"Adam", make<Adam>(AdamOptions{.lr = 0.01, .weight_decay = 0.01, .amsgrad = true})},
      {"AdamW", make<AdamW>(AdamWOptions{.lr = 0.01, .maximize = true})},
      {"Adamax", make<Adamax>(AdamaxOptions{.weight_decay = 0.01})},
      {"NAdam", make<NAdam>(NAdamOptions{.weight_decay = 0.01})},
      {"RAdam", make<RAdam>(RAdamOptions{.betas = {0.9, 0.9}, .weight_decay = 0.01})},
      {"Rprop", make<Rprop>(RpropOptions{.lr = 0.3})},
      {"ASGD", make<ASGD>(ASGDOptions{.t0 = 2, .weight_decay = 0.01})},
  };
  return table;
}

// Σ w(x − c)² + 0.1·Σ x⁴ elementwise, so each element's gradient depends on that element only.
Tensor elementwise_loss(const Tensor& x, const Tensor& c, const Tensor& w) {
  auto d = x - c;
  return (w * d * d).sum() + (x * x * x * x).sum() * 0.1;
}
}  // namespace

TEST_CASE("optimizers: bad hyper-parameters are ValueErrors naming the optimizer and the value") {
  auto a = p1();
  const std::vector<std::pair<std::function<void()>, std::vector<std::string>>> cases = {
      {[&] { SGD({a}); }, {"SGD", "learning rate is required"}},
      {[&] { SGD({a}, {.lr = -0.1}); }, {"SGD", "learning rate", "-0.1"}},
      {[&] { SGD({a}, {.lr = NAN}); }, {"SGD", "required"}},
      {[&] { SGD({a}, {.lr = 0.1, .momentum = -0.5}); }, {"SGD", "momentum", "-0.5"}},
      {[&] { SGD({a}, {.lr = 0.1, .weight_decay = -1}); }, {"SGD", "weight_decay", "-1"}},
      {[&] { SGD({a}, {.lr = 0.1, .nesterov = true}); }, {"SGD", "Nesterov", "momentum=0"}},
      {[&] { SGD({a}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}); },
       {"SGD", "Nesterov", "dampening=0.1"}},
      {[&] { Adagrad({a}, {.lr = -1}); }, {"Adagrad", "learning rate", "-1"}},
      {[&] { Adagrad({a}, {.lr_decay = -2}); }, {"Adagrad", "lr_decay", "-2"}},
      {[&] { Adagrad({a}, {.weight_decay = -3}); }, {"Adagrad", "weight_decay", "-3"}},
      {[&] { Adagrad({a}, {.initial_accumulator_value = -4}); }, {"Adagrad", "initial_accumulator_value", "-4"}},
      {[&] { Adagrad({a}, {.eps = -5}); }, {"Adagrad", "epsilon", "-5"}},
      {[&] { RMSprop({a}, {.lr = -1}); }, {"RMSprop", "learning rate"}},
      {[&] { RMSprop({a}, {.alpha = 1.5}); }, {"RMSprop", "alpha", "1.5"}},
      {[&] { RMSprop({a}, {.eps = -1e-3}); }, {"RMSprop", "epsilon", "-0.001"}},
      {[&] { RMSprop({a}, {.weight_decay = -1}); }, {"RMSprop", "weight_decay"}},
      {[&] { RMSprop({a}, {.momentum = -0.9}); }, {"RMSprop", "momentum", "-0.9"}},
      {[&] { Adadelta({a}, {.lr = -1}); }, {"Adadelta", "learning rate"}},
      {[&] { Adadelta({a}, {.rho = 1.1}); }, {"Adadelta", "rho", "1.1"}},
      {[&] { Adadelta({a}, {.eps = -1}); }, {"Adadelta", "epsilon"}},
      {[&] { Adadelta({a}, {.weight_decay = -1}); }, {"Adadelta", "weight_decay"}},
      {[&] { Adam({a}, {.lr = -1e-3}); }, {"Adam", "learning rate", "-0.001"}},
      {[&] {
         Adam({a}, {.betas = {1.0, 0.999}});
       },
       {"Adam", "beta parameter at index 0", "1"}},
      {[&] {
         Adam({a}, {.betas = {0.9, -0.1}});
       },
       {"Adam", "beta parameter at index 1", "-0.1"}},
      {[&] { Adam({a}, {.eps = -1}); }, {"Adam", "epsilon"}},
      {[&] { Adam({a}, {.weight_decay = -0.1}); }, {"Adam", "weight_decay", "-0.1"}},
      {[&] {
         AdamW({a}, {.betas = {0.9, 1.0}});
       },
       {"AdamW", "index 1"}},
      {[&] { AdamW({a}, {.weight_decay = -1}); }, {"AdamW", "weight_decay"}},
      {[&] {
         Adamax({a}, {.betas = {-0.5, 0.9}});
       },
       {"Adamax", "index 0", "-0.5"}},
      {[&] { Adamax({a}, {.eps = -1}); }, {"Adamax", "epsilon"}},
      {[&] { NAdam({a}, {.momentum_decay = -4e-3}); }, {"NAdam", "momentum_decay", "-0.004"}},
      {[&] {
         NAdam({a}, {.betas = {0.9, 2.0}});
       },
       {"NAdam", "index 1"}},
      {[&] { RAdam({a}, {.lr = -2}); }, {"RAdam", "learning rate", "-2"}},
      {[&] {
         RAdam({a}, {.betas = {1.5, 0.9}});
       },
       {"RAdam", "index 0"}},
      {[&] { Rprop({a}, {.lr = -1}); }, {"Rprop", "learning rate"}},
      {[&] {
         Rprop({a}, {.etas = {1.2, 1.5}});
       },
       {"Rprop", "eta values", "1.2"}},
      {[&] {
         Rprop({a}, {.etas = {0.5, 0.9}});
       },
       {"Rprop", "eta values", "0.9"}},
      {[&] {
         Rprop({a}, {.step_sizes = {1.0, 0.5}});
       },
       {"Rprop", "step sizes"}},
      {[&] { ASGD({a}, {.lr = -1}); }, {"ASGD", "learning rate"}},
      {[&] { ASGD({a}, {.lambd = -1}); }, {"ASGD", "lambd"}},
      {[&] { ASGD({a}, {.alpha = -1}); }, {"ASGD", "alpha"}},
      {[&] { ASGD({a}, {.t0 = -1}); }, {"ASGD", "t0"}},
      {[&] { ASGD({a}, {.weight_decay = -1}); }, {"ASGD", "weight_decay"}},
  };
  for (const auto& [construct, words] : cases) {
    try {
      construct();
      FAIL("accepted bad hyper-parameters; expected a message with '" << words[0] << "' and '" << words[1] << "'");
    } catch (const ValueError& e) {
      for (const auto& w : words) CHECK_THAT(std::string(e.what()), Contains(w));
    }
  }
}

TEST_CASE("optimizers: hyper-parameters set by name are validated like the constructor's") {
  Adam opt({p1()});
  CHECK_THROWS_WITH(opt.set_option(0, "betas.0", 1.0), Contains("Adam") && Contains("index 0"));
  CHECK(opt.options().betas.first == 0.9);  // the rejected value is not kept
  opt.set_option(0, "amsgrad", 1.0);
  CHECK(opt.options().amsgrad);
  SGD sgd({p1()}, {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  CHECK_THROWS_WITH(sgd.set_option(0, "dampening", 0.5), Contains("Nesterov"));
  CHECK(sgd.option_names() ==
        std::vector<std::string>{"lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize"});
}

TEST_CASE("optimizers: the fused update's vector body and scalar tail agree bit for bit") {
  // One 37-element parameter runs mostly through the SIMD body; 37 one-element parameters run
  // through the scalar tail only. With the same values and gradients they must end up equal.
  for (Dtype dtype : {kFloat64, kFloat32}) {
    manual_seed(11);
    const std::int64_t n = 37;
    auto x0 = randn({n}, dtype);
    auto c = randn({n}, dtype);
    auto w = rand({n}, dtype) + 0.5;
    for (const auto& [name, factory] : all_first_order()) {
      INFO(name << " " << dtype);
      auto big = x0.clone().requires_grad_();
      std::vector<Tensor> small;
      for (std::int64_t i = 0; i < n; ++i) small.push_back(x0.narrow(0, i, 1).clone().requires_grad_());
      auto opt_big = factory({big});
      auto opt_small = factory(small);
      for (int s = 0; s < 4; ++s) {
        opt_big->zero_grad();
        elementwise_loss(big, c, w).backward();
        opt_big->step();
        opt_small->zero_grad();
        for (std::int64_t i = 0; i < n; ++i)
          elementwise_loss(small[static_cast<std::size_t>(i)], c.narrow(0, i, 1), w.narrow(0, i, 1)).backward();
        opt_small->step();
      }
      CHECK(equal(big, cat(small, 0)));
    }
  }
}

TEST_CASE("optimizers: a non-contiguous parameter is updated in place like a contiguous one") {
  manual_seed(3);
  auto base = randn({3, 4}, kFloat64);
  auto strided = base.t().detach().requires_grad_();  // a [4, 3] leaf over transposed storage
  REQUIRE_FALSE(strided.is_contiguous());
  auto dense = strided.detach().contiguous().requires_grad_();
  auto target = randn({4, 3}, kFloat64);
  for (const auto& [name, factory] : all_first_order()) {
    INFO(name);
    auto a = strided.detach().clone();  // keep the originals for the next optimizer
    auto s = base.clone().t().detach().requires_grad_();
    auto d = dense.detach().clone().requires_grad_();
    auto opt_s = factory({s});
    auto opt_d = factory({d});
    for (int k = 0; k < 3; ++k) {
      for (auto* pair : {&opt_s, &opt_d}) (*pair)->zero_grad();
      ((s - target) * (s - target)).sum().backward();
      ((d - target) * (d - target)).sum().backward();
      opt_s->step();
      opt_d->step();
    }
    CHECK_FALSE(s.is_contiguous());
    CHECK(equal(s, d));
  }
}

TEST_CASE("optimizers: a step bumps the parameter's version counter, as an in-place op does") {
  auto x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Adam opt({x}, {.lr = 0.1});
  (x * x).sum().backward();
  const auto before = x._version();
  opt.step();
  CHECK(x._version() > before);
  // A graph that saved x before the step can no longer be back-propagated.
  auto y = (x * x).sum();
  opt.step();
  CHECK_THROWS_AS(y.backward(), AutogradError);
}

TEST_CASE("optimizers: a gradient of the wrong shape is a ShapeError naming the optimizer") {
  auto x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  RMSprop opt({x});
  x.mutable_grad() = zeros({3}, kFloat64);  // set_grad would refuse it; a buggy hook might not
  CHECK_THROWS_WITH(opt.step(), Contains("RMSprop") && Contains("[3]") && Contains("[2]"));
}

TEST_CASE("optimizers: a float32 gradient on a float64 parameter is converted") {
  auto x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  auto y = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  SGD a({x}, {.lr = 0.5});
  SGD b({y}, {.lr = 0.5});
  x.set_grad(tensor({0.25f, -1.0f}));
  y.set_grad(tensor({0.25, -1.0}, kFloat64));
  a.step();
  b.step();
  CHECK(equal(x, y));
}

TEST_CASE("optimizers: each parameter group steps with its own hyper-parameters") {
  auto a = tensor({1.0, -1.0}, kFloat64).requires_grad_();
  auto b = tensor({2.0}, kFloat64).requires_grad_();
  Adam opt({a}, {.lr = 0.1});
  opt.add_param_group({b}, {.lr = 0.0});
  ((a * a).sum() + (b * b).sum()).backward();
  opt.step();
  // Adam's first step moves every coordinate by lr against the gradient's sign.
  CHECK(a.to_vector<double>()[0] == Approx(0.9).epsilon(1e-7));
  CHECK(a.to_vector<double>()[1] == Approx(-0.9).epsilon(1e-7));
  CHECK(b.item<double>() == 2.0);
  CHECK(opt.options(1).lr == 0.0);
  opt.set_lr(0.2);
  CHECK(opt.options(1).lr == 0.2);
}

TEST_CASE("optimizers: SGD's momentum buffer starts at the first gradient, not at zero") {
  auto x = tensor({1.0}, kFloat64).requires_grad_();
  SGD opt({x}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.5});
  x.set_grad(tensor({2.0}, kFloat64));
  opt.step();
  CHECK(opt.state(0)->momentum_buffer.item<double>() == 2.0);  // not (1 − dampening)·2
  CHECK(x.item<double>() == Approx(1.0 - 0.1 * 2.0));
  x.set_grad(tensor({1.0}, kFloat64));
  opt.step();
  CHECK(opt.state(0)->momentum_buffer.item<double>() == Approx(0.9 * 2.0 + 0.5 * 1.0));
}
