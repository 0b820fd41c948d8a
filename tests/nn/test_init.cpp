// Initializers: every distribution's bounds and sample moments against its formula, the
// deterministic ones value by value, calculate_gain and the fans against PyTorch 1.13
// (tests/reference/nn_core.py), orthogonality, errors, and initializers by name.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include <xgrad/nn/init.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/qr.hpp"
#include "nn/sample_stats.hpp"

using namespace xg;
namespace init = xg::nn::init;
using Catch::Matchers::Contains;
using xg::testing::check_moments;
using xg::testing::sample_stats;

namespace {
double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }
double Phi(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

/// Mean and variance of N(mu, sigma²) truncated to [a, b].
std::pair<double, double> truncated_moments(double mu, double sigma, double a, double b) {
  const double al = (a - mu) / sigma, be = (b - mu) / sigma;
  const double z = al > 0 ? Phi(-al) - Phi(-be) : Phi(be) - Phi(al);  // no cancellation in the right tail
  const double d = (phi(al) - phi(be)) / z;
  const double mean = mu + sigma * d;
  const double var = sigma * sigma * (1.0 + (al * phi(al) - be * phi(be)) / z - d * d);
  return {mean, var};
}

/// max |AᵀA − c·I| (columns) for a [rows, cols] tensor.
double gram_error(const Tensor& a, double c, bool rows) {
  Tensor m = a.to(kFloat64);
  Tensor g = rows ? mm(m, m.t()) : mm(m.t(), m);
  return (g - eye(g.size(0), kFloat64) * c).abs().max().item<double>();
}
}  // namespace

TEST_CASE("init: calculate_gain matches PyTorch for every nonlinearity") {
  // /usr/bin/python3 tests/reference/nn_core.py (section calculate_gain)
  for (const char* name :
       {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"})
    CHECK(init::calculate_gain(name) == 1.0);
  CHECK(init::calculate_gain("tanh") == Approx(1.6666666666666667).epsilon(1e-15));
  CHECK(init::calculate_gain("relu") == Approx(1.4142135623730951).epsilon(1e-15));
  CHECK(init::calculate_gain("leaky_relu") == Approx(1.4141428569978354).epsilon(1e-15));
  CHECK(init::calculate_gain("leaky_relu", 0.2) == Approx(1.3867504905630728).epsilon(1e-15));
  CHECK(init::calculate_gain("leaky_relu", std::sqrt(5.0)) == Approx(0.5773502691896257).epsilon(1e-15));
  CHECK(init::calculate_gain("selu") == 0.75);
  CHECK(init::calculate_gain("relu", 3.0) == Approx(std::sqrt(2.0)));  // the parameter only matters for leaky_relu
  CHECK_THROWS_WITH(init::calculate_gain("swish"), Contains("unsupported nonlinearity 'swish'") && Contains("selu"));
  CHECK_THROWS_AS(init::calculate_gain("leaky_relu", NAN), ValueError);
}

TEST_CASE("init: fan in and fan out follow PyTorch's layout and reject tensors below 2-D") {
  using P = std::pair<std::int64_t, std::int64_t>;
  CHECK(init::calculate_fan_in_and_fan_out(empty({3, 5})) == P{5, 3});
  CHECK(init::calculate_fan_in_and_fan_out(empty({16, 3, 5, 5})) == P{75, 400});
  CHECK(init::calculate_fan_in_and_fan_out(empty({8, 4, 3})) == P{12, 24});
  CHECK(init::calculate_fan_in_and_fan_out(empty({2, 6, 2, 3, 4})) == P{144, 48});
  CHECK_THROWS_WITH(init::calculate_fan_in_and_fan_out(empty({7})),
                    Contains("fewer than 2 dimensions") && Contains("[7]"));
  CHECK_THROWS_AS(init::calculate_fan_in_and_fan_out(scalar_tensor(1.0)), ValueError);
  CHECK_THROWS_AS(init::xavier_uniform_(empty({7})), ValueError);
  CHECK_THROWS_AS(init::kaiming_normal_(empty({7})), ValueError);
}

TEST_CASE("init: constant, zeros, ones and eye fill exact values") {
  auto w = empty({2, 3});
  CHECK(init::constant_(w, 0.25).equal(full({2, 3}, 0.25)));
  CHECK(init::zeros_(w).equal(zeros({2, 3})));
  CHECK(init::ones_(w).equal(ones({2, 3})));
  CHECK(init::eye_(w).equal(tensor({{1.0f, 0.0f, 0.0f}, {0.0f, 1.0f, 0.0f}})));
  CHECK(init::eye_(empty({3, 2}, kFloat64)).equal(tensor({{1.0, 0.0}, {0.0, 1.0}, {0.0, 0.0}}, kFloat64)));
  CHECK_THROWS_WITH(init::eye_(empty({2, 2, 2})), Contains("eye_") && Contains("2 dimensions"));
  // Views are initialized in place: only the first row changes.
  auto m = zeros({2, 2});
  init::ones_(m.select(0, 0));
  CHECK(m.equal(tensor({{1.0f, 1.0f}, {0.0f, 0.0f}})));
  // Integer tensors take constants.
  CHECK(init::constant_(empty({2}, kInt64), 3).equal(tensor({3, 3})));
}

TEST_CASE("init: dirac_ makes identity convolution weights") {
  // 4-D [out=4, in=2, 3, 3]: output channel d copies input channel d (d < 2) at the centre tap.
  auto w = full({4, 2, 3, 3}, 7.0);
  init::dirac_(w);
  for (std::int64_t o = 0; o < 4; ++o)
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t h = 0; h < 3; ++h)
        for (std::int64_t k = 0; k < 3; ++k) {
          const float expected = (o == i && h == 1 && k == 1) ? 1.0f : 0.0f;
          CHECK(w[o][i][h][k].item<float>() == expected);
        }
  // Applied to an input as a 3x3 "same" convolution, the centre tap copies the channels.
  auto x = randn({2, 5, 5});
  auto xp = pad(x, {1, 1, 1, 1});
  auto y = zeros({4, 5, 5});
  for (std::int64_t o = 0; o < 4; ++o)
    for (std::int64_t i = 0; i < 2; ++i)
      for (std::int64_t h = 0; h < 3; ++h)
        for (std::int64_t k = 0; k < 3; ++k)
          y.select(0, o).add_(xp.select(0, i).narrow(0, h, 5).narrow(1, k, 5) * w[o][i][h][k]);
  CHECK(y.narrow(0, 0, 2).equal(x));
  CHECK(y.narrow(0, 2, 2).abs().sum().item<float>() == 0.0f);

  // 3-D with groups = 2: [4, 2, 3] has 2 output channels per group, each taking input d.
  auto g = init::dirac_(empty({4, 2, 3}, kFloat64), 2);
  CHECK(g.sum().item<double>() == 4.0);
  for (auto [o, i] : {std::pair{0, 0}, {1, 1}, {2, 0}, {3, 1}}) CHECK(g[o][i][1].item<double>() == 1.0);
  // 5-D: the centre of a 3x3x3 kernel.
  auto v = init::dirac_(empty({2, 3, 3, 3, 3}));
  CHECK(v.sum().item<float>() == 2.0f);
  CHECK(v[1][1][1][1][1].item<float>() == 1.0f);

  CHECK_THROWS_WITH(init::dirac_(empty({4, 4})), Contains("3, 4 or 5 dimensions"));
  CHECK_THROWS_WITH(init::dirac_(empty({3, 2, 3}), 2), Contains("divisible by groups"));
  CHECK_THROWS_AS(init::dirac_(empty({3, 2, 3}), 0), ValueError);
}

TEST_CASE("init: uniform_ and normal_ have the requested bounds and moments") {
  manual_seed(1);
  auto u = init::uniform_(empty({200, 300}), -0.5, 1.5);
  auto s = check_moments(u, 0.5, 4.0 / 12.0);
  CHECK(s.min >= -0.5);
  CHECK(s.max <= 1.5);
  auto n = init::normal_(empty({200, 300}, kFloat64), 2.0, 0.3);
  check_moments(n, 2.0, 0.09);
  CHECK_THROWS_AS(init::uniform_(empty({2}), 1.0, 0.0), ValueError);
  CHECK_THROWS_AS(init::normal_(empty({2}), 0.0, -1.0), ValueError);
  CHECK_THROWS_AS(init::uniform_(empty({2}, kInt64)), DtypeError);
  CHECK_THROWS_AS(init::normal_(Tensor()), ValueError);
}

TEST_CASE("init: trunc_normal_ stays in a to b with the truncated normal's mean and variance") {
  manual_seed(2);
  SECTION("an asymmetric interval around the mean") {
    auto t = init::trunc_normal_(empty({300, 200}, kFloat64), 1.0, 2.0, -1.0, 4.0);
    const auto [mean, var] = truncated_moments(1.0, 2.0, -1.0, 4.0);
    auto s = check_moments(t, mean, var);
    CHECK(s.min >= -1.0);
    CHECK(s.max <= 4.0);
    CHECK(s.min < -0.99);  // the whole interval is reached
    CHECK(s.max > 3.99);
  }
  SECTION("the default interval is two standard deviations") {
    auto t = init::trunc_normal_(empty({300, 200}));
    const auto [mean, var] = truncated_moments(0.0, 1.0, -2.0, 2.0);
    CHECK(std::sqrt(var) == Approx(0.87962566103423978).epsilon(1e-12));
    auto s = check_moments(t, mean, var);
    CHECK(s.min >= -2.0f);
    CHECK(s.max <= 2.0f);
  }
  SECTION("a far tail interval, where rejection sampling would never finish") {
    auto t = init::trunc_normal_(empty({20000}, kFloat64), 0.0, 1.0, 8.0, 9.0);
    const auto [mean, var] = truncated_moments(0.0, 1.0, 8.0, 9.0);
    auto s = check_moments(t, mean, var);
    CHECK(s.min >= 8.0);
    CHECK(s.max <= 9.0);
    auto left = init::trunc_normal_(empty({20000}, kFloat64), 0.0, 1.0, -9.0, -8.0);
    check_moments(left, -mean, var);
  }
  CHECK_THROWS_AS(init::trunc_normal_(empty({2}), 0.0, 1.0, 2.0, 1.0), ValueError);
  CHECK_THROWS_AS(init::trunc_normal_(empty({2}), 0.0, 0.0), ValueError);
  CHECK_THROWS_WITH(init::trunc_normal_(empty({2}), 0.0, 1.0, 50.0, 60.0), Contains("no probability mass"));
}

TEST_CASE("init: xavier_uniform_ and xavier_normal_ follow Glorot's formulas") {
  manual_seed(3);
  // fan_in = 60·2 = 120, fan_out = 100·2 = 200
  auto w = init::xavier_uniform_(empty({100, 60, 2}), 1.5);
  // float32 storage: a draw just below the bound may round up to the bound's float32 value.
  const double bound = static_cast<float>(1.5 * std::sqrt(6.0 / 320.0));
  auto s = check_moments(w, 0.0, bound * bound / 3.0);
  CHECK(s.max <= bound);
  CHECK(s.min >= -bound);
  CHECK(s.max > bound * (1 - 20.0 / s.n));
  auto g = init::xavier_normal_(empty({100, 60, 2}, kFloat64), 2.0);
  const double std = 2.0 * std::sqrt(2.0 / 320.0);
  check_moments(g, 0.0, std * std);
}

TEST_CASE("init: kaiming_uniform_ and kaiming_normal_ follow He's formulas in both modes") {
  manual_seed(4);
  // [out=32, in=16, 3, 3]: fan_in = 144, fan_out = 288
  auto u = init::kaiming_uniform_(empty({32, 16, 3, 3}, kFloat64));  // a = 0, leaky_relu: gain √(2/1)
  const double bound = std::sqrt(2.0) * std::sqrt(3.0 / 144.0);
  auto s = check_moments(u, 0.0, bound * bound / 3.0);
  CHECK(s.max <= bound);
  CHECK(s.min >= -bound);
  auto v = init::kaiming_uniform_(empty({32, 16, 3, 3}, kFloat64), std::sqrt(5.0), "fan_in", "leaky_relu");
  CHECK(sample_stats(v).max <= 1.0 / std::sqrt(144.0));  // PyTorch's Linear/Conv default bound
  auto n = init::kaiming_normal_(empty({32, 16, 3, 3}, kFloat64), 0.0, "fan_out", "relu");
  check_moments(n, 0.0, 2.0 / 288.0);
  auto t = init::kaiming_normal_(empty({32, 16, 3, 3}, kFloat64), 0.0, "fan_in", "tanh");
  check_moments(t, 0.0, (25.0 / 9.0) / 144.0);
  CHECK_THROWS_WITH(init::kaiming_uniform_(empty({2, 2}), 0.0, "fan_avg"),
                    Contains("unknown mode 'fan_avg'") && Contains("'fan_in' or 'fan_out'"));
  CHECK_THROWS_WITH(init::kaiming_normal_(empty({2, 2}), 0.0, "fan_in", "mish"), Contains("'mish'"));
}

TEST_CASE("init: variance_scaling_ gives variance scale over the fan for each distribution and mode") {
  manual_seed(5);
  // [120, 80]: fan_in = 80, fan_out = 120, fan_avg = 100
  for (const char* mode : {"fan_in", "fan_out", "fan_avg"}) {
    const double n = std::string(mode) == "fan_in" ? 80.0 : std::string(mode) == "fan_out" ? 120.0 : 100.0;
    const double target = 3.0 / n;
    INFO("mode " << mode);
    auto u = init::variance_scaling_(empty({120, 80}, kFloat64), 3.0, mode, "uniform");
    auto su = check_moments(u, 0.0, target);
    CHECK(su.max <= std::sqrt(3.0 * target));
    check_moments(init::variance_scaling_(empty({120, 80}, kFloat64), 3.0, mode, "untruncated_normal"), 0.0, target);
    auto t = init::variance_scaling_(empty({120, 80}, kFloat64), 3.0, mode, "truncated_normal");
    auto st = check_moments(t, 0.0, target);
    // Truncated at two of the pre-correction standard deviations.
    const double limit = 2.0 * std::sqrt(target) / 0.87962566103423978;
    CHECK(st.max <= limit);
    CHECK(st.min >= -limit);
    CHECK(st.max > 0.95 * limit);
  }
  CHECK_THROWS_WITH(init::variance_scaling_(empty({2, 2}), 1.0, "fan_in", "normal"),
                    Contains("unknown distribution 'normal'"));
  CHECK_THROWS_AS(init::variance_scaling_(empty({2, 2}), 0.0), ValueError);
  CHECK_THROWS_AS(init::variance_scaling_(empty({2, 2}), 1.0, "fan"), ValueError);
}

TEST_CASE("init: lecun_uniform_ and lecun_normal_ have variance one over fan_in") {
  manual_seed(6);
  auto u = init::lecun_uniform_(empty({150, 100}, kFloat64));
  auto s = check_moments(u, 0.0, 1.0 / 100.0);
  CHECK(s.max <= std::sqrt(3.0 / 100.0));
  auto n = init::lecun_normal_(empty({150, 100}, kFloat64));
  auto sn = check_moments(n, 0.0, 1.0 / 100.0);
  CHECK(sn.max <= 2.0 * 0.1 / 0.87962566103423978);
}

TEST_CASE("init: Householder QR reconstructs the matrix with orthonormal Q and triangular R") {
  const std::int64_t m = 7, n = 4;
  std::vector<double> a(m * n);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = std::sin(1.7 * static_cast<double>(i) + 0.3);
  for (std::int64_t i = 0; i < m; ++i) a[static_cast<std::size_t>(i * n + 2)] = 0.0;  // a zero column
  std::vector<double> q, r;
  nn::init_detail::householder_qr(a, m, n, q, r);
  auto A = from_vector(a, {m, n}, kFloat64), Q = from_vector(q, {m, n}, kFloat64), R = from_vector(r, {n, n}, kFloat64);
  CHECK((mm(Q, R) - A).abs().max().item<double>() < 1e-13);
  CHECK(gram_error(Q, 1.0, /*rows=*/false) < 1e-13);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < i; ++j) CHECK(R[i][j].item<double>() == 0.0);
  CHECK_THROWS_AS(nn::init_detail::householder_qr(a, 3, 4, q, r), ValueError);
}

TEST_CASE("init: orthogonal_ gives orthonormal columns for tall and rows for wide matrices") {
  manual_seed(7);
  auto tall = init::orthogonal_(empty({6, 4}, kFloat64));
  CHECK(gram_error(tall, 1.0, /*rows=*/false) < 1e-12);
  auto wide = init::orthogonal_(empty({4, 6}, kFloat64));
  CHECK(gram_error(wide, 1.0, /*rows=*/true) < 1e-12);
  auto square = init::orthogonal_(empty({5, 5}, kFloat64));
  CHECK(gram_error(square, 1.0, true) < 1e-12);
  CHECK(gram_error(square, 1.0, false) < 1e-12);
  // Trailing dimensions are flattened: [4, 2, 3] is a 4×6 matrix with orthonormal rows.
  auto conv = init::orthogonal_(empty({4, 2, 3}, kFloat64), 2.0);
  CHECK(gram_error(conv.reshape({4, 6}), 4.0, /*rows=*/true) < 1e-12);
  // float32 storage: orthonormal to float32 precision.
  CHECK(gram_error(init::orthogonal_(empty({64, 32})), 1.0, false) < 1e-5);
  // The sign correction makes Q Haar-distributed: the entries are symmetric around zero with
  // variance 1/rows (each column is a uniform point on the unit sphere).
  auto big = init::orthogonal_(empty({200, 100}, kFloat64));
  check_moments(big, 0.0, 1.0 / 200.0);
  manual_seed(7);
  auto again = init::orthogonal_(empty({6, 4}, kFloat64));
  CHECK(again.equal(tall));
  CHECK(init::orthogonal_(empty({0, 3})).numel() == 0);
  CHECK_THROWS_WITH(init::orthogonal_(empty({3})), Contains("2 or more dimensions"));
}

TEST_CASE("init: sparse_ zeroes the given fraction of every column") {
  manual_seed(8);
  auto w = init::sparse_(empty({40, 500}, kFloat64), 0.3, 0.5);
  const auto zero_mask = (w == 0.0).to(kFloat64);
  auto zeros_per_column = zero_mask.sum({0}).to_vector<double>();
  for (double z : zeros_per_column) CHECK(z == 12.0);  // ⌈0.3 · 40⌉
  // The other entries are N(0, 0.5²).
  auto nonzero = w.pow(2.0).sum().item<double>() / (28.0 * 500.0);
  CHECK(nonzero == Approx(0.25).epsilon(5.0 * std::sqrt(2.0 / (28.0 * 500.0))));
  // Each row is zeroed about equally often (the rows are drawn uniformly): 500 · 0.3 = 150 ± 5σ.
  for (double z : zero_mask.sum({1}).to_vector<double>())
    CHECK(std::abs(z - 150.0) <= 5.0 * std::sqrt(500 * 0.3 * 0.7));
  CHECK(init::sparse_(empty({5, 3}), 0.0).ne(zeros({5, 3})).all().item<bool>());
  CHECK(init::sparse_(empty({5, 3}), 1.0).equal(zeros({5, 3})));
  CHECK_THROWS_WITH(init::sparse_(empty({2, 3, 4}), 0.1), Contains("2 dimensions"));
  CHECK_THROWS_AS(init::sparse_(empty({2, 3}), 1.5), ValueError);
}

TEST_CASE("init: initializers work on parameters that require grad and leave them leaves") {
  auto w = empty({3, 4}).requires_grad_();
  init::xavier_uniform_(w);
  init::orthogonal_(w);
  init::trunc_normal_(w);
  CHECK(w.requires_grad());
  CHECK(w.is_leaf());
  CHECK_FALSE(w.grad_fn());
  auto y = (w * w).sum();
  y.backward();
  CHECK(w.grad().allclose(2 * w.detach()));
}

TEST_CASE("init: the same seed draws the same weights") {
  for (auto fn : {+[](Tensor t) { return init::kaiming_normal_(t); }, +[](Tensor t) { return init::sparse_(t, 0.5); },
                  +[](Tensor t) { return init::lecun_normal_(t); }}) {
    manual_seed(11);
    auto a = fn(empty({5, 6}));
    manual_seed(11);
    auto b = fn(empty({5, 6}));
    CHECK(a.equal(b));
  }
}

TEST_CASE("init: empty tensors are left alone") {
  for (auto fn :
       {+[](Tensor t) { return init::xavier_uniform_(t); }, +[](Tensor t) { return init::kaiming_normal_(t); },
        +[](Tensor t) { return init::lecun_normal_(t); }, +[](Tensor t) { return init::trunc_normal_(t); }})
    CHECK(fn(empty({0, 4})).numel() == 0);
}

TEST_CASE("initializer: Keras names draw from Keras's distributions") {
  manual_seed(12);
  auto draw = [](const char* name, Shape shape = {160, 90}) {
    auto t = empty(shape, kFloat64);
    nn::Initializer{name}(t);
    return t;
  };
  // [160, 90]: fan_in = 90, fan_out = 160, fan_avg = 125
  auto gu = xg::testing::check_moments(draw("glorot_uniform"), 0.0, 1.0 / 125.0);
  CHECK(gu.max <= std::sqrt(3.0 / 125.0));
  auto gn = check_moments(draw("glorot_normal"), 0.0, 1.0 / 125.0);
  CHECK(gn.max <= 2.0 * std::sqrt(1.0 / 125.0) / 0.87962566103423978);  // truncated, as Keras
  auto hn = check_moments(draw("he_normal"), 0.0, 2.0 / 90.0);
  CHECK(hn.max <= 2.0 * std::sqrt(2.0 / 90.0) / 0.87962566103423978);
  auto hu = check_moments(draw("he_uniform"), 0.0, 2.0 / 90.0);
  CHECK(hu.max <= std::sqrt(6.0 / 90.0));
  check_moments(draw("lecun_normal"), 0.0, 1.0 / 90.0);
  check_moments(draw("lecun_uniform"), 0.0, 1.0 / 90.0);
  check_moments(draw("variance_scaling"), 0.0, 1.0 / 90.0);
  check_moments(draw("xavier_uniform"), 0.0, 1.0 / 125.0);
  check_moments(draw("xavier_normal"), 0.0, 1.0 / 125.0);
  check_moments(draw("kaiming_uniform"), 0.0, 2.0 / 90.0);
  check_moments(draw("kaiming_normal"), 0.0, 2.0 / 90.0);
  check_moments(draw("random_normal"), 0.0, 0.05 * 0.05);
  auto ru = check_moments(draw("random_uniform"), 0.0, 0.1 * 0.1 / 12.0);
  CHECK(ru.max <= 0.05);
  const auto [tm, tv] = truncated_moments(0.0, 0.05, -0.1, 0.1);
  auto tn = check_moments(draw("truncated_normal"), tm, tv);
  CHECK(tn.max <= 0.1);
  CHECK(draw("zeros", {3, 2}).equal(zeros({3, 2}, kFloat64)));
  CHECK(draw("ones", {3, 2}).equal(ones({3, 2}, kFloat64)));
  CHECK(draw("identity", {2, 2}).equal(eye(2, kFloat64)));
  CHECK(gram_error(draw("orthogonal", {8, 5}), 1.0, false) < 1e-12);
}

TEST_CASE("initializer: every registered name runs, and unknown names list the known ones") {
  const auto names = nn::initializer_names();
  CHECK(names.size() >= 18);
  CHECK(std::is_sorted(names.begin(), names.end()));
  for (const auto& n : names) {
    auto t = empty({6, 6});
    nn::Initializer{n}(t);
    CHECK(t.isfinite().all().item<bool>());
  }
  CHECK_THROWS_WITH(nn::Initializer("he_normall"), Contains("unknown initializer 'he_normall'") &&
                                                       Contains("he_normal") && Contains("glorot_uniform"));
}

TEST_CASE("initializer: functions, defaults and registered names") {
  nn::Initializer def;
  CHECK(def.is_default());
  CHECK(def.name() == "default");
  auto t = empty({2, 2});
  CHECK_THROWS_AS(def(t), ValueError);

  nn::Initializer by_fn = [](Tensor& w) { w.fill_(0.5); };  // runs under no-grad
  auto p = empty({2, 2}).requires_grad_();
  by_fn(p);
  CHECK(p.detach().equal(full({2, 2}, 0.5)));
  CHECK(by_fn.name() == "custom");
  // A function returning the tensor (the torch.nn.init style) works too.
  nn::Initializer ones_fn(
      +[](Tensor w) { return init::ones_(w); }, "ones_fn");
  ones_fn(p);
  CHECK(p.detach().equal(ones({2, 2})));
  CHECK(ones_fn.name() == "ones_fn");

  nn::register_initializer("halves", [](Tensor& w) { init::constant_(w, 0.5); });
  nn::Initializer{"halves"}(t);
  CHECK(t.equal(full({2, 2}, 0.5)));
  CHECK_THROWS_AS(nn::register_initializer("", [](Tensor&) {}), ValueError);
}
