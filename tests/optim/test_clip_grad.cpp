// Gradient clipping against PyTorch 1.13 (norms 1, 2, 3 and inf), the non-finite case, and
// gradient accumulation equal to one big batch.
#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>

#include <xgrad/optim.hpp>

#include "optim/reference_problem.hpp"

using namespace xg;
using namespace xg::optim;
using Catch::Matchers::Contains;

namespace {
// Two parameters with the gradients g1 = [3, -4, 0.5] and g2 = [[1, -2], [0.25, 6]].
std::vector<Tensor> with_gradients(Dtype dtype = kFloat64) {
  auto p1 = zeros({3}, dtype).requires_grad_();
  auto p2 = zeros({2, 2}, dtype).requires_grad_();
  p1.set_grad(tensor({3.0, -4.0, 0.5}, dtype));
  p2.set_grad(tensor({{1.0, -2.0}, {0.25, 6.0}}, dtype));
  return {p1, p2};
}
std::vector<double> grads_of(const std::vector<Tensor>& ps) {
  std::vector<double> out;
  for (const auto& p : ps) {
    auto v = p.grad().to(kFloat64).to_vector<double>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// Captures what is written to std::cerr in a scope.
struct CerrCapture {
  std::ostringstream text;
  std::streambuf* old = std::cerr.rdbuf(text.rdbuf());
  ~CerrCapture() { std::cerr.rdbuf(old); }
};
}  // namespace

TEST_CASE("clip_grad_norm_: total norms and clipped gradients match PyTorch 1.13 for norms 1, 2, 3 and inf") {
  for (const auto& r : testing::kClipReferences) {
    INFO("norm_type " << r.norm_type << ", max_norm " << r.max_norm);
    auto ps = with_gradients();
    const double total = nn::utils::clip_grad_norm_(ps, r.max_norm, r.norm_type);
    CHECK(total == Approx(r.total_norm).epsilon(1e-14));
    const auto g = grads_of(ps);
    for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(r.clipped[i]).epsilon(1e-14));
  }
}

TEST_CASE("clip_grad_norm_: hand-computed 2-norm, gradients within the bound untouched") {
  // ‖(3, 4)‖ = 5: clipping to 1 scales by 1 / (5 + 1e-6).
  auto p = zeros({2}, kFloat64).requires_grad_();
  p.set_grad(tensor({3.0, 4.0}, kFloat64));
  CHECK(clip_grad_norm_(p, 1.0) == 5.0);
  CHECK(p.grad().to_vector<double>()[0] == Approx(3.0 / (5.0 + 1e-6)).epsilon(1e-15));
  p.set_grad(tensor({3.0, 4.0}, kFloat64));
  CHECK(clip_grad_norm_(p, 5.0) == 5.0);  // coefficient 5 / (5 + 1e-6) < 1: still scaled, barely
  p.set_grad(tensor({3.0, 4.0}, kFloat64));
  CHECK(clip_grad_norm_(p, 6.0) == 5.0);
  CHECK(p.grad().to_vector<double>() == std::vector<double>{3.0, 4.0});
}

TEST_CASE("clip_grad_norm_: parameters without gradients are skipped, none at all gives 0") {
  auto a = zeros({2}, kFloat64).requires_grad_();
  auto b = zeros({2}, kFloat64).requires_grad_();
  CHECK(clip_grad_norm_({a, b}, 1.0) == 0.0);
  b.set_grad(tensor({0.0, 2.0}, kFloat64));
  CHECK(clip_grad_norm_({a, b}, 1.0, INFINITY) == 2.0);
  CHECK_FALSE(a.grad().defined());
  CHECK(b.grad().to_vector<double>()[1] == Approx(1.0).epsilon(1e-6));
}

TEST_CASE("clip_grad_norm_: float32 gradients are clipped in float32") {
  auto ps = with_gradients(kFloat32);
  const double total = clip_grad_norm_(ps, 1.0);
  CHECK(total == Approx(8.143248737451165).epsilon(1e-6));
  CHECK(ps[0].grad().dtype() == kFloat32);
  CHECK(ps[0].grad().to_vector<float>()[0] == Approx(0.36840329).epsilon(1e-6));
}

TEST_CASE("clip_grad_norm_: a non-finite total norm is an error when asked, else a warning leaving gradients alone") {
  for (double bad : {static_cast<double>(NAN), static_cast<double>(INFINITY)}) {
    for (double norm_type : {2.0, 1.0, static_cast<double>(INFINITY)}) {
      INFO("bad value " << bad << ", norm_type " << norm_type);
      auto ps = with_gradients();
      ps[1].set_grad(tensor({{1.0, bad}, {0.25, 6.0}}, kFloat64));
      CHECK_THROWS_WITH(clip_grad_norm_(ps, 1.0, norm_type, /*error_if_nonfinite=*/true),
                        Contains("clip_grad_norm_") && Contains("non-finite"));
      CerrCapture capture;
      const double total = clip_grad_norm_(ps, 1.0, norm_type);
      CHECK_FALSE(std::isfinite(total));
      CHECK(ps[0].grad().to_vector<double>() == std::vector<double>{3.0, -4.0, 0.5});
      const std::string said = capture.text.str();
      CHECK_THAT(said, Contains("warning") && Contains("left unchanged"));
      CHECK(std::count(said.begin(), said.end(), '\n') == 1);  // one line
    }
  }
}

TEST_CASE("clip_grad_norm_ and clip_grad_value_: bad arguments are ValueErrors") {
  auto ps = with_gradients();
  CHECK_THROWS_WITH(clip_grad_norm_(ps, -1.0), Contains("max_norm") && Contains("-1"));
  CHECK_THROWS_WITH(clip_grad_norm_(ps, NAN), Contains("max_norm"));
  CHECK_THROWS_WITH(clip_grad_norm_(ps, 1.0, 0.0), Contains("norm_type") && Contains("0"));
  CHECK_THROWS_WITH(clip_grad_norm_(ps, 1.0, -2.0), Contains("norm_type"));
  CHECK_THROWS_WITH(clip_grad_value_(ps, -0.5), Contains("clip_value") && Contains("-0.5"));
}

TEST_CASE("clip_grad_value_: clamps every gradient element into the interval") {
  auto ps = with_gradients();
  clip_grad_value_(ps, 1.5);
  CHECK(grads_of(ps) == std::vector<double>{1.5, -1.5, 0.5, 1.0, -1.5, 0.25, 1.5});
  auto p = zeros({2}, kFloat64).requires_grad_();
  p.set_grad(tensor({-3.0, 0.1}, kFloat64));
  clip_grad_value_(p, 0.0);
  CHECK(p.grad().to_vector<double>() == std::vector<double>{0.0, 0.0});
}

namespace {
// Linear regression: mean squared error of x·w + b against y.
Tensor mse(const Tensor& x, const Tensor& y, const Tensor& w, const Tensor& b) {
  auto r = matmul(x, w) + b - y;
  return (r * r).mean();
}
}  // namespace

TEST_CASE("GradientAccumulator: k accumulated micro-batches equal one big batch") {
  manual_seed(5);
  auto x = randn({12, 3}, kFloat64);
  auto y = randn({12}, kFloat64);
  auto w0 = randn({3}, kFloat64);
  for (int round = 0; round < 2; ++round) {  // SGD with momentum, then Adam
    auto w_big = w0.clone().requires_grad_(), b_big = zeros({1}, kFloat64).requires_grad_();
    auto w_acc = w0.clone().requires_grad_(), b_acc = zeros({1}, kFloat64).requires_grad_();
    std::unique_ptr<Optimizer> big, acc_opt;
    if (round == 0) {
      big = std::make_unique<SGD>(std::vector<Tensor>{w_big, b_big}, SGDOptions{.lr = 0.1, .momentum = 0.9});
      acc_opt = std::make_unique<SGD>(std::vector<Tensor>{w_acc, b_acc}, SGDOptions{.lr = 0.1, .momentum = 0.9});
    } else {
      big = std::make_unique<Adam>(std::vector<Tensor>{w_big, b_big}, AdamOptions{.lr = 0.1});
      acc_opt = std::make_unique<Adam>(std::vector<Tensor>{w_acc, b_acc}, AdamOptions{.lr = 0.1});
    }
    GradientAccumulator acc(*acc_opt, 4);
    for (int step = 0; step < 3; ++step) {
      big->zero_grad();
      mse(x, y, w_big, b_big).backward();
      big->step();
      for (int m = 0; m < 4; ++m) {
        const bool ready = acc.backward(mse(x.narrow(0, 3 * m, 3), y.narrow(0, 3 * m, 3), w_acc, b_acc));
        CHECK(ready == (m == 3));
        if (m == 3) {
          CHECK(allclose(w_acc.grad(), w_big.grad(), 1e-13, 1e-15));  // the same gradient before stepping
          CHECK(acc.step());
        }
      }
      CHECK(acc.pending() == 0);
      CHECK_FALSE(w_acc.grad().defined());
    }
    CHECK(allclose(w_acc, w_big, 1e-13, 1e-15));
    CHECK(allclose(b_acc, b_big, 1e-13, 1e-15));
  }
}

TEST_CASE("GradientAccumulator: a partial accumulation steps on the mean of the micro-batches seen") {
  manual_seed(6);
  auto x = randn({6, 2}, kFloat64);
  auto y = randn({6}, kFloat64);
  auto w_big = zeros({2}, kFloat64).requires_grad_(), b_big = zeros({1}, kFloat64).requires_grad_();
  auto w_acc = zeros({2}, kFloat64).requires_grad_(), b_acc = zeros({1}, kFloat64).requires_grad_();
  SGD big({w_big, b_big}, {.lr = 0.3});
  SGD small({w_acc, b_acc}, {.lr = 0.3});
  GradientAccumulator acc(small, 4);
  CHECK_FALSE(acc.step());  // nothing pending: no step
  mse(x, y, w_big, b_big).backward();
  big.step();
  for (int m = 0; m < 3; ++m)
    CHECK_FALSE(acc.backward(mse(x.narrow(0, 2 * m, 2), y.narrow(0, 2 * m, 2), w_acc, b_acc)));
  CHECK(acc.pending() == 3);
  CHECK(acc.step());
  CHECK(allclose(w_acc, w_big, 1e-13, 1e-15));
  CHECK(allclose(b_acc, b_big, 1e-13, 1e-15));
}

TEST_CASE("GradientAccumulator: bad arguments are ValueErrors") {
  auto w = zeros({2}, kFloat64).requires_grad_();
  SGD opt({w}, {.lr = 0.1});
  CHECK_THROWS_WITH(GradientAccumulator(opt, 0), Contains("accumulation_steps") && Contains("0"));
  GradientAccumulator acc(opt, 2);
  CHECK_THROWS_WITH(acc.backward(w * 2.0), Contains("one-element loss") && Contains("[2]"));
}
