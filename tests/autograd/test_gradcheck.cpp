// gradcheck / gradgradcheck: they pass on correct rules and, above all, fail on wrong ones.
#include <catch2/catch.hpp>

#include <sstream>

#include "xgrad/xgrad.hpp"

using namespace xg;
using autograd::AutogradContext;
using autograd::GradcheckOptions;
using Catch::Matchers::Contains;

namespace {

Tensor rand64(const Shape& shape, double lo = -1.0, double hi = 1.0) {
  return (rand(shape, kFloat64) * (hi - lo) + lo).requires_grad_();
}

/// x² with a backward that forgets the factor 2.
struct WrongSquare : autograd::Function<WrongSquare> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto x = ctx->get_saved_variables()[0];
    return {g[0] * x};
  }
};

/// x² whose backward is right everywhere except at flat element 5 (index [1, 2] of a [2, 3] input).
struct WrongAtOneElement : autograd::Function<WrongAtOneElement> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto x = ctx->get_saved_variables()[0];
    Tensor mask = ones(x.sizes(), kFloat64);
    mask.view({-1})[5].fill_(0.5);
    return {g[0] * 2 * x * mask};
  }
};

/// x³ whose backward is right but written with a detached x: the first derivative is correct,
/// the second (through the backward) is missing the 6x term.
struct DetachedCube : autograd::Function<DetachedCube> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static TensorList backward(AutogradContext* ctx, TensorList g) {
    auto x = ctx->get_saved_variables()[0].detach();
    return {g[0] * 3 * x * x};
  }
};

}  // namespace

TEST_CASE("gradcheck: passes on exp, tanh, broadcast multiplication and sum") {
  manual_seed(1);
  auto x = rand64({3, 4});
  CHECK(autograd::gradcheck([](const TensorList& in) { return exp(in[0]); }, {x}));
  CHECK(autograd::gradcheck([](const TensorList& in) { return tanh(in[0]); }, {x}));
  CHECK(autograd::gradcheck([](const TensorList& in) { return in[0].sum(); }, {x}));
  auto row = rand64({1, 4}), col = rand64({3, 1});
  CHECK(autograd::gradcheck([](const TensorList& in) { return in[0] * in[1]; }, {x, row}));
  CHECK(autograd::gradcheck([](const TensorList& in) { return in[0] * in[1]; }, {col, row}));
  // A 0-d input and a 0-d output.
  auto s = rand64({});
  CHECK(autograd::gradcheck([](const TensorList& in) { return (in[0] * in[1]).sum(); }, {s, x}));
}

TEST_CASE("gradcheck: differentiates only the inputs that require grad") {
  manual_seed(2);
  auto x = rand64({3});
  auto c = rand({3}, kFloat64);  // a constant: not checked, may be anything
  CHECK(autograd::gradcheck([](const TensorList& in) { return in[0] * in[1]; }, {x, c}));
}

TEST_CASE("gradcheck: a wrong backward returns false or throws a report naming the input and element") {
  manual_seed(3);
  auto x = rand64({2, 3}, 0.5, 1.5);
  auto wrong = [](const TensorList& in) { return WrongSquare::apply(in[0]); };
  CHECK_FALSE(autograd::gradcheck(wrong, {x}, {.raise_exception = false}));
  CHECK_THROWS_AS(autograd::gradcheck(wrong, {x}), GradcheckError);

  // The worst entry is named by its multi-index, with both values.
  auto one = [](const TensorList& in) { return WrongAtOneElement::apply(in[0]); };
  try {
    autograd::gradcheck(one, {x});
    FAIL("gradcheck accepted a wrong gradient");
  } catch (const GradcheckError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("input 0"));
    CHECK_THAT(msg, Contains("1 of 36 entries"));
    CHECK_THAT(msg, Contains("d output[1, 2] / d input[1, 2]"));
    CHECK_THAT(msg, Contains("numerical"));
    CHECK_THAT(msg, Contains("analytical"));
    CHECK_THAT(msg, Contains("tolerance"));
    // analytical = g * 2x * 0.5 = x exactly at that element (numerical is 2x)
    std::ostringstream x12;
    x12.precision(10);
    x12 << x.detach()[1][2].item<double>();
    CHECK_THAT(msg, Contains("analytical = " + x12.str()));
  }
}

TEST_CASE("gradcheck: the random-projection path accepts correct rules and catches a wrong one") {
  manual_seed(4);
  auto x = rand64({40, 50}, 0.5, 1.5);  // 2000 × 2000 Jacobian entries: above max_full_jacobian
  CHECK(autograd::gradcheck([](const TensorList& in) { return tanh(in[0]); }, {x}));
  CHECK(autograd::gradcheck([](const TensorList& in) { return (in[0] * in[0]).sum(); }, {x}));
  auto wrong = [](const TensorList& in) { return WrongSquare::apply(in[0]); };
  CHECK_FALSE(autograd::gradcheck(wrong, {x}, {.raise_exception = false}));
  try {
    autograd::gradcheck(wrong, {x});
    FAIL("gradcheck accepted a wrong gradient");
  } catch (const GradcheckError& e) {
    CHECK_THAT(std::string(e.what()), Contains("random projection"));
    CHECK_THAT(std::string(e.what()), Contains("input 0"));
  }
  // The same small problem forced through projections also catches a wrong rule at one element.
  auto small = rand64({2, 3}, 0.5, 1.5);
  auto one = [](const TensorList& in) { return WrongAtOneElement::apply(in[0]); };
  const GradcheckOptions proj{.max_full_jacobian = 0, .raise_exception = false};
  CHECK_FALSE(autograd::gradcheck(one, {small}, proj));
  CHECK(autograd::gradcheck([](const TensorList& in) { return in[0] * in[0]; }, {small}, proj));
}

TEST_CASE("gradcheck: the caller's tensors are neither modified nor given gradients") {
  manual_seed(5);
  auto x = rand64({3, 2});
  const auto before = x.detach().clone();
  CHECK(autograd::gradcheck([](const TensorList& in) { return exp(in[0]).sum(); }, {x}));
  CHECK(x.detach().equal(before));
  CHECK_FALSE(x.grad().defined());
  CHECK(x.is_leaf());
}

TEST_CASE("gradcheck: non-float64 inputs and inputs without requires_grad are rejected") {
  auto f = [](const TensorList& in) { return in[0] * 2; };
  auto x32 = rand({3}).requires_grad_();
  CHECK_THROWS_AS(autograd::gradcheck(f, {x32}), ValueError);
  CHECK_THROWS_WITH(autograd::gradcheck(f, {x32}), Contains("float64"));
  CHECK_THROWS_AS(autograd::gradcheck(f, {rand({3}, kFloat64)}), ValueError);
  CHECK_THROWS_AS(autograd::gradgradcheck(f, {x32}), ValueError);
}

TEST_CASE("gradcheck: a NaN output is reported instead of compared") {
  auto x = tensor({-1.0, 2.0}, kFloat64).requires_grad_();
  auto f = [](const TensorList& in) { return log(in[0]); };
  CHECK_FALSE(autograd::gradcheck(f, {x}, {.raise_exception = false}));
  CHECK_THROWS_WITH(autograd::gradcheck(f, {x}), Contains("non-finite"));
}

TEST_CASE("gradcheck: empty tensors pass trivially") {
  auto x = zeros({0, 3}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck([](const TensorList& in) { return in[0] * 2; }, {x}));
  CHECK(autograd::gradgradcheck([](const TensorList& in) { return in[0] * in[0]; }, {x}));
}

TEST_CASE("gradgradcheck: second derivatives of tanh, exp and mul pass") {
  manual_seed(6);
  auto x = rand64({2, 3}), y = rand64({1, 3});
  CHECK(autograd::gradgradcheck([](const TensorList& in) { return tanh(in[0]); }, {x}));
  CHECK(autograd::gradgradcheck([](const TensorList& in) { return exp(in[0]); }, {x}));
  CHECK(autograd::gradgradcheck([](const TensorList& in) { return in[0] * in[1]; }, {x, y}));
  CHECK(autograd::gradgradcheck([](const TensorList& in) { return (in[0] * in[0] * in[0]).sum(); }, {x}));
}

TEST_CASE("gradgradcheck: a backward that is right but not differentiable fails") {
  manual_seed(7);
  auto x = rand64({3}, 0.5, 1.5);
  auto f = [](const TensorList& in) { return DetachedCube::apply(in[0]); };
  // First derivatives are right...
  CHECK(autograd::gradcheck(f, {x}));
  // ...second derivatives are not.
  CHECK_FALSE(autograd::gradgradcheck(f, {x}, {.raise_exception = false}));
  CHECK_THROWS_AS(autograd::gradgradcheck(f, {x}), GradcheckError);
}
