// Training that diverges: ModelCheckpoint never replaces a good file with NaN weights,
// TerminateOnNaN can restore the last finite weights, and a NaN monitored value is reported the
// same way by EarlyStopping and ReduceLROnPlateau (a warning; the epoch counts as no improvement).
#include <catch2/catch.hpp>

#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "data/temp_dir.hpp"
#include "train/train_helpers.hpp"
#include "xgrad/io.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"

using namespace xg;
using namespace xg::train;

namespace {
// 64 points in batches of 16: 4 batches per epoch. The loss turns NaN from batch `from` on (counted
// over the whole fit), so the optimizer step of that batch makes every weight NaN.
struct Diverging {
  data::TensorDataset set = testing::blobs(64, 1);
  data::DataLoader loader{set, {.batch_size = 16}};
  nn::Sequential net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
  int calls = 0;
  LossFn loss(int from) {
    return [this, from](const Tensor& pred, const Tensor& target) {
      Tensor l = ce(pred, target);
      return ++calls >= from ? l * std::nan("") : l;
    };
  }
  std::vector<float> weights() const {
    std::vector<float> all;
    for (const auto& p : net->parameters()) {
      auto v = p.to_vector<float>();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  }
};

bool all_finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// Captures std::cerr while alive.
class CerrCapture {
 public:
  CerrCapture() : old_(std::cerr.rdbuf(buf_.rdbuf())) {}
  ~CerrCapture() { std::cerr.rdbuf(old_); }
  std::string str() const { return buf_.str(); }

 private:
  std::ostringstream buf_;
  std::streambuf* old_;
};
}  // namespace

TEST_CASE("ModelCheckpoint: a model with NaN weights never overwrites the last good checkpoint",
          "[train][checkpoint][nan]") {
  testing::TempDir dir;
  Diverging d;
  optim::SGD opt(d.net->parameters(), {.lr = 0.1});
  std::vector<std::vector<float>> at_epoch_end;
  auto record = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_epoch_end = [&](std::int64_t, Logs&) { at_epoch_end.push_back(d.weights()); }});
  auto ckpt = std::make_shared<ModelCheckpoint>(dir / "last.safetensors");
  auto term = std::make_shared<TerminateOnNaN>();
  std::ostringstream out;
  // NaN at the 6th batch: epoch 1 ends with finite weights, epoch 2 with NaN ones.
  fit(d.net, d.loss(6), opt, d.loader, {.epochs = 4, .callbacks = {record, ckpt, term}, .verbose = 0, .out = &out});
  REQUIRE(term->terminated());
  REQUIRE(at_epoch_end.size() == 2);
  CHECK(all_finite(at_epoch_end[0]));
  CHECK_FALSE(all_finite(at_epoch_end[1]));
  CHECK(ckpt->saved().size() == 1);
  CHECK(ckpt->skipped_non_finite() == 1);
  CHECK(out.str().find("ModelCheckpoint: epoch 2: the model has NaN or infinite weights; not saving") !=
        std::string::npos);
  auto fresh = testing::small_mlp(/*seed=*/42);
  io::load(*fresh, dir / "last.safetensors");
  std::vector<float> loaded;
  for (const auto& p : fresh->parameters()) {
    auto v = p.to_vector<float>();
    loaded.insert(loaded.end(), v.begin(), v.end());
  }
  CHECK(loaded == at_epoch_end[0]);
}

TEST_CASE("TerminateOnNaN: restore_last_finite_weights loads back the weights of the last finite epoch",
          "[train][callbacks][nan]") {
  Diverging d;
  optim::SGD opt(d.net->parameters(), {.lr = 0.1});
  std::vector<std::vector<float>> at_epoch_end;
  auto record = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_epoch_end = [&](std::int64_t, Logs&) { at_epoch_end.push_back(d.weights()); }});
  auto term = std::make_shared<TerminateOnNaN>(TerminateOnNaNOptions{.restore_last_finite_weights = true});
  std::ostringstream out;
  // NaN at batch 10: epochs 1 and 2 end finite, epoch 3 fails.
  fit(d.net, d.loss(10), opt, d.loader, {.epochs = 5, .callbacks = {record, term}, .verbose = 0, .out = &out});
  REQUIRE(term->terminated());
  CHECK(term->restored());
  REQUIRE(at_epoch_end.size() == 3);
  CHECK(d.weights() == at_epoch_end[1]);  // bit for bit, the end of epoch 2
  CHECK(out.str().find("Restoring the weights from the end of epoch 2") != std::string::npos);
}

TEST_CASE("TerminateOnNaN: failing in the first epoch restores the weights from the start of training",
          "[train][callbacks][nan]") {
  Diverging d;
  const std::vector<float> initial = d.weights();
  optim::SGD opt(d.net->parameters(), {.lr = 0.1});
  auto term = std::make_shared<TerminateOnNaN>(TerminateOnNaNOptions{.restore_last_finite_weights = true});
  std::ostringstream out;
  fit(d.net, d.loss(2), opt, d.loader, {.epochs = 3, .callbacks = {term}, .verbose = 0, .out = &out});
  CHECK(term->restored());
  CHECK(d.weights() == initial);
  // Without the option the NaN weights stay (Keras's behaviour).
  Diverging e;
  optim::SGD opt2(e.net->parameters(), {.lr = 0.1});
  auto plain = std::make_shared<TerminateOnNaN>();
  fit(e.net, e.loss(2), opt2, e.loader, {.epochs = 3, .callbacks = {plain}, .verbose = 0, .out = &out});
  CHECK(plain->terminated());
  CHECK_FALSE(plain->restored());
  CHECK_FALSE(all_finite(e.weights()));
}

TEST_CASE("ReduceLROnPlateau and EarlyStopping: a NaN metric warns and counts as no improvement",
          "[train][callbacks][nan]") {
  nn::Linear lin(2, 1);
  optim::SGD opt(lin->parameters(), {.lr = 1.0});
  optim::ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 1});
  std::string warned;
  {
    CerrCapture cap;
    plateau.step(1.0);
    plateau.step(std::nan(""));  // bad epoch 1
    CHECK(opt.lr() == 1.0);
    plateau.step(std::nan(""));  // bad epoch 2 > patience: lr halves
    warned = cap.str();
  }
  CHECK(opt.lr() == 0.5);
  CHECK(warned.find("ReduceLROnPlateau: the metric is NaN at step 2; it counts as an epoch without improvement") !=
        std::string::npos);

  Diverging d;
  optim::SGD opt2(d.net->parameters(), {.lr = 0.1});
  const std::vector<double> script = {0.5, std::nan(""), std::nan("")};
  auto scripted = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_epoch_end = [&](std::int64_t e, Logs& logs) { logs["val_loss"] = script[std::size_t(e)]; }});
  auto stop = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 2});
  std::ostringstream out;
  fit(d.net, d.ce, opt2, d.loader, {.epochs = 3, .callbacks = {scripted, stop}, .verbose = 0, .out = &out});
  CHECK(stop->stopped_epoch() == 2);
  CHECK(out.str().find("EarlyStopping: val_loss is NaN at epoch 2; it counts as an epoch without improvement") !=
        std::string::npos);
}
