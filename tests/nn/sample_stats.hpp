// Sample moments for the statistical tests of initializers and layers' default initialization.
// Tolerances come from the sample size: a sample mean is within k standard errors σ/√n of the
// true mean, and a sample variance within k·√((μ₄ − σ⁴)/n) of the true variance (μ₄ the fourth
// central moment, estimated from the sample). With k = 5 and fixed seeds the tests are
// deterministic, and a wrong formula (a factor √2 in a std, say) misses by far more than that.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <xgrad/xgrad.hpp>

namespace xg::testing {

struct SampleStats {
  double n = 0, mean = 0, var = 0, m4 = 0, min = 0, max = 0;
};

inline SampleStats sample_stats(const Tensor& t) {
  const auto v = t.detach().to(kFloat64).to_vector<double>();
  SampleStats s;
  s.n = static_cast<double>(v.size());
  for (double x : v) s.mean += x;
  s.mean /= s.n;
  for (double x : v) {
    const double d = x - s.mean;
    s.var += d * d;
    s.m4 += d * d * d * d;
  }
  s.var /= s.n;
  s.m4 /= s.n;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  return s;
}

/// Checks that `t`'s elements look like draws with the given mean and variance (5 standard errors).
inline SampleStats check_moments(const Tensor& t, double mean, double variance, double k = 5.0) {
  const SampleStats s = sample_stats(t);
  INFO("sample mean " << s.mean << " var " << s.var << " over " << s.n << " draws; expected mean " << mean << " var "
                      << variance);
  CHECK(std::abs(s.mean - mean) <= k * std::sqrt(variance / s.n));
  CHECK(std::abs(s.var - variance) <= k * std::sqrt(std::max(s.m4 - s.var * s.var, 0.0) / s.n));
  return s;
}

}  // namespace xg::testing
