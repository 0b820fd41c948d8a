// Pooling kernels. Planes are independent, so they run in parallel (above a size threshold) and
// each plane is computed by one thread in a fixed order: results do not depend on the thread
// count, including the backward scatters where windows overlap.
#include "kernels/pool.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <type_traits>
#include <cmath>
#include <limits>

#include <xsimd/xsimd.hpp>

#include "kernels/isa_buffer.hpp"
#include "kernels/parallel.hpp"

namespace xg::kernels::XG_ISA_NS {

// Note [Max pooling in vectors]
// Output q of a plane reads, for window tap t = (i, j), the input at base(q) + off(t) with
// base(q) = (oh·sh − ph)·W + ow·sw − pw and off(t) = i·dh·W + j·dw — when the whole window is
// inside the image. So W consecutive outputs are one gather per tap from a precomputed vector of
// bases, whatever the stride, and the running maximum and its index are kept lane-wise with the
// scalar rule (take v when v > best or v is NaN). Tiny planes (a 13×13 pooled output) still fill
// vectors, since lanes run across output rows.

namespace {

using i64 = std::int64_t;

/// Pooling work below this many window reads stays on the calling thread.
constexpr i64 kParallelWork = i64{1} << 16;

template <class F>
void for_planes(i64 planes, i64 work_per_plane, F&& f) {
  if (planes > 1 && planes * work_per_plane >= kParallelWork) {
    const i64 grain = std::max<i64>(1, kParallelWork / std::max<i64>(1, work_per_plane));
    parallel_for_each(0, planes, grain, f);
  } else {
    for (i64 p = 0; p < planes; ++p) f(p);
  }
}

/// take ? a : b, computed on the bits.
template <class T>
inline T blend(bool take, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const U mask = U(0) - static_cast<U>(take);
  return std::bit_cast<T>((std::bit_cast<U>(a) & mask) | (std::bit_cast<U>(b) & ~mask));
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
  using B = xsimd::batch<T>;
  using I = xsimd::as_integer_t<T>;  // int32 lanes for float, int64 for double: as many as B has
  using BI = xsimd::batch<I>;
  constexpr i64 W = static_cast<i64>(B::size);
  const i64 in_hw = s.in_h * s.in_w, out_hw = s.out_h * s.out_w;
  // The valid taps of every window row and column, computed once.
  Array<i64> rows(2 * s.out_h), cols(2 * s.out_w);
  for (i64 oh = 0; oh < s.out_h; ++oh)
    taps(oh * s.stride_h - s.pad_h, s.k_h, s.dil_h, s.in_h, rows[2 * oh], rows[2 * oh + 1]);
  for (i64 ow = 0; ow < s.out_w; ++ow)
    taps(ow * s.stride_w - s.pad_w, s.k_w, s.dil_w, s.in_w, cols[2 * ow], cols[2 * ow + 1]);

  // Vector path (Note [Max pooling in vectors]): W consecutive outputs of the flattened plane at
  // a time, each lane gathering its window's taps. It takes the groups of W outputs whose windows
  // lie entirely inside the image; the others (borders, the plane's ragged end) run the scalar
  // loop below.
  const i64 chunks = out_hw / W;
  Array<I> base(chunks * W);
  Array<char> inside(chunks, 0);
  const bool vector_ok = in_hw <= static_cast<i64>(std::numeric_limits<I>::max());
  for (i64 c = 0; vector_ok && c < chunks; ++c) {
    bool all = true;
    for (i64 q = c * W; q < (c + 1) * W; ++q) {
      const i64 oh = q / s.out_w, ow = q % s.out_w;
      all = all && rows[2 * oh] == 0 && rows[2 * oh + 1] == s.k_h && cols[2 * ow] == 0 && cols[2 * ow + 1] == s.k_w;
      base[static_cast<std::size_t>(q)] =
          static_cast<I>((oh * s.stride_h - s.pad_h) * s.in_w + ow * s.stride_w - s.pad_w);
    }
    inside[static_cast<std::size_t>(c)] = all ? 1 : 0;
  }
  Array<I> offsets(s.k_h * s.k_w);
  for (i64 i = 0; i < s.k_h; ++i)
    for (i64 j = 0; j < s.k_w; ++j) offsets[i * s.k_w + j] = static_cast<I>(i * s.dil_h * s.in_w + j * s.dil_w);

  for_planes(s.planes, out_hw * s.k_h * s.k_w, [&](i64 p) {
    const T* xp = x + p * in_hw;
    T* yp = y + p * out_hw;
    i64* ip = idx + p * out_hw;
    auto scalar = [&](i64 q) {
      const i64 oh = q / s.out_w, ow = q % s.out_w;
      const i64 hs = oh * s.stride_h - s.pad_h, i0 = rows[2 * oh], i1 = rows[2 * oh + 1];
      const i64 ws = ow * s.stride_w - s.pad_w, j0 = cols[2 * ow], j1 = cols[2 * ow + 1];
      // PyTorch's rule: start from −∞ at the window's first valid position; a larger value or
      // a NaN takes over (so a NaN, once found, is kept: nothing compares greater than it).
      T best = -std::numeric_limits<T>::infinity();
      i64 best_i = (hs + i0 * s.dil_h) * s.in_w + ws + j0 * s.dil_w;
      for (i64 i = i0; i < i1; ++i) {
        const i64 row = (hs + i * s.dil_h) * s.in_w + ws;
        for (i64 j = j0; j < j1; ++j) {
          // Branch-free (a bit blend, which the compiler cannot turn back into a jump): on
          // random data "is it larger" is a coin toss the branch predictor loses.
          const T v = xp[row + j * s.dil_w];
          const bool take = (v > best) | (v != v);
          best = blend(take, v, best);
          best_i = take ? row + j * s.dil_w : best_i;
        }
      }
      yp[q] = best;
      ip[q] = best_i;
    };
    for (i64 c = 0; c < chunks; ++c) {
      if (!inside[static_cast<std::size_t>(c)]) {
        for (i64 q = c * W; q < (c + 1) * W; ++q) scalar(q);
        continue;
      }
      const BI b = BI::load_unaligned(base.data() + c * W);
      B best(-std::numeric_limits<T>::infinity());
      BI best_i = b + BI(offsets[0]);
      for (I off : offsets) {
        const BI at = b + BI(off);
        const B v = B::gather(xp, at);
        const auto take = (v > best) | xsimd::isnan(v);
        best = xsimd::select(take, v, best);
        // The index lanes ride along in a float-typed register, selected bit for bit.
        best_i =
            xsimd::bitwise_cast<BI>(xsimd::select(take, xsimd::bitwise_cast<B>(at), xsimd::bitwise_cast<B>(best_i)));
      }
      best.store_unaligned(yp + c * W);
      alignas(64) I lanes[W];
      best_i.store_aligned(lanes);
      for (i64 l = 0; l < W; ++l) ip[c * W + l] = lanes[l];
    }
    for (i64 q = chunks * W; q < out_hw; ++q) scalar(q);
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

#define XG_POOL_INSTANTIATE(T)                                                   \
  template void max_pool2d_forward<T>(const MaxPoolShape&, const T*, T*, i64*);  \
  template void max_pool2d_backward<T>(i64, i64, i64, const T*, const i64*, T*); \
  template void avg_pool2d_forward<T>(const AvgPoolWindows&, const T*, T*);      \
  template void avg_pool2d_backward<T>(const AvgPoolWindows&, const T*, T*);
XG_POOL_INSTANTIATE(float)
XG_POOL_INSTANTIATE(double)
#undef XG_POOL_INSTANTIATE

}  // namespace xg::kernels::XG_ISA_NS
