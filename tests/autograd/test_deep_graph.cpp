// Graphs of a million ops: backward, grad with create_graph (and the backward through that
// second graph) and plain destruction all work without recursion (Note [Iterative graph teardown]
// in lib/autograd/node.cpp), so depth is limited by memory only. A chain of negations keeps each
// node small (it saves nothing) and has a closed-form gradient: (-1)^n.
#include <catch2/catch.hpp>

#include <cstdint>

#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {
constexpr std::int64_t kDepth = 1'000'000;

Tensor neg_chain(const Tensor& x, std::int64_t n) {
  Tensor y = x;
  for (std::int64_t i = 0; i < n; ++i) y = -y;
  return y;
}
}  // namespace

TEST_CASE("deep graphs: a chain of 10^6 ops is destroyed without backward", "[autograd][deep]") {
  Tensor x = tensor({2.0}, kFloat64).requires_grad_();
  {
    Tensor y = neg_chain(x, kDepth);
    CHECK(y.item<double>() == 2.0);
    CHECK(y.grad_fn() != nullptr);
  }  // the whole chain is freed here
  // The leaf and its accumulator survive and still work.
  (x * 3).sum().backward();
  CHECK(x.grad().item<double>() == 3.0);
}

TEST_CASE("deep graphs: backward through a chain of 10^6 ops", "[autograd][deep]") {
  Tensor x = tensor({2.0, -1.0}, kFloat64).requires_grad_();
  Tensor y = neg_chain(x * x, kDepth + 1);  // -(x²), odd number of negations
  y.sum().backward();
  // d/dx of -x² = -2x
  CHECK(x.grad().to_vector<double>() == std::vector<double>{-4.0, 2.0});
  y = Tensor();  // destroy the (released) graph
  CHECK_FALSE(y.defined());
}

TEST_CASE("deep graphs: grad with create_graph through 10^6 ops, then backward through the result",
          "[autograd][deep]") {
  Tensor x = tensor({3.0}, kFloat64).requires_grad_();
  Tensor v = tensor({1.5}, kFloat64).requires_grad_();
  Tensor y = neg_chain(x * x, kDepth);  // x², even number of negations
  // With a grad_output that requires grad, the backward of every negation is recorded: g1 is the
  // end of a second chain of 10^6 ops, g1 = v · 2x.
  Tensor g1 = autograd::grad({y}, {x}, {v}, /*retain_graph=*/false, /*create_graph=*/true)[0];
  CHECK(g1.item<double>() == 9.0);
  REQUIRE(g1.requires_grad());
  y = Tensor();
  g1.backward();  // d g1 / dv = 2x = 6, d g1 / dx = 2v = 3
  CHECK(v.grad().item<double>() == 6.0);
  CHECK(x.grad().item<double>() == 3.0);
}
