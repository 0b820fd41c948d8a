// Helpers of the sequence-layer tests: the deterministic tensors that tests/reference/nn_sequence.py
// builds in PyTorch, repeated here so that the reference numbers can be compared.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <utility>
#include <vector>
#include <xgrad/nn/module.hpp>
#include <xgrad/xgrad.hpp>

namespace xg::testing {

/// Parameter k (in named_parameters() order), flat element i: 0.5 sin(1.3 i + 0.7 k + 0.1).
inline xg::Tensor param_values(const xg::Shape& shape, int k) {
  std::vector<double> v(static_cast<std::size_t>(xg::numel_of(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.5 * std::sin(1.3 * static_cast<double>(i) + 0.7 * k + 0.1);
  return xg::from_vector(v, shape, xg::kFloat64);
}

/// Inputs and states: scale · cos(a i + b).
inline xg::Tensor wave(const xg::Shape& shape, double a, double b, double scale = 1.0) {
  std::vector<double> v(static_cast<std::size_t>(xg::numel_of(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = scale * std::cos(a * static_cast<double>(i) + b);
  return xg::from_vector(v, shape, xg::kFloat64);
}

/// Moves the module to float64 and gives its parameters the reference values.
inline void set_params(xg::nn::Module& m) {
  m.to(xg::kFloat64);
  xg::NoGradGuard ng;
  int k = 0;
  for (auto& p : m.parameters()) p.copy_(param_values(p.sizes(), k++));
}

/// Names and shapes of the parameters, in order.
inline std::vector<std::pair<std::string, xg::Shape>> names_and_shapes(const xg::nn::Module& m) {
  std::vector<std::pair<std::string, xg::Shape>> r;
  for (const auto& item : m.named_parameters()) r.emplace_back(item.first, item.second.sizes());
  return r;
}

/// `t` has shape `shape` and the values `ref` (float64 reference numbers printed with 15 digits).
inline void check_values(const xg::Tensor& t, const std::vector<double>& ref, const xg::Shape& shape,
                         double tol = 1e-10) {
  REQUIRE(t.defined());
  REQUIRE(t.sizes() == shape);
  const auto got = t.contiguous().to(xg::kFloat64).to_vector<double>();
  REQUIRE(got.size() == ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(ref[i]).margin(tol).epsilon(1e-9));
  }
}

}  // namespace xg::testing
