// Benchmark helper: the single-thread FMA peak of this machine, measured with independent FMA
// chains on full SIMD registers (the same batch type the GEMM micro-kernel uses).
#pragma once
#include <chrono>
#include <cstdint>

#include <xsimd/xsimd.hpp>

namespace xg::bench {

/// 16 chains: more than FMA pipes × FMA latency (2 × 4 on current x86 cores), so no chain waits
/// for its own previous result and every pipe issues one FMA per cycle.
inline constexpr int kChains = 16;

template <class T>
constexpr std::int64_t simd_width() {
  return static_cast<std::int64_t>(xsimd::batch<T>::size);
}

template <class T>
constexpr std::int64_t fma_chain_flops(std::int64_t iters) {
  return iters * kChains * simd_width<T>() * 2;
}

/// Runs `iters` steps of kChains independent chains acc = acc·a + b; returns a value depending on
/// every chain so that nothing is optimized away. a < 1 keeps the chains bounded (they tend to
/// b / (1 − a) = 1), so no overflow or denormal slows the loop.
template <class T>
__attribute__((noinline)) double fma_chains(std::int64_t iters) {
  // The empty asm makes the trip count opaque, so the call cannot be hoisted out of a timing loop.
  asm volatile("" : "+r"(iters));
  using B = xsimd::batch<T>;
  B acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = B(static_cast<T>(c + 1));
  const B a(static_cast<T>(0.999999)), b(static_cast<T>(0.000001));
  for (std::int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = xsimd::fma(acc[c], a, b);
  }
  alignas(64) T lanes[B::size];
  double s = 0;
  for (int c = 0; c < kChains; ++c) {
    acc[c].store_aligned(lanes);
    for (T v : lanes) s += static_cast<double>(v);
  }
  return s;
}

/// FLOP/s of one thread, the best of a few short runs (the first warms the clock up).
template <class T>
double measure_peak_flops() {
  constexpr std::int64_t kIters = 1 << 22;
  double best = 0, sink = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    sink += fma_chains<T>(kIters);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = static_cast<double>(fma_chain_flops<T>(kIters)) / s;
    if (rate > best) best = rate;
  }
  if (sink == 0.5) best += 0;  // keeps sink alive
  return best;
}

}  // namespace xg::bench
