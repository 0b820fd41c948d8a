// The small test problem the PyTorch reference numbers were made on (tests/reference/optimizers.py),
// and the other functions the optimizer tests minimize.
#pragma once
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <xgrad/optim/optimizer.hpp>
#include <xgrad/xgrad.hpp>

namespace xg::testing {

/// Parameters recorded after every step of one configuration (a then b, flattened), plus extra
/// values (ASGD's averaged parameters; LBFGS's func_evals and n_iter).
struct OptimizerReference {
  std::string name;
  std::vector<std::vector<double>> steps;
  std::vector<double> extra;
};
/// clip_grad_norm_ on two fixed gradients.
struct ClipReference {
  double norm_type, max_norm, total_norm;
  std::vector<double> clipped;
};

#include "optim/optimizer_reference.inc"

inline const OptimizerReference* find_reference(const std::string& name) {
  for (const auto& r : kOptimizerReferences)
    if (r.name == name) return &r;
  return nullptr;
}

/// The starting point a (5,), b (2, 3).
inline std::vector<xg::Tensor> reference_params(xg::Dtype dtype) {
  return {xg::tensor({0.5, -1.2, 2.0, 0.0, 0.3}, dtype).requires_grad_(),
          xg::tensor({{0.1, -0.4, 0.7}, {1.5, -2.0, 0.05}}, dtype).requires_grad_()};
}

/// f(a, b) = Σ w(a − c)² + 0.1·Σ a⁴ + 0.25·Σ (b − e)⁴, written with the same ops in the same order
/// as the Python generator so that the gradients agree to the last bit.
inline xg::Tensor reference_loss(const std::vector<xg::Tensor>& p) {
  const auto& a = p[0];
  const auto& b = p[1];
  auto c = xg::tensor({1.0, 0.5, -1.0, 0.2, 0.3}, a.dtype());
  auto w = xg::tensor({1.0, 2.0, 0.5, 3.0, 1.5}, a.dtype());
  auto e = xg::tensor({{0.5, 0.5, 0.5}, {-0.5, -0.5, -0.5}}, b.dtype());
  auto d = a - c;
  auto q = b - e;
  return (w * d * d).sum() + (a * a * a * a).sum() * 0.1 + (q * q * q * q).sum() * 0.25;
}

/// a then b, flattened, as doubles.
inline std::vector<double> flat_values(const std::vector<xg::Tensor>& p) {
  std::vector<double> out;
  for (const auto& t : p) {
    auto v = t.detach().to(xg::kFloat64).to_vector<double>();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

/// The 2-D Rosenbrock function (1 − x)² + 100(y − x²)² of a (2,) parameter; minimum 0 at (1, 1).
inline xg::Tensor rosenbrock(const xg::Tensor& xy) {
  auto x = xy[0];
  auto y = xy[1];
  auto u = 1.0 - x;
  auto v = y - x * x;
  return u * u + 100.0 * v * v;
}

/// ½ xᵀAx − bᵀx for a symmetric positive definite A: the minimum is at A⁻¹b.
struct Quadratic {
  xg::Tensor A, b;
  xg::Tensor operator()(const xg::Tensor& x) const { return 0.5 * xg::dot(x, xg::matmul(A, x)) - xg::dot(b, x); }
};

/// An n×n SPD matrix with eigenvalues spread over [1, cond] (fixed seed), and a right-hand side.
inline Quadratic make_quadratic(std::int64_t n, double cond, std::uint64_t seed = 7) {
  xg::manual_seed(seed);
  auto m = xg::randn({n, n}, xg::kFloat64);
  // Orthonormal basis by Gram–Schmidt, then A = Q diag(λ) Qᵀ.
  std::vector<xg::Tensor> q;
  for (std::int64_t i = 0; i < n; ++i) {
    auto v = m[i].clone();
    for (const auto& u : q) v = v - xg::dot(v, u) * u;
    q.push_back(v / xg::norm(v));
  }
  auto Q = xg::stack(q, 1);
  auto lambda = xg::linspace(1.0, cond, n, xg::kFloat64);
  auto A = xg::matmul(Q * lambda, Q.t());
  A = 0.5 * (A + A.t());
  return {A, xg::randn({n}, xg::kFloat64)};
}

}  // namespace xg::testing
