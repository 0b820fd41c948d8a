// Convolution and pooling kernels on the layers of a small CNN at batch 64:
//   conv1: 1 → 32 channels, 3×3, on 28×28      pool1: max 2×2 on 32 × 26×26
//   conv2: 32 → 64 channels, 3×3, on 13×13     pool2: max 2×2 on 64 × 11×11
// The forward convolution runs with each algorithm (direct and im2col + GEMM) so that the rule
// in kernels::conv_algorithm() can be checked against measurements; the backward kernels (input
// and weight gradients) and the pooling ops run as the autograd calls them. 1 and 2 threads.
//
//   build/bench/bench_conv --benchmark_filter='Forward'
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstdint>
#include <random>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "kernels/conv.hpp"

namespace {

using i64 = std::int64_t;
using xg::kernels::ConvAlgorithm;
using xg::kernels::ConvShape;

/// Layer 0: conv1, layer 1: conv2 (batch 64, 3×3, stride 1, no padding).
ConvShape layer(i64 which) {
  ConvShape s;
  s.batch = 64;
  s.k_h = s.k_w = 3;
  if (which == 0) {
    s.in_c = 1, s.in_h = s.in_w = 28, s.out_c = 32;
  } else {
    s.in_c = 32, s.in_h = s.in_w = 13, s.out_c = 64;
  }
  s.out_h = s.in_h - 2;
  s.out_w = s.in_w - 2;
  return s;
}

std::vector<float> random_vector(i64 n) {
  std::mt19937 gen(1);
  std::normal_distribution<float> nd;
  std::vector<float> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = nd(gen);
  return v;
}

double conv_flops(const ConvShape& s) {
  return 2.0 * static_cast<double>(s.batch * s.out_c * s.out_h * s.out_w * s.in_c * s.k_h * s.k_w);
}

void set_counters(benchmark::State& state, double flops) {
  state.counters["FLOPS"] =
      benchmark::Counter(flops * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

/// Args: layer, algorithm (1 im2col + GEMM, 2 direct), threads.
void BM_ConvForward(benchmark::State& state) {
  const ConvShape s = layer(state.range(0));
  const auto algo = static_cast<ConvAlgorithm>(state.range(1));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(2)));
  const auto x = random_vector(s.batch * s.in_c * s.in_h * s.in_w), w = random_vector(s.out_c * s.in_c * 9),
             b = random_vector(s.out_c);
  std::vector<float> y(static_cast<std::size_t>(s.batch * s.out_c * s.out_h * s.out_w));
  for (auto _ : state) {
    xg::kernels::conv2d_forward<float>(s, x.data(), w.data(), b.data(), y.data(), algo);
    benchmark::ClobberMemory();
  }
  set_counters(state, conv_flops(s));
}
BENCHMARK(BM_ConvForward)
    ->ArgsProduct({{0, 1}, {1, 2}, {1, 2}})
    ->ArgNames({"layer", "im2col1_direct2", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

/// Args: layer, threads.
void BM_ConvBackwardInput(benchmark::State& state) {
  const ConvShape s = layer(state.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(1)));
  const auto gy = random_vector(s.batch * s.out_c * s.out_h * s.out_w), w = random_vector(s.out_c * s.in_c * 9);
  std::vector<float> gx(static_cast<std::size_t>(s.batch * s.in_c * s.in_h * s.in_w));
  for (auto _ : state) {
    xg::kernels::conv2d_backward_input<float>(s, gy.data(), w.data(), gx.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, conv_flops(s));
}
BENCHMARK(BM_ConvBackwardInput)
    ->ArgsProduct({{1}, {1, 2}})
    ->ArgNames({"layer", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_ConvBackwardWeight(benchmark::State& state) {
  const ConvShape s = layer(state.range(0));
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(1)));
  const auto x = random_vector(s.batch * s.in_c * s.in_h * s.in_w),
             gy = random_vector(s.batch * s.out_c * s.out_h * s.out_w);
  std::vector<float> gw(static_cast<std::size_t>(s.out_c * s.in_c * 9));
  for (auto _ : state) {
    xg::kernels::conv2d_backward_weight<float>(s, x.data(), gy.data(), gw.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, conv_flops(s));
}
BENCHMARK(BM_ConvBackwardWeight)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->ArgNames({"layer", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

/// Max pooling 2×2 as the ops run it (with the index tensor), forward and backward.
/// Args: layer (0: 32 × 26×26, 1: 64 × 11×11), threads.
void BM_MaxPoolForward(benchmark::State& state) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(1)));
  const auto x = state.range(0) == 0 ? xg::randn({64, 32, 26, 26}) : xg::randn({64, 64, 11, 11});
  for (auto _ : state) benchmark::DoNotOptimize(xg::max_pool2d(x, 2));
}
BENCHMARK(BM_MaxPoolForward)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->ArgNames({"layer", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

void BM_MaxPoolBackward(benchmark::State& state) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(state.range(1)));
  const auto x = (state.range(0) == 0 ? xg::randn({64, 32, 26, 26}) : xg::randn({64, 64, 11, 11})).requires_grad_();
  const auto y = xg::max_pool2d(x, 2);
  const auto g = xg::randn(y.sizes());
  for (auto _ : state) benchmark::DoNotOptimize(xg::autograd::grad({y}, {x}, {g}, true)[0]);
}
BENCHMARK(BM_MaxPoolBackward)
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->ArgNames({"layer", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
