// Random numbers: seeding and state round trips, and distribution checks with fixed seeds whose
// tolerances come from the sample size (five standard errors of the statistic under test, so a
// correct generator fails with probability below 1e-6 and a wrong one is caught).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <vector>

#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {
constexpr double kSigmas = 5.0;

/// Chi-square statistic Σ (observed - expected)² / expected over equally likely bins.
double chi_square(const std::vector<std::int64_t>& counts, double expected) {
  double chi2 = 0.0;
  for (std::int64_t c : counts)
    chi2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
  return chi2;
}
/// Upper bound for a chi-square variable with `df` degrees of freedom: mean df, variance 2 df.
double chi_square_bound(double df) { return df + kSigmas * std::sqrt(2.0 * df); }
}  // namespace

TEST_CASE("random: the same seed repeats rand, randn, randint and randperm exactly") {
  manual_seed(42);
  auto a1 = rand({50});
  auto b1 = randn({51}, kFloat64);
  auto c1 = randint(-5, 5, {40});
  auto d1 = randperm(30);
  manual_seed(42);
  auto a2 = rand({50});
  auto b2 = randn({51}, kFloat64);
  auto c2 = randint(-5, 5, {40});
  auto d2 = randperm(30);
  CHECK(a1.equal(a2));
  CHECK(b1.equal(b2));
  CHECK(c1.equal(c2));
  CHECK(d1.equal(d2));
  CHECK(default_generator().initial_seed() == 42);
}

TEST_CASE("random: different seeds give different sequences") {
  manual_seed(1);
  auto a = randn({100});
  auto p = randperm(100);
  manual_seed(2);
  auto b = randn({100});
  auto q = randperm(100);
  CHECK_FALSE(a.equal(b));
  CHECK_FALSE(p.equal(q));
  // consecutive draws differ too
  CHECK_FALSE(randn({100}).equal(randn({100})));
}

TEST_CASE("random: get_state and set_state resume the same sequence") {
  manual_seed(7);
  randn({3});  // an odd count leaves the second Box–Muller value pending: it is part of the state
  const std::string state = default_generator().get_state();
  auto a = randn({5}, kFloat64);
  auto u = rand({4});
  auto i = randint(0, 1000, {6});
  default_generator().set_state(state);
  CHECK(randn({5}, kFloat64).equal(a));
  CHECK(rand({4}).equal(u));
  CHECK(randint(0, 1000, {6}).equal(i));
  CHECK_THROWS_AS(default_generator().set_state("not a state"), ValueError);
}

TEST_CASE("random: generators are independent values that copy their state") {
  Generator g(5), h(5);
  CHECK(g.next_u64() == h.next_u64());
  g.next_u64();
  Generator copy = g;
  CHECK(copy.next_u64() == g.next_u64());
  CHECK(copy.next_normal() == g.next_normal());
  h.manual_seed(6);
  Generator k(6);
  CHECK(h.next_double() == k.next_double());
}

TEST_CASE("random: randn has mean 0 and variance 1 within five standard errors") {
  manual_seed(2024);
  const std::int64_t n = 100000;
  auto x = randn({n}, kFloat64).to_vector<double>();
  const double nd = static_cast<double>(n);
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / nd;
  double ss = 0.0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const double var = ss / (nd - 1.0);
  // standard error of the mean: σ/√n; of the sample variance of a normal: σ²·√(2/(n-1))
  CHECK(std::abs(mean) < kSigmas / std::sqrt(nd));
  CHECK(std::abs(var - 1.0) < kSigmas * std::sqrt(2.0 / (nd - 1.0)));
  // a normal puts 68.27% of its mass within one σ: binomial standard error √(p(1-p)/n)
  const double p = 0.6826894921370859;
  const double inside =
      static_cast<double>(std::count_if(x.begin(), x.end(), [](double v) { return std::abs(v) < 1.0; })) / nd;
  CHECK(std::abs(inside - p) < kSigmas * std::sqrt(p * (1 - p) / nd));
  // float32 draws follow the same law
  auto f = randn({n});
  CHECK(f.dtype() == kFloat32);
  CHECK(std::abs(f.mean().item<double>()) < kSigmas / std::sqrt(nd));
}

TEST_CASE("random: rand lies in the half-open unit interval with the mean and variance of U(0, 1)") {
  manual_seed(99);
  const std::int64_t n = 100000;
  const double nd = static_cast<double>(n);
  auto x = rand({n}, kFloat64).to_vector<double>();
  CHECK(*std::min_element(x.begin(), x.end()) >= 0.0);
  CHECK(*std::max_element(x.begin(), x.end()) < 1.0);
  const double mean = std::accumulate(x.begin(), x.end(), 0.0) / nd;
  // U(0,1): variance 1/12; the variance of (u - 1/2)² is 1/80 - 1/144 = 1/180
  CHECK(std::abs(mean - 0.5) < kSigmas * std::sqrt(1.0 / 12.0 / nd));
  double ss = 0.0;
  for (double v : x) ss += (v - 0.5) * (v - 0.5);
  CHECK(std::abs(ss / nd - 1.0 / 12.0) < kSigmas * std::sqrt(1.0 / 180.0 / nd));
  // ten equal bins are equally full
  std::vector<std::int64_t> bins(10, 0);
  for (double v : x) ++bins[static_cast<std::size_t>(v * 10)];
  CHECK(chi_square(bins, nd / 10) < chi_square_bound(9));
  auto f = rand({n}).to_vector<float>();
  CHECK(*std::max_element(f.begin(), f.end()) < 1.0f);
  CHECK(*std::min_element(f.begin(), f.end()) >= 0.0f);
}

TEST_CASE("random: uniform_ and normal_ honour their parameters") {
  manual_seed(5);
  const std::int64_t n = 50000;
  const double nd = static_cast<double>(n);
  auto u = empty({n}, kFloat64).uniform_(-2.0, 3.0).to_vector<double>();
  CHECK(*std::min_element(u.begin(), u.end()) >= -2.0);
  CHECK(*std::max_element(u.begin(), u.end()) < 3.0);
  const double umean = std::accumulate(u.begin(), u.end(), 0.0) / nd;
  CHECK(std::abs(umean - 0.5) < kSigmas * 5.0 / std::sqrt(12.0 * nd));  // width 5: σ = 5/√12
  auto g = empty({n}, kFloat64).normal_(5.0, 2.0);
  CHECK(std::abs(g.mean().item<double>() - 5.0) < kSigmas * 2.0 / std::sqrt(nd));
  CHECK(std::abs(g.var().item<double>() - 4.0) < kSigmas * 4.0 * std::sqrt(2.0 / (nd - 1.0)));
}

TEST_CASE("random: randint covers low up to high, exclusive, uniformly") {
  manual_seed(3);
  const std::int64_t n = 100000, low = -3, high = 7;
  auto x = randint(low, high, {n});
  CHECK(x.dtype() == kInt64);
  const auto v = x.to_vector<std::int64_t>();
  REQUIRE(*std::min_element(v.begin(), v.end()) >= low);
  REQUIRE(*std::max_element(v.begin(), v.end()) < high);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(high - low), 0);
  for (std::int64_t e : v) ++counts[static_cast<std::size_t>(e - low)];
  for (std::int64_t c : counts) CHECK(c > 0);
  const double k = static_cast<double>(high - low);
  CHECK(chi_square(counts, static_cast<double>(n) / k) < chi_square_bound(k - 1));
  // one value only
  CHECK(randint(4, 5, {10}).equal(full({10}, 4, kInt64)));
  CHECK(randint(3, {2, 2}).sizes() == Shape{2, 2});
}

TEST_CASE("random: randperm is a permutation, and all orders of three are equally likely") {
  manual_seed(11);
  auto p = randperm(50).to_vector<std::int64_t>();
  std::vector<std::int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(sorted == expected);
  CHECK(p != expected);
  CHECK(randperm(0).numel() == 0);
  CHECK(randperm(1).to_vector<std::int64_t>() == std::vector<std::int64_t>{0});
  CHECK(randperm(4, kFloat64).dtype() == kFloat64);

  const std::int64_t trials = 6000;
  std::map<std::vector<std::int64_t>, std::int64_t> seen;
  for (std::int64_t t = 0; t < trials; ++t) ++seen[randperm(3).to_vector<std::int64_t>()];
  REQUIRE(seen.size() == 6);
  std::vector<std::int64_t> counts;
  for (const auto& [perm, c] : seen) counts.push_back(c);
  CHECK(chi_square(counts, static_cast<double>(trials) / 6) < chi_square_bound(5));
}

TEST_CASE("random: float factories reject integer dtypes") {
  CHECK_THROWS_AS(rand({2}, kInt64), DtypeError);
  CHECK_THROWS_AS(randn({2}, kBool), DtypeError);
}

TEST_CASE("random: next_below is uniform on 0 .. n-1 and rejects n = 0") {
  Generator gen(3);
  const std::int64_t n = 7, trials = 70000;
  std::vector<std::int64_t> counts(static_cast<std::size_t>(n), 0);
  for (std::int64_t t = 0; t < trials; ++t) {
    const std::uint64_t v = gen.next_below(static_cast<std::uint64_t>(n));
    REQUIRE(v < static_cast<std::uint64_t>(n));
    ++counts[static_cast<std::size_t>(v)];
  }
  CHECK(chi_square(counts, static_cast<double>(trials) / n) < chi_square_bound(n - 1));
  CHECK(gen.next_below(1) == 0);
  // n = 3·2^62: r mod n alone would give each value below 2^62 twice as often as the others (half
  // the results instead of a third); rejection keeps them at a third.
  const std::uint64_t big = std::uint64_t{3} << 62, third = std::uint64_t{1} << 62;
  const int draws = 3000;
  int low = 0;
  for (int t = 0; t < draws; ++t) low += gen.next_below(big) < third ? 1 : 0;
  CHECK(std::abs(low - draws / 3.0) < kSigmas * std::sqrt(draws * (1.0 / 3) * (2.0 / 3)));
  CHECK_THROWS_AS(gen.next_below(0), ValueError);
}

TEST_CASE("random: randint and randperm draw with next_below from the default generator") {
  manual_seed(21);
  const auto ints = randint(-3, 4, {50}).to_vector<std::int64_t>();
  manual_seed(21);
  for (std::int64_t v : ints) CHECK(v == -3 + static_cast<std::int64_t>(default_generator().next_below(7)));

  // Fisher–Yates from the end: position i swaps with next_below(i + 1).
  manual_seed(22);
  const auto perm = randperm(20).to_vector<std::int64_t>();
  manual_seed(22);
  std::vector<std::int64_t> expected(20);
  std::iota(expected.begin(), expected.end(), 0);
  for (std::int64_t i = 19; i > 0; --i)
    std::swap(expected[static_cast<std::size_t>(i)],
              expected[static_cast<std::size_t>(default_generator().next_below(static_cast<std::uint64_t>(i + 1)))]);
  CHECK(perm == expected);
}
