// DataLoader throughput on Fashion-MNIST, batch 64, shuffled, for 0, 1 and 2 workers
// (items_per_second = batches per second):
//   - Tensor:    the TensorDataset fast path (one index_select per batch);
//   - Augmented: per-example RandomHorizontalFlip + RandomCrop(28, 2), stacked by default_collate;
//   - WithStep:  Augmented plus a stand-in for a training step in the loop (a 64×784 · 784×256
//                matmul and a reduction), which is what prefetching overlaps with;
//   - Latency:   each batch waits 0.5 ms while assembled (as a read from disk or network would)
//                and the loop waits 0.5 ms per batch: the overlap prefetching buys without
//                competing for the CPU (2 ms per batch done one after the other, 1 ms overlapped).
// Skipped when Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist).
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <optional>

#include <xgrad/data.hpp>
#include <xgrad/xgrad.hpp>

namespace {
const xg::data::FashionMNIST* train_set() {
  static std::optional<xg::data::FashionMNIST> ds;
  if (!ds && std::filesystem::exists(std::string(xg::data::FashionMNIST::kDefaultRoot) + "/train-images-idx3-ubyte.gz"))
    ds.emplace(xg::data::FashionMNIST::kDefaultRoot, xg::data::Split::Train);
  return ds ? &*ds : nullptr;
}

constexpr std::int64_t kBatches = 200;  // per benchmark iteration

void run(benchmark::State& state, const xg::data::Dataset& ds, bool step, bool latency = false) {
  xg::data::Collate slow = [](std::vector<xg::data::Example> examples) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    return xg::data::default_collate(std::move(examples));
  };
  xg::data::DataLoader loader(ds, {.batch_size = 64,
                                   .shuffle = true,
                                   .num_workers = state.range(0),
                                   .collate = latency ? slow : xg::data::Collate()});
  const auto w = xg::randn({784, 256});
  std::int64_t batches = 0;
  for (auto _ : state) {
    std::int64_t n = 0;
    for (auto& batch : loader) {
      if (step) benchmark::DoNotOptimize(xg::matmul(batch.data.reshape({-1, 784}), w).sum());
      if (latency) std::this_thread::sleep_for(std::chrono::microseconds(500));
      benchmark::DoNotOptimize(batch.data.data_ptr());
      if (++n == kBatches) break;
    }
    batches += n;
  }
  state.SetItemsProcessed(batches);
}

void BM_LoaderTensor(benchmark::State& state) {
  const auto* ds = train_set();
  if (!ds) return state.SkipWithError("Fashion-MNIST is not installed");
  run(state, *ds, false);
}
BENCHMARK(BM_LoaderTensor)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LoaderAugmented(benchmark::State& state) {
  const auto* ds = train_set();
  if (!ds) return state.SkipWithError("Fashion-MNIST is not installed");
  auto augmented = ds->map(xg::data::Compose({xg::data::RandomHorizontalFlip(), xg::data::RandomCrop(28, 2)}));
  run(state, augmented, false);
}
BENCHMARK(BM_LoaderAugmented)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LoaderWithStep(benchmark::State& state) {
  const auto* ds = train_set();
  if (!ds) return state.SkipWithError("Fashion-MNIST is not installed");
  auto augmented = ds->map(xg::data::Compose({xg::data::RandomHorizontalFlip(), xg::data::RandomCrop(28, 2)}));
  run(state, augmented, true);
}
BENCHMARK(BM_LoaderWithStep)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LoaderLatency(benchmark::State& state) {
  const auto* ds = train_set();
  if (!ds) return state.SkipWithError("Fashion-MNIST is not installed");
  run(state, *ds, false, true);
}
BENCHMARK(BM_LoaderLatency)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
}  // namespace

BENCHMARK_MAIN();
