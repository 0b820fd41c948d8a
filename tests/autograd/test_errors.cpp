// Bad input raises a typed error whose message names the op and shows the shapes or values.
#include <catch2/catch.hpp>

#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Matchers::Contains;

TEST_CASE("errors: adding shapes that do not broadcast is a ShapeError naming both shapes") {
  auto a = zeros({3, 4}), b = zeros({5});
  CHECK_THROWS_AS(a + b, ShapeError);
  CHECK_THROWS_WITH(a + b, Contains("[3, 4]") && Contains("[5]"));
  CHECK_THROWS_WITH(add(a, b), Contains("add"));
}

TEST_CASE("errors: requires_grad on an integer tensor is a DtypeError") {
  auto i = zeros({2}, kInt64);
  CHECK_THROWS_AS(i.requires_grad_(), DtypeError);
  CHECK_THROWS_WITH(i.requires_grad_(), Contains("requires_grad_") && Contains("int64"));
  CHECK_FALSE(i.requires_grad());
}

TEST_CASE("errors: backward of a non-scalar without a gradient is an AutogradError showing the shape") {
  auto x = ones({2, 3}).requires_grad_();
  auto y = x * 2;
  CHECK_THROWS_AS(y.backward(), AutogradError);
  CHECK_THROWS_WITH(y.backward(), Contains("backward") && Contains("[2, 3]"));
}

TEST_CASE("errors: a second backward without retain_graph is an AutogradError naming the op") {
  auto x = ones({2}).requires_grad_();
  auto y = (x * x).sum();
  y.backward();
  CHECK_THROWS_AS(y.backward(), AutogradError);
  CHECK_THROWS_WITH(y.backward(), Contains("mul") && Contains("retain_graph=true"));
}

TEST_CASE("errors: the gradient of a tensor that does not require grad is an AutogradError") {
  auto x = ones({2});
  CHECK_THROWS_AS(x.sum().backward(), AutogradError);
  CHECK_THROWS_WITH(x.sum().backward(), Contains("does not require grad"));
  auto w = ones({2}).requires_grad_();
  CHECK_THROWS_WITH(autograd::grad({(w * 2).sum()}, {x}), Contains("grad") && Contains("input 0"));
}

TEST_CASE("errors: an index out of range is an IndexError with the index and the size") {
  auto x = zeros({3});
  CHECK_THROWS_AS(x.select(0, 5), IndexError);
  CHECK_THROWS_WITH(x.select(0, 5), Contains("select") && Contains("5") && Contains("size 3"));
  CHECK_THROWS_AS(x[-4], IndexError);
  CHECK_THROWS_AS(x.select(1, 0), IndexError);  // dimension out of range
}

TEST_CASE("errors: modifying a saved tensor in place is an AutogradError at backward") {
  auto x = ones({3}).requires_grad_();
  auto a = x * 2;
  auto y = (a * a).sum();
  a.add_(1.0);
  CHECK_THROWS_AS(y.backward(), AutogradError);
  CHECK_THROWS_WITH(y.backward(), Contains("in-place") && Contains("'mul'") && Contains("[3]"));
  // A leaf that requires grad cannot be modified in place at all (outside NoGradGuard).
  CHECK_THROWS_AS(x.add_(1.0), AutogradError);
}

TEST_CASE("errors: reshape to a size with another number of elements is a ShapeError") {
  auto x = zeros({2, 3});
  CHECK_THROWS_AS(x.reshape({4, 2}), ShapeError);
  CHECK_THROWS_WITH(x.reshape({4, 2}), Contains("reshape") && Contains("[4, 2]") && Contains("[2, 3]"));
  CHECK_THROWS_AS(x.reshape({-1, -1}), ShapeError);
  CHECK_THROWS_AS(x.reshape({-1, 4}), ShapeError);
}

TEST_CASE("errors: item() of a tensor with several elements is a ValueError showing its shape") {
  auto x = zeros({2, 2});
  CHECK_THROWS_AS(x.item<float>(), ValueError);
  CHECK_THROWS_WITH(x.item<float>(), Contains("item") && Contains("4 elements") && Contains("[2, 2]"));
  CHECK(zeros({1, 1}).item<float>() == 0.0f);
}
