// fit / evaluate / predict and the stock callbacks on a tiny synthetic classification problem:
// learning to > 95 % accuracy, History equal to evaluate(), EarlyStopping on scripted losses
// (stopping epoch and bit-for-bit restored weights), ReduceLROnPlateau through the callback,
// TerminateOnNaN, CSVLogger's file, and the progress bar's two output formats.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "data/temp_dir.hpp"
#include "train/train_helpers.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"

using namespace xg;
using namespace xg::train;

namespace {
struct Problem {
  data::TensorDataset train_set = testing::blobs(200, 1), val_set = testing::blobs(100, 2);
  data::DataLoader train{train_set, {.batch_size = 32, .shuffle = true, .seed = 5}};
  data::DataLoader val{val_set, {.batch_size = 50}};
  nn::Sequential net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
};

bool bitwise_equal(const nn::StateDict& a, const nn::StateDict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& item : a) {
    auto x = item.value().to_vector<float>(), y = b[item.key()].to_vector<float>();
    if (x.size() != y.size() || std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) != 0) return false;
  }
  return true;
}

nn::StateDict snapshot(const nn::Module& m) {
  nn::StateDict s;
  for (const auto& item : m.state_dict()) s.insert(item.key(), item.value().clone());
  return s;
}
}  // namespace

TEST_CASE("fit: an MLP learns three Gaussian blobs to more than 95 percent accuracy", "[train][fit]") {
  Problem p;
  optim::Adam opt(p.net->parameters(), {.lr = 0.02});
  History h =
      fit(p.net, p.ce, opt, p.train, {.epochs = 15, .validation = &p.val, .metrics = {"accuracy"}, .verbose = 0});
  REQUIRE(h.size() == 15);
  CHECK(h.keys() == std::vector<std::string>{"accuracy", "loss", "lr", "val_accuracy", "val_loss"});
  CHECK(h["val_accuracy"].back() > 0.95);
  CHECK(h["accuracy"].back() > 0.95);
  CHECK(h["loss"].back() < h["loss"].front());
  CHECK(h["lr"].front() == 0.02);
  CHECK(h.epochs().front() == 0);
  CHECK(p.net->is_training());
  CHECK_THROWS_AS(h["auc"], IndexError);
}

TEST_CASE("fit: the History's last validation values equal evaluate on the same loader", "[train][fit]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  History h =
      fit(p.net, p.ce, opt, p.train, {.epochs = 3, .validation = &p.val, .metrics = {"accuracy", "f1"}, .verbose = 0});
  Logs e = evaluate(p.net, p.ce, p.val, {"accuracy", "f1"});
  CHECK(e.at("loss") == h["val_loss"].back());
  CHECK(e.at("accuracy") == h["val_accuracy"].back());
  CHECK(e.at("f1") == h["val_f1"].back());
  // evaluate's loss is the dataset mean: the same as one batch holding everything
  data::DataLoader whole(p.val_set, {.batch_size = 100});
  CHECK(evaluate(p.net, p.ce, whole).at("loss") == Approx(e.at("loss")).epsilon(1e-6));
  // and the metric agrees with the one-shot function on predict's output
  Tensor out = predict(p.net, p.val);
  REQUIRE(out.shape() == Shape{100, 3});
  CHECK(metrics::accuracy(out, p.val_set.targets()) == e.at("accuracy"));
  CHECK(predict(p.net, p.val_set.data(), 30).to_vector<float>() == out.to_vector<float>());
  CHECK(p.net->is_training());  // evaluate and predict restore the mode
}

TEST_CASE("fit: callbacks see every event in order with the documented logs", "[train][fit][callbacks]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  std::vector<std::string> events;
  std::vector<double> batch_sizes;
  auto cb = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_train_begin = [&](Logs&) { events.push_back("train_begin"); },
      .on_train_end = [&](Logs&) { events.push_back("train_end"); },
      .on_epoch_begin = [&](std::int64_t e, Logs&) { events.push_back("epoch_begin " + std::to_string(e)); },
      .on_epoch_end =
          [&](std::int64_t e, Logs& logs) {
            events.push_back("epoch_end " + std::to_string(e));
            CHECK(logs.count("val_loss") == 1);
          },
      .on_batch_end =
          [&](std::int64_t, Logs& logs) {
            batch_sizes.push_back(logs.at("size"));
            CHECK(std::isfinite(logs.at("batch_loss")));
          }});
  fit(p.net, p.ce, opt, p.train, {.epochs = 2, .validation = &p.val, .callbacks = {cb}, .verbose = 0});
  CHECK(events == std::vector<std::string>{"train_begin", "epoch_begin 0", "epoch_end 0", "epoch_begin 1",
                                           "epoch_end 1", "train_end"});
  REQUIRE(batch_sizes.size() == 14);  // 7 batches of 200 per epoch: 6 × 32 + 8
  CHECK(batch_sizes[6] == 8);
}

TEST_CASE("EarlyStopping: stops at the epoch patience runs out and restores the best weights bit for bit",
          "[train][callbacks]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.05});
  const std::vector<double> script = {1.0, 0.8, 0.9, 0.85, 0.7, 0.6};
  std::vector<nn::StateDict> weights;
  auto scripted = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_epoch_end = [&](std::int64_t e, Logs& logs) { logs["val_loss"] = script[std::size_t(e)]; }});
  auto record = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_epoch_end = [&](std::int64_t, Logs&) { weights.push_back(snapshot(*p.net)); }});
  auto stop = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 2, .restore_best_weights = true});
  History h = fit(p.net, p.ce, opt, p.train, {.epochs = 6, .callbacks = {scripted, record, stop}, .verbose = 0});
  // best 0.8 at epoch 1; epochs 2 and 3 do not improve → stop at epoch 3
  CHECK(stop->stopped_epoch() == 3);
  CHECK(stop->best_epoch() == 1);
  CHECK(stop->best() == 0.8);
  CHECK(h.size() == 4);
  CHECK(h["val_loss"] == std::vector<double>{1.0, 0.8, 0.9, 0.85});
  REQUIRE(weights.size() == 4);
  CHECK(!bitwise_equal(weights[3], weights[1]));
  CHECK(bitwise_equal(p.net->state_dict(), weights[1]));
}

TEST_CASE("EarlyStopping: min_delta, max mode and a missing monitor", "[train][callbacks]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.05});
  // accuracy rises by less than min_delta each epoch: no improvement after epoch 0
  const std::vector<double> acc = {0.5, 0.51, 0.52, 0.53, 0.54};
  auto scripted = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_epoch_end = [&](std::int64_t e, Logs& logs) { logs["val_accuracy"] = acc[std::size_t(e)]; }});
  auto stop = std::make_shared<EarlyStopping>(
      EarlyStoppingOptions{.monitor = "val_accuracy", .min_delta = 0.05, .patience = 1});
  History h = fit(p.net, p.ce, opt, p.train, {.epochs = 5, .callbacks = {scripted, stop}, .verbose = 0});
  CHECK(stop->stopped_epoch() == 1);
  CHECK(h.size() == 2);
  auto missing = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "val_loss"});
  CHECK_THROWS_AS(fit(p.net, p.ce, opt, p.train, {.epochs = 1, .callbacks = {missing}, .verbose = 0}), ValueError);
  CHECK_THROWS_AS(EarlyStopping({.mode = "lowest"}), ValueError);
  CHECK(resolve_mode("auto", "val_accuracy", "t") == "max");
  CHECK(resolve_mode("auto", "val_loss", "t") == "min");
}

TEST_CASE("LRSchedulerCallback: ReduceLROnPlateau halves the lr when the monitored loss stalls", "[train][callbacks]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  optim::ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 1});
  auto flat = std::make_shared<LambdaCallback>(
      LambdaCallbackOptions{.on_epoch_end = [](std::int64_t, Logs& logs) { logs["val_loss"] = 1.0; }});
  auto sched = std::make_shared<LRSchedulerCallback>(plateau);
  History h = fit(p.net, p.ce, opt, p.train, {.epochs = 6, .callbacks = {flat, sched}, .verbose = 0});
  // torch: best at epoch 0; bad epochs 1, 2 → reduce after epoch 2; again after epoch 4
  CHECK(h["lr"] == std::vector<double>{0.1, 0.1, 0.1, 0.05, 0.05, 0.025});
}

TEST_CASE("LRSchedulerCallback: epoch and batch intervals step the scheduler that often", "[train][callbacks]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 1.0});
  optim::ExponentialLR per_epoch(opt, 0.5);
  History h = fit(p.net, p.ce, opt, p.train,
                  {.epochs = 3, .callbacks = {std::make_shared<LRSchedulerCallback>(per_epoch)}, .verbose = 0});
  CHECK(h["lr"] == std::vector<double>{1.0, 0.5, 0.25});
  Problem q;
  optim::SGD opt2(q.net->parameters(), {.lr = 1.0});
  optim::ExponentialLR per_batch(opt2, 0.5);
  fit(q.net, q.ce, opt2, q.train,
      {.epochs = 1,
       .callbacks = {std::make_shared<LRSchedulerCallback>(per_batch, LRSchedulerCallbackOptions{.interval = "batch"})},
       .verbose = 0});
  CHECK(opt2.lr() == Approx(std::pow(0.5, 7)));
  optim::ReduceLROnPlateau plateau(opt2);
  CHECK_THROWS_AS(LRSchedulerCallback(plateau, {.interval = "batch"}), ValueError);
}

TEST_CASE("TerminateOnNaN: training stops at the first batch with a NaN loss", "[train][callbacks]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  int calls = 0;
  LossFn nan_at_third = [&](const Tensor& pred, const Tensor& target) {
    Tensor l = p.ce(pred, target);
    return ++calls == 3 ? l * std::nan("") : l;
  };
  int batches = 0;
  auto count =
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_batch_end = [&](std::int64_t, Logs&) { ++batches; }});
  auto term = std::make_shared<TerminateOnNaN>();
  std::ostringstream os;
  History h =
      fit(p.net, nan_at_third, opt, p.train, {.epochs = 5, .callbacks = {term, count}, .verbose = 0, .out = &os});
  CHECK(term->terminated());
  CHECK(batches == 3);
  CHECK(h.size() == 1);
  CHECK(std::isnan(h["loss"][0]));
  CHECK(os.str().find("Batch 2: invalid loss") != std::string::npos);
}

TEST_CASE("CSVLogger: one header and one row per epoch, appended on request", "[train][callbacks]") {
  testing::TempDir dir;
  const std::string path = dir / "log.csv";
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  auto csv = std::make_shared<CSVLogger>(path);
  History h = fit(p.net, p.ce, opt, p.train, {.epochs = 2, .metrics = {"accuracy"}, .callbacks = {csv}, .verbose = 0});
  std::vector<std::string> lines;
  {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "epoch,accuracy,loss,lr");
  CHECK(lines[1].rfind("0,", 0) == 0);
  CHECK(lines[2].rfind("1,", 0) == 0);
  double acc = 0, loss = 0, lr = 0;
  int epoch = -1;
  REQUIRE(std::sscanf(lines[2].c_str(), "%d,%lf,%lf,%lf", &epoch, &acc, &loss, &lr) == 4);
  CHECK(acc == Approx(h["accuracy"][1]).epsilon(1e-9));
  CHECK(loss == Approx(h["loss"][1]).epsilon(1e-9));
  CHECK(lr == 0.1);
  auto again = std::make_shared<CSVLogger>(path, CSVLoggerOptions{.append = true});
  fit(p.net, p.ce, opt, p.train, {.epochs = 1, .metrics = {"accuracy"}, .callbacks = {again}, .verbose = 0});
  std::ifstream in(path);
  int n = 0, headers = 0;
  for (std::string line; std::getline(in, line); ++n) headers += line.rfind("epoch", 0) == 0;
  CHECK(n == 4);
  CHECK(headers == 1);
}

TEST_CASE("progress: without a terminal, exactly one line per epoch", "[train][progress]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  std::ostringstream os;
  fit(p.net, p.ce, opt, p.train,
      {.epochs = 3, .validation = &p.val, .metrics = {"accuracy"}, .verbose = 1, .out = &os});
  const std::string text = os.str();
  CHECK(text.find('\r') == std::string::npos);
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 3);
  const std::regex format(
      R"(Epoch [1-3]/3 7/7 loss [-+.0-9e]+ accuracy [-+.0-9e]+ val_loss [-+.0-9e]+ val_accuracy [-+.0-9e]+ lr 0\.1 \| [0-9]+ samples/s [0-9]+\.[0-9]s)");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(std::regex_match(lines[i], format));
    CHECK(lines[i].rfind("Epoch " + std::to_string(i + 1) + "/3", 0) == 0);
  }
}

TEST_CASE("progress: in place, each redraw starts with a carriage return and each epoch ends a line",
          "[train][progress]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  std::ostringstream os;
  auto bar = std::make_shared<ProgressBar>(ProgressBarOptions{.out = &os, .tty = 1, .refresh_seconds = 0});
  fit(p.net, p.ce, opt, p.train, {.epochs = 2, .callbacks = {bar}, .verbose = 0});
  const std::string text = os.str();
  CHECK(bar->in_place());
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);
  CHECK(std::count(text.begin(), text.end(), '\r') == 2 * (7 + 1));  // 7 redraws + the final line per epoch
  CHECK(text.find("[") != std::string::npos);
  CHECK(text.find("ETA ") != std::string::npos);
  CHECK(text.back() == '\n');
  CHECK(format_duration(65) == "1:05");
  CHECK(format_duration(3725) == "1:02:05");
}

TEST_CASE("fit: bad arguments are typed errors", "[train][fit]") {
  Problem p;
  optim::SGD opt(p.net->parameters(), {.lr = 0.1});
  LossFn unreduced = [](const Tensor& pred, const Tensor&) { return pred; };
  CHECK_THROWS_AS(fit(p.net, unreduced, opt, p.train, {.verbose = 0}), ValueError);
  CHECK_THROWS_AS(fit(p.net, p.ce, opt, p.train, {.epochs = -1, .verbose = 0}), ValueError);
  CHECK_THROWS_AS(fit(p.net, p.ce, opt, p.train, {.verbose = 3}), ValueError);
  CHECK_THROWS_AS(Model(nn::ModulePtr()), ValueError);
}
