// xgrad against LibTorch in one process, at equal thread counts (1 and 2): matrix products
// (square sgemm 64…2048 and the MLP layer shapes with their backward products) and the layers of
// a small CNN at batch 64 (conv 1→32 3×3 on 28×28, max-pool 2, conv 32→64 3×3 on 13×13,
// max-pool 2), forward and backward. Prints, per case, the best time per call of each library
// and the ratio xgrad / LibTorch (below 1: xgrad is faster), plus GEMM FLOP/s as a fraction of
// the measured single-thread FMA peak.
//
// The two libraries are timed in alternating blocks (xgrad, LibTorch, xgrad, …) with a pause
// between blocks, so that load from elsewhere on the machine hits both alike and neither
// library's idle worker threads (TBB's or OpenMP's) still spin while the other one runs; each
// library's best block is reported.
//
//   build/bench/torch/bench_vs_libtorch [filter]     # e.g. "mm" or "conv"
#include <tbb/global_control.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "../peak.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_per_call(const std::function<void()>& f, int calls) {
  const auto t0 = Clock::now();
  for (int i = 0; i < calls; ++i) f();
  return std::chrono::duration<double>(Clock::now() - t0).count() / calls;
}

/// Best seconds per call of (a, b), timed in alternating blocks of about 50 ms each.
std::pair<double, double> race(const std::function<void()>& a, const std::function<void()>& b) {
  a();
  b();  // warm up (first-touch allocations, packing buffers, oneDNN primitive creation)
  const double ta = seconds_per_call(a, 1), tb = seconds_per_call(b, 1);
  const int ca = std::max(1, static_cast<int>(0.05 / std::max(ta, 1e-7)));
  const int cb = std::max(1, static_cast<int>(0.05 / std::max(tb, 1e-7)));
  double best_a = 1e30, best_b = 1e30;
  for (int round = 0; round < 7; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    best_a = std::min(best_a, seconds_per_call(a, ca));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    best_b = std::min(best_b, seconds_per_call(b, cb));
  }
  return {best_a, best_b};
}

struct Row {
  std::string name;
  int threads;
  double xg, torch, flops;  // seconds per call; flops per call (0: not a GEMM)
};

std::vector<Row> rows;
double peak = 0;

void report(const std::string& name, int threads, double flops, const std::function<void()>& xg_fn,
            const std::function<void()>& torch_fn) {
  const auto [tx, tt] = race(xg_fn, torch_fn);
  rows.push_back({name, threads, tx, tt, flops});
  std::printf("%-44s %2d  %10.1f  %10.1f  %6.2f", name.c_str(), threads, tx * 1e6, tt * 1e6, tx / tt);
  if (flops > 0)
    std::printf("  %7.1f  %7.1f  %5.2f", flops / tx * 1e-9, flops / tt * 1e-9, flops / tx / (peak * threads));
  std::printf("\n");
  std::fflush(stdout);
}

xg::Tensor xg_randn(const std::vector<std::int64_t>& s) { return xg::randn(xg::Shape(s)); }

void bench_mm(int threads, const std::string& filter) {
  auto want = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  for (std::int64_t n : {64, 128, 256, 512, 1024, 2048}) {
    const std::string name = "mm " + std::to_string(n) + "x" + std::to_string(n);
    if (!want(name)) continue;
    const auto a = xg_randn({n, n}), b = xg_randn({n, n});
    const auto ta = torch::randn({n, n}), tb = torch::randn({n, n});
    report(name, threads, 2.0 * n * n * n, [&] { xg::mm(a, b); }, [&] { torch::mm(ta, tb); });
  }
  // The MLP Linear(784, 256) → Linear(256, 128) → Linear(128, 10) at batch 64: forward x·Wᵀ and
  // backward dx = dy·W, dW = dyᵀ·x (transposed views, as the autograd rules pass them).
  for (auto [in, out] : {std::pair<std::int64_t, std::int64_t>{784, 256}, {256, 128}, {128, 10}}) {
    const std::int64_t batch = 64;
    const std::string shape = std::to_string(batch) + "x" + std::to_string(in) + "->" + std::to_string(out);
    const auto x = xg_randn({batch, in}), w = xg_randn({out, in}), dy = xg_randn({batch, out});
    const auto tx = torch::randn({batch, in}), tw = torch::randn({out, in}), tdy = torch::randn({batch, out});
    const double f = 2.0 * batch * in * out;
    if (want("mm mlp " + shape + " x.Wt"))
      report("mm mlp " + shape + " x.Wt", threads, f, [&] { xg::mm(x, w.t()); }, [&] { torch::mm(tx, tw.t()); });
    if (want("mm mlp " + shape + " dy.W"))
      report("mm mlp " + shape + " dy.W", threads, f, [&] { xg::mm(dy, w); }, [&] { torch::mm(tdy, tw); });
    if (want("mm mlp " + shape + " dyt.x"))
      report("mm mlp " + shape + " dyt.x", threads, f, [&] { xg::mm(dy.t(), x); }, [&] { torch::mm(tdy.t(), tx); });
  }
}

void bench_cnn(int threads, const std::string& filter) {
  auto want = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  const std::int64_t batch = 64;
  // Layer inputs and parameters, the same shapes in both libraries.
  const auto x1 = xg_randn({batch, 1, 28, 28}), w1 = xg_randn({32, 1, 3, 3}).requires_grad_(),
             b1 = xg_randn({32}).requires_grad_();
  const auto x2 = xg_randn({batch, 32, 13, 13}).requires_grad_(), w2 = xg_randn({64, 32, 3, 3}).requires_grad_(),
             b2 = xg_randn({64}).requires_grad_();
  const auto p1 = xg_randn({batch, 32, 26, 26}).requires_grad_(), p2 = xg_randn({batch, 64, 11, 11}).requires_grad_();
  const auto o = torch::TensorOptions().requires_grad(true);
  const auto tx1 = torch::randn({batch, 1, 28, 28}), tw1 = torch::randn({32, 1, 3, 3}, o), tb1 = torch::randn({32}, o);
  const auto tx2 = torch::randn({batch, 32, 13, 13}, o), tw2 = torch::randn({64, 32, 3, 3}, o),
             tb2 = torch::randn({64}, o);
  const auto tp1 = torch::randn({batch, 32, 26, 26}, o), tp2 = torch::randn({batch, 64, 11, 11}, o);

  {
    xg::NoGradGuard ng;
    torch::NoGradGuard tng;
    if (want("conv1 forward"))
      report("conv1 forward 64x1x28x28 -> 32", threads, 0, [&] { xg::conv2d(x1, w1, b1); },
             [&] { torch::conv2d(tx1, tw1, tb1); });
    if (want("pool1 forward"))
      report("pool1 forward max 2x2 64x32x26x26", threads, 0, [&] { xg::max_pool2d(p1, 2); },
             [&] { torch::max_pool2d(tp1, 2); });
    if (want("conv2 forward"))
      report("conv2 forward 64x32x13x13 -> 64", threads, 0, [&] { xg::conv2d(x2, w2, b2); },
             [&] { torch::conv2d(tx2, tw2, tb2); });
    if (want("pool2 forward"))
      report("pool2 forward max 2x2 64x64x11x11", threads, 0, [&] { xg::max_pool2d(p2, 2); },
             [&] { torch::max_pool2d(tp2, 2); });
  }
  // Backward alone: the graph is built once and walked repeatedly (retain_graph); gradients
  // accumulate into the leaves in both libraries.
  auto backward_pair = [&](const std::string& name, const xg::Tensor& y, const torch::Tensor& ty) {
    const auto g = xg::randn(y.sizes());
    const auto tg = torch::randn(ty.sizes());
    report(name, threads, 0, [&] { y.backward(g, true); }, [&] { ty.backward(tg, true); });
  };
  if (want("conv1 backward")) backward_pair("conv1 backward (dW, db)", xg::conv2d(x1, w1, b1), torch::conv2d(tx1, tw1, tb1));
  if (want("pool1 backward")) backward_pair("pool1 backward", xg::max_pool2d(p1, 2), torch::max_pool2d(tp1, 2));
  if (want("conv2 backward"))
    backward_pair("conv2 backward (dx, dW, db)", xg::conv2d(x2, w2, b2), torch::conv2d(tx2, tw2, tb2));
  if (want("pool2 backward")) backward_pair("pool2 backward", xg::max_pool2d(p2, 2), torch::max_pool2d(tp2, 2));

  // The whole stack, forward + backward.
  if (want("cnn forward+backward")) {
    report(
        "cnn forward+backward (conv,pool,conv,pool)", threads, 0,
        [&] {
          auto y = xg::max_pool2d(xg::conv2d(xg::max_pool2d(xg::conv2d(x1, w1, b1), 2), w2, b2), 2);
          y.sum().backward();
        },
        [&] {
          auto y = torch::max_pool2d(torch::conv2d(torch::max_pool2d(torch::conv2d(tx1, tw1, tb1), 2), tw2, tb2), 2);
          y.sum().backward();
        });
  }
}


// Elementwise ops and reductions on float32 tensors of 1e5 and 1e6 elements (filter names start
// with "elementwise" and "reduce").
void bench_elementwise(int threads, const std::string& filter) {
  auto want = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  for (std::int64_t n : {100000, 1000000}) {
    const std::string sz = " " + std::to_string(n);
    const auto x = xg_randn({n}), y = xg_randn({n});
    const auto tx = torch::randn({n}), ty = torch::randn({n});
    if (want("elementwise exp" + sz)) report("elementwise exp" + sz, threads, 0, [&] { xg::exp(x); }, [&] { torch::exp(tx); });
    if (want("elementwise tanh" + sz))
      report("elementwise tanh" + sz, threads, 0, [&] { xg::tanh(x); }, [&] { torch::tanh(tx); });
    if (want("elementwise sigmoid" + sz))
      report("elementwise sigmoid" + sz, threads, 0, [&] { xg::sigmoid(x); }, [&] { torch::sigmoid(tx); });
    if (want("elementwise relu" + sz))
      report("elementwise relu" + sz, threads, 0, [&] { xg::relu(x); }, [&] { torch::relu(tx); });
    if (want("elementwise add" + sz)) report("elementwise add" + sz, threads, 0, [&] { xg::add(x, y); }, [&] { torch::add(tx, ty); });
    const auto m = xg_randn({n / 100, 100}), b = xg_randn({100});
    const auto tm = torch::randn({n / 100, 100}), tb = torch::randn({100});
    if (want("elementwise add bcast row" + sz))
      report("elementwise add bcast row" + sz, threads, 0, [&] { xg::add(m, b); }, [&] { torch::add(tm, tb); });
  }
}

void bench_reduce(int threads, const std::string& filter) {
  auto want = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  const auto x = xg_randn({1000, 1000});
  const auto tx = torch::randn({1000, 1000});
  for (std::int64_t d : {1, 0}) {
    const std::string dim = d == 1 ? " 1000x1000 dim1" : " 1000x1000 dim0";
    if (want("reduce sum" + dim))
      report("reduce sum" + dim, threads, 0, [&] { xg::sum(x, {d}); }, [&] { torch::sum(tx, {d}); });
    if (want("reduce var" + dim))
      report("reduce var" + dim, threads, 0, [&] { xg::var(x, xg::Shape{d}); }, [&] { torch::var(tx, torch::IntArrayRef{d}); });
    if (want("reduce amax" + dim))
      report("reduce amax" + dim, threads, 0, [&] { xg::amax(x, {d}); }, [&] { torch::amax(tx, {d}); });
    if (want("reduce argmax" + dim))
      report("reduce argmax" + dim, threads, 0, [&] { xg::argmax(x, d); }, [&] { torch::argmax(tx, d); });
    if (want("reduce logsumexp" + dim))
      report("reduce logsumexp" + dim, threads, 0, [&] { xg::logsumexp(x, {d}); }, [&] { torch::logsumexp(tx, {d}); });
    if (want("reduce softmax" + dim))
      report("reduce softmax" + dim, threads, 0, [&] { xg::softmax(x, d); }, [&] { torch::softmax(tx, d); });
  }
  if (want("reduce sum all 1e6")) report("reduce sum all 1e6", threads, 0, [&] { xg::sum(x); }, [&] { torch::sum(tx); });
}

}  // namespace

int main(int argc, char** argv) {
  const std::string filter = argc > 1 ? argv[1] : "";
  peak = xg::bench::measure_peak_flops<float>();
  std::printf("single-thread FP32 FMA peak: %.1f GFLOP/s; LibTorch %s\n", peak * 1e-9, TORCH_VERSION);
  std::printf("%-44s %2s  %10s  %10s  %6s  %7s  %7s  %5s\n", "case", "th", "xgrad us", "torch us", "ratio",
              "xg GF/s", "tc GF/s", "peak");
  for (int threads : {1, 2}) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    torch::set_num_threads(threads);
    bench_mm(threads, filter);
    bench_cnn(threads, filter);
    bench_elementwise(threads, filter);
    bench_reduce(threads, filter);
  }
  return 0;
}
