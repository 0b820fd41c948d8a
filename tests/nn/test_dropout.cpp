// The dropout layers. Statistical checks use fixed seeds and tolerances of five standard errors
// computed from the sample size (a correct implementation fails one with probability < 1e-6).
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <xgrad/nn/dropout.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/reference_inputs.hpp"

using namespace xg;
using Catch::Matchers::Contains;
using xg::testing::seq;
namespace F = xg::nn::functional;

namespace {
std::string repr_of(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}
double fraction_zero(const Tensor& t) { return (t == 0).to(kFloat64).mean().item<double>(); }
// λα of SELU, AlphaDropout's saturation value.
constexpr double kSeluAlpha = 1.7580993408473766;
}  // namespace

TEST_CASE("Dropout: the fraction of dropped units is p within five standard errors") {
  manual_seed(1);
  const std::int64_t n = 200000;
  const Tensor x = ones({n});
  for (double p : {0.1, 0.5, 0.8}) {
    INFO("p = " << p);
    nn::Dropout drop({.p = p});
    const double dropped = fraction_zero(drop(x));
    // The count of dropped units is Binomial(n, p): its fraction has standard error √(p(1 − p)/n).
    CHECK(std::abs(dropped - p) < 5 * std::sqrt(p * (1 - p) / static_cast<double>(n)));
  }
}

TEST_CASE("Dropout: kept units are scaled by 1/(1 - p) so that the mean is preserved") {
  manual_seed(2);
  const std::int64_t n = 200000;
  const double p = 0.3;
  const Tensor x = seq({n}, 0.37, 0.1, 1.0) + 2;  // all positive, none zero
  const Tensor y = F::dropout(x, {.p = p});
  // Each output is 0 or x·(1/(1 − p)), exactly (the mask is scaled first, as in PyTorch).
  const Tensor kept = y != 0;
  CHECK(equal(where(kept, y, 0.0), where(kept, x * (1 / (1 - p)), 0.0)));
  // For x = 1 the output is Bernoulli(1 − p)/(1 − p): mean 1, variance p/(1 − p).
  const double mean = F::dropout(ones({n}, kFloat64), {.p = p}).mean().item<double>();
  CHECK(std::abs(mean - 1) < 5 * std::sqrt(p / (1 - p) / static_cast<double>(n)));
}

TEST_CASE("Dropout: eval mode and training = false are the identity") {
  nn::Dropout drop({.p = 0.5});
  const Tensor x = seq({4, 5}, 0.3, 0.2, 1.0);
  drop->eval();
  CHECK(equal(drop(x), x));
  CHECK(equal(F::dropout(x, {.p = 0.9, .training = false}), x));
  drop->train();
  CHECK_FALSE(equal(drop(x), x));
}

TEST_CASE("Dropout: the gradient flows only through the kept units, scaled by 1/(1 - p)") {
  manual_seed(3);
  const double p = 0.4;
  const Tensor x = seq({6, 7}, 0.5, 0.3, 1.0).add_(3).requires_grad_();
  const Tensor y = F::dropout(x, {.p = p});
  const Tensor g = seq({6, 7}, 0.8, 0.1, 1.0);
  y.backward(g);
  const Tensor kept = (y != 0).to(kFloat64);
  // dy/dx = mask/(1 − p): the gradient is g/(1 − p) on kept units and exactly 0 on dropped ones.
  CHECK(allclose(x.grad(), kept * g / (1 - p), 1e-12, 0));
  CHECK(kept.sum().item<double>() > 0);
  CHECK(kept.sum().item<double>() < 42);
  // gradcheck with the mask held fixed by reseeding before each call
  const autograd::Fn f = [](const TensorList& in) {
    manual_seed(9);
    return F::dropout(in[0], {.p = 0.5});
  };
  CHECK(autograd::gradcheck(f, {seq({3, 4}, 0.5, 0.3, 1.0).requires_grad_()}));
}

TEST_CASE("Dropout: masks come from the global generator and repeat with manual_seed") {
  const Tensor x = ones({100});
  manual_seed(42);
  const Tensor a = F::dropout(x);
  manual_seed(42);
  const Tensor b = F::dropout(x);
  CHECK(equal(a, b));
  CHECK_FALSE(equal(a, F::dropout(x)));  // the generator moved on
}

TEST_CASE("Dropout: p = 0 keeps everything and p = 1 drops everything without NaN") {
  const Tensor x = seq({3, 4}, 0.5, 0.3, 1.0).requires_grad_();
  CHECK(equal(F::dropout(x, {.p = 0.0}), x));
  const Tensor y = F::dropout(x, {.p = 1.0});
  CHECK(equal(y, zeros({3, 4}, kFloat64)));
  y.sum().backward();
  CHECK(equal(x.grad(), zeros({3, 4}, kFloat64)));
  CHECK(equal(F::alpha_dropout(x, {.p = 1.0}), zeros({3, 4}, kFloat64)));
  CHECK(equal(F::dropout2d(zeros({1, 2, 2, 2}) + 1, {.p = 1.0}), zeros({1, 2, 2, 2})));
}

TEST_CASE("Dropout: p outside 0..1 is a ValueError naming the layer and p") {
  CHECK_THROWS_AS(nn::Dropout({.p = 1.5}), ValueError);
  CHECK_THROWS_WITH(nn::Dropout({.p = -0.1}), Contains("Dropout") && Contains("-0.1"));
  CHECK_THROWS_AS(nn::Dropout2d({.p = 2}), ValueError);
  CHECK_THROWS_AS(nn::AlphaDropout({.p = -1}), ValueError);
  CHECK_THROWS_AS(nn::Dropout({.p = std::nan("")}), ValueError);
  CHECK_THROWS_WITH(F::dropout(ones({2}), {.p = 1.01}), Contains("dropout") && Contains("1.01"));
  CHECK_THROWS_AS(F::dropout(ones({2}, kInt64)), DtypeError);
}

TEST_CASE("Dropout layers print as PyTorch without the inplace flag") {
  CHECK(repr_of(*nn::Dropout()) == "Dropout(p=0.5)");
  CHECK(repr_of(*nn::Dropout2d({.p = 0.2})) == "Dropout2d(p=0.2)");
  CHECK(repr_of(*nn::AlphaDropout({.p = 0.1})) == "AlphaDropout(p=0.1)");
  CHECK(nn::Dropout()->parameters().empty());
}

TEST_CASE("Dropout2d: whole channels are dropped, with the fraction p within five standard errors") {
  manual_seed(4);
  const double p = 0.3;
  const std::int64_t n = 100, c = 200;
  const Tensor x = ones({n, c, 3, 2}, kFloat64);
  const Tensor y = F::dropout2d(x, {.p = p});
  // Per channel: the six values are all 0 or all 1/(1 − p).
  const Tensor per_channel_min = y.amin({2, 3}), per_channel_max = y.amax({2, 3});
  CHECK(equal(per_channel_min, per_channel_max));
  CHECK(bool(((per_channel_min == 0) | (abs(per_channel_min - 1 / (1 - p)) < 1e-12)).all().item<bool>()));
  const double dropped = fraction_zero(per_channel_min);
  CHECK(std::abs(dropped - p) < 5 * std::sqrt(p * (1 - p) / static_cast<double>(n * c)));
  // Unbatched [C, H, W] input: the same per-channel rule.
  const Tensor y3 = nn::Dropout2d({.p = 0.5})(ones({50, 4, 4}));
  CHECK(equal(y3.amin({1, 2}), y3.amax({1, 2})));
}

TEST_CASE("Dropout2d: the gradient of a dropped channel is zero, of a kept one 1/(1 - p)") {
  manual_seed(5);
  const Tensor x = (seq({4, 6, 2, 2}, 0.3, 0.1, 1.0) + 2).requires_grad_();
  const Tensor y = F::dropout2d(x, {.p = 0.5});
  y.sum().backward();
  const Tensor kept = (y != 0).to(kFloat64);
  CHECK(allclose(x.grad(), kept * 2.0, 1e-12, 0));
}

TEST_CASE("Dropout2d: inputs that are not 3-D or 4-D are ShapeErrors showing the shape") {
  CHECK_THROWS_AS(nn::Dropout2d()(ones({4, 5})), ShapeError);
  CHECK_THROWS_WITH(nn::Dropout2d()(ones({1, 2, 3, 4, 5})), Contains("dropout2d") && Contains("[1, 2, 3, 4, 5]"));
  nn::Dropout2d d;
  d->eval();
  CHECK_THROWS_AS(d(ones({4, 5})), ShapeError);  // checked in eval too
}

TEST_CASE("AlphaDropout: outputs are a·x + b or the saturation value, with PyTorch's a and b") {
  manual_seed(6);
  const double p = 0.2;
  const double a = 1 / std::sqrt((kSeluAlpha * kSeluAlpha * p + 1) * (1 - p));
  const double b = kSeluAlpha * a * p;
  const Tensor x = seq({1000}, 0.37, 0.1, 1.0);
  const Tensor y = F::alpha_dropout(x, {.p = p});
  const Tensor kept = abs(y - (a * x + b)) < 1e-12;
  const Tensor dropped = abs(y - (-a * kSeluAlpha + b)) < 1e-12;
  CHECK(bool((kept | dropped).all().item<bool>()));
  const double frac = dropped.to(kFloat64).mean().item<double>();
  CHECK(std::abs(frac - p) < 5 * std::sqrt(p * (1 - p) / 1000.0));
}

TEST_CASE("AlphaDropout: standard normal inputs keep mean 0 and variance 1") {
  manual_seed(7);
  const std::int64_t n = 400000;
  for (double p : {0.1, 0.5}) {
    INFO("p = " << p);
    const Tensor x = randn({n}, kFloat64);
    const Tensor y = nn::AlphaDropout({.p = p})(x);
    const double mean = y.mean().item<double>();
    const double var = y.var().item<double>();
    // Standard errors: of the mean √(var/n); of the variance √((m4 − var²)/n), with the fourth
    // central moment m4 estimated from the sample.
    const double m4 = pow(y - mean, 4).mean().item<double>();
    CHECK(std::abs(mean) < 5 * std::sqrt(1.0 / static_cast<double>(n)));
    CHECK(std::abs(var - 1) < 5 * std::sqrt((m4 - 1) / static_cast<double>(n)));
    // Plain dropout would not: it scales the variance by 1/(1 − p).
    CHECK(F::dropout(x, {.p = p}).var().item<double>() > 1 + 5 * std::sqrt((m4 - 1) / static_cast<double>(n)));
  }
}

TEST_CASE("AlphaDropout: eval is the identity and the gradient is a on kept units, 0 on dropped") {
  manual_seed(8);
  const double p = 0.3;
  const double a = 1 / std::sqrt((kSeluAlpha * kSeluAlpha * p + 1) * (1 - p));
  nn::AlphaDropout d({.p = p});
  const Tensor x = seq({5, 8}, 0.37, 0.1, 1.0).requires_grad_();
  const Tensor y = d(x);
  y.sum().backward();
  const Tensor dropped = abs(y - (-a * kSeluAlpha + kSeluAlpha * a * p)) < 1e-12;
  CHECK(allclose(x.grad(), where(dropped, 0.0, full({5, 8}, a, kFloat64)), 1e-12, 0));
  d->eval();
  CHECK(equal(d(x), x));
}
