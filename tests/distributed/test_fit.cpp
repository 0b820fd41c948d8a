// Rank-aware training on a real MPI job (run by ctest under mpiexec -np 2 and -np 3): the MPI World
// of xg::distributed::train_world(), make_sampler, fit / evaluate giving every rank the same
// history equal to the whole data set's values, files on rank 0 only, and checkpoints that restore
// each rank's own generator state. Every rank runs every test (collectives in the same order).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "xgrad/distributed.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
namespace dist = xg::distributed;

namespace {

/// n points in three Gaussian blobs, labels 0..2 (the same on every rank for a given seed).
data::TensorDataset blobs(std::int64_t n, std::uint64_t seed) {
  manual_seed(seed);
  Tensor labels = randint(0, 3, {n});
  auto l = labels.to_vector<std::int64_t>();
  std::vector<double> centres;
  const double cx[3] = {-2, 2, 0}, cy[3] = {0, 0, 3};
  for (auto k : l) centres.push_back(cx[k]), centres.push_back(cy[k]);
  Tensor x = from_vector<double>(centres, {n, 2}).to(kFloat32) + 0.5 * randn({n, 2});
  return data::TensorDataset(x, labels);
}

nn::Sequential mlp() {
  manual_seed(3);
  return nn::Sequential({nn::Linear(2, 16), nn::ReLU(), nn::Linear(16, 3)});
}

/// A directory every rank agrees on (rank 0 picks the name), removed by rank 0 at the end.
struct SharedDir {
  std::filesystem::path path;
  std::shared_ptr<train::World> world;
  explicit SharedDir(std::shared_ptr<train::World> w) : world(std::move(w)) {
    std::vector<double> stamp{double(std::chrono::steady_clock::now().time_since_epoch().count() % 1000000007)};
    world->broadcast(stamp, 0);
    path =
        std::filesystem::temp_directory_path() / ("xgrad-dist-fit-" + std::to_string(static_cast<long long>(stamp[0])));
    if (world->rank() == 0) std::filesystem::create_directories(path);
    std::vector<double> sync{0.0};
    world->all_reduce_sum(sync);
  }
  ~SharedDir() {
    std::vector<double> sync{0.0};
    world->all_reduce_sum(sync);
    std::error_code ec;
    if (world->rank() == 0) std::filesystem::remove_all(path, ec);
  }
};

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST_CASE("train_world: rank, size, all_reduce_sum and broadcast on the MPI world", "[distributed][train]") {
  auto world = dist::train_world();
  REQUIRE(world->size() == dist::world_size());
  REQUIRE(world->rank() == dist::rank());
  const int n = world->size(), r = world->rank();
  std::vector<double> v{double(r), 1.0, 0.25 * r};
  world->all_reduce_sum(v);
  CHECK(v == std::vector<double>{n * (n - 1) / 2.0, double(n), 0.25 * n * (n - 1) / 2.0});
  std::vector<double> b{double(r) + 10, -1.0};
  world->broadcast(b, n - 1);
  CHECK(b == std::vector<double>{double(n - 1) + 10, -1.0});
  std::vector<double> empty;
  world->all_reduce_sum(empty);  // a no-op everywhere
  const auto all = train::all_gather(*world, std::vector<double>(static_cast<std::size_t>(r + 1), double(r)));
  REQUIRE(all.size() == static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) CHECK(all[k] == std::vector<double>(static_cast<std::size_t>(k + 1), double(k)));
}

TEST_CASE("make_sampler: this rank's DistributedSampler; the shards partition the data", "[distributed][data]") {
  auto world = dist::train_world();
  const auto ds = blobs(50, 1);
  auto s = dist::make_sampler(ds, {.seed = 9, .drop_last = true});
  CHECK(s->options().num_replicas == world->size());
  CHECK(s->options().rank == world->rank());
  CHECK(s->size() == 50 / world->size());
  std::vector<double> mine;
  for (auto i : s->indices(2)) mine.push_back(double(i));
  std::vector<double> seen;
  for (const auto& part : train::all_gather(*world, mine)) seen.insert(seen.end(), part.begin(), part.end());
  std::sort(seen.begin(), seen.end());
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // disjoint
  CHECK(seen.size() == static_cast<std::size_t>(50 / world->size() * world->size()));
}

TEST_CASE("fit across ranks: every rank's history is identical and equals the whole data set's values",
          "[distributed][train]") {
  auto world = dist::train_world();
  const auto train_set = blobs(120, 1), val_set = blobs(61, 2);
  nn::Sequential net = mlp();
  nn::CrossEntropyLoss ce;
  // lr = 0: the model stays fixed, so the epoch values must be evaluate() over the whole data (the
  // losses to float32 rounding, as the batch means are float32 over other batches; counts exactly).
  data::DataLoader whole_train(train_set, {.batch_size = 120});
  const auto expected_train = train::evaluate(net, ce, whole_train, {"accuracy", "f1"});

  SharedDir dir(world);
  data::DataLoader train(train_set,
                         {.batch_size = 8, .sampler = dist::make_sampler(train_set, {.seed = 3, .drop_last = true})});
  // Validation with drop_last, so that no sample counts twice: 61 samples do not split evenly, so
  // the expected values are those of the samples the shards cover (the first total_size, unshuffled).
  auto val_sampler = dist::make_sampler(val_set, {.shuffle = false, .drop_last = true});
  data::DataLoader val(val_set, {.batch_size = 5, .sampler = val_sampler});
  std::vector<std::int64_t> covered(static_cast<std::size_t>(val_sampler->total_size()));
  std::iota(covered.begin(), covered.end(), std::int64_t{0});  // no shuffle, drop_last: the first total_size
  data::DataLoader covered_val(data::Subset(val_set, covered), {.batch_size = 61});
  const auto expected_covered = train::evaluate(net, ce, covered_val, {"accuracy"});

  optim::SGD opt(net->parameters(), {.lr = 0.0});
  std::ostringstream out;
  auto csv = std::make_shared<train::CSVLogger>((dir.path / ("log" + std::to_string(world->rank()) + ".csv")).string());
  const auto h = train::fit(net, ce, opt, train,
                            {.epochs = 2,
                             .validation = &val,
                             .metrics = {"accuracy", "f1"},
                             .callbacks = {csv},
                             .verbose = 2,
                             .out = &out,
                             .world = world});
  REQUIRE(h.size() == 2);
  // the training shards cover the whole set when 120 divides evenly (2, 3 ranks)
  if (120 % world->size() == 0) {
    CHECK(h["loss"][1] == Approx(expected_train.at("loss")).epsilon(1e-6));
    CHECK(h["accuracy"][1] == expected_train.at("accuracy"));
    CHECK(h["f1"][1] == expected_train.at("f1"));
  }
  CHECK(h["val_loss"][0] == Approx(expected_covered.at("loss")).epsilon(1e-6));
  CHECK(h["val_accuracy"][0] == expected_covered.at("accuracy"));
  // bitwise the same on every rank
  std::vector<double> mine;
  for (const auto& key : h.keys())
    for (double v : h[key]) mine.push_back(v);
  const auto all = train::all_gather(*world, mine);
  for (const auto& other : all) {
    REQUIRE(other.size() == mine.size());
    for (std::size_t i = 0; i < mine.size(); ++i) CHECK(same_bits(other[i], mine[i]));
  }
  // rank 0 alone printed and wrote its CSV log
  if (world->rank() == 0) CHECK(out.str().find("Epoch 2/2") != std::string::npos);
  else CHECK(out.str().empty());
  std::vector<double> sync{0.0};
  world->all_reduce_sum(sync);
  CHECK(std::filesystem::exists(dir.path / "log0.csv"));
  for (int r = 1; r < world->size(); ++r)
    CHECK(!std::filesystem::exists(dir.path / ("log" + std::to_string(r) + ".csv")));
}

TEST_CASE("checkpoints across ranks: each rank resumes its own generator, the file is rank 0's",
          "[distributed][train]") {
  auto world = dist::train_world();
  SharedDir dir(world);
  const auto path = dir.path / "ck.safetensors";
  nn::Sequential net = mlp();
  optim::SGD opt(net->parameters(), {.lr = 0.1, .momentum = 0.9});
  manual_seed(100 + static_cast<std::uint64_t>(world->rank()));  // per-rank dropout streams
  (void)rand({3});
  train::save_checkpoint(path, {.model = net.get(), .optimizer = &opt, .epoch = 4}, *world);
  const auto after_save = rand({4}).to_vector<float>();  // what the uninterrupted run draws next
  (void)rand({100});
  nn::Sequential other = mlp();
  optim::SGD other_opt(other->parameters(), {.lr = 0.1, .momentum = 0.9});
  io::Checkpoint ck{.model = other.get(), .optimizer = &other_opt};
  train::load_checkpoint(path, ck, *world);
  CHECK(ck.epoch == 4);
  CHECK(rand({4}).to_vector<float>() == after_save);  // this rank's own stream continues
  // the ranks' streams differ (so rank 0's state alone would not have resumed them)
  std::vector<double> mine(after_save.begin(), after_save.end());
  const auto all = train::all_gather(*world, mine);
  for (int r = 1; r < world->size(); ++r) CHECK(all[static_cast<std::size_t>(r)] != all[0]);
  CHECK(other->state_dict()["2.weight"].to_vector<float>() == net->state_dict()["2.weight"].to_vector<float>());
}
