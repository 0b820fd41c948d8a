// The machine's floating-point peak: independent chains of fused multiply-adds on full SIMD
// registers (zmm with AVX-512), per thread. Nothing in a chain depends on memory, so the rate is
// bounded only by the FMA pipes: chains >= pipes × latency keeps every pipe busy each cycle.
// GEMM results in bench_gemm are reported as a fraction of this number.
//
//   build/bench/bench_peak                 # FLOP/s per benchmark, 1 and 2 threads
#include <benchmark/benchmark.h>

#include <cstdint>

#include "peak.hpp"

namespace {

template <class T>
void BM_FmaPeak(benchmark::State& state) {
  constexpr std::int64_t kIters = 1 << 20;
  double sink = 0;
  for (auto _ : state) sink += xg::bench::fma_chains<T>(kIters);
  benchmark::DoNotOptimize(sink);
  state.counters["FLOPS"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(xg::bench::fma_chain_flops<T>(kIters)),
      benchmark::Counter::kIsRate);
  state.counters["simd_width"] =
      benchmark::Counter(static_cast<double>(xg::bench::simd_width<T>()), benchmark::Counter::kAvgThreads);
}
BENCHMARK_TEMPLATE(BM_FmaPeak, float)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK_TEMPLATE(BM_FmaPeak, double)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
