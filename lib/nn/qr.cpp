// Householder QR (Golub & Van Loan, Matrix Computations, §5.2).
//
// Column k is reflected onto a multiple of e_k by H_k = I − 2 v vᵀ / (vᵀ v), v = x − α e_k with
// α = −sign(x_k)·‖x‖: choosing α opposite in sign to x_k avoids the cancellation in x_k − α.
// After n reflections A has become R; Q = H_0 H_1 … H_{n−1} applied to the first n columns of the
// identity. Each reflection costs O(m·n), the whole factorization O(m·n²); the values are exact
// to rounding (the reflections are orthogonal), unlike Gram–Schmidt, whose Q loses orthogonality.
#include "nn/qr.hpp"

#include <cmath>

#include "xgrad/error.hpp"

namespace xg::nn::init_detail {

void householder_qr(std::vector<double> a, std::int64_t m, std::int64_t n, std::vector<double>& q,
                    std::vector<double>& r) {
  XG_CHECK(m >= n && n >= 0, ValueError, "householder_qr: expected rows >= columns, got ", m, "x", n);
  XG_CHECK(static_cast<std::int64_t>(a.size()) == m * n, ValueError, "householder_qr: ", a.size(), " values for a ", m,
           "x", n, " matrix");
  auto A = [&](std::int64_t i, std::int64_t j) -> double& { return a[static_cast<std::size_t>(i * n + j)]; };
  // The reflectors: vs[k] holds v_k's entries for rows k..m-1, vnorm2[k] = v_kᵀ v_k (0: H_k = I).
  std::vector<std::vector<double>> vs(static_cast<std::size_t>(n));
  std::vector<double> vnorm2(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t k = 0; k < n; ++k) {
    double norm2 = 0.0;
    for (std::int64_t i = k; i < m; ++i) norm2 += A(i, k) * A(i, k);
    const double norm = std::sqrt(norm2);
    if (norm == 0.0) continue;  // a zero column: nothing to reflect, R_kk = 0
    const double alpha = A(k, k) >= 0.0 ? -norm : norm;
    auto& v = vs[static_cast<std::size_t>(k)];
    v.resize(static_cast<std::size_t>(m - k));
    for (std::int64_t i = k; i < m; ++i) v[static_cast<std::size_t>(i - k)] = A(i, k);
    v[0] -= alpha;
    double vv = 0.0;
    for (double x : v) vv += x * x;
    vnorm2[static_cast<std::size_t>(k)] = vv;
    // A[k:, k:] ← H_k A[k:, k:]; column k becomes α e_k exactly.
    for (std::int64_t j = k; j < n; ++j) {
      double s = 0.0;
      for (std::int64_t i = k; i < m; ++i) s += v[static_cast<std::size_t>(i - k)] * A(i, j);
      const double f = 2.0 * s / vv;
      for (std::int64_t i = k; i < m; ++i) A(i, j) -= f * v[static_cast<std::size_t>(i - k)];
    }
    A(k, k) = alpha;
    for (std::int64_t i = k + 1; i < m; ++i) A(i, k) = 0.0;
  }
  r.assign(static_cast<std::size_t>(n * n), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i; j < n; ++j) r[static_cast<std::size_t>(i * n + j)] = A(i, j);
  // Q = H_0 … H_{n−1} [I_n; 0], accumulated backwards. When H_k is applied, columns j < k of Q are
  // still e_j, which v_k (zero above row k) leaves alone, so only columns k..n-1 change.
  q.assign(static_cast<std::size_t>(m * n), 0.0);
  auto Q = [&](std::int64_t i, std::int64_t j) -> double& { return q[static_cast<std::size_t>(i * n + j)]; };
  for (std::int64_t i = 0; i < n; ++i) Q(i, i) = 1.0;
  for (std::int64_t k = n - 1; k >= 0; --k) {
    const double vv = vnorm2[static_cast<std::size_t>(k)];
    if (vv == 0.0) continue;
    const auto& v = vs[static_cast<std::size_t>(k)];
    for (std::int64_t j = k; j < n; ++j) {
      double s = 0.0;
      for (std::int64_t i = k; i < m; ++i) s += v[static_cast<std::size_t>(i - k)] * Q(i, j);
      const double f = 2.0 * s / vv;
      for (std::int64_t i = k; i < m; ++i) Q(i, j) -= f * v[static_cast<std::size_t>(i - k)];
    }
  }
}

}  // namespace xg::nn::init_detail
