// Internal: the per-row loops of the reductions. A row is `n` contiguous elements (the reduced
// dims moved last by ops::plan_reduce); softmax works on lanes of stride `inner` instead, so that
// it needs no transposition. Floating-point rows accumulate in double.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace xg::kernels {

template <class T> using AccOf = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

template <class T>
inline bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

/// Whether v beats the current best: strictly, so that the first of equal extremes stays.
template <bool Max, class T>
inline bool beats(T v, T best) {
  if constexpr (Max) return v > best;
  else return v < best;
}

/// Position of the first maximum (Max) or minimum of a non-empty row; a NaN beats everything
/// (the first NaN is returned), as in PyTorch.
template <bool Max, class T>
std::int64_t row_arg_extreme(const T* r, std::int64_t n) {
  std::int64_t idx = 0;
  T best = r[0];
  if (is_nan(best)) return 0;
  for (std::int64_t i = 1; i < n; ++i) {
    const T v = r[i];
    if (is_nan(v)) return i;
    if (beats<Max>(v, best)) {
      best = v;
      idx = i;
    }
  }
  return idx;
}

/// Mean and sum of squared deviations (two passes: exact for rows with a large common offset).
template <class T>
void row_moments(const T* r, std::int64_t n, double& mean, double& m2) {
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += static_cast<double>(r[i]);
  mean = n > 0 ? s / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
  m2 = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(r[i]) - mean;
    m2 += d * d;
  }
}

template <class T>
AccOf<T> row_prod(const T* r, std::int64_t n) {
  AccOf<T> p = 1;
  for (std::int64_t i = 0; i < n; ++i) p *= static_cast<AccOf<T>>(r[i]);
  return p;
}

/// log Σ exp(r) = m + log Σ exp(r − m) with m the row's max, so nothing overflows. Rows whose max
/// is ±inf give that infinity (exp(inf − inf) would be NaN); the empty row gives −inf.
template <class T>
double row_logsumexp(const T* r, std::int64_t n) {
  const double inf = std::numeric_limits<double>::infinity();
  double m = -inf;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(r[i]);
    if (v != v) return v;
    if (v > m) m = v;
  }
  if (std::isinf(m)) return m;
  double s = 0;
  for (std::int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(r[i]) - m);
  return m + std::log(s);
}

/// The vector p-norm of a row (torch.linalg.vector_norm): p = inf → max |x|, −inf → min |x|,
/// 0 → number of non-zeros, otherwise (Σ |x|ᵖ)^(1/p). NaN propagates.
template <class T>
double row_norm(const T* r, std::int64_t n, double p) {
  if (std::isinf(p)) {
    double best = std::abs(static_cast<double>(r[0]));
    for (std::int64_t i = 0; i < n; ++i) {
      const double a = std::abs(static_cast<double>(r[i]));
      if (a != a) return a;
      if (p > 0 ? a > best : a < best) best = a;
    }
    return best;
  }
  double s = 0;
  if (p == 0) {
    for (std::int64_t i = 0; i < n; ++i) s += r[i] != T(0) ? 1.0 : 0.0;
    return s;
  }
  if (p == 1) {
    for (std::int64_t i = 0; i < n; ++i) s += std::abs(static_cast<double>(r[i]));
    return s;
  }
  if (p == 2) {
    for (std::int64_t i = 0; i < n; ++i) s += static_cast<double>(r[i]) * static_cast<double>(r[i]);
    return std::sqrt(s);
  }
  for (std::int64_t i = 0; i < n; ++i) s += std::pow(std::abs(static_cast<double>(r[i])), p);
  return std::pow(s, 1.0 / p);
}

/// softmax (or log_softmax when Log) over the middle dim of a contiguous [outer, n, inner] block:
/// y = exp(x − m) / Σ exp(x − m), log y = x − m − log Σ exp(x − m), with m the lane's max, so
/// x = 1000 gives exp(0) instead of inf.
template <bool Log, class T>
void softmax_lanes(const T* x, T* y, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      const T* xr = x + o * n * inner + i;
      T* yr = y + o * n * inner + i;
      T m = -std::numeric_limits<T>::infinity();
      for (std::int64_t j = 0; j < n; ++j)
        if (!(xr[j * inner] <= m)) m = xr[j * inner];  // NaN wins, and then the lane is NaN
      double s = 0;
      for (std::int64_t j = 0; j < n; ++j) {
        const double e = std::exp(static_cast<double>(xr[j * inner] - m));
        if constexpr (!Log) yr[j * inner] = static_cast<T>(e);
        s += e;
      }
      if constexpr (Log) {
        const double ls = std::log(s);
        for (std::int64_t j = 0; j < n; ++j)
          yr[j * inner] = static_cast<T>(static_cast<double>(xr[j * inner] - m) - ls);
      } else {
        const double inv = 1.0 / s;
        for (std::int64_t j = 0; j < n; ++j) yr[j * inner] = static_cast<T>(static_cast<double>(yr[j * inner]) * inv);
      }
    }
  }
}

}  // namespace xg::kernels
