// The reduction and softmax kernels (kernels/reductions.hpp), compiled once per instruction set
// (Note [Kernels per instruction set] in kernels/isa.hpp) from the row loops of kernels/reduce.hpp
// and the column loops of kernels/reduce_outer.hpp. Each function instantiates only the dtypes
// its op accepts (Note [One instantiation per dtype] in core/dispatch.hpp).
// GCC 12 reports its own AVX-512 intrinsics (_mm512_undefined_*) inside xsimd's exp/log as
// "(maybe) uninitialized" once inlined here: a known false positive, silenced for this file only.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "kernels/isa_xsimd.hpp"  // first: see the header

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/isa_buffer.hpp"
#include "kernels/reduce.hpp"
#include "kernels/reduce_outer.hpp"
#include "kernels/reductions.hpp"

namespace xg::kernels::XG_ISA_NS {

namespace {

using i64 = std::int64_t;

/// f.template operator()<T>() for float or double dt.
template <class F>
void floating(Dtype dt, const F& f) {
  if (dt == Dtype::Float32) f.template operator()<float>();
  else f.template operator()<double>();
}

/// f.template operator()<T>() for any dt.
template <class F>
void any(Dtype dt, const F& f) {
  switch (dt) {
    case Dtype::Float32:
      return f.template operator()<float>();
    case Dtype::Float64:
      return f.template operator()<double>();
    case Dtype::Int64:
      return f.template operator()<i64>();
    case Dtype::Bool:
      return f.template operator()<bool>();
  }
}

/// The result type of sum and prod: T for floating T, int64 otherwise.
template <class T>
using SumOf = std::conditional_t<std::is_floating_point_v<T>, T, i64>;

/// Σ of every row in double (floating) or int64, in deterministic blocks; fin(o, acc) stores.
template <class T, class Fin>
void sum_rows_of(const T* src, i64 outer, i64 n, const Fin& fin) {
  using Acc = AccOf<T>;
  reduce_blocked<Acc>(
      outer, n, [&](i64 o, i64 b0, i64 b1) { return block_sum(src + o * n + b0, b1 - b0); },
      [](Acc a, Acc b) { return a + b; }, fin);
}

/// The first extreme (Max: maximum) of every row, in deterministic blocks; put(o, value, index).
template <bool Max, class T, class Put>
void arg_extreme_rows_of(const T* src, i64 outer, i64 n, const Put& put) {
  using Acc = ArgExtreme<Max, T>;
  reduce_blocked<Acc>(
      outer, n, [&](i64 o, i64 b0, i64 b1) { return arg_extreme_block<Max>(src + o * n, b0, b1); },
      [](const Acc& a, const Acc& b) { return arg_extreme_combine(a, b); },
      [&](i64 o, const Acc& a) { put(o, a.value, a.index); });
}

/// The extreme value of every row: one pass on xsimd batches per block for floating T, NaN
/// propagating; the first extreme's value otherwise.
template <bool Max, class T>
void extreme_rows_of(const T* src, T* dst, i64 outer, i64 n) {
  if constexpr (std::is_floating_point_v<T>) {
    constexpr i64 W = static_cast<i64>(xsimd::batch<T>::size);
    reduce_blocked<T>(
        outer, n,
        [&](i64 o, i64 b0, i64 b1) -> T {
          const T* r = src + o * n + b0;
          if (b1 - b0 < W) return r[row_arg_extreme<Max>(r, b1 - b0)];
          bool nan = false;
          const T m = simd_extreme<Max>(r, b1 - b0, nan);
          return nan ? std::numeric_limits<T>::quiet_NaN() : m;
        },
        [](T a, T b) { return (a != a || !beats<Max>(b, a)) && b == b ? a : b; }, [dst](i64 o, T v) { dst[o] = v; });
  } else {
    arg_extreme_rows_of<Max, T>(src, outer, n, [dst](i64 o, T v, i64) { dst[o] = v; });
  }
}

}  // namespace

i64 simd_width(Dtype dt) {
  return dt == Dtype::Float64 ? static_cast<i64>(xsimd::batch<double>::size)
                              : static_cast<i64>(xsimd::batch<float>::size);
}

void sum_rows(Dtype dt, const void* src, void* dst, i64 outer, i64 n) {
  any(dt, [&]<class T>() {
    using R = SumOf<T>;
    R* d = static_cast<R*>(dst);
    sum_rows_of(static_cast<const T*>(src), outer, n, [d](i64 o, AccOf<T> acc) { d[o] = static_cast<R>(acc); });
  });
}

void sum_columns(Dtype dt, const void* src, void* dst, i64 outer, i64 n, i64 inner) {
  any(dt, [&]<class T>() {
    using R = SumOf<T>;
    outer_sum<T, R>(static_cast<const T*>(src), static_cast<R*>(dst), outer, n, inner);
  });
}

void var_rows(Dtype dt, const void* src_v, void* dst_v, i64 outer, i64 n, double dof, bool take_sqrt) {
  floating(dt, [&]<class T>() {
    // two passes (exact for rows with a large common offset): the means, then Σ (x − mean)²
    const T* src = static_cast<const T*>(src_v);
    T* dst = static_cast<T*>(dst_v);
    Array<double> mean(outer);
    sum_rows_of(src, outer, n, [&](i64 o, double s) {
      mean[o] = n > 0 ? s / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
    });
    reduce_blocked<double>(
        outer, n, [&](i64 o, i64 b0, i64 b1) { return block_sq_dev(src + o * n + b0, b1 - b0, mean[o]); },
        [](double a, double b) { return a + b; },
        [&](i64 o, double m2) {
          if (n == 0) m2 = std::numeric_limits<double>::quiet_NaN();
          dst[o] = static_cast<T>(take_sqrt ? std::sqrt(m2 / dof) : m2 / dof);
        });
  });
}

void var_columns(Dtype dt, const void* src_v, void* dst_v, i64 outer, i64 n, i64 inner, double dof, bool take_sqrt) {
  floating(dt, [&]<class T>() {
    // column sums, then column Σ (x − mean)²
    const T* src = static_cast<const T*>(src_v);
    T* dst = static_cast<T*>(dst_v);
    Array<double> mean(outer * inner), m2(outer * inner);
    outer_sum<T, double>(src, mean.data(), outer, n, inner);
    for (i64 c = 0; c < mean.size(); ++c) mean[c] /= static_cast<double>(n);
    outer_sq_dev(src, mean.data(), m2.data(), outer, n, inner);
    for (i64 o = 0; o < m2.size(); ++o) dst[o] = static_cast<T>(take_sqrt ? std::sqrt(m2[o] / dof) : m2[o] / dof);
  });
}

void prod_rows(Dtype dt, const void* src_v, void* dst_v, i64 outer, i64 n) {
  any(dt, [&]<class T>() {
    using R = SumOf<T>;
    const T* src = static_cast<const T*>(src_v);
    R* dst = static_cast<R*>(dst_v);
    for (i64 o = 0; o < outer; ++o) dst[o] = static_cast<R>(row_prod(src + o * n, n));
  });
}

void extreme_rows(bool max, Dtype dt, const void* src, void* dst, i64 outer, i64 n) {
  any(dt, [&]<class T>() {
    if (max) extreme_rows_of<true>(static_cast<const T*>(src), static_cast<T*>(dst), outer, n);
    else extreme_rows_of<false>(static_cast<const T*>(src), static_cast<T*>(dst), outer, n);
  });
}

void arg_extreme_rows(bool max, Dtype dt, const void* src, void* values, i64* indices, i64 outer, i64 n) {
  any(dt, [&]<class T>() {
    T* vp = static_cast<T*>(values);
    auto put = [vp, indices](i64 o, T v, i64 i) {
      if (vp) vp[o] = v;
      if (indices) indices[o] = i;
    };
    if (max) arg_extreme_rows_of<true, T>(static_cast<const T*>(src), outer, n, put);
    else arg_extreme_rows_of<false, T>(static_cast<const T*>(src), outer, n, put);
  });
}

void extreme_columns(bool max, Dtype dt, const void* src, void* values, i64* indices, i64 outer, i64 n, i64 inner) {
  floating(dt, [&]<class T>() {
    Array<T> own(values ? 0 : outer * inner);
    T* vp = values ? static_cast<T*>(values) : own.data();
    if (max) outer_extreme<true, T>(static_cast<const T*>(src), vp, indices, outer, n, inner);
    else outer_extreme<false, T>(static_cast<const T*>(src), vp, indices, outer, n, inner);
  });
}

void logsumexp_rows(Dtype dt, const void* src_v, void* dst_v, i64 outer, i64 n) {
  floating(dt, [&]<class T>() {
    const T* src = static_cast<const T*>(src_v);
    T* dst = static_cast<T*>(dst_v);
    reduce_blocked<LseAcc>(
        outer, n, [&](i64 o, i64 b0, i64 b1) { return lse_block(src + o * n + b0, b1 - b0); },
        [](const LseAcc& a, const LseAcc& b) { return lse_combine(a, b); },
        [&](i64 o, const LseAcc& a) { dst[o] = static_cast<T>(lse_finish(a)); });
  });
}

void logsumexp_columns(Dtype dt, const void* src_v, void* dst_v, i64 outer, i64 n, i64 inner) {
  floating(dt, [&]<class T>() {
    // the column maxima, then Σ exp(x − max) down the columns
    const T* src = static_cast<const T*>(src_v);
    Array<T> colmax(outer * inner);
    outer_extreme<true, T>(src, colmax.data(), nullptr, outer, n, inner);
    outer_logsumexp<T>(src, colmax.data(), static_cast<T*>(dst_v), outer, n, inner);
  });
}

void norm_rows(Dtype dt, const void* src_v, void* dst_v, i64 outer, i64 n, double p) {
  floating(dt, [&]<class T>() {
    const T* src = static_cast<const T*>(src_v);
    T* dst = static_cast<T*>(dst_v);
    for (i64 o = 0; o < outer; ++o) dst[o] = static_cast<T>(row_norm(src + o * n, n, p));
  });
}

void softmax(bool log, Dtype dt, const void* src, void* dst, i64 outer, i64 n, i64 inner) {
  floating(dt, [&]<class T>() {
    if (log) softmax_lanes<true>(static_cast<const T*>(src), static_cast<T*>(dst), outer, n, inner);
    else softmax_lanes<false>(static_cast<const T*>(src), static_cast<T*>(dst), outer, n, inner);
  });
}

}  // namespace xg::kernels::XG_ISA_NS
