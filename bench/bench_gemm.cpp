// GEMM throughput: sgemm / dgemm on square sizes 64…2048 and the MLP layer shapes (forward and
// both backward products), with 1 and 2 threads. Each benchmark reports FLOP/s and, for the
// square ones, the fraction of this machine's single-thread FMA peak per thread in use
// (`of_peak`: 1.0 means every FMA pipe of every thread busy all the time; see bench_peak.cpp).
//
//   build/bench/bench_gemm --benchmark_filter='Square'
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstdint>
#include <random>
#include <vector>

#include "kernels/gemm.hpp"
#include "peak.hpp"

namespace {

using xg::kernels::MatrixRef;
using i64 = std::int64_t;

template <class T>
double peak() {
  static const double p = xg::bench::measure_peak_flops<T>();
  return p;
}

template <class T>
std::vector<T> random_vector(i64 n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<T> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = static_cast<T>(u(gen));
  return v;
}

/// C[m, n] = op(A) op(B) with op = transpose when the flag is set: a transposed operand is the
/// row-major matrix of the other shape, passed with swapped strides (as xg::mm sees x.t()).
template <class T>
void run_gemm(benchmark::State& state, i64 m, i64 n, i64 k, bool ta, bool tb, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto a = random_vector<T>(m * k, 1), b = random_vector<T>(k * n, 2);
  std::vector<T> c(static_cast<std::size_t>(m * n));
  const MatrixRef<T> ar = ta ? MatrixRef<T>{a.data(), 1, m} : MatrixRef<T>{a.data(), k, 1};
  const MatrixRef<T> br = tb ? MatrixRef<T>{b.data(), 1, k} : MatrixRef<T>{b.data(), n, 1};
  for (auto _ : state) {
    xg::kernels::gemm<T>(m, n, k, T(1), ar, br, T(0), {c.data(), n, 1});
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  state.counters["FLOPS"] =
      benchmark::Counter(flops * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["of_peak"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) / (peak<T>() * threads), benchmark::Counter::kIsRate);
}

template <class T>
void BM_Square(benchmark::State& state) {
  const i64 n = state.range(0);
  run_gemm<T>(state, n, n, n, false, false, static_cast<int>(state.range(1)));
}

/// Square products with a transposed operand, as in backward: Aᵀ·B (tn) and A·Bᵀ (nt).
template <class T>
void BM_SquareTN(benchmark::State& state) {
  const i64 n = state.range(0);
  run_gemm<T>(state, n, n, n, true, false, static_cast<int>(state.range(1)));
}
template <class T>
void BM_SquareNT(benchmark::State& state) {
  const i64 n = state.range(0);
  run_gemm<T>(state, n, n, n, false, true, static_cast<int>(state.range(1)));
}

void square_args(benchmark::internal::Benchmark* b) {
  for (int t : {1, 2})
    for (i64 n : {64, 128, 256, 512, 1024, 2048}) b->Args({n, t});
  b->ArgNames({"n", "threads"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}
BENCHMARK_TEMPLATE(BM_Square, float)->Apply(square_args);
BENCHMARK_TEMPLATE(BM_Square, double)->Apply(square_args);
BENCHMARK_TEMPLATE(BM_SquareTN, float)->Apply(square_args);
BENCHMARK_TEMPLATE(BM_SquareNT, float)->Apply(square_args);

/// The MLP of examples/: Linear(784, 256), Linear(256, 128), Linear(128, 10) at batch 64.
/// Forward y = x·Wᵀ (W stored [out, in]); backward dx = dy·W and dW = dyᵀ·x.
/// Args: batch, in, out, which (0 forward, 1 dx, 2 dW), threads.
void BM_Mlp(benchmark::State& state) {
  const i64 batch = state.range(0), in = state.range(1), out = state.range(2);
  const int threads = static_cast<int>(state.range(4));
  switch (state.range(3)) {
    case 0:
      run_gemm<float>(state, batch, out, in, false, true, threads);
      break;  // x·Wᵀ
    case 1:
      run_gemm<float>(state, batch, in, out, false, false, threads);
      break;  // dy·W
    default:
      run_gemm<float>(state, out, in, batch, true, false, threads);
      break;  // dyᵀ·x
  }
}
void mlp_args(benchmark::internal::Benchmark* b) {
  for (int t : {1, 2})
    for (auto [in, out] : {std::pair<i64, i64>{784, 256}, {256, 128}, {128, 10}})
      for (i64 which : {0, 1, 2}) b->Args({64, in, out, which, t});
  b->ArgNames({"batch", "in", "out", "fwd0_dx1_dw2", "threads"})->UseRealTime()->Unit(benchmark::kMicrosecond);
}
BENCHMARK(BM_Mlp)->Apply(mlp_args);

}  // namespace

BENCHMARK_MAIN();
