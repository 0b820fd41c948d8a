// The optimizer base: groups, hyper-parameters by name, lazy state, state dicts, errors.
#include <catch2/catch.hpp>

#include <xgrad/optim/optimizer.hpp>
#include <xgrad/xgrad.hpp>

using namespace xg;
using Catch::Matchers::Contains;

namespace {
// Gradient descent with a per-parameter step count and a running sum of gradients — written only
// to exercise the base (the real optimizers live in optim/).
struct TestOptions {
  double lr = 0.1;
  double decay = 0.0;
  bool flip = false;
  std::pair<double, double> betas = {0.9, 0.999};
  template <class V>
  void visit(V&& v) {
    v("lr", lr);
    v("decay", decay);
    v("flip", flip);
    v("betas", betas);
  }
  void validate() const { XG_CHECK(lr >= 0, ValueError, "TestOpt: invalid learning rate ", lr); }
};
struct TestState {
  std::int64_t step = 0;
  Tensor grad_sum;
  template <class V>
  void visit(V&& v) {
    v("step", step);
    v("grad_sum", grad_sum);
  }
};
struct TestOpt : optim::OptimizerBase<TestOpt, TestOptions, TestState> {
  using OptimizerBase::OptimizerBase;
  void init_state(const Tensor& p, TestState& s, const TestOptions&) { s.grad_sum = zeros_like(p); }
  void update(Tensor& p, const Tensor& g, TestState& s, const TestOptions& o) {
    ++s.step;
    s.grad_sum.add_(g);
    p.sub_(g * (o.flip ? -o.lr : o.lr) / static_cast<double>(s.step));
  }
};

Tensor param(std::vector<double> v) { return tensor(v, kFloat64).requires_grad_(); }
}  // namespace

TEST_CASE("optimizer base: step updates only parameters with gradients, with per-group options") {
  auto a = param({1.0, 2.0}), b = param({3.0}), c = param({5.0});
  TestOpt opt({a, b}, {.lr = 0.5});
  opt.add_param_group({c}, {.lr = 2.0});
  CHECK(opt.num_param_groups() == 2);
  (a.sum() + c.sum() * 3).backward();  // b gets no gradient
  opt.step();
  CHECK(a.to_vector<double>() == std::vector<double>{0.5, 1.5});
  CHECK(b.to_vector<double>() == std::vector<double>{3.0});
  CHECK(c.to_vector<double>() == std::vector<double>{5.0 - 2.0 * 3});
  CHECK(opt.state(0)->step == 1);
  CHECK(opt.state(1) == nullptr);  // state is created on a parameter's first update
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE("optimizer base: hyper-parameters are read and written by name") {
  auto a = param({1.0});
  TestOpt opt({a}, {.lr = 0.5});
  CHECK(opt.lr() == 0.5);
  CHECK(opt.get_option(0, "betas.0") == 0.9);
  CHECK(opt.get_option(0, "flip") == 0.0);
  opt.set_option(0, "betas.1", 0.99);
  CHECK(opt.options().betas.second == 0.99);
  opt.set_lr(0.25);
  CHECK(opt.options().lr == 0.25);
  CHECK(opt.has_option("decay"));
  CHECK_FALSE(opt.has_option("momentum"));
  CHECK(opt.option_names() == std::vector<std::string>{"lr", "decay", "flip", "betas.0", "betas.1"});
  CHECK_THROWS_WITH(opt.get_option(0, "momentum"), Contains("TestOpt") && Contains("'lr'"));
  CHECK_THROWS_AS(opt.get_option(3, "lr"), IndexError);
  CHECK_THROWS_AS(opt.set_lr(-1.0), ValueError);  // validated like the constructor's options
}

TEST_CASE("optimizer base: bad parameter lists are errors naming the optimizer") {
  auto a = param({1.0});
  CHECK_THROWS_WITH(TestOpt({}, {}), Contains("TestOpt") && Contains("empty parameter list"));
  CHECK_THROWS_AS(TestOpt({a}, {.lr = -0.1}), ValueError);
  CHECK_THROWS_AS(TestOpt({arange(3)}, {}), DtypeError);
  CHECK_THROWS_WITH(TestOpt({a * 2}, {}), Contains("not a leaf"));
  CHECK_THROWS_WITH(TestOpt({a, a}, {}), Contains("twice"));
  TestOpt opt({a}, {});
  CHECK_THROWS_WITH(opt.add_param_group({a}), Contains("another parameter group"));
}

TEST_CASE("optimizer base: step with a closure evaluates it with grad mode on") {
  auto a = param({2.0});
  TestOpt opt({a}, {.lr = 0.1});
  NoGradGuard ng;  // the closure must still record
  auto loss = opt.step([&] {
    opt.zero_grad();
    auto l = (a * a).sum();
    l.backward();
    return l;
  });
  CHECK(loss.item<double>() == 4.0);
  CHECK(a.item<double>() == Approx(2.0 - 0.1 * 4.0));
}

TEST_CASE("optimizer base: state_dict save, load and continue matches an uninterrupted run") {
  auto run = [](int steps, TestOpt& opt, Tensor& p) {
    for (int i = 0; i < steps; ++i) {
      opt.zero_grad();
      (p * p * p).sum().backward();
      opt.step();
    }
  };
  auto p1 = param({1.0, -0.5});
  TestOpt o1({p1}, {.lr = 0.05, .flip = false});
  run(5, o1, p1);

  auto p2 = param({1.0, -0.5});
  TestOpt o2({p2}, {.lr = 0.05});
  run(2, o2, p2);
  auto sd = o2.state_dict();
  CHECK(sd.contains("param_groups.0.lr"));
  CHECK(sd.contains("param_groups.0.params"));
  CHECK(sd["state.0.step"].item<std::int64_t>() == 2);
  CHECK(sd["state.0.grad_sum"].sizes() == Shape{2});

  auto p3 = p2.detach().clone().requires_grad_();
  TestOpt o3({p3}, {.lr = 999.0});
  o3.load_state_dict(sd);
  CHECK(o3.lr() == 0.05);
  CHECK(o3.state(0)->step == 2);
  run(3, o3, p3);
  CHECK(equal(p3, p1));
}

TEST_CASE("optimizer base: load_state_dict rejects a dict of another shape, listing every problem") {
  auto a = param({1.0, 2.0}), b = param({3.0});
  TestOpt opt({a}, {});
  (a.sum()).backward();
  opt.step();
  auto sd = opt.state_dict();
  TestOpt two({a}, {});
  two.add_param_group({b});
  try {
    two.load_state_dict(sd);
    FAIL("accepted a state dict with fewer groups");
  } catch (const ValueError& e) { CHECK_THAT(std::string(e.what()), Contains("param_groups.1.params")); }
  auto c = param({1.0, 2.0, 3.0});
  TestOpt wrong({c}, {});
  CHECK_THROWS_WITH(wrong.load_state_dict(sd), Contains("'state.0.grad_sum' has shape [2]") && Contains("[3]"));
  sd.erase("state.0.step");
  TestOpt missing({param({1.0, 2.0})}, {});
  CHECK_THROWS_WITH(missing.load_state_dict(sd), Contains("missing 'state.0.step'"));
  CHECK(missing.state(0) == nullptr);  // a failed load changes nothing
}
