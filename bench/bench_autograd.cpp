// Per-op overhead of the eager path and of the graph: a chain of 300 elementwise ops on tiny
// tensors, forward only, forward under NoGradGuard, and forward + backward. On 1-element tensors
// the time per op is almost all overhead (output allocation, dispatch, node creation).
#include <benchmark/benchmark.h>

#include <xgrad/xgrad.hpp>

namespace {
constexpr int kChain = 300;

xg::Tensor chain(xg::Tensor x) {
  for (int i = 0; i < kChain / 3; ++i) x = xg::tanh(x * x + x);
  return x;
}

void BM_ChainForwardBackward(benchmark::State& state) {
  auto x = xg::randn({state.range(0)}, xg::requires_grad());
  for (auto _ : state) {
    auto y = chain(x).sum();
    y.backward();
    x.mutable_grad() = xg::Tensor();
  }
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(state.iterations()) * kChain,
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ChainForwardBackward)->Arg(1)->Arg(1000);

void BM_ChainForwardNoGrad(benchmark::State& state) {
  auto x = xg::randn({state.range(0)});
  xg::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(chain(x));
  state.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(state.iterations()) * kChain,
                                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ChainForwardNoGrad)->Arg(1)->Arg(1000);
}  // namespace

// Deep graphs (Note [Iterative graph teardown] in lib/autograd/node.cpp): a chain of n negations
// of one element; arg 1 selects the phase timed: 0 recording, 1 backward, 2 destruction.
void BM_DeepChain(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const auto phase = state.range(1);
  auto x = xg::ones({1}, xg::requires_grad());
  for (auto _ : state) {
    if (phase != 0) state.PauseTiming();
    xg::Tensor y = x;
    for (std::int64_t i = 0; i < n; ++i) y = -y;
    if (phase == 0) state.PauseTiming();
    if (phase == 1) state.ResumeTiming();
    y.sum().backward();
    if (phase == 1) state.PauseTiming();
    if (phase == 2) state.ResumeTiming();
    y = xg::Tensor();
    if (phase != 2) state.ResumeTiming();
    x.mutable_grad() = xg::Tensor();
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_DeepChain)
    ->ArgsProduct({{100000, 1000000}, {0, 1, 2}})
    ->ArgNames({"depth", "phase"})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
