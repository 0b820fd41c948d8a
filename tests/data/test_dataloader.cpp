// DataLoader: batch counts, every index once per epoch, orders fixed by the seed and new each
// epoch, bitwise-equal batches whatever the number of workers, custom collate, batch transforms,
// errors from the dataset surfacing at the right batch, and abandoned passes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>

#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;

namespace {
/// Example i holds the number i as data [1] (float64) and target i (int64).
TensorDataset numbers(std::int64_t n) { return TensorDataset(arange(n, kFloat64).unsqueeze(1), arange(n)); }

/// The batches of one epoch, in order.
std::vector<Example> one_epoch(DataLoader& loader) {
  std::vector<Example> out;
  for (auto& batch : loader) out.push_back(batch);
  return out;
}

std::vector<std::int64_t> targets_of(const std::vector<Example>& batches) {
  std::vector<std::int64_t> all;
  for (const auto& b : batches) {
    auto t = b.target.to_vector<std::int64_t>();
    all.insert(all.end(), t.begin(), t.end());
  }
  return all;
}

bool same_batches(const std::vector<Example>& a, const std::vector<Example>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!a[i].data.equal(b[i].data) || !a[i].target.equal(b[i].target)) return false;
  return true;
}

/// A dataset whose example 7 cannot be read.
struct Faulty : DatasetImpl {
  std::int64_t size() const override { return 20; }
  Example get(std::int64_t i) const override {
    if (i == 7) throw IoError("example 7 is damaged");
    return {scalar_tensor(static_cast<double>(i), kFloat64), scalar_tensor(i, kInt64)};
  }
};
}  // namespace

TEST_CASE("DataLoader: size counts the batches with and without drop_last") {
  auto ds = numbers(10);
  CHECK(DataLoader(ds, {.batch_size = 3}).size() == 4);
  CHECK(DataLoader(ds, {.batch_size = 3, .drop_last = true}).size() == 3);
  CHECK(DataLoader(ds, {.batch_size = 5, .drop_last = true}).size() == 2);
  CHECK(DataLoader(ds, {.batch_size = 20}).size() == 1);
  CHECK(DataLoader(ds, {.batch_size = 20, .drop_last = true}).size() == 0);
  DataLoader loader(ds, {.batch_size = 3});
  auto batches = one_epoch(loader);
  REQUIRE(batches.size() == 4);
  CHECK(batches[0].data.sizes() == Shape{3, 1});
  CHECK(batches[3].data.sizes() == Shape{1, 1});
  DataLoader dropping(ds, {.batch_size = 3, .drop_last = true});
  auto kept = one_epoch(dropping);
  CHECK(kept.size() == 3);
  for (const auto& b : kept) CHECK(b.target.size(0) == 3);
}

TEST_CASE("DataLoader: without shuffle the batches follow the dataset order") {
  DataLoader loader(numbers(7), {.batch_size = 3});
  auto batches = one_epoch(loader);
  CHECK(targets_of(batches) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6});
  CHECK(batches[1].data.equal(tensor({{3.0}, {4.0}, {5.0}}, kFloat64)));
}

TEST_CASE("DataLoader: a shuffled epoch visits every index exactly once") {
  DataLoader loader(numbers(23), {.batch_size = 4, .shuffle = true, .seed = 5});
  for (int epoch = 0; epoch < 3; ++epoch) {
    auto seen = targets_of(one_epoch(loader));
    CHECK(seen == loader.batch_indices(epoch));
    std::sort(seen.begin(), seen.end());
    std::vector<std::int64_t> all(23);
    std::iota(all.begin(), all.end(), 0);
    CHECK(seen == all);
  }
  CHECK(loader.epoch() == 3);
}

TEST_CASE("DataLoader: the same seed gives the same order, epochs and seeds give new ones") {
  auto ds = numbers(50);
  DataLoader a(ds, {.batch_size = 8, .shuffle = true, .seed = 11});
  DataLoader b(ds, {.batch_size = 8, .shuffle = true, .seed = 11});
  DataLoader c(ds, {.batch_size = 8, .shuffle = true, .seed = 12});
  auto a0 = targets_of(one_epoch(a)), a1 = targets_of(one_epoch(a));
  auto b0 = targets_of(one_epoch(b)), b1 = targets_of(one_epoch(b));
  auto c0 = targets_of(one_epoch(c));
  CHECK(a0 == b0);
  CHECK(a1 == b1);
  CHECK(a0 != a1);
  CHECK(a0 != c0);
  std::vector<std::int64_t> identity(50);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(a0 != identity);
  // resuming at epoch 1 repeats epoch 1
  DataLoader resumed(ds, {.batch_size = 8, .shuffle = true, .seed = 11});
  resumed.set_epoch(1);
  CHECK(targets_of(one_epoch(resumed)) == a1);
  CHECK_THROWS_AS(resumed.set_epoch(-1), ValueError);
}

TEST_CASE("DataLoader: batches are bitwise identical with 0, 1 and 2 workers") {
  // per-example random transforms and a per-batch one: every draw must be independent of threads
  auto ds = TensorDataset(arange(37 * 16, kFloat32).reshape({37, 1, 4, 4}), arange(37))
                .map(Compose({RandomHorizontalFlip(0.5), RandomCrop(4, 1)}));
  Transform jitter = [](Example b, Generator& g) {
    b.data = b.data + static_cast<float>(g.next_double());
    return b;
  };
  auto run = [&](std::int64_t workers) {
    DataLoader loader(ds,
                      {.batch_size = 5, .shuffle = true, .seed = 3, .num_workers = workers, .batch_transform = jitter});
    auto e0 = one_epoch(loader);
    auto e1 = one_epoch(loader);
    e0.insert(e0.end(), e1.begin(), e1.end());
    return e0;
  };
  const auto w0 = run(0), w1 = run(1), w2 = run(2);
  REQUIRE(w0.size() == 16);
  CHECK(same_batches(w0, w1));
  CHECK(same_batches(w0, w2));
  CHECK_FALSE(w0[0].data.equal(w0[8].data));  // the two epochs differ
}

TEST_CASE("DataLoader: a fast-path TensorDataset gives the same batches as per-example collation") {
  auto ds = TensorDataset(randn({30, 3}), randint(0, 4, {30}));
  DataLoader fast(ds, {.batch_size = 7, .shuffle = true, .seed = 1, .num_workers = 2});
  DataLoader slow(ds, {.batch_size = 7, .shuffle = true, .seed = 1, .collate = default_collate});
  CHECK(same_batches(one_epoch(fast), one_epoch(slow)));
}

TEST_CASE("DataLoader: a custom collate receives the examples of each batch") {
  Collate count_and_sum = [](std::vector<Example> examples) {
    double sum = 0;
    for (const auto& e : examples) sum += e.data.item<double>();
    return Example{scalar_tensor(sum, kFloat64), scalar_tensor(static_cast<std::int64_t>(examples.size()), kInt64)};
  };
  auto ds = TensorDataset(arange(10, kFloat64));
  DataLoader loader(ds, {.batch_size = 4, .num_workers = 1, .collate = count_and_sum});
  auto batches = one_epoch(loader);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].data.item<double>() == 6.0);   // 0 + 1 + 2 + 3
  CHECK(batches[2].data.item<double>() == 17.0);  // 8 + 9
  CHECK(batches[2].target.item<std::int64_t>() == 2);
}

TEST_CASE("DataLoader: unlabeled data gives batches without targets") {
  DataLoader loader(TensorDataset(ones({5, 2})), {.batch_size = 2});
  for (auto& batch : loader) {
    CHECK(batch.data.size(1) == 2);
    CHECK_FALSE(batch.target.defined());
  }
}

TEST_CASE("DataLoader: an error while assembling a batch surfaces at that batch") {
  Dataset ds = make_dataset<Faulty>();
  for (std::int64_t workers : {0, 2}) {
    DataLoader loader(ds, {.batch_size = 5, .num_workers = workers});
    std::int64_t reached = 0;
    bool threw = false;
    try {
      for (auto& batch : loader) {
        (void)batch;
        ++reached;
      }
    } catch (const IoError& e) {
      threw = true;
      CHECK(std::string(e.what()).find("example 7") != std::string::npos);
    }
    CHECK(threw);
    CHECK(reached == 1);  // batch 0 (examples 0-4) arrived, batch 1 holds example 7
    // the loader stays usable: the next pass starts afresh and fails at the same place
    CHECK_THROWS_AS(one_epoch(loader), IoError);
  }
}

TEST_CASE("DataLoader: leaving a pass early and starting the next epoch works with workers") {
  auto ds = numbers(40);
  DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .seed = 9, .num_workers = 2, .prefetch_factor = 3});
  for (auto& batch : loader) {
    (void)batch;
    break;
  }
  auto second = targets_of(one_epoch(loader));
  CHECK(second == loader.batch_indices(1));
}

TEST_CASE("DataLoader: iterators and bad options") {
  auto ds = numbers(4);
  CHECK_THROWS_AS(DataLoader(ds, {.batch_size = 0}), ValueError);
  CHECK_THROWS_AS(DataLoader(ds, {.num_workers = -1}), ValueError);
  CHECK_THROWS_AS(DataLoader(ds, {.prefetch_factor = 0}), ValueError);
  CHECK_THROWS_AS(DataLoader(Dataset()), ValueError);
  DataLoader loader(ds, {.batch_size = 2});
  auto it = loader.begin();
  CHECK(it->data.size(0) == 2);
  ++it;
  ++it;
  CHECK(it == loader.end());
  CHECK_THROWS_AS(*it, IndexError);
  CHECK(loader.dataset().size() == 4);
  CHECK(loader.options().batch_size == 2);
  DataLoader empty(TensorDataset(zeros({0, 3})), {.batch_size = 2, .num_workers = 1});
  CHECK(empty.size() == 0);
  CHECK(one_epoch(empty).empty());
}

TEST_CASE("DataLoader: batches carry no autograd graph") {
  auto x = randn({6, 2}, requires_grad());
  DataLoader loader(TensorDataset(x), {.batch_size = 3, .num_workers = 1});
  for (auto& batch : loader) CHECK_FALSE(batch.data.requires_grad());
}

TEST_CASE("DataLoader: epoch 0 under seed 0 gives the random transforms dataset.get gives") {
  auto ds = TensorDataset(arange(6 * 9, kFloat32).reshape({6, 1, 3, 3}), arange(6)).map(RandomCrop(3, 1));
  DataLoader loader(ds, {.batch_size = 6});
  auto batch = one_epoch(loader).at(0);
  for (std::int64_t i = 0; i < 6; ++i) CHECK(batch.data[i].equal(ds.get(i).data));
  auto next = one_epoch(loader).at(0);  // epoch 1 crops elsewhere for at least one image
  CHECK_FALSE(next.data.equal(batch.data));
}
