// Pooling kernels. Planes are independent, so they run in parallel (above a size threshold) and
// each plane is computed by one thread in a fixed order: results do not depend on the thread
// count, including the backward scatters where windows overlap.
#include "kernels/pool.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace xg::kernels {

namespace {

using i64 = std::int64_t;

/// Pooling work below this many window reads stays on the calling thread.
constexpr i64 kParallelWork = i64{1} << 16;

template <class F>
void for_planes(i64 planes, i64 work_per_plane, F&& f) {
  if (planes > 1 && planes * work_per_plane >= kParallelWork) {
    const i64 grain = std::max<i64>(1, kParallelWork / std::max<i64>(1, work_per_plane));
    tbb::parallel_for(tbb::blocked_range<i64>(0, planes, grain), [&](const tbb::blocked_range<i64>& r) {
      for (i64 p = r.begin(); p < r.end(); ++p) f(p);
    });
  } else {
    for (i64 p = 0; p < planes; ++p) f(p);
  }
}

/// First window tap t (0 <= t < k) with start + t·dil >= 0, and one past the last with
/// start + t·dil < size.
void taps(i64 start, i64 k, i64 dil, i64 size, i64& t0, i64& t1) {
  t0 = start >= 0 ? 0 : (-start + dil - 1) / dil;
  t1 = size - 1 - start < 0 ? 0 : std::min(k, (size - 1 - start) / dil + 1);
  t0 = std::min(t0, t1);
}

}  // namespace

template <class T>
void max_pool2d_forward(const MaxPoolShape& s, const T* x, T* y, i64* idx) {
  const i64 in_hw = s.in_h * s.in_w, out_hw = s.out_h * s.out_w;
  // The valid taps of every window row and column, computed once: the loops over planes then
  // only load and compare.
  std::vector<i64> rows(static_cast<std::size_t>(2 * s.out_h)), cols(static_cast<std::size_t>(2 * s.out_w));
  for (i64 oh = 0; oh < s.out_h; ++oh)
    taps(oh * s.stride_h - s.pad_h, s.k_h, s.dil_h, s.in_h, rows[2 * oh], rows[2 * oh + 1]);
  for (i64 ow = 0; ow < s.out_w; ++ow)
    taps(ow * s.stride_w - s.pad_w, s.k_w, s.dil_w, s.in_w, cols[2 * ow], cols[2 * ow + 1]);
  for_planes(s.planes, out_hw * s.k_h * s.k_w, [&](i64 p) {
    const T* xp = x + p * in_hw;
    T* yp = y + p * out_hw;
    i64* ip = idx + p * out_hw;
    for (i64 oh = 0; oh < s.out_h; ++oh) {
      const i64 hs = oh * s.stride_h - s.pad_h, i0 = rows[2 * oh], i1 = rows[2 * oh + 1];
      for (i64 ow = 0; ow < s.out_w; ++ow) {
        const i64 ws = ow * s.stride_w - s.pad_w, j0 = cols[2 * ow], j1 = cols[2 * ow + 1];
        // PyTorch's rule: start from −∞ at the window's first valid position; a larger value or
        // a NaN takes over (so a NaN, once found, is kept: nothing compares greater than it).
        T best = -std::numeric_limits<T>::infinity();
        i64 best_i = (hs + i0 * s.dil_h) * s.in_w + ws + j0 * s.dil_w;
        for (i64 i = i0; i < i1; ++i) {
          const i64 row = (hs + i * s.dil_h) * s.in_w + ws;
          for (i64 j = j0; j < j1; ++j) {
            // Branch-free: on random data "is it larger" is a coin toss the predictor loses.
            const T v = xp[row + j * s.dil_w];
            const bool take = (v > best) | (v != v);
            best = take ? v : best;
            best_i = take ? row + j * s.dil_w : best_i;
          }
        }
        yp[oh * s.out_w + ow] = best;
        ip[oh * s.out_w + ow] = best_i;
      }
    }
  });
}

template <class T>
void max_pool2d_backward(i64 planes, i64 in_size, i64 out_size, const T* gy, const i64* idx, T* gx) {
  for_planes(planes, out_size, [&](i64 p) {
    T* gp = gx + p * in_size;
    std::fill(gp, gp + in_size, T(0));
    const T* g = gy + p * out_size;
    const i64* ip = idx + p * out_size;
    for (i64 o = 0; o < out_size; ++o) gp[ip[o]] += g[o];
  });
}

template <class T>
void avg_pool2d_forward(const AvgPoolWindows& s, const T* x, T* y) {
  const i64 in_hw = s.in_h * s.in_w, oh_n = s.out_h(), ow_n = s.out_w();
  const i64 kh = oh_n > 0 ? s.h_hi[0] - s.h_lo[0] + 1 : 1, kw = ow_n > 0 ? s.w_hi[0] - s.w_lo[0] + 1 : 1;
  for_planes(s.planes, oh_n * ow_n * kh * kw, [&](i64 p) {
    const T* xp = x + p * in_hw;
    T* yp = y + p * oh_n * ow_n;
    for (i64 oh = 0; oh < oh_n; ++oh)
      for (i64 ow = 0; ow < ow_n; ++ow) {
        T sum = T(0);
        for (i64 h = s.h_lo[oh]; h < s.h_hi[oh]; ++h)
          for (i64 w = s.w_lo[ow]; w < s.w_hi[ow]; ++w) sum += xp[h * s.in_w + w];
        const bool empty = s.h_lo[oh] >= s.h_hi[oh] || s.w_lo[ow] >= s.w_hi[ow];
        const i64 div = s.divisor > 0 ? s.divisor : s.h_div[oh] * s.w_div[ow];
        yp[oh * ow_n + ow] = empty ? T(0) : sum / static_cast<T>(div);
      }
  });
}

template <class T>
void avg_pool2d_backward(const AvgPoolWindows& s, const T* gy, T* gx) {
  const i64 in_hw = s.in_h * s.in_w, oh_n = s.out_h(), ow_n = s.out_w();
  for_planes(s.planes, oh_n * ow_n * 4, [&](i64 p) {
    T* gp = gx + p * in_hw;
    std::fill(gp, gp + in_hw, T(0));
    const T* g = gy + p * oh_n * ow_n;
    for (i64 oh = 0; oh < oh_n; ++oh)
      for (i64 ow = 0; ow < ow_n; ++ow) {
        const i64 div = s.divisor > 0 ? s.divisor : s.h_div[oh] * s.w_div[ow];
        const T v = g[oh * ow_n + ow] / static_cast<T>(div);
        for (i64 h = s.h_lo[oh]; h < s.h_hi[oh]; ++h)
          for (i64 w = s.w_lo[ow]; w < s.w_hi[ow]; ++w) gp[h * s.in_w + w] += v;
      }
  });
}

#define XG_POOL_INSTANTIATE(T)                                                                         \
  template void max_pool2d_forward<T>(const MaxPoolShape&, const T*, T*, i64*);                        \
  template void max_pool2d_backward<T>(i64, i64, i64, const T*, const i64*, T*);                       \
  template void avg_pool2d_forward<T>(const AvgPoolWindows&, const T*, T*);                            \
  template void avg_pool2d_backward<T>(const AvgPoolWindows&, const T*, T*);
XG_POOL_INSTANTIATE(float)
XG_POOL_INSTANTIATE(double)
#undef XG_POOL_INSTANTIATE

}  // namespace xg::kernels
