// Elementwise ops over n float32 elements (1e3 … 1e7): unary maps, binary maps on contiguous and
// broadcast operands, and an activation's backward (the gradient through relu / tanh / sigmoid).
// The second argument is the thread count given to xg::set_num_threads.
#include <benchmark/benchmark.h>

#include <xgrad/xgrad.hpp>

namespace {

void sizes(benchmark::internal::Benchmark* b) {
  for (int t : {1, 2})
    for (std::int64_t n : {1000, 10000, 100000, 1000000, 10000000}) b->Args({n, t});
}

void finish(benchmark::State& state, int tensors_touched) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0) * 4 * tensors_touched);
  xg::set_num_threads(2);
}

template <xg::Tensor (*Op)(const xg::Tensor&)>
void BM_Unary(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(1)));
  const auto x = xg::randn({state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(Op(x));
  finish(state, 2);
}
BENCHMARK_TEMPLATE(BM_Unary, xg::exp)->Apply(sizes)->Name("exp");
BENCHMARK_TEMPLATE(BM_Unary, xg::tanh)->Apply(sizes)->Name("tanh");
BENCHMARK_TEMPLATE(BM_Unary, xg::relu)->Apply(sizes)->Name("relu");
BENCHMARK_TEMPLATE(BM_Unary, xg::sigmoid)->Apply(sizes)->Name("sigmoid");

void BM_AddContiguous(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(1)));
  const auto a = xg::randn({state.range(0)}), b = xg::randn({state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
  finish(state, 3);
}
BENCHMARK(BM_AddContiguous)->Apply(sizes)->Name("add");

void BM_MulContiguous(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(1)));
  const auto a = xg::randn({state.range(0)}), b = xg::randn({state.range(0)});
  for (auto _ : state) benchmark::DoNotOptimize(a * b);
  finish(state, 3);
}
BENCHMARK(BM_MulContiguous)->Apply(sizes)->Name("mul");

// [n/100, 100] + [100]: a bias added to every row (the innermost dim is contiguous in both).
void BM_AddBroadcastRow(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(1)));
  const auto a = xg::randn({state.range(0) / 100, 100}), b = xg::randn({100});
  for (auto _ : state) benchmark::DoNotOptimize(a + b);
  finish(state, 2);
}
BENCHMARK(BM_AddBroadcastRow)->Apply(sizes)->Name("add_bcast_row");

// [n/100, 100] * [n/100, 1]: one scale per row (the second operand is broadcast along the row).
void BM_MulBroadcastCol(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(1)));
  const auto a = xg::randn({state.range(0) / 100, 100}), b = xg::randn({state.range(0) / 100, 1});
  for (auto _ : state) benchmark::DoNotOptimize(a * b);
  finish(state, 2);
}
BENCHMARK(BM_MulBroadcastCol)->Apply(sizes)->Name("mul_bcast_col");

// y = act(x); y.backward(g): the backward rule runs as tensor ops (e.g. g * (x > 0) for relu).
template <xg::Tensor (*Op)(const xg::Tensor&)>
void BM_ActivationBackward(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(1)));
  auto x = xg::randn({state.range(0)}).requires_grad_();
  const auto g = xg::randn({state.range(0)});
  for (auto _ : state) {
    auto y = Op(x);
    y.backward(g);
    benchmark::DoNotOptimize(x.grad());
    x.set_grad(xg::Tensor());
  }
  finish(state, 4);
}
BENCHMARK_TEMPLATE(BM_ActivationBackward, xg::relu)->Apply(sizes)->Name("relu_fwd_bwd");
BENCHMARK_TEMPLATE(BM_ActivationBackward, xg::tanh)->Apply(sizes)->Name("tanh_fwd_bwd");
BENCHMARK_TEMPLATE(BM_ActivationBackward, xg::sigmoid)->Apply(sizes)->Name("sigmoid_fwd_bwd");

}  // namespace

BENCHMARK_MAIN();
