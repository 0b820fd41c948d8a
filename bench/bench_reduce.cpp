// Reductions of a float32 [rows, cols] matrix along the last dim (dim 1: each output reduces a
// contiguous row) and along the first dim (dim 0: each output reduces a strided column), plus the
// whole-tensor sum. Arguments: rows, cols, thread count (xg::set_num_threads).
#include <benchmark/benchmark.h>

#include <xgrad/xgrad.hpp>

namespace {

void shapes(benchmark::internal::Benchmark* b) {
  for (int t : {1, 2}) {
    b->Args({1000, 100, t});    // 1e5 elements, short rows
    b->Args({1000, 1000, t});   // 1e6 elements
    b->Args({100, 100000, t});  // 1e7 elements, long rows
  }
}

struct Setup {
  xg::Tensor x;
  explicit Setup(benchmark::State& state) : x(xg::randn({state.range(0), state.range(1)})) {
    xg::set_num_threads(static_cast<int>(state.range(2)));
  }
};

void finish(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0) * state.range(1) * 4);
  xg::set_num_threads(2);
}

#define XG_REDUCE_BENCH(name, expr)                      \
  void BM_##name(benchmark::State& state) {              \
    Setup s(state);                                      \
    const xg::Tensor& x = s.x;                           \
    for (auto _ : state) benchmark::DoNotOptimize(expr); \
    finish(state);                                       \
  }                                                      \
  BENCHMARK(BM_##name)->Apply(shapes)->Name(#name);

XG_REDUCE_BENCH(sum_all, xg::sum(x))
XG_REDUCE_BENCH(sum_last, xg::sum(x, {1}))
XG_REDUCE_BENCH(sum_first, xg::sum(x, {0}))
XG_REDUCE_BENCH(mean_last, xg::mean(x, {1}))
XG_REDUCE_BENCH(mean_first, xg::mean(x, {0}))
XG_REDUCE_BENCH(var_last, xg::var(x, xg::Shape{1}))
XG_REDUCE_BENCH(var_first, xg::var(x, xg::Shape{0}))
XG_REDUCE_BENCH(max_last, xg::amax(x, {1}))
XG_REDUCE_BENCH(max_first, xg::amax(x, {0}))
XG_REDUCE_BENCH(argmax_last, xg::argmax(x, 1))
XG_REDUCE_BENCH(argmax_first, xg::argmax(x, 0))
XG_REDUCE_BENCH(logsumexp_last, xg::logsumexp(x, {1}))
XG_REDUCE_BENCH(logsumexp_first, xg::logsumexp(x, {0}))
XG_REDUCE_BENCH(softmax_last, xg::softmax(x, 1))
XG_REDUCE_BENCH(softmax_first, xg::softmax(x, 0))
XG_REDUCE_BENCH(log_softmax_last, xg::log_softmax(x, 1))

XG_REDUCE_BENCH(argmin_first, xg::argmin(x, 0))
XG_REDUCE_BENCH(max_dim_first, std::get<1>(xg::max(x, 0)))

// The NCHW conv bias gradient: g.sum({2, 3}).sum({0}) and the batch sum g.sum({0}) of a
// [N, C, H, W] = [32, 64, 16, 16] float32 gradient (the second is a leading-dim reduction).
// Argument: thread count.
void BM_conv_bias_grad(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(0)));
  const xg::Tensor g = xg::randn({32, 64, 16, 16});
  for (auto _ : state) benchmark::DoNotOptimize(g.sum({2, 3}).sum({0}));
  xg::set_num_threads(2);
}
BENCHMARK(BM_conv_bias_grad)->Arg(1)->Arg(2)->Name("conv_bias_grad_32x64x16x16");
void BM_sum_batch_nchw(benchmark::State& state) {
  xg::set_num_threads(static_cast<int>(state.range(0)));
  const xg::Tensor g = xg::randn({32, 64, 16, 16});
  for (auto _ : state) benchmark::DoNotOptimize(g.sum({0}));
  xg::set_num_threads(2);
}
BENCHMARK(BM_sum_batch_nchw)->Arg(1)->Arg(2)->Name("sum_batch_32x64x16x16");

}  // namespace

BENCHMARK_MAIN();
