// Every optimizer resumes exactly from its state dict: run, save, load into a fresh optimizer over
// copies of the parameters, continue — the parameters are bitwise those of an uninterrupted run.
#include <catch2/catch.hpp>

#include <xgrad/optim.hpp>

#include "optim/reference_problem.hpp"

using namespace xg;
using namespace xg::optim;

namespace {

enum class Drive { Step, Closure, LossOnlyClosure };

struct Subject {
  std::string name;
  std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)> make;
  Drive drive = Drive::Step;
};

template <class Opt, class Options>
Subject subject(std::string name, Options o, Drive drive = Drive::Step) {
  return {std::move(name), [o](std::vector<Tensor> p) { return std::make_unique<Opt>(std::move(p), o); }, drive};
}

// Options that make every optimizer use all of its state.
std::vector<Subject> subjects() {
  return {
      subject<SGD>("SGD", SGDOptions{.lr = 0.02, .momentum = 0.9, .nesterov = true}),
      subject<Adagrad>("Adagrad", AdagradOptions{.lr = 0.1, .lr_decay = 0.01, .initial_accumulator_value = 0.1}),
      subject<RMSprop>("RMSprop", RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true}),
      subject<Adadelta>("Adadelta", AdadeltaOptions{.rho = 0.8}),
      subject<Adam>("Adam", AdamOptions{.lr = 0.05, .amsgrad = true}),
      subject<AdamW>("AdamW", AdamWOptions{.lr = 0.05, .amsgrad = true}),
      subject<Adamax>("Adamax", AdamaxOptions{.lr = 0.05}),
      subject<NAdam>("NAdam", NAdamOptions{.lr = 0.05}),
      subject<RAdam>("RAdam", RAdamOptions{.lr = 0.05, .betas = {0.9, 0.9}}),
      subject<Rprop>("Rprop", RpropOptions{.lr = 0.3}),
      subject<ASGD>("ASGD", ASGDOptions{.lr = 0.05, .t0 = 2}),
      subject<LBFGS>("LBFGS", LBFGSOptions{.max_iter = 3, .history_size = 4}, Drive::Closure),
      subject<LBFGS>("LBFGS strong_wolfe",
                     LBFGSOptions{.max_iter = 3, .history_size = 2, .line_search_fn = "strong_wolfe"}, Drive::Closure),
      subject<CG>("CG", CGOptions{.max_iter = 2}, Drive::Closure),
      subject<NewtonCG>("NewtonCG", NewtonCGOptions{.max_iter = 1, .max_cg_iter = 3, .damping = 0.1},
                        Drive::LossOnlyClosure),
  };
}

void run(Optimizer& opt, const std::vector<Tensor>& params, Drive drive, int steps) {
  for (int i = 0; i < steps; ++i) {
    switch (drive) {
      case Drive::Step:
        opt.zero_grad();
        testing::reference_loss(params).backward();
        opt.step();
        break;
      case Drive::Closure:
        opt.step([&] {
          opt.zero_grad();
          auto l = testing::reference_loss(params);
          l.backward();
          return l;
        });
        break;
      case Drive::LossOnlyClosure:
        opt.step([&] { return testing::reference_loss(params); });
        break;
    }
  }
}

std::vector<Tensor> copies(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().requires_grad_());
  return out;
}

}  // namespace

TEST_CASE("state dicts: every optimizer resumes bit for bit after save and load") {
  for (const auto& s : subjects()) {
    INFO(s.name);
    auto straight = testing::reference_params(kFloat64);
    auto opt1 = s.make(straight);
    run(*opt1, straight, s.drive, 6);

    auto first = testing::reference_params(kFloat64);
    auto opt2 = s.make(first);
    run(*opt2, first, s.drive, 3);
    const auto saved = opt2->state_dict();

    auto resumed = copies(first);
    auto opt3 = s.make(resumed);
    opt3->set_lr(opt3->lr() * 3 + 0.5);  // overwritten by the load
    opt3->load_state_dict(saved);
    CHECK(opt3->lr() == opt2->lr());
    run(*opt3, resumed, s.drive, 3);
    for (std::size_t k = 0; k < straight.size(); ++k) CHECK(equal(resumed[k], straight[k]));
    // The reloaded state dict is the saved one (same keys, same values).
    auto again = s.make(copies(first));
    again->load_state_dict(saved);
    const auto round_trip = again->state_dict();
    REQUIRE(round_trip.size() == saved.size());
    for (const auto& item : saved) {
      INFO(item.first);
      REQUIRE(round_trip.contains(item.first));
      CHECK(equal(round_trip[item.first], item.second));
    }
  }
}

TEST_CASE("state dicts: LBFGS keeps its curvature history as a list, trimmed to history_size") {
  auto params = testing::reference_params(kFloat64);
  LBFGS opt(params, {.max_iter = 5, .history_size = 2});
  run(opt, params, Drive::Closure, 1);
  const auto sd = opt.state_dict();
  CHECK(sd.contains("state.global.old_dirs.0"));
  CHECK(sd.contains("state.global.old_dirs.1"));
  CHECK_FALSE(sd.contains("state.global.old_dirs.2"));
  CHECK(sd["state.global.old_stps.1"].sizes() == Shape{11});
  CHECK(sd["state.global.ro.0"].dim() == 0);
  CHECK(sd["state.global.n_iter"].item<std::int64_t>() == 5);
}

TEST_CASE("state dicts: loading replaces the state, clearing what the dict does not hold") {
  auto params = testing::reference_params(kFloat64);
  Adam fresh(params);
  const auto empty = fresh.state_dict();  // no per-parameter state yet
  Adam used(params, {.lr = 0.1});
  run(used, params, Drive::Step, 2);
  REQUIRE(used.state(0) != nullptr);
  used.load_state_dict(empty);
  CHECK(used.state(0) == nullptr);
  CHECK(used.state(1) == nullptr);
  CHECK(used.lr() == 1e-3);

  LBFGS l1(params);
  const auto l1_empty = l1.state_dict();
  LBFGS l2(params, {.max_iter = 5});
  run(l2, params, Drive::Closure, 1);
  REQUIRE_FALSE(l2.global_state().old_dirs.empty());
  l2.load_state_dict(l1_empty);
  CHECK(l2.global_state().old_dirs.empty());
  CHECK_FALSE(l2.global_state().d.defined());
  CHECK(l2.global_state().n_iter == 0);
}

TEST_CASE("state dicts: state saved in float64 is cast to float32 parameters on the next step") {
  auto p64 = testing::reference_params(kFloat64);
  Adam a64(p64, {.lr = 0.01});
  run(a64, p64, Drive::Step, 2);
  auto p32 =
      std::vector<Tensor>{p64[0].detach().to(kFloat32).requires_grad_(), p64[1].detach().to(kFloat32).requires_grad_()};
  Adam a32(p32, {.lr = 0.01});
  a32.load_state_dict(a64.state_dict());
  run(a32, p32, Drive::Step, 1);
  run(a64, p64, Drive::Step, 1);
  CHECK(a32.state(0)->exp_avg.dtype() == kFloat32);
  CHECK(allclose(p32[0].to(kFloat64), p64[0], 1e-5, 1e-6));
}
