// Post-accumulate-grad hooks and queue_callback: the generic hooks through which code above
// autograd (data-parallel training) follows a backward pass.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {
Tensor leaf(std::initializer_list<double> v) { return tensor(std::vector<double>(v), kFloat64).requires_grad_(); }
std::vector<double> vals(const Tensor& t) { return t.detach().to_vector<double>(); }
}  // namespace

TEST_CASE("post_accumulate_grad_hook: sees the leaf with its updated grad, once per backward") {
  auto x = leaf({1.0, 2.0});
  std::vector<std::vector<double>> seen;
  x.register_post_accumulate_grad_hook([&](const Tensor& p) {
    CHECK(p.is_leaf());
    seen.push_back(vals(p.grad()));
  });
  // x is used twice: the engine sums both paths first, so the hook runs once with the total.
  auto y = (x * x + x * 3.0).sum();
  y.backward({}, /*retain_graph=*/true);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::vector<double>{5.0, 7.0});  // 2x + 3
  y.backward();                                     // again through the retained graph: accumulates
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == std::vector<double>{10.0, 14.0});
}

TEST_CASE("post_accumulate_grad_hook: runs after register_hook hooks, in registration order, and can be removed") {
  auto x = leaf({1.0});
  std::vector<std::string> order;
  x.register_hook([&](const Tensor& g) {
    order.push_back("grad hook");
    return g * 2.0;
  });
  auto h1 = x.register_post_accumulate_grad_hook(
      [&](const Tensor& p) { order.push_back("post 1 sees " + std::to_string(int(p.grad().item<double>()))); });
  x.register_post_accumulate_grad_hook([&](const Tensor&) { order.push_back("post 2"); });
  (x * 4.0).sum().backward();
  CHECK(order == std::vector<std::string>{"grad hook", "post 1 sees 8", "post 2"});
  order.clear();
  x.remove_hook(h1);
  x.mutable_grad() = Tensor();
  (x * 4.0).sum().backward();
  CHECK(order == std::vector<std::string>{"grad hook", "post 2"});
}

TEST_CASE("post_accumulate_grad_hook: not called by grad(), which does not accumulate") {
  auto x = leaf({1.0, 2.0});
  int calls = 0;
  x.register_post_accumulate_grad_hook([&](const Tensor&) { ++calls; });
  auto g = autograd::grad({(x * x).sum()}, {x})[0];
  CHECK(vals(g) == std::vector<double>{2.0, 4.0});
  CHECK(calls == 0);
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("post_accumulate_grad_hook: only on leaves that require grad") {
  auto x = leaf({1.0});
  auto y = x * 2.0;
  CHECK_THROWS_AS(y.register_post_accumulate_grad_hook([](const Tensor&) {}), AutogradError);
  CHECK_THROWS_WITH(y.register_post_accumulate_grad_hook([](const Tensor&) {}), Contains("use register_hook"));
  auto c = tensor(std::vector<double>{1.0}, kFloat64);
  CHECK_THROWS_AS(c.register_post_accumulate_grad_hook([](const Tensor&) {}), AutogradError);
}

TEST_CASE("queue_callback: runs once at the end of backward, after every leaf accumulated") {
  auto a = leaf({1.0});
  auto b = leaf({2.0});
  std::vector<std::string> order;
  int queued = 0;
  auto hook = [&](const Tensor& p) {
    order.push_back("accumulated " + std::to_string(int(p.grad().item<double>())));
    if (queued++ == 0)
      autograd::queue_callback([&] {
        // Both leaves hold their final gradients by now.
        order.push_back("callback " + std::to_string(int(a.grad().item<double>())) + " " +
                        std::to_string(int(b.grad().item<double>())));
        autograd::queue_callback([&] { order.push_back("queued by the callback"); });
      });
  };
  a.register_post_accumulate_grad_hook(hook);
  b.register_post_accumulate_grad_hook(hook);
  auto loss = (a * b * 3.0).sum();
  loss.backward({}, /*retain_graph=*/true);
  REQUIRE(order.size() == 4);
  CHECK(order[2] == "callback 6 3");
  CHECK(order[3] == "queued by the callback");
  // A second backward through the retained graph queues (and runs) its own callback.
  order.clear();
  queued = 0;
  loss.backward();
  REQUIRE(order.size() == 4);
  CHECK(order[2] == "callback 12 6");
}

TEST_CASE("queue_callback: works from a custom Function's backward and under grad()") {
  struct Twice : autograd::Function<Twice> {
    static Tensor forward(autograd::AutogradContext*, Tensor x) { return x * 2.0; }
    static TensorList backward(autograd::AutogradContext*, TensorList g) {
      autograd::queue_callback([] { ++calls(); });
      return {g[0] * 2.0};
    }
    static int& calls() {
      static int n = 0;
      return n;
    }
  };
  auto x = leaf({1.0, 2.0});
  Twice::calls() = 0;
  auto g = autograd::grad({Twice::apply(x).sum()}, {x})[0];
  CHECK(vals(g) == std::vector<double>{2.0, 2.0});
  CHECK(Twice::calls() == 1);
}

TEST_CASE("queue_callback: outside backward is an AutogradError") {
  CHECK_THROWS_AS(autograd::queue_callback([] {}), AutogradError);
  CHECK_THROWS_WITH(autograd::queue_callback([] {}), Contains("no backward pass is running"));
}

TEST_CASE("queue_callback: an error thrown by a callback propagates from backward() with its type") {
  auto x = leaf({1.0});
  bool second_ran = false;
  x.register_post_accumulate_grad_hook([&](const Tensor&) {
    autograd::queue_callback([] { throw ValueError("callback failed: 42 buckets missing"); });
    autograd::queue_callback([&] { second_ran = true; });
  });
  CHECK_THROWS_AS((x * 2.0).sum().backward(), ValueError);
  CHECK_FALSE(second_ran);
  // The engine is usable afterwards, and callbacks outside backward are refused again.
  CHECK_THROWS_WITH((x * 2.0).sum().backward(), Contains("42 buckets missing"));
  CHECK_THROWS_AS(autograd::queue_callback([] {}), AutogradError);
}
