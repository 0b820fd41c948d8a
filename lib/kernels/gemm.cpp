// The GEMM: C = alpha·A·B + beta·C on strided operands, blocked for the caches, packed, and
// computed by a SIMD register-tile micro-kernel.
//
// Note [GEMM blocking]
// The classic five-loop scheme (Goto & van de Geijn; BLIS):
//   for jc in N step NC                       B block KC × NC lives in L3 (packed once per step)
//     for pc in K step KC                     one rank-KC update of C
//       pack B[pc:pc+KC, jc:jc+NC] into NR-wide column panels, p-major inside a panel
//       for ic in M step MC                   (parallel tasks)  A block MC × KC lives in L2
//         pack A[ic:ic+MC, pc:pc+KC] into MR-high row panels, p-major inside a panel
//         for jr in NC step NR                B micro-panel KC × NR stays in L1
//           for ir in MC step MR              A micro-panel streams from L2
//             micro-kernel: C[ir:ir+MR, jr:jr+NR] += A-panel · B-panel
// The micro-kernel keeps an MR × NR tile of C in registers (MR × NV SIMD registers with
// NR = NV · W lanes): per step p it loads NV vectors of B, broadcasts MR scalars of A and issues
// MR·NV FMAs, so the FMA:load ratio is MR·NV : (MR + NV). With 32 registers (AVX-512) the tile is
// 12 × 2 vectors (24 accumulators + 2 B vectors + a broadcast); with 16 registers (SSE/AVX) it is
// 6 × 2. Packing turns any operand layout (row-major, column-major i.e. transposed, or strided)
// into the same contiguous panels, so op(A) = Aᵀ costs nothing more than a different packing
// loop, and it pads ragged edges with zeros so the kernel never branches on the tile size.
//
// Note [GEMM determinism]
// Each C element is accumulated as C = alpha·(Σ over the first KC-slice) + beta·C, then
// C += alpha·(Σ over the next slice) and so on, each slice summed in increasing p inside one
// micro-kernel call. KC depends only on k, and threads split only M and N (never K), so the
// result is bit-identical for any thread count.
// GCC 12 reports the deliberately undefined source operand inside its own AVX-512 intrinsics
// (_mm512_undefined_ps) as "maybe uninitialized"; the warning is attributed to the intrinsic
// header, so it is silenced here, before that header is first included.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "kernels/gemm.hpp"

#include "kernels/isa_buffer.hpp"
#include "kernels/parallel.hpp"
#include "kernels/scratch.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <xsimd/xsimd.hpp>

namespace xg::kernels::XG_ISA_NS {

namespace {

using i64 = std::int64_t;

constexpr i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }
constexpr i64 round_up(i64 a, i64 b) { return ceil_div(a, b) * b; }

#if XSIMD_WITH_AVX512F
constexpr int kVectorRegisters = 32;
#else
constexpr int kVectorRegisters = 16;
#endif

/// Tile and block sizes for T. KC × NR · sizeof(T) (the B micro-panel) is 32 KiB, which sits in a
/// 48 KiB L1 beside an A micro-panel; MC × KC · sizeof(T) is about 240 KiB of a 1 MiB L2; the
/// packed B block KC × NC is 2–4 MiB of the shared L3.
template <class T>
struct Blocking {
  using Batch = xsimd::batch<T>;
  static constexpr int W = static_cast<int>(Batch::size);
  static constexpr int NV = 2;
  static constexpr int NR = NV * W;
  static constexpr int MR = kVectorRegisters >= 32 ? 12 : 6;
  static constexpr i64 KC = 256;
  static constexpr i64 MC = MR * 20;
  static constexpr i64 NC = round_up(4096 / static_cast<i64>(sizeof(T) / 4), NR);
};

/// Products smaller than this many multiply-adds run on the calling thread: below it, waking a
/// second thread costs more than it saves (measured in bench/bench_gemm.cpp).
constexpr i64 kParallelWork = i64{1} << 20;

// ---- packing ----------------------------------------------------------------------------------

#if defined(__AVX512F__)
/// In-register transpose of a 16 × 16 float tile: afterwards r[c] holds column c of the input
/// rows (three rounds of interleaves: 32-bit pairs, 64-bit pairs, then 128-bit lanes).
inline void transpose16x16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // r[4i + k], 128-bit lane L: rows 4i..4i+3 at column 4L + k.
  for (int i = 0; i < 4; ++i) {
    const __m512d t0 = _mm512_castps_pd(t[4 * i]), t1 = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * i + 2]), t3 = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  // Column 4L + k gathers lane L of r[k], r[4 + k], r[8 + k], r[12 + k].
  for (int k = 0; k < 4; ++k) {
    const __m512 ab_lo = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x44), ab_hi = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xEE);
    const __m512 cd_lo = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x44);
    const __m512 cd_hi = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xEE);
    t[k] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0x88);
    t[4 + k] = _mm512_shuffle_f32x4(ab_lo, cd_lo, 0xDD);
    t[8 + k] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0x88);
    t[12 + k] = _mm512_shuffle_f32x4(ab_hi, cd_hi, 0xDD);
  }
  for (int c = 0; c < 16; ++c) r[c] = t[c];
}
#endif

/// Packs rows [0, mc) × columns [0, kc) of `a` (already offset to the block's corner) into
/// ceil(mc / MR) panels; panel i holds, for each p, the MR values A[i·MR + r, p] (zero past mc).
template <class T>
void pack_a(i64 mc, i64 kc, MatrixRef<T> a, T* dst) {
  constexpr int MR = Blocking<T>::MR;
  for (i64 i0 = 0; i0 < mc; i0 += MR, dst += kc * MR) {
    const i64 mr = std::min<i64>(MR, mc - i0);
    const T* src = a.data + i0 * a.rs;
    if (a.rs == 1) {
      // Columns contiguous (a transposed row-major operand): each step is one short copy.
      for (i64 p = 0; p < kc; ++p) {
        const T* s = src + p * a.cs;
        T* d = dst + p * MR;
        for (i64 r = 0; r < mr; ++r) d[r] = s[r];
        for (i64 r = mr; r < MR; ++r) d[r] = T(0);
      }
    } else {
      i64 p0 = 0;
#if defined(__AVX512F__)
      // Rows contiguous: 16 steps of up to 16 rows at a time, transposed in registers, so the
      // writes are whole MR-vectors instead of scattered scalars.
      if constexpr (std::is_same_v<T, float> && MR <= 16) {
        if (a.cs == 1) {
          const auto lanes = static_cast<__mmask16>((1u << MR) - 1);
          for (; p0 + 16 <= kc; p0 += 16) {
            __m512 t[16];
            for (int r = 0; r < 16; ++r) t[r] = r < mr ? _mm512_loadu_ps(src + r * a.rs + p0) : _mm512_setzero_ps();
            transpose16x16(t);
            for (int j = 0; j < 16; ++j) _mm512_mask_storeu_ps(dst + (p0 + j) * MR, lanes, t[j]);
          }
        }
      }
#endif
      // Rows contiguous (or general strides): read along each row, write with stride MR.
      for (i64 r = 0; r < mr; ++r) {
        const T* s = src + r * a.rs;
        T* d = dst + r;
        if (a.cs == 1) {
          for (i64 p = p0; p < kc; ++p) d[p * MR] = s[p];
        } else {
          for (i64 p = p0; p < kc; ++p) d[p * MR] = s[p * a.cs];
        }
      }
      for (i64 r = mr; r < MR; ++r)
        for (i64 p = p0; p < kc; ++p) dst[p * MR + r] = T(0);
    }
  }
}

/// Packs rows [0, kc) × column panels [panel_lo, panel_hi) of `b` (offset to the block's corner)
/// into NR-wide panels; panel j holds, for each p, the NR values B[p, j·NR + c] (zero past nc).
template <class T>
void pack_b(i64 kc, i64 nc, i64 panel_lo, i64 panel_hi, MatrixRef<T> b, T* dst) {
  constexpr int NR = Blocking<T>::NR;
  for (i64 jp = panel_lo; jp < panel_hi; ++jp) {
    const i64 j0 = jp * NR;
    const i64 nr = std::min<i64>(NR, nc - j0);
    T* d = dst + jp * kc * NR;
    const T* src = b.data + j0 * b.cs;
    if (b.cs == 1) {
      // Rows contiguous: each step copies NR adjacent values.
      for (i64 p = 0; p < kc; ++p) {
        const T* s = src + p * b.rs;
        T* dp = d + p * NR;
        if (nr == NR) {
          std::memcpy(dp, s, sizeof(T) * NR);
        } else {
          for (i64 c = 0; c < nr; ++c) dp[c] = s[c];
          for (i64 c = nr; c < NR; ++c) dp[c] = T(0);
        }
      }
    } else {
      i64 p0 = 0;
#if defined(__AVX512F__)
      // Columns contiguous (a transposed operand): 16 × 16 tiles transposed in registers.
      if constexpr (std::is_same_v<T, float> && NR % 16 == 0) {
        if (b.rs == 1 && nr == NR) {
          for (; p0 + 16 <= kc; p0 += 16)
            for (int c0 = 0; c0 < NR; c0 += 16) {
              __m512 t[16];
              for (int c = 0; c < 16; ++c) t[c] = _mm512_loadu_ps(src + (c0 + c) * b.cs + p0);
              transpose16x16(t);
              for (int j = 0; j < 16; ++j) _mm512_store_ps(d + (p0 + j) * NR + c0, t[j]);
            }
        }
      }
#endif
      // Columns contiguous (a transposed operand) or general: read down each column.
      for (i64 c = 0; c < nr; ++c) {
        const T* s = src + c * b.cs;
        if (b.rs == 1) {
          for (i64 p = p0; p < kc; ++p) d[p * NR + c] = s[p];
        } else {
          for (i64 p = p0; p < kc; ++p) d[p * NR + c] = s[p * b.rs];
        }
      }
      for (i64 c = nr; c < NR; ++c)
        for (i64 p = p0; p < kc; ++p) d[p * NR + c] = T(0);
    }
  }
}

// ---- the micro-kernel -------------------------------------------------------------------------

/// C[0:MR, 0:NV·W] = alpha · Σ_p a[p]ᵀ b[p] + beta · C, where a[p] is the p-th MR-vector of the A
/// panel and b[p] the first NV·W values of the p-th NR-vector of the B panel (NV < NR / W for a
/// narrow last panel). beta == 0 never reads C.
template <class T, int MR, int NV>
inline void micro_kernel(i64 kc, const T* __restrict ap, const T* __restrict bp, T* __restrict c, i64 ldc, T alpha,
                         T beta) {
  using B = xsimd::batch<T>;
  constexpr int W = static_cast<int>(B::size);
  constexpr int NR = Blocking<T>::NR;
  B acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
    // The C tile is read (beta != 0) or written only after the K loop: fetching its lines now
    // hides a cache miss behind the loop (C of a large product lives in L3 or memory).
    __builtin_prefetch(c + r * ldc, 1);
    __builtin_prefetch(c + r * ldc + NV * W - 1, 1);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = B(T(0));
  }
  for (i64 p = 0; p < kc; ++p) {
    B bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = B::load_aligned(bp + v * W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const B av(ap[r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(av, bv[v], acc[r][v]);
    }
    ap += MR;
    bp += NR;
  }
  const B va(alpha);
  if (beta == T(0)) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) (va * acc[r][v]).store_unaligned(c + r * ldc + v * W);
  } else {
    const B vb(beta);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        T* cp = c + r * ldc + v * W;
        xsimd::fma(va, acc[r][v], vb * B::load_unaligned(cp)).store_unaligned(cp);
      }
  }
}

/// All tiles of one packed A block (mc rows) against column panels [panel_lo, panel_hi) of the
/// packed B block (nc columns). `c` points at C[block row 0, block column 0].
template <class T>
void macro_kernel(i64 mc, i64 nc, i64 kc, i64 panel_lo, i64 panel_hi, const T* ap, const T* bp, T alpha, T beta,
                  OutMatrixRef<T> c) {
  using Blk = Blocking<T>;
  constexpr int MR = Blk::MR, NR = Blk::NR, W = Blk::W;
  alignas(64) T tile[MR * NR];
  for (i64 jp = panel_lo; jp < panel_hi; ++jp) {
    const i64 j0 = jp * NR;
    const i64 nr = std::min<i64>(NR, nc - j0);
    const T* bpanel = bp + jp * kc * NR;
    for (i64 i0 = 0; i0 < mc; i0 += MR) {
      const i64 mr = std::min<i64>(MR, mc - i0);
      const T* apanel = ap + (i0 / MR) * kc * MR;
      T* cp = c.data + i0 * c.rs + j0 * c.cs;
      if (mr == MR && c.cs == 1 && nr == NR) {
        micro_kernel<T, MR, Blk::NV>(kc, apanel, bpanel, cp, c.rs, alpha, beta);
      } else if (mr == MR && c.cs == 1 && nr == W) {
        micro_kernel<T, MR, 1>(kc, apanel, bpanel, cp, c.rs, alpha, beta);
      } else {
        // A ragged or strided tile: compute it whole into a local tile, then write the part
        // that exists.
        if (nr <= W) micro_kernel<T, MR, 1>(kc, apanel, bpanel, tile, NR, T(1), T(0));
        else micro_kernel<T, MR, Blk::NV>(kc, apanel, bpanel, tile, NR, T(1), T(0));
        for (i64 r = 0; r < mr; ++r) {
          T* crow = cp + r * c.rs;
          const T* trow = tile + r * NR;
          if (beta == T(0)) {
            for (i64 j = 0; j < nr; ++j) crow[j * c.cs] = alpha * trow[j];
          } else {
            for (i64 j = 0; j < nr; ++j) crow[j * c.cs] = alpha * trow[j] + beta * crow[j * c.cs];
          }
        }
      }
    }
  }
}

// ---- drivers ----------------------------------------------------------------------------------

/// C = beta · C (zeros when beta == 0, whatever C held).
template <class T>
void scale(i64 m, i64 n, T beta, OutMatrixRef<T> c) {
  for (i64 i = 0; i < m; ++i)
    for (i64 j = 0; j < n; ++j) {
      T& x = c.data[i * c.rs + j * c.cs];
      x = beta == T(0) ? T(0) : beta * x;
    }
}

template <class T>
T dot_contiguous(i64 n, const T* x, const T* y) {
  using B = xsimd::batch<T>;
  constexpr i64 W = static_cast<i64>(B::size);
  // Four independent partial sums hide the add latency; they are combined in a fixed order.
  B s0(T(0)), s1(T(0)), s2(T(0)), s3(T(0));
  i64 i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    s0 = xsimd::fma(B::load_unaligned(x + i), B::load_unaligned(y + i), s0);
    s1 = xsimd::fma(B::load_unaligned(x + i + W), B::load_unaligned(y + i + W), s1);
    s2 = xsimd::fma(B::load_unaligned(x + i + 2 * W), B::load_unaligned(y + i + 2 * W), s2);
    s3 = xsimd::fma(B::load_unaligned(x + i + 3 * W), B::load_unaligned(y + i + 3 * W), s3);
  }
  for (; i + W <= n; i += W) s0 = xsimd::fma(B::load_unaligned(x + i), B::load_unaligned(y + i), s0);
  alignas(64) T lanes[W];
  ((s0 + s1) + (s2 + s3)).store_aligned(lanes);
  T acc = T(0);
  for (i64 l = 0; l < W; ++l) acc += lanes[l];
  for (; i < n; ++i) acc += x[i] * y[i];
  return acc;
}

/// y = alpha · A x + beta · y for an m × k matrix A (a matrix-vector product has no reuse to
/// block for: it reads A once, along whichever direction is contiguous).
template <class T>
void gemv(i64 m, i64 k, T alpha, MatrixRef<T> a, const T* x, i64 sx, T beta, T* y, i64 sy) {
  auto put = [&](i64 i, T v) {
    T& out = y[i * sy];
    out = beta == T(0) ? alpha * v : alpha * v + beta * out;
  };
  if (a.cs == 1 && sx == 1) {
    for (i64 i = 0; i < m; ++i) put(i, dot_contiguous<T>(k, a.data + i * a.rs, x));
  } else if (a.rs == 1) {
    // Columns contiguous: y accumulates x[p] · column p, each element summed in increasing p.
    Array<T> acc(m, T(0));
    T* accp = acc.data();
    for (i64 p = 0; p < k; ++p) {
      const T xp = x[p * sx];
      const T* col = a.data + p * a.cs;
      for (i64 i = 0; i < m; ++i) accp[i] += col[i] * xp;
    }
    for (i64 i = 0; i < m; ++i) put(i, accp[i]);
  } else {
    for (i64 i = 0; i < m; ++i) {
      T acc = T(0);
      const T* row = a.data + i * a.rs;
      for (i64 p = 0; p < k; ++p) acc += row[p * a.cs] * x[p * sx];
      put(i, acc);
    }
  }
}

int thread_count(bool parallel, i64 m, i64 n, i64 k) {
  if (!parallel || m * n * k < kParallelWork) return 1;
  return available_threads();
}

template <class T>
void gemm_blocked(i64 m, i64 n, i64 k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, OutMatrixRef<T> c,
                  int threads) {
  using Blk = Blocking<T>;
  constexpr int MR = Blk::MR, NR = Blk::NR;
  // Equal K slices no longer than KC: the slicing, hence the summation order, depends on k only.
  const i64 kslices = ceil_div(k, Blk::KC);
  const i64 kcb = ceil_div(k, kslices);
  // M blocks of equal height (a multiple of MR); with several threads, a multiple of the thread
  // count of them, or N split into chunks when M has too few blocks, so the tasks come out even.
  i64 mblocks = ceil_div(m, Blk::MC);
  if (threads > 1 && mblocks >= threads) mblocks = round_up(mblocks, threads);
  const i64 mcb = round_up(ceil_div(m, mblocks), MR);
  mblocks = ceil_div(m, mcb);

  const i64 ncb_max = std::min<i64>(Blk::NC, round_up(n, NR));
  Scratch bbuf(ScratchSlot::GemmB, sizeof(T) * static_cast<std::size_t>(kcb * ncb_max));
  T* bp = bbuf.as<T>();

  for (i64 jc = 0; jc < n; jc += Blk::NC) {
    const i64 nc = std::min<i64>(Blk::NC, n - jc);
    const i64 panels = ceil_div(nc, NR);
    const i64 nchunks = threads > 1 && mblocks < threads ? std::min<i64>(panels, ceil_div(threads, mblocks)) : 1;
    for (i64 pc = 0; pc < k; pc += kcb) {
      const i64 kc = std::min<i64>(kcb, k - pc);
      const T beta_pc = pc == 0 ? beta : T(1);
      const MatrixRef<T> bblock{b.data + pc * b.rs + jc * b.cs, b.rs, b.cs};
      auto task = [&](i64 t) {
        const i64 ib = t / nchunks, jb = t % nchunks;
        const i64 ic = ib * mcb;
        const i64 mc = std::min<i64>(mcb, m - ic);
        Scratch abuf(ScratchSlot::GemmA, sizeof(T) * static_cast<std::size_t>(round_up(mc, MR) * kc));
        pack_a<T>(mc, kc, {a.data + ic * a.rs + pc * a.cs, a.rs, a.cs}, abuf.as<T>());
        macro_kernel<T>(mc, nc, kc, panels * jb / nchunks, panels * (jb + 1) / nchunks, abuf.as<T>(), bp, alpha,
                        beta_pc, {c.data + ic * c.rs + jc * c.cs, c.rs, c.cs});
      };
      const i64 tasks = mblocks * nchunks;
      if (threads == 1) {
        pack_b<T>(kc, nc, 0, panels, bblock, bp);
        for (i64 t = 0; t < tasks; ++t) task(t);
      } else {
        parallel_for(
            0, panels, std::max<i64>(1, panels / (4 * threads)),
            [&](i64 p0, i64 p1) { pack_b<T>(kc, nc, p0, p1, bblock, bp); }, Partition::Simple);
        parallel_for_each(0, tasks, 1, task, Partition::Simple);
      }
    }
  }
}

/// Rows of the padded tile grid the micro-kernel computes for an m × n output (a narrow last
/// column panel costs one vector, not NV).
template <class T>
i64 padded_work(i64 m, i64 n) {
  using Blk = Blocking<T>;
  const i64 rem = n % Blk::NR;
  const i64 ncols = n - rem + (rem == 0 ? 0 : rem <= Blk::W ? Blk::W : Blk::NR);
  return round_up(m, Blk::MR) * ncols;
}

}  // namespace

template <class T>
GemmTile gemm_tile() {
  return {Blocking<T>::MR, Blocking<T>::NR};
}

template <class T>
T dot(i64 n, const T* x, i64 sx, const T* y, i64 sy) {
  if (sx == 1 && sy == 1) return dot_contiguous<T>(n, x, y);
  T acc = 0;
  for (i64 i = 0; i < n; ++i) acc += x[i * sx] * y[i * sy];
  return acc;
}

template <class T>
void gemm(i64 m, i64 n, i64 k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, OutMatrixRef<T> c, bool parallel) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scale<T>(m, n, beta, c);
    return;
  }
  // A matrix-vector product, either way round (Cᵀ = Bᵀ Aᵀ turns a row vector into a column).
  if (n == 1) return gemv<T>(m, k, alpha, a, b.data, b.rs, beta, c.data, c.rs);
  if (m == 1) return gemv<T>(n, k, alpha, {b.data, b.cs, b.rs}, a.data, a.cs, beta, c.data, c.cs);
  // A thin C wastes most of the micro-kernel's tile on padding; the transposed problem
  // Cᵀ = Bᵀ Aᵀ may fit the MR × NR grid much better (e.g. 64 × 10 computed as 10 × 64).
  if (padded_work<T>(n, m) * 5 < padded_work<T>(m, n) * 4) {
    std::swap(m, n);
    std::swap(a, b);
    std::swap(a.rs, a.cs);
    std::swap(b.rs, b.cs);
    std::swap(c.rs, c.cs);
  }
  gemm_blocked<T>(m, n, k, alpha, a, b, beta, c, thread_count(parallel, m, n, k));
}

template <class T>
void gemm_batched(i64 batch, i64 m, i64 n, i64 k, T alpha, MatrixRef<T> a, i64 a_bs, MatrixRef<T> b, i64 b_bs, T beta,
                  OutMatrixRef<T> c, i64 c_bs, bool parallel) {
  auto one = [&](i64 p, bool par) {
    XG_ISA_NS::gemm<T>(m, n, k, alpha, {a.data + p * a_bs, a.rs, a.cs}, {b.data + p * b_bs, b.rs, b.cs}, beta,
                       {c.data + p * c_bs, c.rs, c.cs}, par);
  };
  // Small products in parallel over the batch (each on one thread); large ones one at a time,
  // each split over the threads. Either way every product is the same serial-order GEMM.
  if (parallel && batch > 1 && thread_count(true, m, n, k) == 1 && batch * m * n * k >= kParallelWork) {
    parallel_for_each(0, batch, 1, [&](i64 p) { one(p, false); });
    return;
  }
  for (i64 p = 0; p < batch; ++p) one(p, parallel);
}

#define XG_GEMM_INSTANTIATE(T)                                                                                        \
  template void gemm<T>(i64, i64, i64, T, MatrixRef<T>, MatrixRef<T>, T, OutMatrixRef<T>, bool);                      \
  template void gemm_batched<T>(i64, i64, i64, i64, T, MatrixRef<T>, i64, MatrixRef<T>, i64, T, OutMatrixRef<T>, i64, \
                                bool);                                                                                \
  template T dot<T>(i64, const T*, i64, const T*, i64);                                                               \
  template GemmTile gemm_tile<T>();
XG_GEMM_INSTANTIATE(float)
XG_GEMM_INSTANTIATE(double)
#undef XG_GEMM_INSTANTIATE

}  // namespace xg::kernels::XG_ISA_NS
