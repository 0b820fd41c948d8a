// Internal: reductions over leading or middle dims of a contiguous [outer, n, inner] block (the
// reduced run is n, the kept inner dim is contiguous), without a transposed copy. Each unit owns
// kOuterCols adjacent outputs of one outer index and walks j = 0, 1, …, n − 1 in order,
// combining the row x[o, j, c0:c0+kOuterCols) into vector accumulators (xsimd batches, or double
// arrays the compiler vectorizes). Units run on TBB threads above kParallelElements; every output
// is reduced by one unit in a fixed order, so the result is bitwise the same for any thread count
// (Note [Deterministic reductions] in kernels/reduce.hpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/isa_buffer.hpp"
#include "kernels/isa_xsimd.hpp"
#include "kernels/parallel.hpp"

#ifndef XG_ISA_NS
#error "this header is for the files compiled once per instruction set (XG_ISA_NS)"
#endif

namespace xg::kernels::XG_ISA_NS {

/// Outputs per unit of the outer-dim reductions: 64 doubles = 8 AVX-512 accumulators.
inline constexpr std::int64_t kOuterCols = 64;

/// Runs unit(o, c0, w) for every outer index o and column chunk [c0, c0 + w) of Cols columns
/// (the last one shorter), on TBB threads above kParallelElements.
template <std::int64_t Cols = kOuterCols, class Unit>
void outer_units(std::int64_t outer, std::int64_t n, std::int64_t inner, const Unit& unit) {
  const std::int64_t groups = (inner + Cols - 1) / Cols;
  const std::int64_t units = outer * groups;
  auto run = [&](std::int64_t u) {
    const std::int64_t o = u / groups, c0 = (u % groups) * Cols;
    unit(o, c0, std::min(Cols, inner - c0));
  };
  if (outer * n * inner >= kParallelElements && units > 1 && available_threads() > 1) {
    const std::int64_t grain = std::max<std::int64_t>(1, kElementwiseChunk / std::max<std::int64_t>(1, n * Cols));
    parallel_for_each(0, units, grain, run);
  } else {
    for (std::int64_t u = 0; u < units; ++u) run(u);
  }
}

/// acc[0:W) += (Acc) r[0:W), W a constant so that the loop vectorizes with acc in registers.
template <std::int64_t W, class Acc, class T>
inline void add_row(Acc* acc, const T* r) {
  for (std::int64_t c = 0; c < W; ++c) acc[c] += static_cast<Acc>(r[c]);
}

/// Rows ahead that the column walks prefetch: consecutive rows of a column chunk are one row
/// stride apart (often a page or more), which the hardware prefetchers do not follow.
inline constexpr std::int64_t kPrefetchRows = 8;

/// Prefetches the kOuterCols elements of T at p (whole cache lines).
template <class T>
inline void prefetch_chunk(const T* p) {
  for (std::size_t b = 0; b < kOuterCols * sizeof(T); b += 64) __builtin_prefetch(reinterpret_cast<const char*>(p) + b);
}

/// out[o, c] = Σ_j x[o, j, c] (double for floating T, int64 otherwise), rows j in order.
template <class T, class R>
void outer_sum(const T* x, R* out, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
  outer_units(outer, n, inner, [&](std::int64_t o, std::int64_t c0, std::int64_t w) {
    alignas(64) Acc acc[kOuterCols] = {};
    const T* base = x + o * n * inner + c0;
    if (w == kOuterCols) {
      for (std::int64_t j = 0; j < n; ++j) {
        if (j + kPrefetchRows < n) prefetch_chunk(base + (j + kPrefetchRows) * inner);
        add_row<kOuterCols>(acc, base + j * inner);
      }
    } else {
      for (std::int64_t j = 0; j < n; ++j) {
        const T* r = base + j * inner;
        for (std::int64_t c = 0; c < w; ++c) acc[c] += static_cast<Acc>(r[c]);
      }
    }
    for (std::int64_t c = 0; c < w; ++c) out[o * inner + c0 + c] = static_cast<R>(acc[c]);
  });
}

/// out[o, c] = Σ_j (x[o, j, c] − mean[o, c])² in double, rows j in order.
template <class T>
void outer_sq_dev(const T* x, const double* mean, double* out, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  outer_units(outer, n, inner, [&](std::int64_t o, std::int64_t c0, std::int64_t w) {
    alignas(64) double acc[kOuterCols] = {};
    alignas(64) double m[kOuterCols] = {};
    for (std::int64_t c = 0; c < w; ++c) m[c] = mean[o * inner + c0 + c];
    const T* base = x + o * n * inner + c0;
    for (std::int64_t j = 0; j < n; ++j) {
      const T* r = base + j * inner;
      if (w == kOuterCols) {
        if (j + kPrefetchRows < n) prefetch_chunk(r + kPrefetchRows * inner);
        for (std::int64_t c = 0; c < kOuterCols; ++c) {
          const double d = static_cast<double>(r[c]) - m[c];
          acc[c] += d * d;
        }
      } else {
        for (std::int64_t c = 0; c < w; ++c) {
          const double d = static_cast<double>(r[c]) - m[c];
          acc[c] += d * d;
        }
      }
    }
    for (std::int64_t c = 0; c < w; ++c) out[o * inner + c0 + c] = acc[c];
  });
}

/// The first extreme (Max: maximum) of every column x[o, :, c] and, when idx is given, its index
/// j, or the first NaN (as PyTorch). Floating T only; indices ride in batches of T, exact while
/// n <= 2^24 for float (the caller checks outer_extreme_fits).
template <class T>
bool outer_extreme_fits(std::int64_t n) {
  return n <= (std::int64_t{1} << std::numeric_limits<T>::digits);
}

template <bool Max, class T>
void outer_extreme(const T* x, T* val, std::int64_t* idx, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  constexpr std::int64_t K = kOuterCols / W;
  static_assert(K * W == kOuterCols);
  outer_units(outer, n, inner, [&](std::int64_t o, std::int64_t c0, std::int64_t w) {
    const T* base = x + o * n * inner + c0;
    const std::int64_t full = w / W;  // whole batches in this chunk
    B best[K], at[K];
    for (std::int64_t k = 0; k < full; ++k) {
      best[k] = B::load_unaligned(base + k * W);
      at[k] = B(T(0));
    }
    auto step = [&](std::int64_t k, const T* r, const B& jb) {
      const B v = B::load_unaligned(r + k * W);
      // take v if it beats best, or if it is the first NaN (a NaN best is never replaced)
      const auto take = (Max ? (v > best[k]) : (v < best[k])) || (xsimd::isnan(v) && !xsimd::isnan(best[k]));
      best[k] = xsimd::select(take, v, best[k]);
      if (idx) at[k] = xsimd::select(take, jb, at[k]);
    };
    if (full == K) {
      for (std::int64_t j = 1; j < n; ++j) {
        const T* r = base + j * inner;
        if (j + kPrefetchRows < n) prefetch_chunk(r + kPrefetchRows * inner);
        const B jb(static_cast<T>(j));
        for (std::int64_t k = 0; k < K; ++k) step(k, r, jb);
      }
    } else {
      for (std::int64_t j = 1; j < n; ++j) {
        const T* r = base + j * inner;
        const B jb(static_cast<T>(j));
        for (std::int64_t k = 0; k < full; ++k) step(k, r, jb);
      }
    }
    alignas(64) T vb[W], ib[W];
    for (std::int64_t k = 0; k < full; ++k) {
      best[k].store_aligned(vb);
      at[k].store_aligned(ib);
      for (std::int64_t l = 0; l < W; ++l) {
        const std::int64_t c = o * inner + c0 + k * W + l;
        val[c] = vb[l];
        if (idx) idx[c] = static_cast<std::int64_t>(ib[l]);
      }
    }
    // the remaining columns one by one, by the same rule
    for (std::int64_t c = full * W; c < w; ++c) {
      T b = base[c];
      std::int64_t bi = 0;
      for (std::int64_t j = 1; j < n; ++j) {
        const T v = base[j * inner + c];
        if ((Max ? v > b : v < b) || (v != v && b == b)) {
          b = v;
          bi = j;
        }
      }
      val[o * inner + c0 + c] = b;
      if (idx) idx[o * inner + c0 + c] = bi;
    }
  });
}

/// out[o, c] = log Σ_j exp(x[o, j, c]) = m + log Σ_j exp(x − m), m = the column's max (NaN if
/// any is NaN); an infinite or NaN max is the result, as in the row kernel. exp runs on xsimd
/// batches of T, the sums in double.
template <class T>
void outer_logsumexp(const T* x, const T* colmax, T* out, std::int64_t outer, std::int64_t n, std::int64_t inner) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  constexpr std::int64_t K = kOuterCols / W;
  outer_units(outer, n, inner, [&](std::int64_t o, std::int64_t c0, std::int64_t w) {
    const T* base = x + o * n * inner + c0;
    const T* mp = colmax + o * inner + c0;
    alignas(64) double acc[kOuterCols] = {};
    alignas(64) T e[kOuterCols];
    const std::int64_t full = w / W;
    B m[K];
    for (std::int64_t k = 0; k < full; ++k) m[k] = B::load_unaligned(mp + k * W);
    for (std::int64_t j = 0; j < n; ++j) {
      const T* r = base + j * inner;
      if (full == K) {
        if (j + kPrefetchRows < n) prefetch_chunk(r + kPrefetchRows * inner);
        for (std::int64_t k = 0; k < K; ++k) xsimd::exp(B::load_unaligned(r + k * W) - m[k]).store_aligned(e + k * W);
        for (std::int64_t c = 0; c < kOuterCols; ++c) acc[c] += static_cast<double>(e[c]);
      } else {
        for (std::int64_t k = 0; k < full; ++k)
          xsimd::exp(B::load_unaligned(r + k * W) - m[k]).store_aligned(e + k * W);
        for (std::int64_t c = 0; c < full * W; ++c) acc[c] += static_cast<double>(e[c]);
        for (std::int64_t c = full * W; c < w; ++c) acc[c] += static_cast<double>(std::exp(r[c] - mp[c]));
      }
    }
    for (std::int64_t c = 0; c < w; ++c) {
      const double mc = static_cast<double>(mp[c]);
      out[o * inner + c0 + c] = static_cast<T>((mc != mc || std::isinf(mc)) ? mc : mc + std::log(acc[c]));
    }
  });
}

}  // namespace xg::kernels::XG_ISA_NS
