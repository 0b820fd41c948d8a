// Every optimizer minimizes a convex quadratic and the Rosenbrock function: the loss (or the
// gradient) is within a tolerance after a fixed number of steps with a suitable learning rate.
// The tolerances are a few times looser than what each run reaches, so a regression that slows
// an optimizer down fails.
#include <catch2/catch.hpp>

#include <xgrad/optim.hpp>

#include "optim/reference_problem.hpp"

using namespace xg;
using namespace xg::optim;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
template <class Opt, class Options>
Factory make(Options o) {
  return [o](std::vector<Tensor> p) { return std::make_unique<Opt>(std::move(p), o); };
}

struct Case {
  std::string name;
  Factory factory;
  int steps;
  double tolerance;
};

// Runs a first-order optimizer for `steps` steps on f from x0.
Tensor minimize(const Case& c, const std::function<Tensor(const Tensor&)>& f, const Tensor& x0) {
  auto x = x0.clone().requires_grad_();
  auto opt = c.factory({x});
  for (int i = 0; i < c.steps; ++i) {
    opt->zero_grad();
    f(x).backward();
    opt->step();
  }
  return x.detach();
}

}  // namespace

TEST_CASE("convergence: every first-order optimizer solves a convex quadratic") {
  const auto q = testing::make_quadratic(5, 10.0);
  const std::vector<Case> cases = {
      {"SGD", make<SGD>(SGDOptions{.lr = 0.15}), 300, 1e-12},
      {"SGD momentum", make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.8}), 300, 1e-12},
      {"SGD nesterov", make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.8, .nesterov = true}), 300, 1e-12},
      {"Adagrad", make<Adagrad>(AdagradOptions{.lr = 1.0}), 300, 1e-12},
      {"RMSprop centered momentum", make<RMSprop>(RMSpropOptions{.lr = 1e-2, .momentum = 0.9, .centered = true}), 300,
       1e-6},
      {"Adadelta", make<Adadelta>(AdadeltaOptions{.lr = 3.0, .rho = 0.99}), 300, 1e-10},
      {"Adam", make<Adam>(AdamOptions{.lr = 0.05}), 300, 1e-6},
      {"Adam amsgrad", make<Adam>(AdamOptions{.lr = 0.05, .amsgrad = true}), 300, 1e-6},
      {"AdamW", make<AdamW>(AdamWOptions{.lr = 0.05, .weight_decay = 0}), 300, 1e-6},
      {"Adamax", make<Adamax>(AdamaxOptions{.lr = 0.1}), 300, 1e-6},
      {"NAdam", make<NAdam>(NAdamOptions{.lr = 0.05}), 300, 1e-3},
      {"RAdam", make<RAdam>(RAdamOptions{.lr = 0.05}), 300, 1e-5},
      {"Rprop", make<Rprop>(RpropOptions{.lr = 0.01}), 300, 1e-4},
      // ASGD's decay term λ (1e-4) shifts its fixed point slightly off the minimum.
      {"ASGD", make<ASGD>(ASGDOptions{.lr = 0.15, .t0 = 100}), 300, 1e-4},
  };
  for (const auto& c : cases) {
    auto x = minimize(c, q, zeros({5}, kFloat64));
    const double residual = (norm(matmul(q.A, x) - q.b) / norm(q.b)).item<double>();
    INFO(c.name << ": relative gradient norm " << residual);
    CHECK(residual < c.tolerance);
  }
}

TEST_CASE("convergence: every first-order optimizer solves the Rosenbrock function from (-1.5, 2)") {
  const std::vector<Case> cases = {
      {"SGD", make<SGD>(SGDOptions{.lr = 2e-3}), 2000, 5e-4},
      {"SGD momentum", make<SGD>(SGDOptions{.lr = 1e-3, .momentum = 0.9}), 2000, 1e-7},
      {"SGD nesterov", make<SGD>(SGDOptions{.lr = 1e-3, .momentum = 0.9, .nesterov = true}), 2000, 1e-7},
      {"Adagrad", make<Adagrad>(AdagradOptions{.lr = 1.5}), 2000, 5e-2},
      {"RMSprop centered momentum", make<RMSprop>(RMSpropOptions{.lr = 1e-3, .momentum = 0.9, .centered = true}), 2000,
       5e-4},
      // Adadelta's first steps are ~√eps long and it creeps along the curved valley: it only gets
      // from f = 12.5 to below 0.5 here.
      {"Adadelta", make<Adadelta>(AdadeltaOptions{.lr = 1.0, .rho = 0.99}), 2000, 0.5},
      {"Adam", make<Adam>(AdamOptions{.lr = 0.05}), 2000, 1e-10},
      {"Adam amsgrad", make<Adam>(AdamOptions{.lr = 0.1, .amsgrad = true}), 2000, 1e-10},
      {"AdamW", make<AdamW>(AdamWOptions{.lr = 0.05, .weight_decay = 0}), 2000, 1e-10},
      {"Adamax", make<Adamax>(AdamaxOptions{.lr = 0.1}), 2000, 5e-3},
      {"NAdam", make<NAdam>(NAdamOptions{.lr = 0.02}), 2000, 5e-3},
      {"RAdam", make<RAdam>(RAdamOptions{.lr = 0.01, .betas = {0.9, 0.99}}), 2000, 2e-4},
      {"Rprop", make<Rprop>(RpropOptions{.lr = 0.01}), 2000, 2e-3},
      {"ASGD", make<ASGD>(ASGDOptions{.lr = 2e-3, .t0 = 1000}), 2000, 5e-4},
  };
  for (const auto& c : cases) {
    auto x = minimize(c, testing::rosenbrock, tensor({-1.5, 2.0}, kFloat64));
    const double f = testing::rosenbrock(x).item<double>();
    INFO(c.name << ": f = " << f << " at " << x);
    CHECK(f < c.tolerance);
  }
}
