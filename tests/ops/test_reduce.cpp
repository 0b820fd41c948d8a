// The reductions and softmax: values against hand-computed numbers, keepdim shapes, tie and
// first-occurrence rules, zeros in prod, numerical stability at large inputs, integer inputs, and
// the error cases (dims out of range, empty tensors without identity, wrong dtypes).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor f64(const TensorData& d) { return tensor(d, kFloat64); }
std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }

void check_vals(const Tensor& t, const std::vector<double>& want, double tol = 1e-12) {
  const auto got = vals(t);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).margin(tol));
  }
}

/// Gradient of sum(f(x)) w.r.t. x.
Tensor grad_of(const std::function<Tensor(const Tensor&)>& f, const Tensor& x0) {
  Tensor x = x0.detach().clone().requires_grad_();
  f(x).sum().backward();
  return x.grad();
}

Tensor x234() { return arange(24, kFloat64).reshape({2, 3, 4}); }

}  // namespace

// ---- sum, mean -------------------------------------------------------------------------------------

TEST_CASE("sum: all dims, given dims, negative dims and keepdim give the hand-computed values") {
  const Tensor x = x234();
  CHECK(sum(x).item<double>() == 276.0);
  CHECK(sum(x).dim() == 0);
  const Tensor s02 = sum(x, {0, 2});
  CHECK(s02.sizes() == Shape{3});
  check_vals(
      s02, {0 + 1 + 2 + 3 + 12 + 13 + 14 + 15, 4 + 5 + 6 + 7 + 16 + 17 + 18 + 19, 8 + 9 + 10 + 11 + 20 + 21 + 22 + 23});
  const Tensor s = sum(x, {-1}, true);
  CHECK(s.sizes() == Shape{2, 3, 1});
  check_vals(s, {6, 22, 38, 54, 70, 86});
  CHECK(sum(f64(5.0), {0}).item<double>() == 5.0);  // dim 0 of a 0-d tensor
}

TEST_CASE("sum: an empty tensor sums to 0 and integer and bool tensors sum to int64") {
  CHECK(sum(zeros({0}, kFloat64)).item<double>() == 0.0);
  const Tensor s = sum(zeros({2, 0}), {1});
  CHECK(s.sizes() == Shape{2});
  check_vals(s, {0, 0});
  const Tensor si = sum(tensor({1, 2, 3}));
  CHECK(si.dtype() == kInt64);
  CHECK(si.item<std::int64_t>() == 6);
  CHECK(sum(tensor({true, true, false})).item<std::int64_t>() == 2);
}

TEST_CASE("mean: values over dims with keepdim, NaN for an empty tensor, DtypeError for integers") {
  const Tensor x = x234();
  CHECK(mean(x).item<double>() == 11.5);
  const Tensor m = mean(x, {0, -1}, true);
  CHECK(m.sizes() == Shape{1, 3, 1});
  check_vals(m, {(6.0 + 54) / 8, (22.0 + 70) / 8, (38.0 + 86) / 8});
  CHECK(std::isnan(mean(zeros({0})).item<double>()));
  CHECK_THROWS_AS(mean(tensor({1, 2, 3})), DtypeError);
  CHECK_THROWS_WITH(mean(tensor({1, 2, 3})), Catch::Contains("mean") && Catch::Contains("floating"));
}

TEST_CASE("mean: its gradient is g / N over the reduced elements") {
  check_vals(grad_of([](const Tensor& x) { return mean(x, {1}); }, x234()), std::vector<double>(24, 1.0 / 3));
}

// ---- var, std --------------------------------------------------------------------------------------

TEST_CASE("var: unbiased and biased variance match the closed form") {
  const Tensor x = f64({1, 2, 3, 4});
  CHECK(var(x).item<double>() == Approx(5.0 / 3));
  CHECK(var(x, false).item<double>() == Approx(1.25));
  CHECK(xg::std(x).item<double>() == Approx(std::sqrt(5.0 / 3)));
  CHECK(xg::std(x, false).item<double>() == Approx(std::sqrt(1.25)));
  CHECK(x.var().item<double>() == Approx(5.0 / 3));  // the method spelling
}

TEST_CASE("var: along dims with keepdim, and on a transposed (non-contiguous) input") {
  const Tensor x = f64({{1, 2, 3, 4}, {2, 4, 6, 8}});
  const Tensor v = var(x, {1}, true, true);
  CHECK(v.sizes() == Shape{2, 1});
  check_vals(v, {5.0 / 3, 20.0 / 3}, 1e-12);
  const Tensor v0 = var(x, {0}, false);
  CHECK(v0.sizes() == Shape{4});
  check_vals(v0, {0.25, 1, 2.25, 4});
  check_vals(var(x.t(), {0}, true), {5.0 / 3, 20.0 / 3});
  const Tensor s = xg::std(x, {-1}, false, false);
  check_vals(s, {std::sqrt(1.25), std::sqrt(5.0)});
}

TEST_CASE("var: large common offsets do not lose precision (two-pass)") {
  const Tensor x = f64({1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4});
  CHECK(var(x).item<double>() == Approx(5.0 / 3).epsilon(1e-9));
}

TEST_CASE("var: one element with Bessel's correction is NaN, as in PyTorch") {
  CHECK(std::isnan(var(f64({3.0})).item<double>()));
  CHECK(var(f64({3.0}), false).item<double>() == 0.0);
}

TEST_CASE("var and std: gradients are 2(x - mean)/(N - 1) and (x - mean)/((N - 1) std)") {
  const Tensor x = f64({1, 2, 3, 4});
  check_vals(grad_of([](const Tensor& t) { return var(t); }, x), {-1.0, -1.0 / 3, 1.0 / 3, 1.0});
  const double s = std::sqrt(5.0 / 3);
  check_vals(grad_of([](const Tensor& t) { return xg::std(t); }, x),
             {-1.5 / (3 * s), -0.5 / (3 * s), 0.5 / (3 * s), 1.5 / (3 * s)});
}

TEST_CASE("std: the gradient is 0 where all values are equal (std = 0), not NaN") {
  check_vals(grad_of([](const Tensor& t) { return xg::std(t, Shape{1}); }, f64({{2, 2, 2}, {1, 2, 3}})),
             {0, 0, 0, -0.5, 0, 0.5});
}

TEST_CASE("var and std: first and second derivatives pass gradcheck") {
  manual_seed(3);
  const Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  for (bool unbiased : {true, false}) {
    auto fv = [unbiased](const TensorList& in) { return var(in[0], {1}, unbiased); };
    auto fs = [unbiased](const TensorList& in) { return xg::std(in[0], {0, 1}, unbiased, true); };
    CHECK(autograd::gradcheck(fv, {x}));
    CHECK(autograd::gradgradcheck(fv, {x}));
    CHECK(autograd::gradcheck(fs, {x}));
    CHECK(autograd::gradgradcheck(fs, {x}));
  }
}

// ---- prod ------------------------------------------------------------------------------------------

TEST_CASE("prod: values over all elements and along a dim, int64 for integers, 1 when empty") {
  const Tensor x = f64({{1, 2, 3}, {4, 5, 6}});
  CHECK(prod(x).item<double>() == 720.0);
  const Tensor p = prod(x, 1, true);
  CHECK(p.sizes() == Shape{2, 1});
  check_vals(p, {6, 120});
  check_vals(prod(x, -2), {4, 10, 18});
  const Tensor pi = prod(tensor({2, 3, 4}));
  CHECK(pi.dtype() == kInt64);
  CHECK(pi.item<std::int64_t>() == 24);
  CHECK(prod(zeros({0})).item<double>() == 1.0);
}

TEST_CASE("prod: the gradient is the product of the others, also with zeros in the slice") {
  auto f = [](const Tensor& t) { return prod(t, 1); };
  // rows: no zero, one zero, two zeros
  const Tensor x = f64({{2, 3, 4}, {2, 0, 4}, {0, 3, 0}});
  check_vals(grad_of(f, x), {12, 8, 6, 0, 8, 0, 0, 0, 0});
  check_vals(grad_of([](const Tensor& t) { return prod(t); }, f64({5, 0, 2})), {0, 10, 0});
}

TEST_CASE("prod: second derivatives are exact with one zero in the slice") {
  // y = x0 x1 x2 at x = (2, 0, 4): the Hessian is [[0, x2, x1], [x2, 0, x0], [x1, x0, 0]].
  const Tensor h = autograd::functional::hessian([](const Tensor& t) { return prod(t); }, f64({2, 0, 4}));
  check_vals(h, {0, 4, 0, 4, 0, 2, 0, 2, 0});
  Tensor x = f64({{0.5, 0, 2}, {1.5, -1, 0.25}}).requires_grad_();
  auto fn = [](const TensorList& in) { return prod(in[0], 1); };
  CHECK(autograd::gradcheck(fn, {x}));
  CHECK(autograd::gradgradcheck(fn, {x}));
}

// ---- max, min, amax, amin, argmax, argmin ----------------------------------------------------------

TEST_CASE("max and min over all elements: values, and the gradient shared evenly between ties") {
  const Tensor x = f64({{1, 3}, {3, 2}});
  CHECK(max(x).item<double>() == 3.0);
  CHECK(min(x).item<double>() == 1.0);
  CHECK(max(x).dim() == 0);
  check_vals(grad_of([](const Tensor& t) { return max(t); }, x), {0, 0.5, 0.5, 0});
  check_vals(grad_of([](const Tensor& t) { return min(t); }, f64({2, 2, 2, 5})), {1.0 / 3, 1.0 / 3, 1.0 / 3, 0});
}

TEST_CASE("max(x, dim): values and first-occurrence indices, the gradient going to the index") {
  const Tensor x = f64({{1, 5, 5}, {7, 2, 7}});
  auto [v, i] = max(x, 1);
  CHECK(v.sizes() == Shape{2});
  check_vals(v, {5, 7});
  CHECK(i.dtype() == kInt64);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  auto [vk, ik] = max(x, -1, true);
  CHECK(vk.sizes() == Shape{2, 1});
  CHECK(ik.sizes() == Shape{2, 1});
  check_vals(grad_of([](const Tensor& t) { return std::get<0>(max(t, 1)); }, x), {0, 1, 0, 1, 0, 0});
  auto [mv, mi] = min(x, 0);
  check_vals(mv, {1, 2, 5});
  CHECK(mi.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 0});
  check_vals(grad_of([](const Tensor& t) { return std::get<0>(min(t, 0, true)); }, x), {1, 0, 1, 0, 1, 0});
}

TEST_CASE("max(x, dim): a 0-d input gives its value and index 0") {
  auto [v, i] = max(f64(4.0), 0);
  CHECK(v.dim() == 0);
  CHECK(v.item<double>() == 4.0);
  CHECK(i.item<std::int64_t>() == 0);
}

TEST_CASE("max(x, dim): first and second derivatives pass gradcheck") {
  Tensor x = f64({{0.3, -1.2, 2.5}, {1.1, 0.7, -0.4}}).requires_grad_();
  auto fn = [](const TensorList& in) { return std::get<0>(max(in[0], 0, true)) * 2.0; };
  CHECK(autograd::gradcheck(fn, {x}));
  CHECK(autograd::gradgradcheck(fn, {x}));
}

TEST_CASE("amax and amin: dims, keepdim, and the even split between ties") {
  const Tensor x = f64({{{1, 4}, {4, 0}}, {{2, 2}, {-1, 3}}});  // [2, 2, 2]
  const Tensor a = amax(x, {1, 2});
  check_vals(a, {4, 3});
  const Tensor ak = amax(x, {0}, true);
  CHECK(ak.sizes() == Shape{1, 2, 2});
  check_vals(ak, {2, 4, 4, 3});
  check_vals(amin(x, {-1}), {1, 0, 2, -1});
  check_vals(grad_of([](const Tensor& t) { return amax(t, {1, 2}); }, x), {0, 0.5, 0.5, 0, 0, 0, 0, 1});
  check_vals(grad_of([](const Tensor& t) { return amin(t, {-1}); }, x), {1, 0, 0, 1, 0.5, 0.5, 1, 0});
  check_vals(amax(x), {4});
}

TEST_CASE("argmax and argmin: first occurrence, flattened index without dim, keepdim shapes") {
  const Tensor x = f64({{1, 9, 9}, {9, 0, 0}});
  CHECK(argmax(x).item<std::int64_t>() == 1);
  CHECK(argmin(x).item<std::int64_t>() == 4);
  CHECK(argmax(x).dim() == 0);
  CHECK(argmax(x, 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0});
  CHECK(argmin(x, 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  CHECK(argmax(x, 0).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 0});
  CHECK(argmax(x, 0, true).sizes() == Shape{1, 3});
  CHECK(argmax(x, std::nullopt, true).sizes() == Shape{1, 1});
  CHECK(argmax(x.t()).item<std::int64_t>() == 1);  // x.t() flattened is {1, 9, 9, 0, 9, 0}
  CHECK(argmax(f64(2.0)).item<std::int64_t>() == 0);
}

TEST_CASE("max, amax and argmax work on int64 and bool tensors and keep the dtype") {
  const Tensor x = tensor({{3, -7, 8}, {8, 1, 2}});
  CHECK(max(x).dtype() == kInt64);
  CHECK(max(x).item<std::int64_t>() == 8);
  CHECK(min(x).item<std::int64_t>() == -7);
  CHECK(argmax(x).item<std::int64_t>() == 2);
  auto [v, i] = max(x, 1);
  CHECK(v.to_vector<std::int64_t>() == std::vector<std::int64_t>{8, 8});
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 0});
  CHECK(amin(x, {0}).to_vector<std::int64_t>() == std::vector<std::int64_t>{3, -7, 2});
  CHECK(max(tensor({false, true})).item<bool>());
}

TEST_CASE("max and argmax: NaN propagates, as in PyTorch") {
  const Tensor x = f64({1, kNaN, 3});
  CHECK(std::isnan(max(x).item<double>()));
  CHECK(std::isnan(min(x).item<double>()));
  CHECK(argmax(x).item<std::int64_t>() == 1);
  CHECK(std::get<1>(min(x, 0)).item<std::int64_t>() == 1);
}

// ---- logsumexp -------------------------------------------------------------------------------------

TEST_CASE("logsumexp: matches log(sum(exp(x))) and is stable for large and -inf inputs") {
  const Tensor x = f64({{0, 1, 2}, {-1, 0.5, 3}});
  const Tensor l = logsumexp(x, {1});
  check_vals(l,
             {std::log(1 + std::exp(1.0) + std::exp(2.0)), std::log(std::exp(-1.0) + std::exp(0.5) + std::exp(3.0))});
  CHECK(logsumexp(x, {0}, true).sizes() == Shape{1, 3});
  CHECK(logsumexp(f64({1000, 1000}), {0}).item<double>() == Approx(1000 + std::log(2.0)));
  CHECK(logsumexp(tensor({1000.0f, 1000.0f}), {0}).item<float>() == Approx(1000 + std::log(2.0)));
  CHECK(logsumexp(f64({-1000, -1000}), {0}).item<double>() == Approx(-1000 + std::log(2.0)));
  CHECK(logsumexp(f64({-kInf, -kInf}), {0}).item<double>() == -kInf);
  CHECK(logsumexp(f64({-kInf, 0}), {0}).item<double>() == 0.0);
  CHECK(logsumexp(zeros({0}, kFloat64), {0}).item<double>() == -kInf);
}

TEST_CASE("logsumexp: the gradient is softmax, also at x = 1000") {
  check_vals(grad_of([](const Tensor& t) { return logsumexp(t, {0}); }, f64({1000, 1000})), {0.5, 0.5});
  Tensor x = f64({{0.2, -1.0, 0.7}, {1.5, 0.1, -0.3}}).requires_grad_();
  auto fn = [](const TensorList& in) { return logsumexp(in[0], {-1}, true); };
  CHECK(autograd::gradcheck(fn, {x}));
  CHECK(autograd::gradgradcheck(fn, {x}));
}

TEST_CASE("logsumexp: integer inputs are computed in float32, as in PyTorch") {
  const Tensor l = logsumexp(tensor({1, 2, 3}), {0});
  CHECK(l.dtype() == kFloat32);
  CHECK(l.item<double>() == Approx(std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))).epsilon(1e-6));
}

// ---- norm ------------------------------------------------------------------------------------------

TEST_CASE("norm: p = 2, 1, inf, -inf, 0 and 3 give the hand-computed values") {
  const Tensor x = f64({3, -4});
  CHECK(norm(x).item<double>() == Approx(5));
  CHECK(norm(x, 1).item<double>() == Approx(7));
  CHECK(norm(x, kInf).item<double>() == Approx(4));
  CHECK(norm(x, -kInf).item<double>() == Approx(3));
  CHECK(norm(f64({3, 0, -4})).item<double>() == Approx(5));
  CHECK(norm(f64({3, 0, -4}), 0).item<double>() == 2.0);
  CHECK(norm(x, 3).item<double>() == Approx(std::cbrt(91.0)));
  const Tensor m = f64({{3, 4}, {6, 8}});
  const Tensor n = norm(m, 2, {1}, true);
  CHECK(n.sizes() == Shape{2, 1});
  check_vals(n, {5, 10});
  check_vals(norm(m, 1, {0}), {9, 12});
  CHECK(norm(zeros({0}, kFloat64)).item<double>() == 0.0);
}

TEST_CASE("norm: gradients for p = 2, 1, inf (ties split) and 3") {
  const Tensor x = f64({3, -4});
  check_vals(grad_of([](const Tensor& t) { return norm(t); }, x), {0.6, -0.8});
  check_vals(grad_of([](const Tensor& t) { return norm(t, 1); }, x), {1, -1});
  check_vals(grad_of([](const Tensor& t) { return norm(t, kInf); }, f64({4, -4, 1})), {0.5, -0.5, 0});
  const double n3 = std::cbrt(91.0);
  check_vals(grad_of([](const Tensor& t) { return norm(t, 3); }, x), {9 / (n3 * n3), -16 / (n3 * n3)}, 1e-12);
}

TEST_CASE("norm: the gradient at x = 0 is 0, not NaN (as PyTorch)") {
  check_vals(grad_of([](const Tensor& t) { return norm(t); }, zeros({3}, kFloat64)), {0, 0, 0});
  check_vals(grad_of([](const Tensor& t) { return norm(t, 3); }, zeros({2}, kFloat64)), {0, 0});
  check_vals(grad_of([](const Tensor& t) { return norm(t, 0.5); }, f64({0, 4})), {0, 1});
  check_vals(grad_of([](const Tensor& t) { return norm(t, 2, {1}); }, f64({{0, 0}, {3, 4}})), {0, 0, 0.6, 0.8});
}

TEST_CASE("norm: first and second derivatives pass gradcheck for p = 2, 3 and 1.5") {
  Tensor x = f64({{0.3, -1.2, 2.5}, {1.1, 0.7, -0.4}}).requires_grad_();
  for (double p : {2.0, 3.0, 1.5}) {
    INFO("p = " << p);
    auto fn = [p](const TensorList& in) { return norm(in[0], p, {1}); };
    CHECK(autograd::gradcheck(fn, {x}));
    CHECK(autograd::gradgradcheck(fn, {x}));
  }
}

// ---- softmax, log_softmax --------------------------------------------------------------------------

TEST_CASE("softmax: rows sum to 1 and match exp(x) / sum(exp(x))") {
  const Tensor x = f64({{1, 2, 3}, {0, 0, 0}});
  const Tensor s = softmax(x, 1);
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  check_vals(s, {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  check_vals(sum(s, {1}), {1, 1});
  const Tensor s0 = softmax(x, 0);
  check_vals(sum(s0, {0}), {1, 1, 1});
  CHECK(allclose(softmax(x.t(), 1), s0.t()));  // non-contiguous input, other dim
  CHECK(softmax(f64(7.0), 0).item<double>() == 1.0);
  check_vals(log_softmax(x, -1),
             {1 - std::log(z), 2 - std::log(z), 3 - std::log(z), -std::log(3.0), -std::log(3.0), -std::log(3.0)});
}

TEST_CASE("softmax and log_softmax: x = 1000 gives no inf or NaN") {
  for (Dtype dt : {kFloat32, kFloat64}) {
    const Tensor x = tensor({{1000.0, 1000.0}, {1000.0, -1000.0}}, dt);
    const Tensor s = softmax(x, 1);
    CHECK(isfinite(s).all().item<bool>());
    check_vals(s, {0.5, 0.5, 1, 0}, 1e-7);
    const Tensor l = log_softmax(x, 1);
    CHECK(isfinite(l).all().item<bool>());
    check_vals(l, {-std::log(2.0), -std::log(2.0), 0, -2000}, 1e-4);
    Tensor xg = x.detach().requires_grad_();
    (softmax(xg, 1) * tensor({{1.0, 2.0}, {3.0, 4.0}}, dt)).sum().backward();
    CHECK(isfinite(xg.grad()).all().item<bool>());
  }
}

TEST_CASE("softmax and log_softmax: gradients y(g - sum(g y)) and g - exp(y) sum(g)") {
  const Tensor x = f64({0.5, -1.0, 2.0});
  // with g = (1, 0, 0): d softmax_0 / dx = y0 (e0 - y)
  Tensor xs = x.detach().requires_grad_();
  const Tensor y = softmax(xs, 0);
  y.select(0, 0).backward();
  const auto yv = vals(y.detach());
  check_vals(xs.grad(), {yv[0] * (1 - yv[0]), -yv[0] * yv[1], -yv[0] * yv[2]});
  Tensor xl = x.detach().requires_grad_();
  log_softmax(xl, 0).select(0, 0).backward();
  check_vals(xl.grad(), {1 - yv[0], -yv[1], -yv[2]});
  Tensor x2 = f64({{0.2, -1.0, 0.7}, {1.5, 0.1, -0.3}}).requires_grad_();
  for (std::int64_t d : {0, 1}) {
    auto fs = [d](const TensorList& in) { return softmax(in[0], d); };
    auto fl = [d](const TensorList& in) { return log_softmax(in[0], d); };
    CHECK(autograd::gradcheck(fs, {x2}));
    CHECK(autograd::gradgradcheck(fs, {x2}));
    CHECK(autograd::gradcheck(fl, {x2}));
    CHECK(autograd::gradgradcheck(fl, {x2}));
  }
}

// ---- errors ----------------------------------------------------------------------------------------

TEST_CASE("reductions: a dim out of range is an IndexError naming the op") {
  const Tensor x = zeros({2, 3});
  CHECK_THROWS_AS(sum(x, {2}), IndexError);
  CHECK_THROWS_WITH(sum(x, {2}), Catch::Contains("sum") && Catch::Contains("out of range"));
  CHECK_THROWS_AS(mean(x, {-3}), IndexError);
  CHECK_THROWS_WITH(var(x, Shape{5}), Catch::Contains("var"));
  CHECK_THROWS_WITH(xg::std(x, Shape{5}), Catch::Contains("std"));
  CHECK_THROWS_AS(prod(x, 2), IndexError);
  CHECK_THROWS_WITH(prod(x, 2), Catch::Contains("prod"));
  CHECK_THROWS_AS(max(x, 2), IndexError);
  CHECK_THROWS_WITH(max(x, 2), Catch::Contains("max"));
  CHECK_THROWS_WITH(min(x, -3), Catch::Contains("min"));
  CHECK_THROWS_WITH(amax(x, {3}), Catch::Contains("amax"));
  CHECK_THROWS_WITH(argmax(x, 2), Catch::Contains("argmax"));
  CHECK_THROWS_WITH(logsumexp(x, {2}), Catch::Contains("logsumexp"));
  CHECK_THROWS_WITH(norm(x, 2, {2}), Catch::Contains("norm"));
  CHECK_THROWS_AS(softmax(x, 2), IndexError);
  CHECK_THROWS_WITH(softmax(x, 2), Catch::Contains("softmax"));
  CHECK_THROWS_WITH(log_softmax(x, -3), Catch::Contains("log_softmax"));
}

TEST_CASE("reductions: a repeated dim is a ShapeError") {
  CHECK_THROWS_AS(sum(zeros({2, 3}), {1, -1}), ShapeError);
  CHECK_THROWS_WITH(amax(zeros({2, 3}), {0, 0}), Catch::Contains("amax") && Catch::Contains("more than once"));
}

TEST_CASE("max, min, amax, argmax of an empty tensor: ValueError, or IndexError for an empty dim") {
  const Tensor e = zeros({0});
  CHECK_THROWS_AS(max(e), ValueError);
  CHECK_THROWS_WITH(max(e), Catch::Contains("max: cannot reduce an empty tensor"));
  CHECK_THROWS_AS(min(e), ValueError);
  CHECK_THROWS_AS(amax(e), ValueError);
  CHECK_THROWS_AS(argmax(e), ValueError);
  CHECK_THROWS_WITH(argmin(e), Catch::Contains("argmin"));
  CHECK_THROWS_AS(norm(e, kInf), ValueError);
  const Tensor e2 = zeros({0, 3});
  CHECK_THROWS_AS(max(e2, 0), IndexError);
  CHECK_THROWS_WITH(max(e2, 0), Catch::Contains("max") && Catch::Contains("dimension 0"));
  CHECK_THROWS_AS(amin(e2, {0}), IndexError);
  CHECK_THROWS_AS(argmax(e2, 0), IndexError);
  // reducing a non-empty dim of an empty tensor is fine: the result is empty
  CHECK(amax(e2, {1}).sizes() == Shape{0});
  CHECK(std::get<1>(max(e2, 1)).sizes() == Shape{0});
}

TEST_CASE("var, std, norm, softmax and log_softmax of integer tensors raise DtypeError") {
  const Tensor x = tensor({1, 2, 3});
  CHECK_THROWS_AS(var(x), DtypeError);
  CHECK_THROWS_WITH(var(x), Catch::Contains("var"));
  CHECK_THROWS_AS(xg::std(x), DtypeError);
  CHECK_THROWS_AS(norm(x), DtypeError);
  CHECK_THROWS_AS(softmax(x, 0), DtypeError);
  CHECK_THROWS_WITH(log_softmax(x, 0), Catch::Contains("log_softmax") && Catch::Contains("floating"));
}

TEST_CASE("norm: a NaN order is a ValueError") { CHECK_THROWS_AS(norm(zeros({2}), kNaN), ValueError); }
