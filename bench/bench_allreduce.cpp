// All-reduce throughput against message size (1 KB ... 64 MB of float32): xgrad's
// xg::distributed::all_reduce against a raw MPI_Allreduce on the same buffer, in the same run.
// The difference is the wrapper's overhead (argument checks, the Work handle, the version bump).
// Run it under MPI; rank 0 prints the table:
//   mpirun -np 2 --allow-run-as-root build/bench/bench_allreduce --benchmark_repetitions=7
// Every rank must run the same iterations (each one is a collective), so the iteration counts are
// fixed per size instead of chosen by timing, and a barrier precedes each benchmark.
#include <mpi.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>
#include <xgrad/distributed.hpp>
#include <xgrad/xgrad.hpp>

namespace {

constexpr std::int64_t kKiB = 1024;

/// About 0.2 GB moved per repetition, between 5 and 5000 iterations.
benchmark::IterationCount iterations(std::int64_t bytes) {
  return std::clamp<std::int64_t>(256 * kKiB * kKiB / bytes, 5, 5000);
}

template <bool Raw>
void BM_allreduce(benchmark::State& state) {
  const std::int64_t bytes = state.range(0);
  xg::Tensor t = xg::zeros({bytes / 4});  // zeros stay zeros: no overflow, no denormals
  float* p = t.data_ptr<float>();
  const int n = static_cast<int>(t.numel());
  MPI_Barrier(MPI_COMM_WORLD);
  for (auto _ : state) {
    if constexpr (Raw) {
      MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    } else {
      xg::distributed::all_reduce(t);
    }
  }
  benchmark::DoNotOptimize(p);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * bytes);
  state.counters["ranks"] = xg::distributed::world_size();
}

/// Both in one loop, alternating which goes first, each call timed on its own; xgrad_over_raw is the
/// median over iterations of the ratio of the two adjacent calls, which saw the same machine load
/// (the overhead figure of docs/performance.md).
void BM_allreduce_interleaved(benchmark::State& state) {
  const std::int64_t bytes = state.range(0);
  xg::Tensor t = xg::zeros({bytes / 4});
  float* p = t.data_ptr<float>();
  const int n = static_cast<int>(t.numel());
  std::vector<double> raw, wrapped;
  MPI_Barrier(MPI_COMM_WORLD);
  bool raw_first = true;
  auto time_raw = [&] {
    const double t0 = MPI_Wtime();
    MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    raw.push_back(MPI_Wtime() - t0);
  };
  auto time_xgrad = [&] {
    const double t0 = MPI_Wtime();
    xg::distributed::all_reduce(t);
    wrapped.push_back(MPI_Wtime() - t0);
  };
  for (auto _ : state) {
    if (raw_first) {
      time_raw();
      time_xgrad();
    } else {
      time_xgrad();
      time_raw();
    }
    raw_first = !raw_first;
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  // the ratio of each adjacent pair, whose two calls saw the same load, then the median of those
  std::vector<double> ratios(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) ratios[i] = wrapped[i] / raw[i];
  state.counters["raw_us"] = median(raw) * 1e6;
  state.counters["xgrad_us"] = median(wrapped) * 1e6;
  state.counters["xgrad_over_raw"] = median(ratios);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * bytes * 2);
}

void register_all() {
  for (std::int64_t bytes = kKiB; bytes <= 64 * kKiB * kKiB; bytes *= 4) {
    benchmark::RegisterBenchmark("allreduce_raw_mpi", BM_allreduce<true>)
        ->Arg(bytes)
        ->Iterations(iterations(bytes))
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("allreduce_xgrad", BM_allreduce<false>)
        ->Arg(bytes)
        ->Iterations(iterations(bytes))
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  for (std::int64_t bytes = kKiB; bytes <= 64 * kKiB * kKiB; bytes *= 4)
    benchmark::RegisterBenchmark("allreduce_interleaved", BM_allreduce_interleaved)
        ->Arg(bytes)
        ->Iterations(std::max<benchmark::IterationCount>(iterations(bytes), 50))
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
}

/// Ranks other than 0 run silently.
class NullReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace

int main(int argc, char** argv) {
  auto guard = xg::distributed::init();
  benchmark::Initialize(&argc, argv);
  register_all();
  if (xg::distributed::rank() == 0) {
    benchmark::RunSpecifiedBenchmarks();
  } else {
    NullReporter null;
    benchmark::RunSpecifiedBenchmarks(&null);
  }
  benchmark::Shutdown();
  return 0;
}
