// The first-order optimizers against PyTorch 1.13: parameters after every step of a small
// non-convex problem, with every option toggled at least once, in float64 (to the last bits) and
// float32. The numbers come from tests/reference/optimizers.py (see optimizer_reference.inc).
#include <catch2/catch.hpp>

#include <xgrad/optim.hpp>

#include "optim/reference_problem.hpp"

using namespace xg;
using namespace xg::optim;
using testing::find_reference;

namespace {

using Factory = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

template <class Opt, class Options>
Factory make(Options o) {
  return [o](std::vector<Tensor> p) { return std::make_unique<Opt>(std::move(p), o); };
}

// The same configurations as FIRST_ORDER in tests/reference/optimizers.py.
const std::vector<std::pair<std::string, Factory>>& configurations() {
  static const std::vector<std::pair<std::string, Factory>> table = {
      {"SGD plain", make<SGD>(SGDOptions{.lr = 0.05})},
      {"SGD momentum dampening weight_decay",
       make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.3, .weight_decay = 0.1})},
      {"SGD nesterov maximize", make<SGD>(SGDOptions{.lr = 0.02, .momentum = 0.8, .nesterov = true, .maximize = true})},
      {"Adagrad default", make<Adagrad>(AdagradOptions{})},
      {"Adagrad lr_decay weight_decay initial_accumulator_value eps",
       make<Adagrad>(AdagradOptions{
           .lr = 0.5, .lr_decay = 0.1, .weight_decay = 0.05, .initial_accumulator_value = 0.2, .eps = 1e-6})},
      {"Adagrad maximize", make<Adagrad>(AdagradOptions{.lr = 0.1, .maximize = true})},
      {"RMSprop default", make<RMSprop>(RMSpropOptions{})},
      {"RMSprop centered momentum weight_decay alpha eps",
       make<RMSprop>(RMSpropOptions{
           .lr = 0.01, .alpha = 0.9, .eps = 1e-6, .weight_decay = 0.1, .momentum = 0.5, .centered = true})},
      {"RMSprop centered maximize", make<RMSprop>(RMSpropOptions{.lr = 0.02, .centered = true, .maximize = true})},
      {"RMSprop momentum", make<RMSprop>(RMSpropOptions{.lr = 0.01, .momentum = 0.9})},
      {"Adadelta default", make<Adadelta>(AdadeltaOptions{})},
      {"Adadelta rho eps weight_decay maximize",
       make<Adadelta>(AdadeltaOptions{.lr = 0.5, .rho = 0.8, .eps = 1e-4, .weight_decay = 0.2, .maximize = true})},
      {"Adam default", make<Adam>(AdamOptions{})},
      {"Adam amsgrad weight_decay betas eps",
       make<Adam>(AdamOptions{.lr = 0.1, .betas = {0.8, 0.9}, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = true})},
      {"Adam maximize", make<Adam>(AdamOptions{.lr = 0.1, .maximize = true})},
      {"AdamW default", make<AdamW>(AdamWOptions{})},
      {"AdamW amsgrad maximize weight_decay betas",
       make<AdamW>(
           AdamWOptions{.lr = 0.05, .betas = {0.5, 0.6}, .weight_decay = 0.3, .amsgrad = true, .maximize = true})},
      {"Adamax default", make<Adamax>(AdamaxOptions{})},
      {"Adamax weight_decay maximize betas eps",
       make<Adamax>(AdamaxOptions{.lr = 0.1, .betas = {0.7, 0.8}, .eps = 1e-3, .weight_decay = 0.1, .maximize = true})},
      {"NAdam default", make<NAdam>(NAdamOptions{})},
      {"NAdam weight_decay momentum_decay betas eps",
       make<NAdam>(
           NAdamOptions{.lr = 0.1, .betas = {0.8, 0.95}, .eps = 1e-4, .weight_decay = 0.1, .momentum_decay = 0.1})},
      // PyTorch 1.13's NAdam and RAdam have no `maximize`; the generator negates the gradients.
      {"NAdam maximize", make<NAdam>(NAdamOptions{.lr = 0.1, .maximize = true})},
      {"RAdam default", make<RAdam>(RAdamOptions{})},
      {"RAdam rectified weight_decay betas eps",
       make<RAdam>(RAdamOptions{.lr = 0.05, .betas = {0.9, 0.9}, .eps = 1e-4, .weight_decay = 0.1})},
      {"RAdam maximize", make<RAdam>(RAdamOptions{.lr = 0.05, .betas = {0.9, 0.9}, .maximize = true})},
      {"Rprop default", make<Rprop>(RpropOptions{})},
      {"Rprop sign flips etas step_sizes",
       make<Rprop>(RpropOptions{.lr = 0.8, .etas = {0.3, 1.5}, .step_sizes = {0.05, 1.0}})},
      {"Rprop maximize", make<Rprop>(RpropOptions{.lr = 0.1, .maximize = true})},
      {"ASGD default", make<ASGD>(ASGDOptions{})},
      {"ASGD averaging lambd alpha t0 weight_decay",
       make<ASGD>(ASGDOptions{.lr = 0.05, .lambd = 0.1, .alpha = 0.5, .t0 = 1, .weight_decay = 0.1})},
      {"ASGD maximize", make<ASGD>(ASGDOptions{.lr = 0.05, .t0 = 0, .maximize = true})},
  };
  return table;
}

// |x − y| in units in the last place of y's dtype.
double ulps(double x, double y, Dtype dtype) {
  const double scale = dtype == kFloat32 ? std::ldexp(1.0, -23) : std::ldexp(1.0, -52);
  const double mag = std::max({std::abs(x), std::abs(y), 1e-300});
  return std::abs(x - y) / (scale * std::pow(2.0, std::floor(std::log2(mag))));
}

// Runs one configuration and returns the largest deviation from PyTorch in ulps.
double max_ulps(const std::string& name, const Factory& factory, Dtype dtype) {
  const auto* ref = find_reference(dtype == kFloat32 ? name + " float32" : name);
  REQUIRE(ref != nullptr);
  auto params = testing::reference_params(dtype);
  auto opt = factory(params);
  double worst = 0;
  for (std::size_t s = 0; s < ref->steps.size(); ++s) {
    opt->zero_grad();
    testing::reference_loss(params).backward();
    opt->step();
    const auto got = testing::flat_values(params);
    REQUIRE(got.size() == ref->steps[s].size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO(name << " step " << s + 1 << " element " << i << ": " << got[i] << " vs PyTorch " << ref->steps[s][i]);
      const double u = ulps(got[i], ref->steps[s][i], dtype);
      // An element that cancels to ~0 is compared absolutely.
      // PyTorch's own gradients may differ from ours in the last bit (reduction order), which the
      // updates then carry; 32 ulp leaves room for that and nothing more.
      if (std::abs(ref->steps[s][i]) > 1e-6) CHECK(u < 32);
      else CHECK(std::abs(got[i] - ref->steps[s][i]) < (dtype == kFloat32 ? 1e-7 : 1e-15));
      worst = std::max(worst, u);
    }
  }
  if (name.rfind("ASGD", 0) == 0 && !ref->extra.empty()) {  // the averaged parameter ax
    std::vector<double> ax;
    for (std::size_t i = 0; i < params.size(); ++i) {
      auto v = dynamic_cast<ASGD&>(*opt).state(i)->ax.to(kFloat64).to_vector<double>();
      ax.insert(ax.end(), v.begin(), v.end());
    }
    for (std::size_t i = 0; i < ax.size(); ++i)
      CHECK(ax[i] == Approx(ref->extra[i]).epsilon(dtype == kFloat32 ? 1e-6 : 1e-14).margin(1e-15));
  }
  return worst;
}

}  // namespace

TEST_CASE("first-order optimizers: every reference configuration has a C++ twin and vice versa") {
  for (const auto& r : testing::kOptimizerReferences) {
    if (r.name.rfind("LBFGS", 0) == 0) continue;
    std::string base = r.name;
    if (const auto f = base.find(" float32"); f != std::string::npos) base = base.substr(0, f);
    bool found = false;
    for (const auto& c : configurations()) found = found || c.first == base;
    INFO(r.name);
    CHECK(found);
  }
  for (const auto& c : configurations()) CHECK(find_reference(c.first) != nullptr);
}

TEST_CASE("first-order optimizers: float64 parameters match PyTorch 1.13 step by step") {
  for (const auto& [name, factory] : configurations()) {
    const double worst = max_ulps(name, factory, kFloat64);
    INFO(name << ": worst deviation " << worst << " ulp");
    CHECK(worst < 32);
  }
}

TEST_CASE("first-order optimizers: float32 parameters match PyTorch 1.13 step by step") {
  for (const auto& [name, factory] : configurations())
    if (find_reference(name + " float32")) max_ulps(name, factory, kFloat32);
}
