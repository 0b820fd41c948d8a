// Data-parallel training steps on one machine: the same global batch trained by one process with
// T threads, or by the N ranks of an MPI job with DistributedDataParallel (each rank a 1/N share of
// the batch). Synthetic data of Fashion-MNIST's shape (the timing does not depend on the pixels),
// a fixed number of Adam steps, warm-up steps untimed. One line of key=value pairs per run on rank
// 0, read by scripts/bench_ddp_scaling.sh, which runs the comparisons of docs/distributed.md:
//
//   build/bench/bench_ddp_scaling --model cnn --threads 2                       # 1 process × 2 threads
//   mpirun -np 2 build/bench/bench_ddp_scaling --model cnn --distributed        # 2 ranks × 1 thread
//   mpirun -np 2 build/bench/bench_ddp_scaling --model mlp --distributed --comm-hook fp16 --no-overlap
//
// With --distributed it also reports DistributedDataParallel::last_step_stats() averaged over the
// timed steps: how much of the all-reduce time was hidden behind backward, and the communication
// backward had to wait for. A step's time is the slowest rank's (the ranks wait for each other in
// every all-reduce anyway).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>
#include <xgrad/distributed.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

namespace {

namespace nn = xg::nn;
namespace dist = xg::distributed;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string model = "cnn";        // mlp: 784-256-128-10; cnn: examples/fashion_mnist.cpp's network
  std::int64_t global_batch = 128;  // split evenly over the ranks
  int steps = 0;                    // timed steps (0: 300 for the MLP, 60 for the CNN)
  int warmup = 5;                   // untimed steps first
  int threads = 0;                  // 0: init()'s choice with --distributed, every core otherwise
  bool distributed = false;
  std::string comm_hook = "none";
  bool overlap = true;
  double bucket_cap_mb = 25.0;
};

[[noreturn]] void usage(int code) {
  std::cerr << "usage: bench_ddp_scaling [--model mlp|cnn] [--global-batch N] [--steps N] [--warmup N]\n"
               "                         [--threads N] [--distributed [--comm-hook none|fp16|bf16]\n"
               "                         [--no-overlap] [--bucket-cap-mb MB]]\n";
  std::exit(code);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--model") o.model = next();
    else if (a == "--global-batch") o.global_batch = std::stoll(next());
    else if (a == "--steps") o.steps = std::stoi(next());
    else if (a == "--warmup") o.warmup = std::stoi(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--distributed") o.distributed = true;
    else if (a == "--comm-hook") o.comm_hook = next();
    else if (a == "--no-overlap") o.overlap = false;
    else if (a == "--bucket-cap-mb") o.bucket_cap_mb = std::stod(next());
    else if (a == "--help" || a == "-h") usage(0);
    else usage(2);
  }
  if (o.model != "mlp" && o.model != "cnn")
    throw xg::ValueError("bench_ddp_scaling: --model must be mlp or cnn, got " + o.model);
  if (o.steps == 0) o.steps = o.model == "mlp" ? 300 : 60;
  return o;
}

nn::Sequential make_model(const std::string& name) {
  nn::Sequential net;
  if (name == "mlp") {
    net->push_back(nn::Flatten());
    net->push_back(nn::Linear(784, 256));
    net->push_back(nn::ReLU());
    net->push_back(nn::Linear(256, 128));
    net->push_back(nn::ReLU());
    net->push_back(nn::Linear(128, 10));
    return net;
  }
  // The network of examples/fashion_mnist.cpp with its defaults (BatchNorm, dropout 0.25).
  net->push_back(nn::Conv2d(1, 32, 3));
  net->push_back(nn::BatchNorm2d(32));
  net->push_back(nn::ReLU());
  net->push_back(nn::MaxPool2d(2));
  net->push_back(nn::Conv2d(32, 64, 3));
  net->push_back(nn::BatchNorm2d(64));
  net->push_back(nn::ReLU());
  net->push_back(nn::MaxPool2d(2));
  net->push_back(nn::Flatten());
  net->push_back(nn::Dropout({.p = 0.25}));
  net->push_back(nn::Linear(64 * 5 * 5, 128));
  net->push_back(nn::ReLU());
  net->push_back(nn::Dropout({.p = 0.25}));
  net->push_back(nn::Linear(128, 10));
  return net;
}

int run(const Options& o) {
  const int rank = o.distributed ? dist::rank() : 0, ranks = o.distributed ? dist::world_size() : 1;
  if (o.threads > 0) xg::set_num_threads(o.threads);
  XG_CHECK(o.global_batch % ranks == 0, ValueError, "bench_ddp_scaling: the global batch ", o.global_batch,
           " is not divisible by the ", ranks, " ranks");
  const std::int64_t batch = o.global_batch / ranks;

  xg::manual_seed(0);
  auto net = make_model(o.model);
  nn::DistributedDataParallel ddp{nullptr};
  if (o.distributed)
    ddp = nn::DistributedDataParallel(
        net, {.bucket_cap_mb = o.bucket_cap_mb, .comm_hook = o.comm_hook, .overlap = o.overlap});
  auto forward = [&](const xg::Tensor& x) { return o.distributed ? ddp->forward(x) : net->forward(x); };
  xg::optim::Adam opt(net->parameters(), {.lr = 1e-3});

  // A few distinct batches, made before timing; each rank its own (its shard of the global batch).
  xg::manual_seed(1 + static_cast<std::uint64_t>(rank));
  std::vector<xg::Tensor> xs, ys;
  for (int k = 0; k < 4; ++k) {
    xs.push_back(xg::rand({batch, 1, 28, 28}));
    ys.push_back(xg::randint(10, {batch}));
  }

  double hidden = 0, exposed = 0, comm = 0;
  std::int64_t bytes = 0;
  int buckets = 0;
  Clock::time_point t0;
  for (int s = 0; s < o.warmup + o.steps; ++s) {
    if (s == o.warmup) {
      if (o.distributed) dist::barrier();
      t0 = Clock::now();
    }
    const auto k = static_cast<std::size_t>(s % 4);
    opt.zero_grad();
    auto loss = nn::functional::cross_entropy(forward(xs[k]), ys[k]);
    loss.backward();
    opt.step();
    if (o.distributed && s >= o.warmup) {
      const auto& st = ddp->last_step_stats();
      hidden += st.hidden_fraction();
      exposed += st.exposed_seconds();
      double first = 1e300, last = 0;
      for (std::size_t b = 0; b < st.bucket_started.size(); ++b) {
        first = std::min(first, st.bucket_started[b]);
        last = std::max(last, st.bucket_completed[b]);
      }
      comm += st.bucket_started.empty() ? 0.0 : last - first;
      bytes = st.bytes;
      buckets = st.num_buckets;
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (o.distributed) {
    xg::Tensor t = xg::tensor(std::vector<double>{seconds});
    dist::all_reduce(t, dist::ReduceOp::MAX);
    seconds = t.to_vector<double>()[0];
  }
  if (rank != 0) return 0;
  const double n = o.steps;
  std::printf("model=%s mode=%s ranks=%d threads=%d global_batch=%lld steps=%d ms_per_step=%.3f samples_per_s=%.0f",
              o.model.c_str(), o.distributed ? "ddp" : "single", ranks, xg::get_num_threads(),
              static_cast<long long>(o.global_batch), o.steps, 1e3 * seconds / n, o.global_batch * n / seconds);
  if (o.distributed)
    std::printf(
        " comm_hook=%s overlap=%d bucket_cap_mb=%g buckets=%d bytes=%lld hidden_fraction=%.3f "
        "exposed_ms=%.3f comm_ms=%.3f",
        o.comm_hook.c_str(), o.overlap ? 1 : 0, o.bucket_cap_mb, buckets, static_cast<long long>(bytes), hidden / n,
        1e3 * exposed / n, 1e3 * comm / n);
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  if (!o.distributed) return run(o);
  auto guard = dist::init({.set_num_threads = o.threads == 0});
  return run(o);
} catch (const std::exception& e) {
  std::cerr << "bench_ddp_scaling: " << e.what() << "\n";
  return 1;
}
