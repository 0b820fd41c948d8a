// L-BFGS against PyTorch 1.13 (fixed step and strong-Wolfe line search, a short history, early
// stopping by max_eval and tolerances), convergence, and its errors.
#include <catch2/catch.hpp>

#include <xgrad/optim.hpp>

#include "optim/reference_problem.hpp"

using namespace xg;
using namespace xg::optim;
using Catch::Matchers::Contains;

namespace {
// Runs `steps` step(closure) calls on the reference problem and compares every step with PyTorch.
void check_against_reference(const std::string& name, const LBFGSOptions& options) {
  const auto* ref = testing::find_reference(name);
  REQUIRE(ref != nullptr);
  auto params = testing::reference_params(kFloat64);
  LBFGS opt(params, options);
  auto closure = [&] {
    opt.zero_grad();
    auto loss = testing::reference_loss(params);
    loss.backward();
    return loss;
  };
  for (std::size_t s = 0; s < ref->steps.size(); ++s) {
    opt.step(closure);
    const auto got = testing::flat_values(params);
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO(name << " step " << s + 1 << " element " << i);
      // Dot products are summed in another order than PyTorch's BLAS, and a few iterations
      // amplify those last-bit differences a little.
      CHECK(got[i] == Approx(ref->steps[s][i]).epsilon(1e-12).margin(1e-14));
    }
  }
  CHECK(opt.global_state().func_evals == static_cast<std::int64_t>(ref->extra[0]));
  CHECK(opt.global_state().n_iter == static_cast<std::int64_t>(ref->extra[1]));
}
}  // namespace

TEST_CASE("LBFGS: a fixed step matches PyTorch 1.13") { check_against_reference("LBFGS default", {.lr = 0.5}); }

TEST_CASE("LBFGS: the strong-Wolfe line search with a short history matches PyTorch 1.13") {
  check_against_reference("LBFGS strong_wolfe history_size",
                          {.max_iter = 8, .history_size = 3, .line_search_fn = "strong_wolfe"});
}

TEST_CASE("LBFGS: max_eval and the tolerances stop a step as in PyTorch 1.13") {
  check_against_reference(
      "LBFGS max_iter max_eval tolerances",
      {.lr = 0.3, .max_iter = 6, .max_eval = 4, .tolerance_grad = 1e-3, .tolerance_change = 1e-6, .history_size = 2});
}

TEST_CASE("LBFGS: max_eval defaults to five quarters of the max_iter given") {
  LBFGSOptions o{.max_iter = 40};
  CHECK(o.max_eval == 50);
  CHECK(LBFGSOptions{}.max_eval == 25);
}

TEST_CASE("LBFGS: with a strong-Wolfe line search it solves the Rosenbrock function") {
  auto xy = tensor({-1.5, 2.0}, kFloat64).requires_grad_();
  LBFGS opt({xy}, {.line_search_fn = "strong_wolfe"});
  auto closure = [&] {
    opt.zero_grad();
    auto l = testing::rosenbrock(xy);
    l.backward();
    return l;
  };
  for (int i = 0; i < 5; ++i) opt.step(closure);
  // PyTorch stops at f = 1.88e-10 too: tolerance_change ends the steps once the loss stalls.
  CHECK(xy.to_vector<double>()[0] == Approx(1.0).margin(1e-4));
  CHECK(xy.to_vector<double>()[1] == Approx(1.0).margin(1e-4));
  CHECK(testing::rosenbrock(xy).item<double>() < 1e-9);
}

TEST_CASE("LBFGS: stops at once when the gradient is already below tolerance_grad") {
  auto x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  LBFGS opt({x});
  int calls = 0;
  auto loss = opt.step([&] {
    ++calls;
    opt.zero_grad();
    auto l = ((x - tensor({1.0, 2.0}, kFloat64)) * (x - tensor({1.0, 2.0}, kFloat64))).sum();
    l.backward();
    return l;
  });
  CHECK(calls == 1);
  CHECK(loss.item<double>() == 0.0);
  CHECK(x.to_vector<double>() == std::vector<double>{1.0, 2.0});
}

TEST_CASE("LBFGS: works on float32 parameters") {
  auto xy = tensor({-1.2f, 1.0f}, kFloat32).requires_grad_();
  LBFGS opt({xy}, {.line_search_fn = "strong_wolfe"});
  auto closure = [&] {
    opt.zero_grad();
    auto l = testing::rosenbrock(xy);
    l.backward();
    return l;
  };
  for (int i = 0; i < 5; ++i) opt.step(closure);
  CHECK(testing::rosenbrock(xy).item<double>() < 1e-8);
}

TEST_CASE("LBFGS: bad use and bad hyper-parameters are errors naming LBFGS") {
  auto a = tensor({1.0}, kFloat64).requires_grad_();
  auto b = tensor({1.0}, kFloat64).requires_grad_();
  LBFGS opt({a});
  CHECK_THROWS_WITH(opt.step(), Contains("LBFGS") && Contains("closure"));
  CHECK_THROWS_WITH(opt.add_param_group({b}), Contains("LBFGS") && Contains("parameter groups"));
  CHECK_THROWS_WITH(opt.step([] { return xg::Tensor(); }), Contains("LBFGS") && Contains("one-element"));
  CHECK_THROWS_WITH(LBFGS({a, tensor({1.0f}).requires_grad_()}), Contains("LBFGS") && Contains("one dtype"));
  CHECK_THROWS_WITH(LBFGS({a}, {.lr = -1}), Contains("LBFGS") && Contains("-1"));
  CHECK_THROWS_WITH(LBFGS({a}, {.max_iter = 0}), Contains("max_iter"));
  CHECK_THROWS_WITH(LBFGS({a}, {.max_eval = 0}), Contains("max_eval"));
  CHECK_THROWS_WITH(LBFGS({a}, {.tolerance_change = -1e-3}), Contains("tolerance_change"));
  CHECK_THROWS_WITH(LBFGS({a}, {.history_size = 0}), Contains("history_size"));
  CHECK_THROWS_WITH(LBFGS({a}, {.line_search_fn = "backtracking"}),
                    Contains("strong_wolfe") && Contains("backtracking"));
}
