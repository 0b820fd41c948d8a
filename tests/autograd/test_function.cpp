// Custom autograd functions (xg::autograd::Function<T>, LibTorch's torch::autograd::Function).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "xgrad/xgrad.hpp"

using namespace xg;
using autograd::AutogradContext;
using Catch::Matchers::Contains;

namespace {

std::vector<double> vals(const Tensor& t) { return t.detach().to_vector<double>(); }

struct Cube : autograd::Function<Cube> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto x = ctx->get_saved_variables()[0];
    return {g[0] * 3 * x * x};  // d x³ = 3x²
  }
};

/// (2x, x²): two outputs, one backward.
struct TwoOutputs : autograd::Function<TwoOutputs> {
  static TensorList forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x});
    return {x * 2, x * x};
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    REQUIRE(g.size() == 2);
    REQUIRE(g[0].defined());  // undefined output gradients arrive as zeros
    REQUIRE(g[1].defined());
    auto x = ctx->get_saved_variables()[0];
    return {g[0] * 2 + g[1] * 2 * x};
  }
};

/// x · scale with a non-tensor argument.
struct Scale : autograd::Function<Scale> {
  static Tensor forward(AutogradContext* ctx, Tensor x, double scale) {
    ctx->saved_data["scale"] = scale;
    return x * scale;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    const double s = std::any_cast<double>(ctx->saved_data["scale"]);
    return {g[0] * s, Tensor()};
  }
};

/// (sorted-like values, a float mask): the mask has no gradient.
struct WithMask : autograd::Function<WithMask> {
  static TensorList forward(AutogradContext* ctx, Tensor x) {
    Tensor mask = (x > 0).to(kFloat64);
    ctx->mark_non_differentiable({mask});
    ctx->save_for_backward({mask});
    return {x * mask, mask};
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    REQUIRE(g.size() == 2);
    CHECK_FALSE(g[1].defined());
    return {g[0] * ctx->get_saved_variables()[0]};
  }
};

/// Returns its input unchanged.
struct Identity : autograd::Function<Identity> {
  static Tensor forward(AutogradContext*, Tensor x) { return x; }
  static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 5}; }
};

/// A backward that returns one gradient too many.
struct TooManyGrads : autograd::Function<TooManyGrads> {
  static Tensor forward(AutogradContext*, Tensor x) { return x * 2; }
  static TensorList backward(AutogradContext*, TensorList g) { return {g[0] * 2, g[0]}; }
};

/// Saves its own output (the exp trick) — must not keep itself alive.
struct Exp : autograd::Function<Exp> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    Tensor y = exp(x);
    ctx->save_for_backward({y});
    return y;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    return {g[0] * ctx->get_saved_variables()[0]};  // d exp = exp
  }
};

}  // namespace

TEST_CASE("Function: a user-written Cube computes values and gradients, and passes gradcheck") {
  auto x = tensor({1.0, -2.0, 0.5}, kFloat64).requires_grad_();
  auto y = Cube::apply(x);
  CHECK(vals(y) == std::vector<double>{1, -8, 0.125});
  REQUIRE(y.grad_fn());
  CHECK_THAT(y.grad_fn()->name(), Contains("Cube"));
  CHECK(y.grad_fn()->num_outputs() == 1);
  y.sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{3, 12, 0.75});
  CHECK(autograd::gradcheck([](const TensorList& in) { return Cube::apply(in[0]); }, {x}));
}

TEST_CASE("Function: without grad mode or inputs requiring grad nothing is recorded") {
  auto c = tensor({2.0}, kFloat64);
  auto y = Cube::apply(c);
  CHECK_FALSE(y.requires_grad());
  auto x = tensor({2.0}, kFloat64).requires_grad_();
  NoGradGuard ng;
  CHECK(Cube::apply(x).grad_fn() == nullptr);
}

TEST_CASE("Function: a two-output function gets zeros for the output that was not used") {
  auto x = tensor({1.0, 3.0}, kFloat64).requires_grad_();
  auto outs = TwoOutputs::apply(x);
  REQUIRE(outs.size() == 2);
  CHECK(outs[0].grad_fn() == outs[1].grad_fn());
  CHECK(outs[0].output_nr() == 0);
  CHECK(outs[1].output_nr() == 1);
  CHECK(outs[0].grad_fn()->num_outputs() == 2);
  outs[1].sum().backward({}, true);  // only x²: 2x
  CHECK(vals(x.grad()) == std::vector<double>{2, 6});
  x.mutable_grad() = Tensor();
  (outs[0] + outs[1]).sum().backward();  // 2 + 2x
  CHECK(vals(x.grad()) == std::vector<double>{4, 8});
  CHECK(autograd::gradcheck(
      [](const TensorList& in) {
        auto o = TwoOutputs::apply(in[0]);
        return o[0] * o[1];
      },
      {x}));
}

TEST_CASE("Function: non-tensor arguments need no gradient and get an undefined one") {
  auto x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  auto c = tensor({1.0, 2.0}, kFloat64);
  auto z = Scale::apply(c, 4.0);
  CHECK_FALSE(z.requires_grad());
  auto y = Scale::apply(x, 4.0);
  CHECK(vals(y) == std::vector<double>{4, 8});
  REQUIRE(y.grad_fn());
  CHECK(y.grad_fn()->num_inputs() == 1);  // one edge per tensor argument
  y.sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{4, 4});
}

TEST_CASE("Function: needs_input_grad tells which arguments need a gradient") {
  struct Probe : autograd::Function<Probe> {
    static Tensor forward(AutogradContext* ctx, Tensor a, double s, Tensor b) {
      ctx->saved_data["n"] =
          std::vector<bool>{ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)};
      CHECK_THROWS_AS(ctx->needs_input_grad(3), IndexError);
      return a * s + b;
    }
    static TensorList backward(AutogradContext* ctx, TensorList g) {
      const auto n = std::any_cast<std::vector<bool>>(ctx->saved_data["n"]);
      CHECK(n == std::vector<bool>{ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)});
      return {ctx->needs_input_grad(0) ? g[0] * 2.0 : Tensor(), Tensor(), ctx->needs_input_grad(2) ? g[0] : Tensor()};
    }
  };
  auto a = tensor({1.0}, kFloat64).requires_grad_();
  auto b = tensor({1.0}, kFloat64);
  auto y = Probe::apply(a, 2.0, b);
  y.sum().backward();
  CHECK(a.grad().item<double>() == 2.0);
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("Function: mark_non_differentiable outputs get no history and undefined gradients") {
  auto x = tensor({-1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  auto outs = WithMask::apply(x);
  CHECK(outs[0].requires_grad());
  CHECK_FALSE(outs[1].requires_grad());
  CHECK(outs[1].grad_fn() == nullptr);
  CHECK_THROWS_AS(outs[1].sum().backward(), AutogradError);
  outs[0].sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{0, 1, 1});
}

TEST_CASE("Function: a saved tensor modified in place is detected at backward") {
  auto x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  auto a = x * 1;  // a non-leaf, so that modifying it in place is allowed
  auto y = Cube::apply(a);
  a.mul_(2.0);
  CHECK_THROWS_AS(y.sum().backward(), AutogradError);
  CHECK_THROWS_WITH(y.sum().backward(), Contains("modified by an in-place operation") && Contains("Cube"));
}

TEST_CASE("Function: backward runs again under create_graph, so double backward works") {
  auto x = tensor({2.0, -1.0}, kFloat64).requires_grad_();
  auto y = Cube::apply(x).sum();
  auto g = autograd::grad({y}, {x}, {}, {}, /*create_graph=*/true)[0];  // 3x²
  CHECK(vals(g) == std::vector<double>{12, 3});
  REQUIRE(g.requires_grad());
  auto h = autograd::grad({g.sum()}, {x})[0];  // 6x
  CHECK(vals(h) == std::vector<double>{12, -6});
  CHECK(autograd::gradgradcheck([](const TensorList& in) { return Cube::apply(in[0]); }, {x}));
  CHECK(autograd::gradgradcheck([](const TensorList& in) { return Exp::apply(in[0]); }, {x}));
}

TEST_CASE("Function: an input returned unchanged keeps its own history") {
  auto x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  auto y = Identity::apply(x);
  CHECK(x.is_leaf());
  CHECK_FALSE(y.is_same(x));
  REQUIRE(y.grad_fn());
  CHECK_THAT(y.grad_fn()->name(), Contains("Identity"));
  y.sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{5, 5});
}

TEST_CASE("Function: a backward returning the wrong number of gradients is an error naming it") {
  auto x = tensor({1.0}, kFloat64).requires_grad_();
  auto y = TooManyGrads::apply(x);
  CHECK_THROWS_AS(y.sum().backward({}, true), AutogradError);
  CHECK_THROWS_WITH(y.sum().backward({}, true), Contains("TooManyGrads") && Contains("returned 2 gradients"));
}

TEST_CASE("Function: the graph of a function that saves its output is freed with it") {
  std::weak_ptr<autograd::Node> node;
  auto x = tensor({0.5, 1.0}, kFloat64).requires_grad_();
  {
    auto y = Exp::apply(x);
    node = y.grad_fn();
    REQUIRE_FALSE(node.expired());
    y.sum().backward({}, true);
    CHECK(vals(x.grad())[1] == Approx(std::exp(1.0)));
  }
  CHECK(node.expired());
  CHECK(autograd::gradcheck([](const TensorList& in) { return Exp::apply(in[0]); }, {x}));
}

TEST_CASE("Function: a second backward without retain_graph is an error") {
  auto x = tensor({1.0}, kFloat64).requires_grad_();
  auto y = Cube::apply(x).sum();
  y.backward();
  CHECK_THROWS_WITH(y.backward(), Contains("retain_graph"));
}

TEST_CASE("Function: anomaly mode names a custom function whose forward makes NaN") {
  struct MakesNaN : autograd::Function<MakesNaN> {
    static Tensor forward(AutogradContext*, Tensor x) { return full_like(x, std::nan("")); }
    static TensorList backward(AutogradContext*, TensorList g) { return {g[0]}; }
  };
  auto x = tensor({1.0}, kFloat64).requires_grad_();
  CHECK_NOTHROW(MakesNaN::apply(x));
  autograd::DetectAnomalyGuard guard;
  CHECK_THROWS_AS(MakesNaN::apply(x), AutogradError);
  CHECK_THROWS_WITH(MakesNaN::apply(x), Contains("MakesNaN"));
}
