// Nonlinear CG and Newton-CG: finite termination on convex quadratics, Rosenbrock, restarts,
// damping, negative curvature, and their errors.
#include <catch2/catch.hpp>

#include <xgrad/optim.hpp>

#include "optim/reference_problem.hpp"

using namespace xg;
using namespace xg::optim;
using Catch::Matchers::Contains;

namespace {
constexpr std::int64_t kN = 10;

// ‖x − A⁻¹b‖ measured through the gradient: ‖Ax − b‖ / ‖b‖.
double relative_residual(const testing::Quadratic& q, const Tensor& x) {
  NoGradGuard ng;
  return (norm(matmul(q.A, x) - q.b) / norm(q.b)).item<double>();
}

template <class Opt>
LossClosure backward_closure(Opt& opt, const std::function<Tensor()>& f) {
  return [&opt, f] {
    opt.zero_grad();
    auto l = f();
    l.backward();
    return l;
  };
}
}  // namespace

TEST_CASE("CG: every beta formula reaches the minimum of an n-dimensional convex quadratic within n iterations") {
  const auto q = testing::make_quadratic(kN, 50.0);
  for (CGBeta beta : {CGBeta::FletcherReeves, CGBeta::PolakRibiere, CGBeta::PolakRibierePlus}) {
    auto x = zeros({kN}, kFloat64).requires_grad_();
    CG opt({x}, {.max_iter = kN, .max_eval = 1000, .tolerance_grad = 1e-10, .beta = beta});
    opt.step(backward_closure(opt, [&] { return q(x); }));
    INFO("beta formula " << static_cast<int>(beta) << ", iterations " << opt.global_state().n_iter);
    CHECK(opt.global_state().n_iter <= kN);
    CHECK(relative_residual(q, x) < 1e-8);
  }
}

TEST_CASE("CG: steepest descent restarts every iteration are much slower than conjugate directions") {
  const auto q = testing::make_quadratic(kN, 50.0);
  auto residual_after = [&](std::int64_t restart_every) {
    auto x = zeros({kN}, kFloat64).requires_grad_();
    CG opt({x}, {.max_iter = kN, .max_eval = 1000, .restart_every = restart_every});
    opt.step(backward_closure(opt, [&] { return q(x); }));
    return relative_residual(q, x);
  };
  CHECK(residual_after(1) > 1e-2);
  CHECK(residual_after(0) < 1e-8);
}

TEST_CASE("CG: solves the Rosenbrock function with each beta formula") {
  for (CGBeta beta : {CGBeta::FletcherReeves, CGBeta::PolakRibiere, CGBeta::PolakRibierePlus}) {
    auto xy = tensor({-1.5, 2.0}, kFloat64).requires_grad_();
    CG opt({xy}, {.max_iter = 100, .max_eval = 1000, .beta = beta});
    for (int i = 0; i < 10; ++i) opt.step(backward_closure(opt, [&] { return testing::rosenbrock(xy); }));
    INFO("beta formula " << static_cast<int>(beta) << ", iterations " << opt.global_state().n_iter);
    CHECK(testing::rosenbrock(xy).item<double>() < 1e-10);
  }
}

TEST_CASE("NewtonCG: one Newton iteration reaches the minimum of a convex quadratic with at most n products") {
  const auto q = testing::make_quadratic(kN, 50.0);
  auto x = zeros({kN}, kFloat64).requires_grad_();
  NewtonCG opt({x}, {.max_iter = 1, .cg_tolerance = 1e-12});
  opt.step([&] { return q(x); });
  CHECK(opt.global_state().n_iter == 1);
  CHECK(opt.global_state().hvp_evals <= kN);
  CHECK(relative_residual(q, x) < 1e-9);
  // .grad() holds the gradient at the evaluated point, as after backward().
  CHECK(allclose(x.grad(), matmul(q.A, zeros({kN}, kFloat64)) - q.b));
}

TEST_CASE("NewtonCG: damping solves the shifted system (H + damping I) p = -g") {
  const auto q = testing::make_quadratic(4, 5.0);
  auto x0 = tensor({1.0, -2.0, 0.5, 3.0}, kFloat64);
  auto x = x0.clone().requires_grad_();
  NewtonCG opt({x}, {.max_iter = 1, .cg_tolerance = 1e-13, .damping = 2.0});
  opt.step([&] { return q(x); });
  NoGradGuard ng;
  auto p = x - x0;
  auto g = matmul(q.A, x0) - q.b;
  CHECK(allclose(matmul(q.A, p) + 2.0 * p, -g, 1e-9, 1e-9));
}

TEST_CASE("NewtonCG: a direction of zero or negative curvature falls back to steepest descent") {
  // f = x² − y² at (1, 1): g = (2, −2) and gᵀHg = 8 − 8 = 0, so p = −g.
  auto xy = tensor({1.0, 1.0}, kFloat64).requires_grad_();
  NewtonCG opt({xy}, {.max_iter = 1});
  opt.step([&] { return xy[0] * xy[0] - xy[1] * xy[1]; });
  CHECK(xy.to_vector<double>() == std::vector<double>{-1.0, 3.0});
}

TEST_CASE("NewtonCG: with a strong-Wolfe line search it solves the Rosenbrock function") {
  auto xy = tensor({-1.5, 2.0}, kFloat64).requires_grad_();
  NewtonCG opt({xy}, {.max_iter = 50, .max_eval = 200, .line_search_fn = "strong_wolfe"});
  opt.step([&] { return testing::rosenbrock(xy); });
  INFO("Newton iterations " << opt.global_state().n_iter << ", products " << opt.global_state().hvp_evals);
  CHECK(testing::rosenbrock(xy).item<double>() < 1e-12);
  CHECK(opt.global_state().n_iter < 40);
}

TEST_CASE("NewtonCG: a loss linear in a parameter has zero curvature there") {
  // f = (a − 3)² + 2b: the Hessian is zero along b, the first CG direction has positive curvature.
  auto a = tensor({0.0}, kFloat64).requires_grad_();
  auto b = tensor({0.0}, kFloat64).requires_grad_();
  NewtonCG opt({a, b}, {.max_iter = 1});
  opt.step([&] { return ((a - 3.0) * (a - 3.0)).sum() + (2.0 * b).sum(); });
  CHECK(std::isfinite(a.item<double>()));
  CHECK(std::isfinite(b.item<double>()));
  CHECK(opt.global_state().hvp_evals >= 1);
}

TEST_CASE("CG and NewtonCG: bad use and bad hyper-parameters are errors naming the optimizer") {
  auto a = tensor({1.0}, kFloat64).requires_grad_();
  CG cg({a});
  CHECK_THROWS_WITH(cg.step(), Contains("CG") && Contains("closure"));
  CHECK_THROWS_WITH(cg.add_param_group({tensor({1.0}, kFloat64).requires_grad_()}), Contains("parameter groups"));
  CHECK_THROWS_WITH(CG({a}, {.lr = -1}), Contains("CG") && Contains("learning rate"));
  CHECK_THROWS_WITH(CG({a}, {.max_iter = 0}), Contains("max_iter"));
  CHECK_THROWS_WITH(CG({a}, {.restart_every = -2}), Contains("restart_every"));
  CHECK_THROWS_WITH(CG({a}, {.c1 = 0.5, .c2 = 0.1}), Contains("c1 = 0.5") && Contains("c2 = 0.1"));
  CHECK_THROWS_WITH(CG({a}, {.max_ls = 0}), Contains("max_ls"));

  NewtonCG ncg({a});
  CHECK_THROWS_WITH(ncg.step(), Contains("NewtonCG") && Contains("closure"));
  CHECK_THROWS_WITH(ncg.step([&] {
    auto l = (a * a).sum();
    l.backward();
    return l;
  }),
                    Contains("NewtonCG") && Contains("called backward"));
  CHECK_THROWS_WITH(NewtonCG({a}, {.max_cg_iter = 0}), Contains("max_cg_iter"));
  CHECK_THROWS_WITH(NewtonCG({a}, {.damping = -1}), Contains("damping"));
  CHECK_THROWS_WITH(NewtonCG({a}, {.cg_tolerance = -0.1}), Contains("cg_tolerance"));
  CHECK_THROWS_WITH(NewtonCG({a}, {.line_search_fn = "armijo"}), Contains("strong_wolfe") && Contains("armijo"));
}
