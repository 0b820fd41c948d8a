// 2-d convolution kernels: forward by im2col + GEMM or by a direct register-tiled kernel, the
// input gradient by GEMM + col2im, the weight gradient by im2col + GEMM.
//
// Note [Convolution algorithms]
// im2col + GEMM: for each image n and group g, unfold the input into the column matrix
//   col[(c, i, j), (oh, ow)] = x[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw]      (K × P, K = Cg·KH·KW)
// so that y_ng [Cout_g × P] = W_g [Cout_g × K] · col [K × P], one GEMM (P = OH·OW). The adjoint
// gives the input gradient (col = W_gᵀ · gy_ng, then col2im adds every column entry back to the
// pixel it came from) and the weight gradient (gW_g += gy_ng · colᵀ). A 1×1 kernel with unit
// stride and no padding needs no unfolding: col is the image itself.
//
// Direct (unit horizontal stride only): the image is copied once into a zero-padded buffer of
// row pitch Wp = W + 2·pw, so every tap (c, i, j) of the kernel is a fixed offset
// off = c·Hp·Wp + i·dh·Wp + j·dw from the tap (0, 0, 0). Output position q = oh·sh·Wp + ow then
// reads x_pad[q + off] for every tap: a GEMM-like sum Σ_t w[o, t] · x_pad[q + off_t] whose "B
// operand" is read straight from the padded image — no unfolded copy. The micro-kernel keeps
// CO output channels × V vectors of consecutive q in registers, broadcasting one weight per
// channel and loading V vectors of the image per tap. With unit vertical stride the whole
// output plane is one run of q (the positions ow >= OW of each padded row are computed and
// dropped); otherwise each output row is its own run. It avoids im2col's K-fold copy, which pays
// off when K is small and each GEMM tile would do only a few FMAs per store.
//
// Determinism: images run in parallel but each output element is produced by one thread in a
// fixed order; the weight gradient sums images in fixed chunks (set by the batch size only)
// combined in chunk order.
#include "kernels/conv.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <xsimd/xsimd.hpp>

#include "kernels/gemm.hpp"
#include "kernels/isa_buffer.hpp"
#include "kernels/parallel.hpp"
#include "kernels/scratch.hpp"

namespace xg::kernels::XG_ISA_NS {

// Calls to the other dispatched kernels name this copy's namespace: their arguments' types live in
// xg::kernels, so an unqualified call would also find the dispatcher's overload there.

namespace {

using i64 = std::int64_t;

constexpr i64 round_up(i64 a, i64 b) { return (a + b - 1) / b * b; }

/// Convolutions with fewer multiply-adds than this run on the calling thread.
constexpr i64 kParallelWork = i64{1} << 18;

/// Number of images whose weight-gradient contributions are summed together before the chunk
/// sums are combined: the batch is cut into at most this many chunks (independent of threads).
constexpr i64 kWeightGradChunks = 8;

i64 macs(const ConvShape& s) { return s.batch * s.out_c * s.out_h * s.out_w * (s.in_c / s.groups) * s.k_h * s.k_w; }

bool is_pointwise(const ConvShape& s) {
  return s.k_h == 1 && s.k_w == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_h == 0 && s.pad_w == 0;
}

/// Output positions o in [0, out) whose input position o·stride + start lies in [0, in): [lo, hi).
void valid_range(i64 out, i64 in, i64 stride, i64 start, i64& lo, i64& hi) {
  lo = start >= 0 ? 0 : (-start + stride - 1) / stride;
  hi = in - 1 - start < 0 ? 0 : (in - 1 - start) / stride + 1;
  lo = std::min(lo, out);
  hi = std::max(lo, std::min(hi, out));
}

/// Runs unit(u, inner_parallel) for u in [0, units): in parallel over units when there are enough
/// of them, else one after another with the GEMM inside allowed to use the threads.
template <class F>
void for_units(i64 units, i64 work, F&& unit) {
  const int threads = work >= kParallelWork ? available_threads() : 1;
  if (threads > 1 && units >= threads) {
    parallel_for_each(0, units, 1, [&](i64 u) { unit(u, false); });
  } else {
    for (i64 u = 0; u < units; ++u) unit(u, threads > 1);
  }
}

/// dst[0:n] = src[0:n] for the short runs of im2col (image rows of a few dozen values): whole
/// vectors and one masked tail, instead of a library call or a scalar loop per run.
template <class T>
inline void copy_run(T* dst, const T* src, i64 n) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
    i64 i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(dst + i, _mm512_loadu_ps(src + i));
    if (i < n) {
      const auto m = static_cast<__mmask16>((1u << (n - i)) - 1);
      _mm512_mask_storeu_ps(dst + i, m, _mm512_maskz_loadu_ps(m, src + i));
    }
    return;
  } else {
    i64 i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(dst + i, _mm512_loadu_pd(src + i));
    if (i < n) {
      const auto m = static_cast<__mmask8>((1u << (n - i)) - 1);
      _mm512_mask_storeu_pd(dst + i, m, _mm512_maskz_loadu_pd(m, src + i));
    }
    return;
  }
#endif
  for (i64 i = 0; i < n; ++i) dst[i] = src[i];
}

// ---- im2col / col2im ----------------------------------------------------------------------------

/// col [cg·KH·KW, OH·OW] from the cg channels of one image starting at x.
template <class T>
void im2col(const ConvShape& s, i64 cg, const T* x, T* col) {
  const i64 ow_n = s.out_w, p_n = s.out_h * s.out_w;
  for (i64 c = 0; c < cg; ++c)
    for (i64 i = 0; i < s.k_h; ++i)
      for (i64 j = 0; j < s.k_w; ++j) {
        T* row = col + ((c * s.k_h + i) * s.k_w + j) * p_n;
        const i64 hstart = i * s.dil_h - s.pad_h, wstart = j * s.dil_w - s.pad_w;
        i64 wlo, whi;
        valid_range(ow_n, s.in_w, s.stride_w, wstart, wlo, whi);
        for (i64 oh = 0; oh < s.out_h; ++oh) {
          T* dst = row + oh * ow_n;
          const i64 ih = oh * s.stride_h + hstart;
          if (ih < 0 || ih >= s.in_h) {
            std::fill(dst, dst + ow_n, T(0));
            continue;
          }
          const T* src = x + (c * s.in_h + ih) * s.in_w;
          std::fill(dst, dst + wlo, T(0));
          if (s.stride_w == 1) {
            if (whi > wlo) copy_run(dst + wlo, src + wlo + wstart, whi - wlo);
          } else {
            for (i64 ow = wlo; ow < whi; ++ow) dst[ow] = src[ow * s.stride_w + wstart];
          }
          std::fill(dst + whi, dst + ow_n, T(0));
        }
      }
}

/// The adjoint of im2col: adds every entry of col to the pixel of x it was read from.
template <class T>
void col2im_add(const ConvShape& s, i64 cg, const T* col, T* x) {
  const i64 ow_n = s.out_w, p_n = s.out_h * s.out_w;
  for (i64 c = 0; c < cg; ++c)
    for (i64 i = 0; i < s.k_h; ++i)
      for (i64 j = 0; j < s.k_w; ++j) {
        const T* row = col + ((c * s.k_h + i) * s.k_w + j) * p_n;
        const i64 hstart = i * s.dil_h - s.pad_h, wstart = j * s.dil_w - s.pad_w;
        i64 wlo, whi;
        valid_range(ow_n, s.in_w, s.stride_w, wstart, wlo, whi);
        for (i64 oh = 0; oh < s.out_h; ++oh) {
          const i64 ih = oh * s.stride_h + hstart;
          if (ih < 0 || ih >= s.in_h) continue;
          const T* src = row + oh * ow_n;
          T* dst = x + (c * s.in_h + ih) * s.in_w + wstart;
          if (s.stride_w == 1) {
            for (i64 ow = wlo; ow < whi; ++ow) dst[ow] += src[ow];
          } else {
            for (i64 ow = wlo; ow < whi; ++ow) dst[ow * s.stride_w] += src[ow];
          }
        }
      }
}

// ---- forward: im2col + GEMM ---------------------------------------------------------------------

template <class T>
void forward_im2col(const ConvShape& s, const T* x, const T* w, const T* bias, T* y) {
  const i64 cg_in = s.in_c / s.groups, cg_out = s.out_c / s.groups;
  const i64 k = cg_in * s.k_h * s.k_w, p_n = s.out_h * s.out_w, hw = s.in_h * s.in_w;
  const bool pointwise = is_pointwise(s);
  for_units(s.batch * s.groups, macs(s), [&](i64 u, bool parallel_gemm) {
    const i64 n = u / s.groups, g = u % s.groups;
    const T* xg = x + (n * s.in_c + g * cg_in) * hw;
    T* yg = y + (n * s.out_c + g * cg_out) * p_n;
    Scratch cols(ScratchSlot::ConvColumns, pointwise ? 0 : sizeof(T) * static_cast<std::size_t>(k * p_n));
    const T* colp = xg;
    if (!pointwise) {
      im2col<T>(s, cg_in, xg, cols.as<T>());
      colp = cols.as<T>();
    }
    T beta = T(0);
    if (bias != nullptr) {
      for (i64 o = 0; o < cg_out; ++o) std::fill(yg + o * p_n, yg + (o + 1) * p_n, bias[g * cg_out + o]);
      beta = T(1);
    }
    XG_ISA_NS::gemm<T>(cg_out, p_n, k, T(1), {w + g * cg_out * k, k, 1}, {colp, p_n, 1}, beta, {yg, p_n, 1},
                       parallel_gemm);
  });
}

// ---- forward: direct ----------------------------------------------------------------------------

template <class T>
struct DirectTile {
  static constexpr int W = static_cast<int>(xsimd::batch<T>::size);
#if XSIMD_WITH_AVX512F
  static constexpr int CO = 8;  // 8 channels × 3 vectors = 24 accumulators of 32 registers
#else
  static constexpr int CO = 4;  // 4 × 3 = 12 of 16
#endif
  static constexpr int V = 3;
  static constexpr int Q = V * W;  // output positions per tile
};

/// out[o, 0:Q] = Σ_t wp[t, o] · xb[off[t] + 0:Q] for o < CO (the tile of CO channels × Q positions).
template <class T>
inline void direct_tile(i64 taps, const i64* __restrict off, const T* __restrict wp, const T* __restrict xb,
                        T* __restrict out, i64 pitch) {
  using B = xsimd::batch<T>;
  using D = DirectTile<T>;
  constexpr int W = D::W, CO = D::CO, V = D::V;
  B acc[CO][V];
#pragma GCC unroll 16
  for (int o = 0; o < CO; ++o)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[o][v] = B(T(0));
  for (i64 t = 0; t < taps; ++t) {
    const T* xt = xb + off[t];
    B xv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) xv[v] = B::load_unaligned(xt + v * W);
#pragma GCC unroll 16
    for (int o = 0; o < CO; ++o) {
      const B wv(wp[o]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[o][v] = xsimd::fma(wv, xv[v], acc[o][v]);
    }
    wp += CO;
  }
#pragma GCC unroll 16
  for (int o = 0; o < CO; ++o)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[o][v].store_aligned(out + o * pitch + v * W);
}

template <class T>
void forward_direct(const ConvShape& s, const T* x, const T* w, const T* bias, T* y) {
  using D = DirectTile<T>;
  constexpr i64 CO = D::CO, Q = D::Q;
  const i64 cg_in = s.in_c / s.groups, cg_out = s.out_c / s.groups;
  const i64 taps = cg_in * s.k_h * s.k_w;
  const i64 hp = s.in_h + 2 * s.pad_h, wp_n = s.in_w + 2 * s.pad_w;
  const i64 hw = s.in_h * s.in_w, p_n = s.out_h * s.out_w;
  // Runs of consecutive q: one over the whole plane (unit vertical stride), else one per row.
  const bool flat = s.stride_h == 1;
  const i64 run_len = flat ? s.out_h * wp_n : s.out_w;
  const i64 runs = flat ? 1 : s.out_h;
  const i64 run_pitch = round_up(run_len, Q);
  const i64 tile_len = runs * run_pitch;
  const i64 row_pitch = flat ? wp_n : run_pitch;  // where output row oh starts in the tile buffer

  Array<i64> off(taps);
  for (i64 c = 0; c < cg_in; ++c)
    for (i64 i = 0; i < s.k_h; ++i)
      for (i64 j = 0; j < s.k_w; ++j)
        off[static_cast<std::size_t>((c * s.k_h + i) * s.k_w + j)] = c * hp * wp_n + i * s.dil_h * wp_n + j * s.dil_w;
  // The padded image is long enough for the last tile's loads past the plane's end.
  const i64 last_base = flat ? 0 : (s.out_h - 1) * s.stride_h * wp_n;
  const i64 image_len = std::max(cg_in * hp * wp_n, last_base + run_pitch + off[taps - 1] + Q);

  // Weights packed per block of CO output channels: [group][block][tap][CO], zero past cg_out.
  const i64 blocks = (cg_out + CO - 1) / CO;
  Array<T> wpk(s.groups * blocks * taps * CO, T(0));
  for (i64 g = 0; g < s.groups; ++g)
    for (i64 o = 0; o < cg_out; ++o)
      for (i64 t = 0; t < taps; ++t)
        wpk[static_cast<std::size_t>(((g * blocks + o / CO) * taps + t) * CO + o % CO)] =
            w[(g * cg_out + o) * taps + t];

  for_units(s.batch * s.groups, macs(s), [&](i64 u, bool) {
    const i64 n = u / s.groups, g = u % s.groups;
    Scratch image(ScratchSlot::ConvImage, sizeof(T) * static_cast<std::size_t>(image_len));
    Scratch tile(ScratchSlot::ConvTile, sizeof(T) * static_cast<std::size_t>(CO * tile_len));
    T* xp = image.as<T>();
    T* tp = tile.as<T>();
    std::fill(xp, xp + image_len, T(0));
    const T* xg = x + (n * s.in_c + g * cg_in) * hw;
    for (i64 c = 0; c < cg_in; ++c)
      for (i64 h = 0; h < s.in_h; ++h)
        std::memcpy(xp + (c * hp + h + s.pad_h) * wp_n + s.pad_w, xg + (c * s.in_h + h) * s.in_w,
                    sizeof(T) * static_cast<std::size_t>(s.in_w));
    for (i64 b = 0; b < blocks; ++b) {
      const T* wb = wpk.data() + (g * blocks + b) * taps * CO;
      for (i64 r = 0; r < runs; ++r) {
        const T* xr = xp + r * s.stride_h * wp_n;
        T* tr = tp + r * run_pitch;
        for (i64 q = 0; q < run_len; q += Q) direct_tile<T>(taps, off.data(), wb, xr + q, tr + q, tile_len);
      }
      const i64 co_n = std::min<i64>(CO, cg_out - b * CO);
      for (i64 o = 0; o < co_n; ++o) {
        const i64 oc = g * cg_out + b * CO + o;
        const T add = bias != nullptr ? bias[oc] : T(0);
        T* yo = y + (n * s.out_c + oc) * p_n;
        const T* to = tp + o * tile_len;
        for (i64 oh = 0; oh < s.out_h; ++oh)
          for (i64 ow = 0; ow < s.out_w; ++ow) yo[oh * s.out_w + ow] = to[oh * row_pitch + ow] + add;
      }
    }
  });
}

// ---- backward ----------------------------------------------------------------------------------

/// With unit strides the input gradient is itself a convolution: gx = conv(gy padded by
/// d·(k − 1) − p, the weight transposed per group and flipped in space), which the direct kernel
/// computes without col2im's scattered adds. Returns false (doing nothing) when that does not
/// apply: strides above 1, padding beyond d·(k − 1), an input size that is not the natural one
/// (a transposed convolution's output_padding), or a shape the direct kernel is not chosen for.
template <class T>
bool backward_input_direct(const ConvShape& s, const T* gy, const T* w, T* gx) {
  if (s.stride_h != 1 || s.stride_w != 1) return false;
  const i64 ph = s.dil_h * (s.k_h - 1) - s.pad_h, pw = s.dil_w * (s.k_w - 1) - s.pad_w;
  if (ph < 0 || pw < 0) return false;
  if (s.in_h != s.out_h + s.dil_h * (s.k_h - 1) - 2 * s.pad_h ||
      s.in_w != s.out_w + s.dil_w * (s.k_w - 1) - 2 * s.pad_w)
    return false;
  ConvShape t = s;
  t.in_c = s.out_c;
  t.in_h = s.out_h;
  t.in_w = s.out_w;
  t.out_c = s.in_c;
  t.out_h = s.in_h;
  t.out_w = s.in_w;
  t.pad_h = ph;
  t.pad_w = pw;
  if (XG_ISA_NS::conv_algorithm(t) != ConvAlgorithm::Direct) return false;
  // w'[g·Cin_g + c, o, i, j] = w[g·Cout_g + o, c, KH−1−i, KW−1−j]
  const i64 cg_in = s.in_c / s.groups, cg_out = s.out_c / s.groups, kk = s.k_h * s.k_w;
  Array<T> wt(s.in_c * cg_out * kk);
  for (i64 g = 0; g < s.groups; ++g)
    for (i64 o = 0; o < cg_out; ++o)
      for (i64 c = 0; c < cg_in; ++c)
        for (i64 e = 0; e < kk; ++e)
          wt[static_cast<std::size_t>(((g * cg_in + c) * cg_out + o) * kk + (kk - 1 - e))] =
              w[((g * cg_out + o) * cg_in + c) * kk + e];
  forward_direct<T>(t, gy, wt.data(), nullptr, gx);
  return true;
}

template <class T>
void backward_input(const ConvShape& s, const T* gy, const T* w, T* gx) {
  if (backward_input_direct<T>(s, gy, w, gx)) return;
  const i64 cg_in = s.in_c / s.groups, cg_out = s.out_c / s.groups;
  const i64 k = cg_in * s.k_h * s.k_w, p_n = s.out_h * s.out_w, hw = s.in_h * s.in_w;
  const bool pointwise = is_pointwise(s);
  for_units(s.batch * s.groups, macs(s), [&](i64 u, bool parallel_gemm) {
    const i64 n = u / s.groups, g = u % s.groups;
    const T* gyg = gy + (n * s.out_c + g * cg_out) * p_n;
    T* gxg = gx + (n * s.in_c + g * cg_in) * hw;
    // W_gᵀ [K × Cout_g] is W_g [Cout_g × K] read with swapped strides.
    const MatrixRef<T> wt{w + g * cg_out * k, 1, k};
    if (pointwise) {
      XG_ISA_NS::gemm<T>(cg_in, p_n, cg_out, T(1), wt, {gyg, p_n, 1}, T(0), {gxg, p_n, 1}, parallel_gemm);
      return;
    }
    Scratch cols(ScratchSlot::ConvColumns, sizeof(T) * static_cast<std::size_t>(k * p_n));
    XG_ISA_NS::gemm<T>(k, p_n, cg_out, T(1), wt, {gyg, p_n, 1}, T(0), {cols.as<T>(), p_n, 1}, parallel_gemm);
    std::fill(gxg, gxg + cg_in * hw, T(0));
    col2im_add<T>(s, cg_in, cols.as<T>(), gxg);
  });
}

template <class T>
void backward_weight(const ConvShape& s, const T* x, const T* gy, T* gw) {
  const i64 cg_in = s.in_c / s.groups, cg_out = s.out_c / s.groups;
  const i64 k = cg_in * s.k_h * s.k_w, p_n = s.out_h * s.out_w, hw = s.in_h * s.in_w;
  const i64 wsize = s.out_c * k;
  const bool pointwise = is_pointwise(s);
  if (s.batch == 0) {
    std::fill(gw, gw + wsize, T(0));
    return;
  }
  const i64 chunks = std::min(s.batch, kWeightGradChunks);
  // Chunk c sums images [c·N/chunks, (c+1)·N/chunks) into its own buffer (the first into gw).
  Array<T> partial((chunks - 1) * wsize);
  auto chunk = [&](i64 c, bool parallel_gemm) {
    T* acc = c == 0 ? gw : partial.data() + (c - 1) * wsize;
    const i64 n0 = c * s.batch / chunks, n1 = (c + 1) * s.batch / chunks;
    Scratch cols(ScratchSlot::ConvColumns, pointwise ? 0 : sizeof(T) * static_cast<std::size_t>(k * p_n));
    for (i64 n = n0; n < n1; ++n)
      for (i64 g = 0; g < s.groups; ++g) {
        const T* xg = x + (n * s.in_c + g * cg_in) * hw;
        const T* gyg = gy + (n * s.out_c + g * cg_out) * p_n;
        const T* colp = xg;
        if (!pointwise) {
          im2col<T>(s, cg_in, xg, cols.as<T>());
          colp = cols.as<T>();
        }
        // gW_g (+)= gy_ng · colᵀ, colᵀ read from col [K × P] with swapped strides.
        XG_ISA_NS::gemm<T>(cg_out, k, p_n, T(1), {gyg, p_n, 1}, {colp, 1, p_n}, n == n0 ? T(0) : T(1),
                           {acc + g * cg_out * k, k, 1}, parallel_gemm);
      }
  };
  for_units(chunks, macs(s), chunk);
  for (i64 c = 1; c < chunks; ++c) {
    const T* src = partial.data() + (c - 1) * wsize;
    for (i64 i = 0; i < wsize; ++i) gw[i] += src[i];
  }
}

}  // namespace

ConvAlgorithm conv_algorithm(const ConvShape& s) {
  // Measured in bench/bench_conv.cpp (docs/performance.md): on the CNN layers the direct kernel
  // beats im2col + GEMM, whose unfolding costs as much as a third of the time on small images.
  // It loses where its lanes are mostly wasted or its image does not stay in cache: it computes
  // whole padded rows (flat runs) or rows rounded up to a tile (strided runs), and it reads the
  // taps straight from the image instead of from packed panels.
  const i64 k = (s.in_c / s.groups) * s.k_h * s.k_w;
  if (s.stride_w != 1 || k == 0) return ConvAlgorithm::Im2colGemm;
  constexpr i64 kTileFloats = DirectTile<float>::Q;
  const i64 wp = s.in_w + 2 * s.pad_w;
  const i64 computed = s.stride_h == 1 ? wp : round_up(s.out_w, kTileFloats);
  if (computed * 4 > s.out_w * 5) return ConvAlgorithm::Im2colGemm;  // over 20% of the lanes wasted
  const i64 image = (s.in_c / s.groups) * (s.in_h + 2 * s.pad_h) * wp;
  if (image > (i64{1} << 16)) return ConvAlgorithm::Im2colGemm;  // 256 KiB of floats: past L2's share
  return ConvAlgorithm::Direct;
}

template <class T>
void conv2d_forward(const ConvShape& s, const T* x, const T* w, const T* bias, T* y, ConvAlgorithm algo) {
  if (s.batch == 0 || s.out_c == 0 || s.out_h == 0 || s.out_w == 0) return;
  if (algo == ConvAlgorithm::Auto) algo = XG_ISA_NS::conv_algorithm(s);
  if (algo == ConvAlgorithm::Direct && s.stride_w == 1) forward_direct<T>(s, x, w, bias, y);
  else forward_im2col<T>(s, x, w, bias, y);
}

template <class T>
void conv2d_backward_input(const ConvShape& s, const T* gy, const T* w, T* gx) {
  if (s.batch == 0 || s.in_c == 0 || s.in_h == 0 || s.in_w == 0) return;
  backward_input<T>(s, gy, w, gx);
}

template <class T>
void conv2d_backward_weight(const ConvShape& s, const T* x, const T* gy, T* gw) {
  if (s.out_c == 0 || s.in_c == 0) return;
  backward_weight<T>(s, x, gy, gw);
}

#define XG_CONV_INSTANTIATE(T)                                                                        \
  template void conv2d_forward<T>(const ConvShape&, const T*, const T*, const T*, T*, ConvAlgorithm); \
  template void conv2d_backward_input<T>(const ConvShape&, const T*, const T*, T*);                   \
  template void conv2d_backward_weight<T>(const ConvShape&, const T*, const T*, T*);
XG_CONV_INSTANTIATE(float)
XG_CONV_INSTANTIATE(double)
#undef XG_CONV_INSTANTIATE

}  // namespace xg::kernels::XG_ISA_NS
