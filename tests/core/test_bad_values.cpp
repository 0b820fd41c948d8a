// Inputs that used to give silent garbage: negating a bool mask, softplus with beta = 0, and a
// tensor hook that returns a gradient of the wrong shape.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "xgrad/nn.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Contains;

TEST_CASE("neg: a bool tensor is a DtypeError (as PyTorch), other dtypes still negate", "[ops][bad-values]") {
  const Tensor mask = tensor({true, false, true});
  CHECK_THROWS_AS(neg(mask), DtypeError);
  CHECK_THROWS_WITH(-mask,
                    Contains("neg: negation of a bool tensor (shape [3]) is not supported") && Contains("logical_not"));
  CHECK(logical_not(mask).to_vector<bool>() == std::vector<bool>{false, true, false});
  CHECK((-tensor({1.5f, -2.0f})).to_vector<float>() == std::vector<float>{-1.5f, 2.0f});
}

TEST_CASE("softplus: beta = 0 (or non-finite) is a ValueError instead of inf", "[ops][bad-values]") {
  const Tensor x = tensor({-1.0, 0.0, 2.0}, kFloat64);
  CHECK_THROWS_WITH(softplus(x, 0.0), "softplus: beta must be non-zero and finite, got 0");
  CHECK_THROWS_AS(softplus(x, INFINITY), ValueError);
  CHECK_THROWS_AS(softplus(x, 1.0, std::nan("")), ValueError);
  CHECK_THROWS_AS(nn::functional::softplus(x, nn::SoftplusOptions{.beta = 0}), ValueError);
  // β = 2: log(1 + e^(2x)) / 2
  const auto y = softplus(x, 2.0).to_vector<double>();
  CHECK(y[1] == Approx(std::log(2.0) / 2));
  CHECK(y[2] == Approx(std::log1p(std::exp(4.0)) / 2));
}

TEST_CASE("tensor hooks: a hook returning the wrong shape is an AutogradError naming the hook", "[autograd][hooks]") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64).requires_grad_();
  const unsigned leaf_hook = x.register_hook([](const Tensor& g) { return g.sum(); });
  try {
    (x * x).sum().backward();
    FAIL("expected an AutogradError");
  } catch (const AutogradError& e) {
    CHECK(std::string(e.what()) == "tensor hook " + std::to_string(leaf_hook) +
                                       " (registered on a leaf tensor of shape [3]) returned a gradient of shape [] "
                                       "for a gradient of shape [3]; a hook must return a tensor of the same shape, "
                                       "or an undefined tensor to leave the gradient as it is");
  }
  x.remove_hook(leaf_hook);

  Tensor y = x * 2;  // non-leaf: the hook lives on the node of 'mul'
  const unsigned h = y.register_hook([](const Tensor& g) { return cat({g, g}); });
  CHECK_THROWS_WITH(y.sum().backward(),
                    Contains("tensor hook " + std::to_string(h) + " (registered on output 0 of '") &&
                        Contains("returned a gradient of shape [6] for a gradient of shape [3]"));
  // A hook that keeps the shape still replaces the gradient.
  x.mutable_grad() = Tensor();
  Tensor z = x * 2;
  z.register_hook([](const Tensor& g) { return g * 10; });
  z.sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{20, 20, 20});
}
