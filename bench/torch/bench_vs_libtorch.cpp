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
// Then the per-op overhead of a 300-op chain ("overhead") and one training epoch of an MLP and a
// CNN on Fashion-MNIST ("train"; each run in its own child process, with its peak RSS).
//
//   build/bench/torch/bench_vs_libtorch [filter] [--quick | --fraction=F]
//     filter: e.g. "mm", "conv", "overhead", "train", "train cnn"; --quick trains on 10% of the epoch
#include <tbb/global_control.h>
#include <torch/torch.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <xgrad/data/datasets.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim.hpp>
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
    report(
        name, threads, 2.0 * n * n * n, [&] { xg::mm(a, b); }, [&] { torch::mm(ta, tb); });
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
      report(
          "mm mlp " + shape + " x.Wt", threads, f, [&] { xg::mm(x, w.t()); }, [&] { torch::mm(tx, tw.t()); });
    if (want("mm mlp " + shape + " dy.W"))
      report(
          "mm mlp " + shape + " dy.W", threads, f, [&] { xg::mm(dy, w); }, [&] { torch::mm(tdy, tw); });
    if (want("mm mlp " + shape + " dyt.x"))
      report(
          "mm mlp " + shape + " dyt.x", threads, f, [&] { xg::mm(dy.t(), x); }, [&] { torch::mm(tdy.t(), tx); });
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
      report(
          "conv1 forward 64x1x28x28 -> 32", threads, 0, [&] { xg::conv2d(x1, w1, b1); },
          [&] { torch::conv2d(tx1, tw1, tb1); });
    if (want("pool1 forward"))
      report(
          "pool1 forward max 2x2 64x32x26x26", threads, 0, [&] { xg::max_pool2d(p1, 2); },
          [&] { torch::max_pool2d(tp1, 2); });
    if (want("conv2 forward"))
      report(
          "conv2 forward 64x32x13x13 -> 64", threads, 0, [&] { xg::conv2d(x2, w2, b2); },
          [&] { torch::conv2d(tx2, tw2, tb2); });
    if (want("pool2 forward"))
      report(
          "pool2 forward max 2x2 64x64x11x11", threads, 0, [&] { xg::max_pool2d(p2, 2); },
          [&] { torch::max_pool2d(tp2, 2); });
  }
  // Backward alone: the graph is built once and walked repeatedly (retain_graph); gradients
  // accumulate into the leaves in both libraries.
  auto backward_pair = [&](const std::string& name, const xg::Tensor& y, const torch::Tensor& ty) {
    const auto g = xg::randn(y.sizes());
    const auto tg = torch::randn(ty.sizes());
    report(
        name, threads, 0, [&] { y.backward(g, true); }, [&] { ty.backward(tg, true); });
  };
  if (want("conv1 backward"))
    backward_pair("conv1 backward (dW, db)", xg::conv2d(x1, w1, b1), torch::conv2d(tx1, tw1, tb1));
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

// ---- autograd overhead ---------------------------------------------------------------------------
// A chain of 300 elementwise ops (100 × tanh(x·x + x)) on 1-element and 1000-element tensors,
// forward + backward. On one element the time per op is nearly all framework overhead: output
// allocation, dispatch, node creation and the engine's walk.
void bench_overhead(int threads, const std::string& filter) {
  constexpr int kChain = 300;
  for (std::int64_t n : {1, 1000}) {
    const std::string name = "overhead chain of 300 ops, numel " + std::to_string(n);
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    auto x = xg::randn({n}, xg::requires_grad());
    auto tx = torch::randn({n}, torch::requires_grad());
    const auto [t_xg, t_torch] = race(
        [&] {
          xg::Tensor y = x;
          for (int i = 0; i < kChain / 3; ++i) y = xg::tanh(y * y + y);
          y.sum().backward();
          x.mutable_grad() = xg::Tensor();
        },
        [&] {
          torch::Tensor y = tx;
          for (int i = 0; i < kChain / 3; ++i) y = torch::tanh(y * y + y);
          y.sum().backward();
          tx.mutable_grad() = torch::Tensor();
        });
    rows.push_back({name, threads, t_xg, t_torch, 0});
    std::printf("%-44s %2d  %10.1f  %10.1f  %6.2f   (per op: xgrad %.2f us, torch %.2f us, fwd+bwd)\n", name.c_str(),
                threads, t_xg * 1e6, t_torch * 1e6, t_xg / t_torch, t_xg / kChain * 1e6, t_torch / kChain * 1e6);
    std::fflush(stdout);
  }
}

// ---- training epochs -----------------------------------------------------------------------------
// One epoch of Fashion-MNIST (the 60000 training images, in file order, batches of 64, the last
// one of 32), Adam lr 1e-3, cross-entropy, for an MLP 784-256-128-10 and a small CNN
// conv(1→32,3)-ReLU-pool2-conv(32→64,3)-ReLU-pool2-Linear(1600→128)-ReLU-Linear(128→10). Both
// libraries read the very same tensors (LibTorch wraps xgrad's buffers with from_blob).
//
// Each (library, model, threads) epoch runs in its own child process (this executable re-run with
// --train-child), so that peak resident memory belongs to that run alone. The child resets its
// high-water mark after loading the data and building the model (writing 5 to
// /proc/self/clear_refs), so "peak" is the highest RSS during training, and "base" the RSS just
// before (shared libraries of both libraries, the 188 MB float dataset, the model).

struct TrainResult {
  double samples_per_s = 0, loss = 0;
  long peak_kb = 0, base_kb = 0;
  bool ok = false;
};

long proc_status_kb(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  long v = 0;
  const std::size_t k = std::strlen(key);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, key, k) == 0 && line[k] == ':') v = std::atol(line + k + 1);
  std::fclose(f);
  return v;
}

/// Resets VmHWM to the current RSS; returns false where the kernel does not allow it.
bool reset_peak_rss() {
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

struct TrainData {
  xg::Tensor images, labels;  // [N, 1, 28, 28] float32, [N] int64
  std::int64_t batches;       // how many batches of 64 this run trains on
};

TrainData bench_train_data(double fraction) {
  xg::data::FashionMNIST ds(xg::data::FashionMNIST::kDefaultRoot, xg::data::Split::Train);
  TrainData d{ds.data().contiguous(), ds.targets().contiguous(), 0};
  const std::int64_t n = d.images.size(0), full = (n + 63) / 64;
  d.batches =
      std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(full))), 1, full);
  return d;
}

/// The CNN's convolutions as xgrad ops on parameters initialized as torch.nn.Conv2d does
/// (kaiming_uniform_(a = √5), i.e. weight and bias U(−1/√fan_in, 1/√fan_in)).
struct XgCnn {
  xg::Tensor w1, b1, w2, b2;
  xg::nn::Linear fc1{1600, 128}, fc2{128, 10};
  static xg::Tensor conv_bias(std::int64_t out, std::int64_t fan_in) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    return xg::nn::init::uniform_(xg::empty({out}), -bound, bound).requires_grad_();
  }
  XgCnn()
      : w1(xg::nn::init::kaiming_uniform_(xg::empty({32, 1, 3, 3}), std::sqrt(5.0)).requires_grad_()),
        b1(conv_bias(32, 9)),
        w2(xg::nn::init::kaiming_uniform_(xg::empty({64, 32, 3, 3}), std::sqrt(5.0)).requires_grad_()),
        b2(conv_bias(64, 32 * 9)) {}
  std::vector<xg::Tensor> parameters() const {
    std::vector<xg::Tensor> p{w1, b1, w2, b2};
    for (auto& t : fc1->parameters()) p.push_back(t);
    for (auto& t : fc2->parameters()) p.push_back(t);
    return p;
  }
  xg::Tensor forward(const xg::Tensor& x) {
    auto h = xg::max_pool2d(xg::relu(xg::conv2d(x, w1, b1)), 2);
    h = xg::max_pool2d(xg::relu(xg::conv2d(h, w2, b2)), 2);
    return fc2(xg::relu(fc1(h.flatten(1))));
  }
};

struct XgMlp {
  xg::nn::Linear fc1{784, 256}, fc2{256, 128}, fc3{128, 10};
  std::vector<xg::Tensor> parameters() const {
    std::vector<xg::Tensor> p;
    for (const auto* l : {&fc1, &fc2, &fc3})
      for (auto& t : (*l)->parameters()) p.push_back(t);
    return p;
  }
  xg::Tensor forward(const xg::Tensor& x) { return fc3(xg::relu(fc2(xg::relu(fc1(x.flatten(1)))))); }
};

struct TorchCnn : torch::nn::Module {
  torch::nn::Conv2d c1{nullptr}, c2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  TorchCnn() {
    c1 = register_module("c1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3)));
    c2 = register_module("c2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3)));
    fc1 = register_module("fc1", torch::nn::Linear(1600, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto h = torch::max_pool2d(torch::relu(c1(x)), 2);
    h = torch::max_pool2d(torch::relu(c2(h)), 2);
    return fc2(torch::relu(fc1(h.flatten(1))));
  }
};

struct TorchMlp : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  TorchMlp() {
    fc1 = register_module("fc1", torch::nn::Linear(784, 256));
    fc2 = register_module("fc2", torch::nn::Linear(256, 128));
    fc3 = register_module("fc3", torch::nn::Linear(128, 10));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc3(torch::relu(fc2(torch::relu(fc1(x.flatten(1)))))); }
};

/// One epoch of xgrad; returns the mean loss over the epoch's last 50 batches.
template <class Model>
double bench_train_xgrad_epoch(Model& model, const TrainData& d) {
  xg::optim::Adam opt(model.parameters(), {.lr = 1e-3});
  const std::int64_t n = d.images.size(0);
  double tail = 0;
  for (std::int64_t b = 0; b < d.batches; ++b) {
    const std::int64_t s = b * 64, len = std::min<std::int64_t>(64, n - s);
    auto loss =
        xg::nn::functional::cross_entropy(model.forward(d.images.narrow(0, s, len)), d.labels.narrow(0, s, len));
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (b >= d.batches - 50) tail += loss.template item<float>();
  }
  return tail / static_cast<double>(std::min<std::int64_t>(50, d.batches));
}

template <class Model>
double bench_train_torch_epoch(Model& model, const TrainData& d) {
  torch::optim::Adam opt(model.parameters(), torch::optim::AdamOptions(1e-3));
  const std::int64_t n = d.images.size(0);
  const auto images = torch::from_blob(d.images.data_ptr(), {n, 1, 28, 28}, torch::kFloat32);
  const auto labels = torch::from_blob(d.labels.data_ptr(), {n}, torch::kInt64);
  double tail = 0;
  for (std::int64_t b = 0; b < d.batches; ++b) {
    const std::int64_t s = b * 64, len = std::min<std::int64_t>(64, n - s);
    auto loss = torch::nn::functional::cross_entropy(model.forward(images.narrow(0, s, len)), labels.narrow(0, s, len));
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (b >= d.batches - 50) tail += loss.template item<float>();
  }
  return tail / static_cast<double>(std::min<std::int64_t>(50, d.batches));
}

/// The child's side: trains, then prints one line "RESULT samples/s peak_kb base_kb loss".
int bench_train_child(const std::string& lib, const std::string& model, int threads, double fraction) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  torch::set_num_threads(threads);
  xg::manual_seed(0);
  torch::manual_seed(0);
  const TrainData d = bench_train_data(fraction);
  const std::int64_t samples = std::min<std::int64_t>(d.batches * 64, d.images.size(0));
  auto run = [&](auto& net, auto epoch) {
    const bool reset = reset_peak_rss();
    const long base = proc_status_kb("VmRSS");
    const auto t0 = Clock::now();
    const double loss = epoch(net, d);
    const double sec = std::chrono::duration<double>(Clock::now() - t0).count();
    long peak_kb = proc_status_kb("VmHWM");
    if (!reset) {  // no clear_refs: the whole process's peak, data loading included
      rusage ru{};
      getrusage(RUSAGE_SELF, &ru);
      peak_kb = ru.ru_maxrss;
      std::fprintf(stderr,
                   "bench_vs_libtorch: could not reset the RSS high-water mark; the %s %s peak includes "
                   "loading the data\n",
                   lib.c_str(), model.c_str());
    }
    std::printf("RESULT %.3f %ld %ld %.5f\n", static_cast<double>(samples) / sec, peak_kb, base, loss);
  };
  if (lib == "xgrad" && model == "mlp") {
    XgMlp m;
    run(m, [](auto& n, auto& dd) { return bench_train_xgrad_epoch(n, dd); });
  } else if (lib == "xgrad" && model == "cnn") {
    XgCnn m;
    run(m, [](auto& n, auto& dd) { return bench_train_xgrad_epoch(n, dd); });
  } else if (lib == "torch" && model == "mlp") {
    TorchMlp m;
    run(m, [](auto& n, auto& dd) { return bench_train_torch_epoch(n, dd); });
  } else if (lib == "torch" && model == "cnn") {
    TorchCnn m;
    run(m, [](auto& n, auto& dd) { return bench_train_torch_epoch(n, dd); });
  } else return 2;
  return 0;
}

TrainResult bench_train_spawn(const std::string& lib, const std::string& model, int threads, double fraction) {
  const std::string cmd = "/proc/" + std::to_string(getpid()) + "/exe --train-child " + lib + " " + model + " " +
                          std::to_string(threads) + " " + std::to_string(fraction);
  TrainResult r;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char line[512];
  while (std::fgets(line, sizeof line, p))
    if (std::sscanf(line, "RESULT %lf %ld %ld %lf", &r.samples_per_s, &r.peak_kb, &r.base_kb, &r.loss) == 4)
      r.ok = true;
  r.ok = pclose(p) == 0 && r.ok;
  return r;
}

void bench_train_all(const std::string& filter, double fraction) {
  const std::string models[] = {"mlp", "cnn"};
  bool header = false;
  for (int threads : {1, 2}) {
    for (const auto& model : models) {
      const std::string name = "train " + model;
      if (!filter.empty() && name.find(filter) == std::string::npos) continue;
      if (!header) {
        std::printf(
            "\nTraining epoch on Fashion-MNIST (%.0f%% of the 60000 images), batch 64, Adam lr 1e-3; each "
            "run in its own process\n",
            fraction * 100);
        std::printf("%-10s %2s  %11s  %11s  %6s  %9s  %9s  %6s  %9s  %9s  %7s  %7s\n", "model", "th", "xg samp/s",
                    "tc samp/s", "speed", "xg peak", "tc peak", "peak", "xg +MB", "tc +MB", "xg loss", "tc loss");
        header = true;
      }
      // Alternate which library goes first, so slow drift of the machine's load hits both.
      TrainResult x, t;
      if (threads == 1) {
        x = bench_train_spawn("xgrad", model, threads, fraction);
        t = bench_train_spawn("torch", model, threads, fraction);
      } else {
        t = bench_train_spawn("torch", model, threads, fraction);
        x = bench_train_spawn("xgrad", model, threads, fraction);
      }
      if (!x.ok || !t.ok) {
        std::printf("%-10s %2d  a child process failed (xgrad %s, torch %s)\n", model.c_str(), threads,
                    x.ok ? "ok" : "failed", t.ok ? "ok" : "failed");
        continue;
      }
      std::printf("%-10s %2d  %11.0f  %11.0f  %5.2fx  %6.0f MB  %6.0f MB  %5.2fx  %6.0f MB  %6.0f MB  %7.4f  %7.4f\n",
                  model.c_str(), threads, x.samples_per_s, t.samples_per_s, x.samples_per_s / t.samples_per_s,
                  x.peak_kb / 1024.0, t.peak_kb / 1024.0,
                  static_cast<double>(x.peak_kb) / static_cast<double>(t.peak_kb), (x.peak_kb - x.base_kb) / 1024.0,
                  (t.peak_kb - t.base_kb) / 1024.0, x.loss, t.loss);
      std::fflush(stdout);
    }
  }
  if (header)
    std::printf(
        "speed: xgrad / LibTorch samples per second (above 1: xgrad is faster). peak: resident memory high-water "
        "mark during training, xgrad / LibTorch. +MB: peak above the RSS just before training (data, libraries "
        "and model loaded). loss: mean over the last 50 batches.\n");
}

/// The BLAS library LibTorch's matrix products go to in this process (from /proc/self/maps).
std::string loaded_blas() {
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  if (!f) return "unknown";
  char line[1024];
  std::string found = "none found";
  while (std::fgets(line, sizeof line, f)) {
    const char* path = std::strchr(line, '/');
    if (path && (std::strstr(path, "libblas") || std::strstr(path, "openblas") || std::strstr(path, "libmkl"))) {
      found = path;
      if (!found.empty() && found.back() == '\n') found.pop_back();
      break;
    }
  }
  std::fclose(f);
  return found;
}

// Elementwise ops and reductions on float32 tensors of 1e5 and 1e6 elements (filter names start
// with "elementwise" and "reduce").
void bench_elementwise(int threads, const std::string& filter) {
  auto want = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  for (std::int64_t n : {100000, 1000000}) {
    const std::string sz = " " + std::to_string(n);
    const auto x = xg_randn({n}), y = xg_randn({n});
    const auto tx = torch::randn({n}), ty = torch::randn({n});
    if (want("elementwise exp" + sz))
      report(
          "elementwise exp" + sz, threads, 0, [&] { xg::exp(x); }, [&] { torch::exp(tx); });
    if (want("elementwise tanh" + sz))
      report(
          "elementwise tanh" + sz, threads, 0, [&] { xg::tanh(x); }, [&] { torch::tanh(tx); });
    if (want("elementwise sigmoid" + sz))
      report(
          "elementwise sigmoid" + sz, threads, 0, [&] { xg::sigmoid(x); }, [&] { torch::sigmoid(tx); });
    if (want("elementwise relu" + sz))
      report(
          "elementwise relu" + sz, threads, 0, [&] { xg::relu(x); }, [&] { torch::relu(tx); });
    if (want("elementwise add" + sz))
      report(
          "elementwise add" + sz, threads, 0, [&] { xg::add(x, y); }, [&] { torch::add(tx, ty); });
    const auto m = xg_randn({n / 100, 100}), b = xg_randn({100});
    const auto tm = torch::randn({n / 100, 100}), tb = torch::randn({100});
    if (want("elementwise add bcast row" + sz))
      report(
          "elementwise add bcast row" + sz, threads, 0, [&] { xg::add(m, b); }, [&] { torch::add(tm, tb); });
  }
}

void bench_reduce(int threads, const std::string& filter) {
  auto want = [&](const std::string& name) { return filter.empty() || name.find(filter) != std::string::npos; };
  const auto x = xg_randn({1000, 1000});
  const auto tx = torch::randn({1000, 1000});
  for (std::int64_t d : {1, 0}) {
    const std::string dim = d == 1 ? " 1000x1000 dim1" : " 1000x1000 dim0";
    if (want("reduce sum" + dim))
      report(
          "reduce sum" + dim, threads, 0, [&] { xg::sum(x, {d}); }, [&] { torch::sum(tx, {d}); });
    if (want("reduce var" + dim))
      report(
          "reduce var" + dim, threads, 0, [&] { xg::var(x, xg::Shape{d}); },
          [&] { torch::var(tx, torch::IntArrayRef{d}); });
    if (want("reduce amax" + dim))
      report(
          "reduce amax" + dim, threads, 0, [&] { xg::amax(x, {d}); }, [&] { torch::amax(tx, {d}); });
    if (want("reduce argmax" + dim))
      report(
          "reduce argmax" + dim, threads, 0, [&] { xg::argmax(x, d); }, [&] { torch::argmax(tx, d); });
    if (want("reduce logsumexp" + dim))
      report(
          "reduce logsumexp" + dim, threads, 0, [&] { xg::logsumexp(x, {d}); }, [&] { torch::logsumexp(tx, {d}); });
    if (want("reduce softmax" + dim))
      report(
          "reduce softmax" + dim, threads, 0, [&] { xg::softmax(x, d); }, [&] { torch::softmax(tx, d); });
  }
  if (want("reduce sum all 1e6"))
    report(
        "reduce sum all 1e6", threads, 0, [&] { xg::sum(x); }, [&] { torch::sum(tx); });
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 5 && args[0] == "--train-child")
    return bench_train_child(args[1], args[2], std::stoi(args[3]), std::stod(args[4]));
  double fraction = 1.0;
  std::string filter;
  for (const auto& a : args) {
    if (a == "--quick") fraction = 0.1;
    else if (a.rfind("--fraction=", 0) == 0) fraction = std::stod(a.substr(11));
    else filter = a;
  }
  fraction = std::clamp(fraction, 1e-4, 1.0);
  const bool only_train = filter.rfind("train", 0) == 0;
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  std::printf("LibTorch %s, BLAS: %s, OMP_WAIT_POLICY=%s\n", TORCH_VERSION, loaded_blas().c_str(),
              wait_policy ? wait_policy : "(unset)");
  if (!only_train) {
    peak = xg::bench::measure_peak_flops<float>();
    std::printf("single-thread FP32 FMA peak: %.1f GFLOP/s\n", peak * 1e-9);
    std::printf("%-44s %2s  %10s  %10s  %6s  %7s  %7s  %5s\n", "case", "th", "xgrad us", "torch us", "ratio", "xg GF/s",
                "tc GF/s", "peak");
    for (int threads : {1, 2}) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
      torch::set_num_threads(threads);
      bench_mm(threads, filter);
      bench_cnn(threads, filter);
      bench_elementwise(threads, filter);
      bench_reduce(threads, filter);
      bench_overhead(threads, filter);
    }
  }
  bench_train_all(filter, fraction);
  return 0;
}
