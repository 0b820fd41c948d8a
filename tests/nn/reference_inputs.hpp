// Test inputs that the PyTorch reference scripts (tests/reference/*.py) build the same way, and a
// check of a tensor against reference numbers pasted from those scripts.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace xg::testing {

/// s·sin(a·k + b) for k = 0 … numel − 1 in row-major order, float64: `seq(shape, a, b, s)` in the
/// reference scripts.
inline Tensor seq(const Shape& shape, double a, double b, double s) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = s * std::sin(a * static_cast<double>(k) + b);
  return from_vector(v, shape, kFloat64);
}

/// Every element of t (any dtype, read as double) is within atol + rtol·|ref| of ref.
inline void check_close(const Tensor& t, const std::vector<double>& ref, double rtol = 1e-10, double atol = 1e-12) {
  const std::vector<double> v = t.contiguous().to_vector<double>();
  REQUIRE(v.size() == ref.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i << ": got " << v[i] << ", expected " << ref[i]);
    if (std::isnan(ref[i])) CHECK(std::isnan(v[i]));
    else CHECK(std::abs(v[i] - ref[i]) <= atol + rtol * std::abs(ref[i]));
  }
}

inline void check_close(const Tensor& t, double ref, double rtol = 1e-10, double atol = 1e-12) {
  check_close(t, std::vector<double>{ref}, rtol, atol);
}

}  // namespace xg::testing
