// jacobian / hessian / vjp / jvp / hvp against closed forms.
#include <catch2/catch.hpp>

#include "xgrad/xgrad.hpp"

using namespace xg;
namespace F = xg::autograd::functional;

namespace {

std::vector<double> vals(const Tensor& t) { return t.detach().to_vector<double>(); }

void check_close(const Tensor& a, const Tensor& b, double tol = 1e-12) {
  REQUIRE(a.sizes() == b.sizes());
  const auto va = vals(a), vb = vals(b);
  for (std::size_t i = 0; i < va.size(); ++i) {
    INFO("element " << i);
    CHECK(va[i] == Approx(vb[i]).margin(tol));
  }
}

// A = [[1, 2, 0], [-1, 3, 4]]
Tensor matrix_a() { return tensor({{1.0, 2.0, 0.0}, {-1.0, 3.0, 4.0}}, kFloat64); }

// f(x) = tanh(A x) + x₀ x₂ (nonlinear, 3 → 2), with its Jacobian in closed form.
Tensor nonlinear(const Tensor& x) { return tanh(matmul(matrix_a(), x)) + x[0] * x[2]; }
Tensor nonlinear_jacobian(const Tensor& x) {
  NoGradGuard ng;
  Tensor s = tanh(matmul(matrix_a(), x));
  Tensor d = (1 - s * s).unsqueeze(1) * matrix_a();  // diag(1 - tanh²) A
  Tensor extra = tensor({x[2].item<double>(), 0.0, x[0].item<double>()}, kFloat64);
  return d + extra;  // d(x₀x₂)/dx added to both rows
}

}  // namespace

TEST_CASE("jacobian: the Jacobian of a linear map is its matrix") {
  auto x = tensor({0.3, -1.0, 2.0}, kFloat64);
  auto J = F::jacobian([](const Tensor& v) { return matmul(matrix_a(), v); }, x);
  check_close(J, matrix_a());
  CHECK_FALSE(J.requires_grad());
  CHECK_FALSE(x.requires_grad());  // the caller's tensor is untouched
}

TEST_CASE("jacobian: the shape is f(x).shape + x.shape") {
  auto x = tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64);
  auto J = F::jacobian([](const Tensor& v) { return v * v; }, x);
  REQUIRE(J.sizes() == Shape{2, 2, 2, 2});
  // d(x_ij²)/d x_kl = 2 x_ij δ_ik δ_jl
  auto expected = zeros({2, 2, 2, 2}, kFloat64);
  const auto xv = vals(x);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) expected[i][j][i][j].fill_(2 * xv[i * 2 + j]);
  check_close(J, expected);
  // A scalar output gives the gradient's shape.
  CHECK(F::jacobian([](const Tensor& v) { return v.sum(); }, x).sizes() == Shape{2, 2});
  // An output that does not depend on x has a zero Jacobian.
  check_close(F::jacobian([](const Tensor& v) { return ones({3}, kFloat64) + 0 * v.detach().sum(); }, x),
              zeros({3, 2, 2}, kFloat64));
}

TEST_CASE("jacobian: a nonlinear map matches its closed form") {
  auto x = tensor({0.2, -0.4, 0.5}, kFloat64);
  check_close(F::jacobian(nonlinear, x), nonlinear_jacobian(x));
}

TEST_CASE("hessian: the Hessian of ½ xᵀ A x is A for a symmetric A") {
  auto A = tensor({{2.0, -1.0, 0.5}, {-1.0, 3.0, 0.0}, {0.5, 0.0, 1.0}}, kFloat64);
  auto x = tensor({1.0, -2.0, 0.5}, kFloat64);
  auto f = [A](const Tensor& v) { return 0.5 * dot(v, matmul(A, v)); };
  auto H = F::hessian(f, x);
  REQUIRE(H.sizes() == Shape{3, 3});
  check_close(H, A);
  CHECK_FALSE(H.requires_grad());
}

TEST_CASE("hvp: the Hessian-vector product equals hessian · v") {
  auto x = tensor({0.3, -0.7, 1.1}, kFloat64);
  auto v = tensor({1.0, 2.0, -1.0}, kFloat64);
  auto f = [](const Tensor& t) { return (t * t * t).sum() + t[0] * t[1] * t[2] + exp(t).sum(); };
  auto H = F::hessian(f, x);
  auto [out, hv] = F::hvp(f, x, v);
  CHECK(out.item<double>() == Approx(f(x).item<double>()));
  check_close(hv, matmul(H, v));
  // Closed form of H: diag(6x + eˣ) + the mixed terms of x₀x₁x₂.
  const auto xv = vals(x);
  auto Hc = tensor({{6 * xv[0] + std::exp(xv[0]), xv[2], xv[1]},
                    {xv[2], 6 * xv[1] + std::exp(xv[1]), xv[0]},
                    {xv[1], xv[0], 6 * xv[2] + std::exp(xv[2])}},
                   kFloat64);
  check_close(H, Hc);
}

TEST_CASE("jvp: the Jacobian-vector product equals J · v") {
  auto x = tensor({0.2, -0.4, 0.5}, kFloat64);
  auto v = tensor({1.0, -3.0, 0.5}, kFloat64);
  auto [out, jv] = F::jvp(nonlinear, x, v);
  check_close(out, nonlinear(x));
  check_close(jv, matmul(nonlinear_jacobian(x), v));
  CHECK_FALSE(jv.requires_grad());
  CHECK_THROWS_AS(F::jvp(nonlinear, x, tensor({1.0}, kFloat64)), ShapeError);
}

TEST_CASE("vjp: the vector-Jacobian product equals vᵀ J") {
  auto x = tensor({0.2, -0.4, 0.5}, kFloat64);
  auto v = tensor({2.0, -1.0}, kFloat64);
  auto [out, vj] = F::vjp(nonlinear, x, v);
  check_close(out, nonlinear(x));
  check_close(vj, matmul(v, nonlinear_jacobian(x)));
  CHECK_THROWS_AS(F::vjp(nonlinear, x, tensor({1.0, 2.0, 3.0}, kFloat64)), ShapeError);
}

TEST_CASE("functional: create_graph keeps the results differentiable w.r.t. x") {
  auto x = tensor({0.5, -1.5}, kFloat64).requires_grad_();
  auto v = tensor({1.0, 1.0}, kFloat64);
  // vjp of x ↦ x³ with v = 1 is 3x²; its derivative is 6x.
  auto [out, g] = F::vjp([](const Tensor& t) { return t * t * t; }, x, v, /*create_graph=*/true);
  REQUIRE(g.requires_grad());
  g.sum().backward();
  check_close(x.grad(), tensor({3.0, -9.0}, kFloat64));
  // jacobian with create_graph: d/dx sum(J) for J = diag(3x²) is 6x.
  x.mutable_grad() = Tensor();
  auto J = F::jacobian([](const Tensor& t) { return t * t * t; }, x, true);
  J.sum().backward();
  check_close(x.grad(), tensor({3.0, -9.0}, kFloat64));
  // Without create_graph nothing is connected to x.
  auto J2 = F::jacobian([](const Tensor& t) { return t * t * t; }, x);
  CHECK_FALSE(J2.requires_grad());
}
