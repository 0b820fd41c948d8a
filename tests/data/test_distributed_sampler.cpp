// DistributedSampler: PyTorch's shard arithmetic (num_samples, total_size, padding from the start,
// drop_last cutting the tail, rank's indices = order[rank : total_size : num_replicas]), shards that
// partition the dataset, one permutation per epoch shared by every simulated rank, argument errors,
// and the DataLoader's sampler option (epochs from the loader, PyTorch-style set_epoch adopted).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <string>

#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;

namespace {

using Indices = std::vector<std::int64_t>;

DistributedSampler sampler(std::int64_t n, std::int64_t replicas, std::int64_t rank, bool shuffle, bool drop_last,
                           std::uint64_t seed = 0) {
  return DistributedSampler(
      n, {.num_replicas = replicas, .rank = rank, .shuffle = shuffle, .seed = seed, .drop_last = drop_last});
}

/// PyTorch's DistributedSampler.__iter__ transcribed literally (Python slicing and list
/// repetition) on a given order, as an independent reference for the padding arithmetic.
Indices pytorch_shard(Indices order, std::int64_t replicas, std::int64_t rank, bool drop_last) {
  const auto n = static_cast<std::int64_t>(order.size());
  std::int64_t num_samples;
  if (drop_last && n % replicas != 0) {
    // math.ceil((n - replicas) / replicas) with true division
    const double q = double(n - replicas) / double(replicas);
    num_samples = static_cast<std::int64_t>(std::ceil(q));
  } else {
    num_samples = static_cast<std::int64_t>(std::ceil(double(n) / double(replicas)));
  }
  const std::int64_t total = num_samples * replicas;
  if (!drop_last) {
    const std::int64_t padding = total - n;
    if (padding <= n) {
      order.insert(order.end(), order.begin(), order.begin() + padding);
    } else {
      Indices rep;
      const auto times = static_cast<std::int64_t>(std::ceil(double(padding) / double(n)));
      for (std::int64_t t = 0; t < times; ++t) rep.insert(rep.end(), order.begin(), order.begin() + n);
      order.insert(order.end(), rep.begin(), rep.begin() + padding);
    }
  } else {
    order.resize(static_cast<std::size_t>(total));
  }
  Indices out;
  for (std::int64_t i = rank; i < total; i += replicas) out.push_back(order[static_cast<std::size_t>(i)]);
  return out;
}

Indices iota_n(std::int64_t n) {
  Indices v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), std::int64_t{0});
  return v;
}

}  // namespace

TEST_CASE("DistributedSampler: shard sizes and padding are PyTorch's for hand-checked cases") {
  // N = 10, R = 4: num_samples 3, total 12, the order 0…9 padded with 0, 1.
  CHECK(sampler(10, 4, 0, false, false).indices(0) == Indices{0, 4, 8});
  CHECK(sampler(10, 4, 1, false, false).indices(0) == Indices{1, 5, 9});
  CHECK(sampler(10, 4, 2, false, false).indices(0) == Indices{2, 6, 0});
  CHECK(sampler(10, 4, 3, false, false).indices(0) == Indices{3, 7, 1});
  CHECK(sampler(10, 4, 0, false, false).total_size() == 12);
  // drop_last: num_samples ⌈(10 − 4) / 4⌉ = 2, total 8, indices 8 and 9 dropped.
  CHECK(sampler(10, 4, 0, false, true).indices(0) == Indices{0, 4});
  CHECK(sampler(10, 4, 3, false, true).indices(0) == Indices{3, 7});
  CHECK(sampler(10, 4, 3, false, true).size() == 2);
  // N = 2, R = 5: the shortfall (3) exceeds N, so the order repeats: 0, 1, 0, 1, 0.
  CHECK(sampler(2, 5, 2, false, false).indices(0) == Indices{0});
  CHECK(sampler(2, 5, 3, false, false).indices(0) == Indices{1});
  CHECK(sampler(2, 5, 4, false, false).indices(0) == Indices{0});
  CHECK(sampler(2, 5, 4, false, true).size() == 0);  // ⌈(2 − 5) / 5⌉ = 0
  // The header's example: 100 examples on 3 ranks, rank 1 ends with the padding index 0.
  const Indices r1 = sampler(100, 3, 1, false, false).indices(0);
  REQUIRE(r1.size() == 34);
  CHECK(r1.front() == 1);
  CHECK(r1[32] == 97);
  CHECK(r1.back() == 0);
  // Divisible sizes: no padding, drop_last changes nothing.
  CHECK(sampler(12, 3, 2, false, false).indices(0) == sampler(12, 3, 2, false, true).indices(0));
  CHECK(sampler(0, 3, 1, false, false).indices(0).empty());
}

TEST_CASE("DistributedSampler: every (N, replicas, rank) equals PyTorch's slicing of the same order") {
  for (std::int64_t n : {0, 1, 2, 5, 7, 10, 31, 64, 100})
    for (std::int64_t r : {1, 2, 3, 4, 7, 8})
      for (bool drop_last : {false, true})
        for (bool shuffle : {false, true}) {
          const Indices order = shuffle ? sampler(n, 1, 0, true, true, 11).indices(3) : iota_n(n);
          for (std::int64_t rank = 0; rank < r; ++rank) {
            INFO("N = " << n << ", replicas = " << r << ", rank = " << rank << ", drop_last = " << drop_last
                        << ", shuffle = " << shuffle);
            const auto s = sampler(n, r, rank, shuffle, drop_last, 11);
            if (n == 0) {
              CHECK(s.indices(3).empty());
              continue;
            }
            CHECK(s.indices(3) == pytorch_shard(order, r, rank, drop_last));
            CHECK(static_cast<std::int64_t>(s.indices(3).size()) == s.size());
          }
        }
}

TEST_CASE("DistributedSampler: the shards partition the dataset, with and without drop_last") {
  for (std::int64_t n : {1, 9, 10, 11, 60, 97})
    for (std::int64_t r : {1, 2, 3, 5, 8}) {
      INFO("N = " << n << ", replicas = " << r);
      // drop_last: disjoint shards of ⌊N / R⌋ each, covering all but N mod R examples.
      std::set<std::int64_t> seen;
      std::int64_t total = 0;
      for (std::int64_t rank = 0; rank < r; ++rank) {
        const auto idx = sampler(n, r, rank, true, true, 5).indices(2);
        CHECK(static_cast<std::int64_t>(idx.size()) == n / r);
        total += static_cast<std::int64_t>(idx.size());
        for (auto i : idx) {
          CHECK((i >= 0 && i < n));
          CHECK(seen.insert(i).second);  // never on two ranks, never twice
        }
      }
      CHECK(total == (n / r) * r);
      CHECK(static_cast<std::int64_t>(seen.size()) == n - n % r);
      // Without drop_last: ⌈N / R⌉ each, every example at least once, (total − N) repeats.
      std::map<std::int64_t, int> count;
      for (std::int64_t rank = 0; rank < r; ++rank) {
        const auto idx = sampler(n, r, rank, true, false, 5).indices(2);
        CHECK(static_cast<std::int64_t>(idx.size()) == (n + r - 1) / r);
        for (auto i : idx) count[i]++;
      }
      CHECK(static_cast<std::int64_t>(count.size()) == n);
      std::int64_t repeats = 0;
      for (auto [i, c] : count) repeats += c - 1;
      CHECK(repeats == ((n + r - 1) / r) * r - n);
    }
}

TEST_CASE("DistributedSampler: one permutation per epoch on every rank, a new one each epoch") {
  const std::int64_t n = 50, r = 3;
  // Interleaving the ranks' shards rebuilds the epoch's order; it must be the same order for every
  // rank to have disjoint shards, and it is seeded by seed + epoch.
  auto order_of = [&](std::uint64_t seed, std::int64_t epoch) {
    Indices order(static_cast<std::size_t>(n / r * r));
    for (std::int64_t rank = 0; rank < r; ++rank) {
      auto s = sampler(n, r, rank, true, true, seed);
      s.set_epoch(epoch);
      const auto idx = s.indices();
      for (std::size_t k = 0; k < idx.size(); ++k) order[k * r + static_cast<std::size_t>(rank)] = idx[k];
    }
    return order;
  };
  const Indices e0 = order_of(7, 0), e1 = order_of(7, 1);
  CHECK(std::set<std::int64_t>(e0.begin(), e0.end()).size() == e0.size());
  CHECK(e0 != e1);
  CHECK(e0 != iota_n(static_cast<std::int64_t>(e0.size())));
  CHECK(order_of(7, 1) == e1);  // reproducible
  CHECK(order_of(8, 0) == e1);  // PyTorch's seed + epoch: seed 8 epoch 0 is seed 7 epoch 1
  CHECK(order_of(9, 0) != e1);
  // set_epoch picks what indices() returns; indices(e) is a pure function of e.
  auto s = sampler(n, r, 1, true, false, 7);
  CHECK(s.epoch() == 0);
  s.set_epoch(4);
  CHECK(s.indices() == s.indices(4));
  CHECK(s.indices(4) != s.indices(5));
}

TEST_CASE("DistributedSampler: bad arguments are ValueErrors naming the values") {
  auto message = [](auto f) {
    try {
      f();
    } catch (const ValueError& e) { return std::string(e.what()); }
    return std::string("no error");
  };
  const auto m1 = message([] { sampler(10, 2, 2, true, false); });
  CHECK_THAT(m1, Catch::Contains("invalid rank 2") && Catch::Contains("[0, 1]"));
  const auto m2 = message([] { sampler(10, 3, -1, true, false); });
  CHECK_THAT(m2, Catch::Contains("invalid rank -1") && Catch::Contains("[0, 2]"));
  const auto m3 = message([] { sampler(10, 0, 0, true, false); });
  CHECK_THAT(m3, Catch::Contains("num_replicas must be >= 1, got 0"));
  const auto m4 = message([] { sampler(10, -2, 0, true, false); });
  CHECK_THAT(m4, Catch::Contains("got -2"));
  CHECK_THROWS_AS(DistributedSampler(TensorDataset(zeros({4, 1}), Tensor()), {}), ValueError);  // no replicas given
  CHECK_THROWS_AS(sampler(-1, 2, 0, true, false), ValueError);
  auto s = sampler(10, 2, 0, true, false);
  CHECK_THROWS_AS(s.set_epoch(-1), ValueError);
  CHECK_THROWS_AS(s.indices(-3), ValueError);
}

TEST_CASE("DataLoader with a DistributedSampler: each simulated rank gets its shard, epochs follow the loader") {
  const std::int64_t n = 23, r = 3;
  TensorDataset ds(arange(n, kFloat64).unsqueeze(1), arange(n));
  std::vector<std::shared_ptr<DistributedSampler>> samplers;
  std::vector<DataLoader> loaders;
  for (std::int64_t rank = 0; rank < r; ++rank) {
    samplers.push_back(std::make_shared<DistributedSampler>(
        ds, DistributedSamplerOptions{.num_replicas = r, .rank = rank, .seed = 3}));
    loaders.emplace_back(ds, DataLoaderOptions{.batch_size = 4, .sampler = samplers.back()});
  }
  CHECK(loaders[0].size() == 2);  // ⌈23 / 3⌉ = 8 indices per rank, batches of 4
  for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
    std::map<std::int64_t, int> count;
    for (std::int64_t rank = 0; rank < r; ++rank) {
      Indices got;
      for (auto& batch : loaders[static_cast<std::size_t>(rank)]) {
        auto t = batch.target.to_vector<std::int64_t>();
        got.insert(got.end(), t.begin(), t.end());
      }
      CHECK(got == samplers[static_cast<std::size_t>(rank)]->indices(epoch));
      CHECK(samplers[static_cast<std::size_t>(rank)]->epoch() == epoch);
      for (auto i : got) count[i]++;
    }
    CHECK(static_cast<std::int64_t>(count.size()) == n);  // the union is the dataset (one repeat: 24 − 23)
  }
  // PyTorch's habit: set_epoch on the sampler before the loop; the loader adopts it.
  samplers[0]->set_epoch(7);
  Indices got;
  for (auto& batch : loaders[0]) {
    auto t = batch.target.to_vector<std::int64_t>();
    got.insert(got.end(), t.begin(), t.end());
  }
  CHECK(got == samplers[0]->indices(7));
  CHECK(loaders[0].epoch() == 8);
  // The loader's own set_epoch resumes too.
  loaders[1].set_epoch(5);
  got.clear();
  for (auto& batch : loaders[1]) {
    auto t = batch.target.to_vector<std::int64_t>();
    got.insert(got.end(), t.begin(), t.end());
  }
  CHECK(got == samplers[1]->indices(5));
  CHECK(loaders[1].batch_indices(5) == samplers[1]->indices(5));
  // shuffle and a sampler together are an error, as in PyTorch.
  CHECK_THROWS_AS(DataLoader(ds, {.batch_size = 2, .shuffle = true, .sampler = samplers[0]}), ValueError);
}
