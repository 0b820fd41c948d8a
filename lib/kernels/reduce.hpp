// Internal: the per-row loops of the reductions. A row is `n` contiguous elements (the reduced
// dims moved last by ops::plan_reduce); softmax works on lanes of stride `inner` instead, so that
// it needs no transposition. Floating-point rows accumulate in double.
//
// Note [Deterministic reductions]
// A row is cut into blocks of kReduceBlock elements: the cut depends on the row length only. Each
// block is reduced by one thread with a fixed set of vector accumulators, and the block results
// of a row are combined in block order, whether the blocks ran on one thread or on many. So the
// result is bitwise the same for any xg::set_num_threads value; only which thread computes a
// block changes.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

#include "kernels/isa_buffer.hpp"
#include "kernels/isa_xsimd.hpp"
#include "kernels/parallel.hpp"

#ifndef XG_ISA_NS
#error "this header is for the files compiled once per instruction set (XG_ISA_NS)"
#endif

namespace xg::kernels::XG_ISA_NS {

/// Elements per block of a row (Note [Deterministic reductions]).
inline constexpr std::int64_t kReduceBlock = std::int64_t{1} << 13;
/// Independent accumulators of the blocked loops: enough for two AVX-512 double vectors.
inline constexpr int kAccLanes = 16;

/// For each of `outer` rows of n elements: acc = block(o, 0, b1); acc = combine(acc, block(o, b0,
/// b1)) for the following blocks in order; finish(o, acc). Rows, or blocks of few long rows, run
/// on TBB threads above kParallelElements; the result does not depend on it.
template <class Acc, class Block, class Combine, class Finish>
void reduce_blocked(std::int64_t outer, std::int64_t n, const Block& block, const Combine& combine,
                    const Finish& finish) {
  const std::int64_t nb = n <= kReduceBlock ? 1 : (n + kReduceBlock - 1) / kReduceBlock;
  auto row = [&](std::int64_t o) {
    Acc acc = block(o, std::int64_t{0}, std::min(n, kReduceBlock));
    for (std::int64_t b = 1; b < nb; ++b)
      acc = combine(acc, block(o, b * kReduceBlock, std::min(n, (b + 1) * kReduceBlock)));
    finish(o, acc);
  };
  const int threads = outer * n >= kParallelElements ? available_threads() : 1;
  if (threads <= 1) {
    for (std::int64_t o = 0; o < outer; ++o) row(o);
    return;
  }
  if (nb == 1 || outer >= 4 * threads) {
    const std::int64_t grain = std::max<std::int64_t>(1, kElementwiseChunk / std::max<std::int64_t>(n, 1));
    parallel_for_each(0, outer, grain, row);
    return;
  }
  Array<Acc> part(outer * nb);
  parallel_for_each(0, outer * nb, 1, [&](std::int64_t t) {
    const std::int64_t o = t / nb, b = t % nb;
    part[t] = block(o, b * kReduceBlock, std::min(n, (b + 1) * kReduceBlock));
  });
  for (std::int64_t o = 0; o < outer; ++o) {
    Acc acc = part[o * nb];
    for (std::int64_t b = 1; b < nb; ++b) acc = combine(acc, part[o * nb + b]);
    finish(o, acc);
  }
}

/// Σ r[0:n] in double (floating) or int64, with kAccLanes independent accumulators (the loop
/// vectorizes without reassociation, so the order of additions is fixed).
template <class T>
auto block_sum(const T* r, std::int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    double acc[kAccLanes] = {};
    std::int64_t i = 0;
    for (; i + kAccLanes <= n; i += kAccLanes)
      for (int j = 0; j < kAccLanes; ++j) acc[j] += static_cast<double>(r[i + j]);
    for (int j = 0; i + j < n; ++j) acc[j] += static_cast<double>(r[i + j]);
    double s = 0;
    for (int j = 0; j < kAccLanes; ++j) s += acc[j];
    return s;
  } else {
    std::int64_t s = 0;
    for (std::int64_t i = 0; i < n; ++i) s += static_cast<std::int64_t>(r[i]);
    return s;
  }
}

/// Σ (r[i] − mean)² over r[0:n] in double, with kAccLanes independent accumulators.
template <class T>
double block_sq_dev(const T* r, std::int64_t n, double mean) {
  double acc[kAccLanes] = {};
  std::int64_t i = 0;
  for (; i + kAccLanes <= n; i += kAccLanes)
    for (int j = 0; j < kAccLanes; ++j) {
      const double d = static_cast<double>(r[i + j]) - mean;
      acc[j] += d * d;
    }
  for (int j = 0; i + j < n; ++j) {
    const double d = static_cast<double>(r[i + j]) - mean;
    acc[j] += d * d;
  }
  double s = 0;
  for (int j = 0; j < kAccLanes; ++j) s += acc[j];
  return s;
}

template <class T>
using AccOf = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;

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

template <class T>
AccOf<T> row_prod(const T* r, std::int64_t n) {
  AccOf<T> p = 1;
  for (std::int64_t i = 0; i < n; ++i) p *= static_cast<AccOf<T>>(r[i]);
  return p;
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

/// The extreme (Max: maximum) of r[0:n], n >= W (the batch width), on xsimd batches, ignoring
/// NaN; `nan` tells whether r holds one. max / min are exact, so the order of lanes is immaterial.
template <bool Max, class T>
T simd_extreme(const T* r, std::int64_t n, bool& nan) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  B m = B::load_unaligned(r);
  auto nb = xsimd::isnan(m);
  auto step = [&](const B& v) {
    nb = nb || xsimd::isnan(v);
    m = Max ? xsimd::max(m, v) : xsimd::min(m, v);
  };
  std::int64_t i = W;
  for (; i + W <= n; i += W) step(B::load_unaligned(r + i));
  if (i < n) step(B::load_unaligned(r + n - W));  // overlapping last batch
  nan = xsimd::any(nb);
  alignas(64) T buf[W];
  m.store_aligned(buf);
  T best = buf[0];
  for (std::int64_t j = 1; j < W; ++j)
    if (buf[j] == buf[j] && (best != best || beats<Max>(buf[j], best))) best = buf[j];
  return best;
}

/// Index of the first extreme (Max: maximum) of r[0:n], n >= 1, or of the first NaN. Floating
/// rows find the extreme on xsimd batches, then the first position holding it.
template <bool Max, class T>
std::int64_t block_arg_extreme(const T* r, std::int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    constexpr std::int64_t W = static_cast<std::int64_t>(xsimd::batch<T>::size);
    if (n < W) return row_arg_extreme<Max>(r, n);
    bool nan = false;
    const T m = simd_extreme<Max>(r, n, nan);
    for (std::int64_t k = 0; k < n; ++k)
      if (nan ? r[k] != r[k] : r[k] == m) return k;
    return 0;
  } else {
    return row_arg_extreme<Max>(r, n);
  }
}

/// (value, index) of the first extreme of a row in blocks, for reduce_blocked.
template <bool Max, class T>
struct ArgExtreme {
  T value;
  std::int64_t index;
};
template <bool Max, class T>
ArgExtreme<Max, T> arg_extreme_block(const T* r, std::int64_t b0, std::int64_t b1) {
  const std::int64_t i = b0 + block_arg_extreme<Max>(r + b0, b1 - b0);
  return {r[i], i};
}
/// The earlier block's extreme unless the later one is NaN or strictly beats it (a NaN stays).
template <bool Max, class T>
ArgExtreme<Max, T> arg_extreme_combine(const ArgExtreme<Max, T>& a, const ArgExtreme<Max, T>& b) {
  if (is_nan(a.value)) return a;
  if (is_nan(b.value) || beats<Max>(b.value, a.value)) return b;
  return a;
}

/// The largest element of r[0:n] (n >= 1), NaN if any is NaN.
template <class T>
T block_max_nan(const T* r, std::int64_t n) {
  if (n >= static_cast<std::int64_t>(xsimd::batch<T>::size)) {
    bool nan = false;
    const T m = simd_extreme<true>(r, n, nan);
    return nan ? std::numeric_limits<T>::quiet_NaN() : m;
  }
  T m = r[0];
  for (std::int64_t i = 1; i < n; ++i) m = (r[i] > m || r[i] != r[i]) ? r[i] : m;
  return m;
}

/// Σ exp(r[i] − m) over r[0:n] in double, exp evaluated on xsimd batches of T (the tail padded
/// with −inf, whose exponential is 0); y, when given, receives exp(r[i] − m) as T.
template <class T>
double block_sum_exp(const T* r, std::int64_t n, T m, T* y) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  static_assert(W <= kAccLanes);
  const B mb(m);
  double acc[kAccLanes] = {};
  alignas(64) T buf[W];
  auto add = [&](const B& e) {
    e.store_aligned(buf);
    for (std::int64_t j = 0; j < W; ++j) acc[j] += static_cast<double>(buf[j]);
  };
  std::int64_t i = 0;
  for (; i + W <= n; i += W) {
    const B e = xsimd::exp(B::load_unaligned(r + i) - mb);
    if (y) e.store_unaligned(y + i);
    add(e);
  }
  if (i < n) {
    for (std::int64_t j = 0; j < W; ++j) buf[j] = i + j < n ? r[i + j] : -std::numeric_limits<T>::infinity();
    const B e = xsimd::exp(B::load_aligned(buf) - mb);
    add(e);
    if (y)
      for (std::int64_t j = 0; i + j < n; ++j) y[i + j] = buf[j];
  }
  double s = 0;
  for (int j = 0; j < kAccLanes; ++j) s += acc[j];
  return s;
}

/// A block of logsumexp: its max m and Σ exp(x − m); combined by rescaling to the larger max.
struct LseAcc {
  double m;
  double s;
};
template <class T>
LseAcc lse_block(const T* r, std::int64_t n) {
  if (n == 0) return {-std::numeric_limits<double>::infinity(), 0.0};
  const T m = block_max_nan(r, n);
  if (m != m || std::isinf(m)) return {static_cast<double>(m), 1.0};
  return {static_cast<double>(m), block_sum_exp(r, n, m, static_cast<T*>(nullptr))};
}
inline LseAcc lse_combine(const LseAcc& a, const LseAcc& b) {
  if (a.m != a.m) return a;
  if (b.m != b.m) return b;
  const double m = std::max(a.m, b.m);
  if (std::isinf(m)) return {m, 1.0};
  return {m, a.s * std::exp(a.m - m) + b.s * std::exp(b.m - m)};
}
/// log Σ exp: m + log s; an infinite or NaN max is the result.
inline double lse_finish(const LseAcc& a) { return (a.m != a.m || std::isinf(a.m)) ? a.m : a.m + std::log(a.s); }

/// softmax (or log_softmax when Log) of one contiguous row: y = exp(x − m) / Σ exp(x − m),
/// log y = x − m − log Σ exp(x − m), with m the row's max (a NaN makes the row NaN).
template <bool Log, class T>
void softmax_row(const T* x, T* y, std::int64_t n) {
  if (n == 0) return;
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  const T m = block_max_nan(x, n);
  const double s = block_sum_exp(x, n, m, Log ? static_cast<T*>(nullptr) : y);
  std::int64_t i = 0;
  if constexpr (Log) {
    const T ls = static_cast<T>(std::log(s));
    const B mb(m), lb(ls);
    for (; i + W <= n; i += W) ((B::load_unaligned(x + i) - mb) - lb).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = (x[i] - m) - ls;
  } else {
    const T inv = static_cast<T>(1.0 / s);
    const B ib(inv);
    for (; i + W <= n; i += W) (B::load_unaligned(y + i) * ib).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = y[i] * inv;
  }
}

/// softmax (or log_softmax) of the lanes j ↦ x[j·inner + c] for c in [c0, c0 + w), w <= the
/// batch width: the lanes side by side in one batch (padded lanes are computed and dropped).
template <bool Log, class T>
void softmax_lanes_batch(const T* x, T* y, std::int64_t n, std::int64_t inner, std::int64_t c0, std::int64_t w) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  alignas(64) T buf[W] = {};
  auto load = [&](std::int64_t j) -> B {
    const T* p = x + j * inner + c0;
    if (w == W) return B::load_unaligned(p);
    for (std::int64_t k = 0; k < w; ++k) buf[k] = p[k];
    return B::load_aligned(buf);
  };
  auto store = [&](const B& v, std::int64_t j) {
    T* p = y + j * inner + c0;
    if (w == W) return v.store_unaligned(p);
    v.store_aligned(buf);
    for (std::int64_t k = 0; k < w; ++k) p[k] = buf[k];
  };
  B m(-std::numeric_limits<T>::infinity());
  for (std::int64_t j = 0; j < n; ++j) {
    const B v = load(j);
    m = xsimd::select((v > m) || xsimd::isnan(v), v, m);
  }
  // the sums in double, lane by lane, as the rows do
  double s[W] = {};
  alignas(64) T e_buf[W];
  for (std::int64_t j = 0; j < n; ++j) {
    const B e = xsimd::exp(load(j) - m);
    if constexpr (!Log) store(e, j);
    e.store_aligned(e_buf);
    for (std::int64_t k = 0; k < W; ++k) s[k] += static_cast<double>(e_buf[k]);
  }
  for (std::int64_t k = 0; k < W; ++k) e_buf[k] = static_cast<T>(Log ? std::log(s[k]) : 1.0 / s[k]);
  if constexpr (Log) {
    const B ls = B::load_aligned(e_buf);
    for (std::int64_t j = 0; j < n; ++j) store((load(j) - m) - ls, j);
  } else {
    const B inv = B::load_aligned(e_buf);
    for (std::int64_t j = 0; j < n; ++j) {
      const T* p = y + j * inner + c0;
      B e;
      if (w == W) {
        e = B::load_unaligned(p);
      } else {
        for (std::int64_t k = 0; k < w; ++k) buf[k] = p[k];
        e = B::load_aligned(buf);
      }
      store(e * inv, j);
    }
  }
}

/// softmax (or log_softmax when Log) over the middle dim of a contiguous [outer, n, inner] block,
/// with m the lane's max so x = 1000 gives exp(0) instead of inf. Rows (inner = 1) or groups of
/// batch-width lanes run on TBB threads above kParallelElements; each lane is computed by one
/// thread in a fixed order, so the result does not depend on the thread count.
template <bool Log, class T>
void softmax_lanes(const T* x, T* y, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  constexpr std::int64_t W = static_cast<std::int64_t>(xsimd::batch<T>::size);
  const std::int64_t groups = inner == 1 ? 1 : (inner + W - 1) / W;  // lane groups per outer index
  const std::int64_t units = outer * groups;
  auto unit = [&](std::int64_t u) {
    const std::int64_t o = u / groups, g = u % groups;
    const T* xo = x + o * n * inner;
    T* yo = y + o * n * inner;
    if (inner == 1) softmax_row<Log>(xo, yo, n);
    else softmax_lanes_batch<Log>(xo, yo, n, inner, g * W, std::min(W, inner - g * W));
  };
  const std::int64_t per_unit = std::max<std::int64_t>(1, n * (inner == 1 ? 1 : W));
  if (outer * n * inner >= kParallelElements && units > 1 && available_threads() > 1) {
    const std::int64_t grain = std::max<std::int64_t>(1, kElementwiseChunk / per_unit);
    parallel_for_each(0, units, grain, unit);
  } else {
    for (std::int64_t u = 0; u < units; ++u) unit(u);
  }
}

}  // namespace xg::kernels::XG_ISA_NS
