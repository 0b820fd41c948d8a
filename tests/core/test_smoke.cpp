#include <catch2/catch.hpp>

#include "xgrad/xgrad.hpp"

TEST_CASE("autograd: gradient of a small expression matches the closed form") {
  auto x = xg::tensor({1.0, 2.0, 3.0}, xg::kFloat64).requires_grad_();
  auto y = (x * x * x + 2 * x).sum();
  y.backward();
  auto g = x.grad().to_vector<double>();
  REQUIRE(g.size() == 3);
  CHECK(g[0] == Approx(3 * 1 + 2));
  CHECK(g[1] == Approx(3 * 4 + 2));
  CHECK(g[2] == Approx(3 * 9 + 2));
}
