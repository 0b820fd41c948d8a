// fit / evaluate across ranks with an in-process World (ranks are threads): epoch losses and
// metrics over the union of the shards, identical on every rank and equal to a single-process
// evaluation of the whole data set; files and progress on rank 0 only; stop decisions identical;
// loaders of unequal lengths refused; metric states that merge exactly; all_gather; checkpoints
// carrying every rank's generator state. (The same with MPI: tests/distributed/test_fit.cpp.)
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "data/temp_dir.hpp"
#include "train/thread_world.hpp"
#include "train/train_helpers.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"

using namespace xg;
using namespace xg::train;

namespace {

/// Rank r's loader over its DistributedSampler shard.
data::DataLoader shard_loader(const data::Dataset& ds, int rank, int ranks, std::int64_t batch, bool drop_last) {
  auto s = std::make_shared<data::DistributedSampler>(
      ds, data::DistributedSamplerOptions{.num_replicas = ranks, .rank = rank, .seed = 4, .drop_last = drop_last});
  return data::DataLoader(ds, {.batch_size = batch, .sampler = s});
}

/// A copy of net with the same weights (made before the threads start).
nn::Sequential copy_of(const nn::Sequential& net) {
  nn::Sequential c = testing::small_mlp();
  c->load_state_dict(net->state_dict());
  return c;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// Records a rank's epoch logs as the callbacks see them, and its number of batches.
struct Recorder : Callback {
  std::vector<Logs> epochs;
  std::int64_t batches = 0;
  void on_epoch_end(std::int64_t, Logs& logs) override { epochs.push_back(logs); }
  void on_batch_end(std::int64_t, Logs&) override { ++batches; }
};

struct StopAtBatch : Callback {
  std::int64_t at;
  explicit StopAtBatch(std::int64_t b) : at(b) {}
  void on_batch_end(std::int64_t batch, Logs&) override {
    if (batch == at) context().stop_training = true;
  }
};

}  // namespace

TEST_CASE("World: all_gather returns every rank's values of any length in rank order", "[train][world]") {
  std::vector<std::vector<std::vector<double>>> got(3);
  testing::run_ranks(3, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    std::vector<double> mine(static_cast<std::size_t>(r), double(r) + 0.5);  // rank 0 sends nothing
    if (r == 2) mine.push_back(-0.0);
    got[static_cast<std::size_t>(r)] = all_gather(*w, mine);
  });
  for (const auto& g : got) {
    REQUIRE(g.size() == 3);
    CHECK(g[0].empty());
    CHECK(g[1] == std::vector<double>{1.5});
    CHECK(g[2] == std::vector<double>{2.5, 2.5, 0.0});
  }
  CHECK(is_rank_zero(nullptr));
}

TEST_CASE("Metrics: merged states of two halves equal the metric of the whole", "[train][world]") {
  const Tensor scores = from_vector<double>(
      {0.9, 0.1, 0.0, 0.2, 0.7, 0.1, 0.1, 0.2, 0.7, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8, 0.5, 0.4, 0.1}, {6, 3});
  const Tensor labels = from_vector<std::int64_t>({0, 1, 1, 0, 2, 1}, {6});
  for (const char* name : {"accuracy", "top2_accuracy", "f1", "micro_precision", "weighted_recall", "mse", "r2"}) {
    INFO(name);
    const bool regression = std::string(name) == "mse" || std::string(name) == "r2";
    const Tensor pred = regression ? scores.slice(1, 0, 1).reshape({6}) : scores;
    const Tensor target = regression ? labels.to(kFloat64) : labels;
    auto whole = metrics::make_metric(name), a = metrics::make_metric(name), b = metrics::make_metric(name);
    whole->update(pred, target);
    a->update(pred.slice(0, 0, 2), target.slice(0, 0, 2));  // labels 0, 1 only: a smaller confusion matrix
    b->update(pred.slice(0, 2, 6), target.slice(0, 2, 6));
    auto merged = metrics::make_metric(name);
    merged->merge_state(a->state());
    merged->merge_state(b->state());
    CHECK(merged->compute() == Approx(whole->compute()).epsilon(1e-14));
    CHECK_THROWS_AS(merged->merge_state({1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0}), ValueError);
  }
}

TEST_CASE("fit with a World of 2 thread ranks: identical histories equal to the whole data set's values",
          "[train][world]") {
  // lr = 0 keeps the model fixed, so each epoch's training loss must equal evaluate() of the whole
  // training set in one process: the average over ranks is sample-weighted and covers every sample.
  // (Losses agree to float32 rounding: the batch means are float32 over other batches; counted
  // metrics agree exactly.)
  const auto train_set = testing::blobs(96, 1), val_set = testing::blobs(60, 2);
  nn::Sequential net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
  data::DataLoader whole_train(train_set, {.batch_size = 96}), whole_val(val_set, {.batch_size = 60});
  const Logs expected_train = evaluate(net, ce, whole_train, {"accuracy", "f1"});
  const Logs expected_val = evaluate(net, ce, whole_val, {"accuracy", "f1"});

  testing::TempDir dir;
  std::vector<nn::Sequential> nets{copy_of(net), copy_of(net)};
  std::vector<History> histories(2);
  std::vector<std::shared_ptr<Recorder>> recorders{std::make_shared<Recorder>(), std::make_shared<Recorder>()};
  std::vector<std::ostringstream> outs(2);
  std::vector<Logs> tests(2);
  testing::run_ranks(2, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    auto train = shard_loader(train_set, r, 2, 16, /*drop_last=*/true);  // 48 samples each: 3 batches
    auto val = shard_loader(val_set, r, 2, 7, true);                     // uneven batch sizes: 7, 7, 7, 7, 2
    optim::SGD opt(nets[r]->parameters(), {.lr = 0.0});
    auto csv = std::make_shared<CSVLogger>(dir / ("log" + std::to_string(r) + ".csv"));
    histories[r] = fit(nets[r], ce, opt, train,
                       {.epochs = 2,
                        .validation = &val,
                        .metrics = {"accuracy", "f1"},
                        .callbacks = {recorders[r], csv},
                        .verbose = 2,
                        .out = &outs[r],
                        .world = w});
    auto test_loader = shard_loader(val_set, r, 2, 11, true);
    tests[r] = evaluate(nets[r], ce, test_loader, EvaluateOptions{.metrics = {"accuracy"}, .world = w});
  });
  for (int r = 0; r < 2; ++r) {
    INFO("rank " << r);
    const History& h = histories[r];
    REQUIRE(h.size() == 2);
    for (std::size_t e = 0; e < 2; ++e) {
      CHECK(h["loss"][e] == Approx(expected_train.at("loss")).epsilon(1e-6));
      CHECK(h["accuracy"][e] == expected_train.at("accuracy"));  // merged counts: exact
      CHECK(h["f1"][e] == expected_train.at("f1"));              // merged confusion matrices: exact
      CHECK(h["val_loss"][e] == Approx(expected_val.at("loss")).epsilon(1e-6));
      CHECK(h["val_accuracy"][e] == expected_val.at("accuracy"));
      CHECK(h["val_f1"][e] == expected_val.at("f1"));
    }
    CHECK(tests[r].at("accuracy") == expected_val.at("accuracy"));
    CHECK(tests[r].at("loss") == Approx(expected_val.at("loss")).epsilon(1e-6));
    // every rank's callbacks saw the same numbers
    for (const auto& [k, v] : recorders[r]->epochs[1]) CHECK(same_bits(v, recorders[0]->epochs[1].at(k)));
    CHECK(recorders[r]->batches == 6);
  }
  for (const auto& key : histories[0].keys())
    for (std::size_t e = 0; e < 2; ++e) CHECK(same_bits(histories[0][key][e], histories[1][key][e]));
  // rank 0 alone printed and wrote its log
  CHECK(outs[0].str().find("Epoch 2/2") != std::string::npos);
  CHECK(outs[1].str().empty());
  CHECK(std::filesystem::exists(dir / "log0.csv"));
  CHECK(!std::filesystem::exists(dir / "log1.csv"));
}

TEST_CASE("fit with a World: EarlyStopping and ReduceLROnPlateau decide the same on every rank", "[train][world]") {
  // The ranks train on different shards without averaging gradients, so their local losses differ;
  // the averaged, broadcast epoch logs make the callbacks' decisions identical anyway.
  const auto train_set = testing::blobs(120, 3);
  nn::Sequential net = testing::small_mlp();
  std::vector<nn::Sequential> nets{copy_of(net), copy_of(net), copy_of(net)};
  std::vector<History> h(3);
  std::vector<std::int64_t> stopped(3);
  testing::run_ranks(3, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    nn::CrossEntropyLoss ce;
    auto train = shard_loader(train_set, r, 3, 8, false);
    optim::SGD opt(nets[r]->parameters(), {.lr = 0.5});
    optim::ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 0, .threshold = 0.1});
    auto stop =
        std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "loss", .min_delta = 0.002, .patience = 2});
    h[r] = fit(
        nets[r], ce, opt, train,
        {.epochs = 30,
         .callbacks = {std::make_shared<LRSchedulerCallback>(plateau, LRSchedulerCallbackOptions{.monitor = "loss"}),
                       stop},
         .verbose = 0,
         .world = w});
    stopped[r] = stop->stopped_epoch();
  });
  CHECK(stopped[0] >= 0);  // it did stop early
  CHECK(stopped[1] == stopped[0]);
  CHECK(stopped[2] == stopped[0]);
  CHECK(h[0]["lr"].back() < 0.5);  // the plateau halved the rate at least once
  for (int r = 1; r < 3; ++r) {
    CHECK(h[r]["lr"] == h[0]["lr"]);
    CHECK(h[r]["loss"] == h[0]["loss"]);
  }
}

TEST_CASE("fit with a World: a stop on one rank stops every rank at the same batch", "[train][world]") {
  const auto train_set = testing::blobs(64, 4);
  nn::Sequential net = testing::small_mlp();
  std::vector<nn::Sequential> nets{copy_of(net), copy_of(net)};
  std::vector<std::shared_ptr<Recorder>> rec{std::make_shared<Recorder>(), std::make_shared<Recorder>()};
  std::vector<History> h(2);
  testing::run_ranks(2, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    nn::CrossEntropyLoss ce;
    auto train = shard_loader(train_set, r, 2, 4, false);  // 8 batches per rank
    optim::SGD opt(nets[r]->parameters(), {.lr = 0.1});
    std::vector<std::shared_ptr<Callback>> cbs{rec[r]};
    if (r == 1) cbs.push_back(std::make_shared<StopAtBatch>(2));
    h[r] = fit(nets[r], ce, opt, train, {.epochs = 3, .callbacks = cbs, .verbose = 0, .world = w});
  });
  CHECK(rec[0]->batches == 3);
  CHECK(rec[1]->batches == 3);
  CHECK(h[0].size() == 1);
  CHECK(h[1].size() == 1);
}

TEST_CASE("fit with a World: TerminateOnNaN on one rank's NaN loss stops all, rank 0 says which", "[train][world]") {
  auto ds = testing::blobs(32, 5);
  Tensor x = ds.data().clone();
  x.slice(0, 14, 15).fill_(std::nan(""));  // sample 14: shard of rank 0 (even index, no shuffle)
  data::TensorDataset bad(x, ds.targets());
  // a linear model: the NaN input must reach the loss (xgrad's ReLU maps NaN to 0)
  std::vector<nn::Sequential> nets;
  for (int r = 0; r < 2; ++r) {
    manual_seed(1);
    nets.push_back(nn::Sequential({nn::Linear(2, 3)}));
  }
  std::vector<std::shared_ptr<TerminateOnNaN>> t{std::make_shared<TerminateOnNaN>(),
                                                 std::make_shared<TerminateOnNaN>()};
  std::vector<std::shared_ptr<Recorder>> rec{std::make_shared<Recorder>(), std::make_shared<Recorder>()};
  std::vector<std::ostringstream> outs(2);
  testing::run_ranks(2, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    nn::CrossEntropyLoss ce;
    auto s = std::make_shared<data::DistributedSampler>(
        bad, data::DistributedSamplerOptions{.num_replicas = 2, .rank = r, .shuffle = false});
    data::DataLoader train(bad, {.batch_size = 2, .sampler = s});  // rank 0's batch 3 holds sample 14
    optim::SGD opt(nets[r]->parameters(), {.lr = 0.0});
    fit(nets[r], ce, opt, train, {.epochs = 2, .callbacks = {t[r], rec[r]}, .verbose = 1, .out = &outs[r], .world = w});
  });
  CHECK(t[0]->terminated());
  CHECK(t[1]->terminated());
  CHECK(rec[0]->batches == 4);
  CHECK(rec[1]->batches == 4);
  CHECK_THAT(outs[0].str(),
             Catch::Contains("Batch 3: invalid loss") && Catch::Contains("on rank 0, terminating training"));
  CHECK(outs[1].str().empty());
}

TEST_CASE("fit with a World: loaders of different lengths are a ValueError on every rank", "[train][world]") {
  const auto ds = testing::blobs(40, 6);
  nn::Sequential net = testing::small_mlp();
  std::vector<nn::Sequential> nets{copy_of(net), copy_of(net)};
  std::vector<std::string> errors(2);
  testing::run_ranks(2, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    nn::CrossEntropyLoss ce;
    data::DataLoader train(ds, {.batch_size = r == 0 ? 10 : 8});  // 4 and 5 batches
    optim::SGD opt(nets[r]->parameters(), {.lr = 0.1});
    try {
      fit(nets[r], ce, opt, train, {.epochs = 1, .verbose = 0, .world = w});
    } catch (const ValueError& e) { errors[r] = e.what(); }
  });
  for (const auto& e : errors) CHECK_THAT(e, Catch::Contains("rank 0: 4, rank 1: 5"));
}

TEST_CASE("save_checkpoint with a World: rank 0 writes every rank's generator state; loading checks the size",
          "[train][world]") {
  testing::TempDir dir;
  const std::string path = dir / "ck.safetensors";
  nn::Sequential net = testing::small_mlp();
  manual_seed(42);
  const std::string state_at_save = default_generator().get_state();
  std::vector<std::int64_t> epochs(2);
  testing::run_ranks(2, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    // (the thread ranks share one process-wide generator; tests/distributed checks per-rank states)
    save_checkpoint(path,
                    io::Checkpoint{.model = r == 0 ? net.get() : nullptr, .epoch = 3, .metadata = {{"note", "x"}}}, *w);
    // when save returns, the file is complete on every rank
    epochs[r] = std::filesystem::exists(path) ? 1 : 0;
  });
  CHECK(epochs == std::vector<std::int64_t>{1, 1});
  const auto meta = io::load_safetensors_metadata(path);
  CHECK(meta.at("world.size") == "2");
  CHECK(meta.at("world.rng_state.0") == state_at_save);
  CHECK(meta.at("world.rng_state.1") == state_at_save);

  (void)rand({5});  // move the generator on; loading restores it
  nn::Sequential other = testing::small_mlp(9);
  std::vector<Logs> unused;
  testing::run_ranks(2, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    if (r != 1) return;
    io::Checkpoint ck{.model = other.get()};
    load_checkpoint(path, ck, *w);
    epochs[1] = ck.epoch;
    CHECK_NOTHROW(ck.metadata.at("note"));
    CHECK(ck.metadata.count("world.size") == 0);
  });
  CHECK(epochs[1] == 3);
  CHECK(default_generator().get_state() == state_at_save);
  CHECK(other->state_dict()["0.weight"].to_vector<float>() == net->state_dict()["0.weight"].to_vector<float>());
  // another number of ranks: refused unless the generators are left alone
  testing::run_ranks(3, [&](int r, const std::shared_ptr<testing::ThreadWorld>& w) {
    if (r != 0) return;
    io::Checkpoint ck{.model = other.get()};
    try {
      load_checkpoint(path, ck, *w);
      epochs[0] = -1;
    } catch (const ValueError& e) {
      epochs[0] = std::string(e.what()).find("saved by 2 ranks, this run has 3") != std::string::npos ? 1 : -2;
    }
    load_checkpoint(path, ck, *w, {.restore_rng_state = false});
  });
  CHECK(epochs[0] == 1);
  // a plain io checkpoint has no per-rank states
  io::save_checkpoint(dir / "plain.safetensors", {.model = net.get()});
  testing::run_ranks(1, [&](int, const std::shared_ptr<testing::ThreadWorld>& w) {
    io::Checkpoint ck{.model = other.get()};
    CHECK_THROWS_AS(load_checkpoint(dir / "plain.safetensors", ck, *w), ValueError);
  });
  CHECK_THROWS_AS(testing::run_ranks(
                      1,
                      [&](int, const std::shared_ptr<testing::ThreadWorld>& w) {
                        save_checkpoint(dir / "x.safetensors", io::Checkpoint{.metadata = {{"world.size", "1"}}}, *w);
                      }),
                  ValueError);
}
