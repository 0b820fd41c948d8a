// The backward engine: accumulation, retain_graph, higher order, grad(), hooks, anomaly mode and
// the release of the graph's memory.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "core/tensor_impl.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {
Tensor leaf(std::initializer_list<double> v) { return tensor(std::vector<double>(v), kFloat64).requires_grad_(); }
std::vector<double> vals(const Tensor& t) { return t.detach().to_vector<double>(); }
}  // namespace

TEST_CASE("backward: gradients accumulate across two backward calls") {
  auto x = leaf({1.0, 2.0, 3.0});
  (x * x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{2, 4, 6});
  (x * x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{4, 8, 12});
  // The accumulated gradient is a separate tensor: the graph's buffers did not alias it.
  (3 * x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{7, 11, 15});
}

TEST_CASE("backward: a second backward needs retain_graph on the first") {
  auto x = leaf({1.0, 2.0});
  auto y = (x * x).sum();
  y.backward();
  CHECK_THROWS_AS(y.backward(), AutogradError);
  CHECK_THROWS_WITH(y.backward(), Contains("retain_graph"));

  auto z = (x * x * x).sum();
  x.mutable_grad() = Tensor();
  z.backward({}, /*retain_graph=*/true);
  z.backward();
  CHECK(vals(x.grad()) == std::vector<double>{6, 24});  // 2 · 3x²
}

TEST_CASE("backward: create_graph gives higher derivatives (d³/dx³ x⁴ at 2 is 48)") {
  auto x = leaf({2.0});
  auto y = (x * x * x * x).sum();
  auto g1 = autograd::grad({y}, {x}, {}, {}, /*create_graph=*/true)[0];  // 4x³ = 32
  auto g2 = autograd::grad({g1.sum()}, {x}, {}, {}, true)[0];            // 12x² = 48
  auto g3 = autograd::grad({g2.sum()}, {x})[0];                          // 24x = 48
  CHECK(g1.item<double>() == Approx(32.0));
  CHECK(g2.item<double>() == Approx(48.0));
  CHECK(g3.item<double>() == Approx(48.0));
  CHECK(g1.requires_grad());
  CHECK_FALSE(g3.requires_grad());
  CHECK_FALSE(x.grad().defined());  // grad() never touches .grad()
}

TEST_CASE("grad: an unused input is an error unless allow_unused, which gives an undefined gradient") {
  auto x = leaf({1.0, 2.0});
  auto z = leaf({5.0});
  auto y = (x * x).sum();
  CHECK_THROWS_AS(autograd::grad({y}, {x, z}, {}, true), AutogradError);
  CHECK_THROWS_WITH(autograd::grad({y}, {x, z}, {}, true), Contains("allow_unused"));
  auto g = autograd::grad({y}, {x, z}, {}, true, false, /*allow_unused=*/true);
  REQUIRE(g.size() == 2);
  CHECK(vals(g[0]) == std::vector<double>{2, 4});
  CHECK_FALSE(g[1].defined());
}

TEST_CASE("backward: a non-scalar output takes an explicit gradient, and needs one") {
  auto x = leaf({1.0, 2.0, 3.0});
  auto y = x * x;
  y.backward(tensor({1.0, 10.0, 100.0}, kFloat64), true);
  CHECK(vals(x.grad()) == std::vector<double>{2, 40, 600});
  CHECK_THROWS_AS(y.backward(), AutogradError);
  CHECK_THROWS_WITH(y.backward(), Contains("scalar") && Contains("[3]"));
  CHECK_THROWS_AS(y.backward(tensor({1.0, 2.0}, kFloat64)), ShapeError);
}

TEST_CASE("backward: a tensor that does not require grad cannot be differentiated") {
  auto a = tensor({1.0, 2.0}, kFloat64);
  CHECK_THROWS_AS((a * a).sum().backward(), AutogradError);
  CHECK_THROWS_WITH((a * a).sum().backward(), Contains("does not require grad"));
  auto x = leaf({1.0});
  CHECK_THROWS_AS(autograd::grad({(x * 2).sum()}, {a}), AutogradError);
}

TEST_CASE("backward: a tensor used twice (diamond graph) receives the sum of both paths") {
  auto x = leaf({1.0, -2.0});
  auto a = x * 2, b = x * 3;
  (a * b).sum().backward();  // d(6x²)/dx = 12x
  CHECK(vals(x.grad()) == std::vector<double>{12, -24});

  auto w = leaf({0.5});
  auto h = exp(w);
  (h + h * h).sum().backward();  // d(e^w + e^{2w})/dw
  CHECK(w.grad().item<double>() == Approx(std::exp(0.5) + 2 * std::exp(1.0)));
}

TEST_CASE("NoGradGuard: ops inside record no graph; detach cuts the graph") {
  auto x = leaf({1.0, 2.0});
  {
    NoGradGuard ng;
    auto y = x * 2;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    CHECK_FALSE(GradMode::is_enabled());
  }
  CHECK(GradMode::is_enabled());
  auto c = x.detach();
  CHECK_FALSE(c.requires_grad());
  (x * c * 5).sum().backward();  // c is a constant: d(5 c x)/dx = 5c
  CHECK(vals(x.grad()) == std::vector<double>{5, 10});
}

TEST_CASE("hooks: a tensor hook can replace the gradient of a leaf and of a non-leaf, and be removed") {
  auto x = leaf({1.0, 2.0});
  auto h = x.register_hook([](const Tensor& g) { return g * 10; });
  (x * x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{20, 40});
  x.remove_hook(h);
  x.mutable_grad() = Tensor();
  (x * x).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{2, 4});

  // Non-leaf: y = 3x; the hook on y doubles dL/dy before it reaches y's rule.
  x.mutable_grad() = Tensor();
  auto y = x * 3;
  std::vector<double> seen;
  auto hy = y.register_hook([&seen](const Tensor& g) {
    seen = g.detach().to_vector<double>();
    return g * 2;
  });
  (y * y).sum().backward({}, true);
  CHECK(seen == std::vector<double>{6, 12});             // dL/dy = 2y
  CHECK(vals(x.grad()) == std::vector<double>{36, 72});  // 2 · 2y · 3
  y.remove_hook(hy);
  x.mutable_grad() = Tensor();
  (y * y).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{18, 36});
  CHECK_THROWS_AS(y.remove_hook(hy), ValueError);
}

TEST_CASE("retain_grad: a non-leaf keeps its gradient after backward") {
  auto x = leaf({1.0, 2.0});
  auto y = x * 2;
  auto z = x * 4;
  y.retain_grad();
  CHECK(y.retains_grad());
  (y * y + z).sum().backward();
  REQUIRE(y.grad().defined());
  CHECK(vals(y.grad()) == std::vector<double>{4, 8});  // 2y
  CHECK_FALSE(z.grad().defined());
  CHECK(vals(x.grad()) == std::vector<double>{12, 20});  // 2y·2 + 4
}

TEST_CASE("anomaly mode: log of a negative number is reported naming 'log'") {
  auto x = leaf({-1.0, 2.0});
  CHECK_NOTHROW(log(x));  // off by default: NaN passes silently
  autograd::DetectAnomalyGuard guard;
  CHECK(autograd::AnomalyMode::is_enabled());
  CHECK_THROWS_AS(log(x), AutogradError);
  CHECK_THROWS_WITH(log(x), Contains("'log'"));
}

TEST_CASE("anomaly mode: a backward that produces NaN names its op") {
  auto x = leaf({0.0, 4.0});
  // d sqrt at 0 is inf; times the zero gradient from (·0) it is NaN.
  auto y = (sqrt(x) * 0.0).sum();
  {
    autograd::DetectAnomalyGuard guard;
    try {
      y.backward({}, true);
      FAIL("anomaly mode let a NaN gradient through");
    } catch (const AutogradError& e) { CHECK_THAT(std::string(e.what()), Contains("sqrt")); }
  }
  CHECK_FALSE(autograd::AnomalyMode::is_enabled());
  y.backward();  // without anomaly mode the NaN goes through
  CHECK(std::isnan(vals(x.grad())[0]));
}

TEST_CASE("graph memory: nodes die with their outputs, and backward frees saved tensors") {
  std::weak_ptr<autograd::Node> node;
  auto x = leaf({1.0, 2.0});
  {
    auto y = exp(x);
    auto z = tanh(y) * y;
    node = y.grad_fn();
    CHECK_FALSE(node.expired());
  }
  CHECK(node.expired());  // no cycle through the saved results of exp and tanh

  // After backward without retain_graph the saved tensors are released: an intermediate that only
  // the graph held is freed, and a second backward (a second unpack) fails.
  std::weak_ptr<TensorImpl> saved;
  Tensor loss;
  {
    auto a = exp(x);
    saved = a.impl_ptr();
    loss = (a * a).sum();
  }
  CHECK_FALSE(saved.expired());  // kept alive by mul's saved inputs
  loss.backward();
  CHECK(saved.expired());
  CHECK_THROWS_WITH(loss.backward(), Contains("retain_graph"));
  std::weak_ptr<autograd::Node> loss_node = loss.grad_fn();
  loss = Tensor();
  CHECK(loss_node.expired());
}

TEST_CASE("backward: a node's saved tensors are freed as soon as its backward has run, not at the end") {
  // a = exp(x) is saved only by the mul node; mul runs before exp's node, whose own gradient hook
  // on x (through AccumulateGrad) runs last. By then `a` must already be gone without retain_graph,
  // and still alive with it.
  for (bool retain : {false, true}) {
    auto x = leaf({0.5, -1.0});
    std::weak_ptr<TensorImpl> saved;
    Tensor loss;
    {
      auto a = exp(x);
      saved = a.impl_ptr();
      loss = (a * a).sum();
    }
    bool alive_in_hook = !retain;  // overwritten by the hook
    x.register_hook([&](const Tensor& g) {
      alive_in_hook = !saved.expired();
      return g;
    });
    loss.backward({}, retain);
    CHECK(alive_in_hook == retain);
    CHECK(vals(x.grad())[0] == Approx(2 * std::exp(1.0)));  // d/dx e^{2x} = 2 e^{2x}
  }
}

TEST_CASE("backward: the engine's reused bookkeeping serves a backward nested in a hook") {
  // A hook that itself runs backward on another graph uses fresh engine structures; both results
  // must be right.
  auto x = leaf({1.0, 2.0});
  auto w = leaf({3.0});
  x.register_hook([&](const Tensor& g) {
    EnableGradGuard on;        // backward runs hooks with grad mode off (no create_graph)
    (w * w).sum().backward();  // dw = 2w = 6
    return g;
  });
  (x * x * x).sum().backward();  // dx = 3x²
  CHECK(vals(x.grad()) == std::vector<double>{3.0, 12.0});
  CHECK(vals(w.grad()) == std::vector<double>{6.0});
}
