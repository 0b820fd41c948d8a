// ModelCheckpoint: file-name patterns, save_best_only on a scripted validation loss, atomic
// writes (no temporary left behind, a failing writer leaves no file), argument errors, and the
// default safetensors writer read back with xg::io::load.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "data/temp_dir.hpp"
#include "train/train_helpers.hpp"
#include "xgrad/io.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"

using namespace xg;
using namespace xg::train;

namespace {
// Writes the parameter count and the first weight: enough to tell checkpoints apart.
void text_writer(const nn::Module& m, const std::string& path) {
  std::ofstream f(path);
  f << m.num_parameters() << ' ' << m.parameters()[0].to_vector<double>()[0] << '\n';
}
}  // namespace

TEST_CASE("ModelCheckpoint: fills {epoch} and log fields with printf-style formats", "[train][checkpoint]") {
  ModelCheckpoint ckpt("ckpt-{epoch:03d}-{val_loss:.3f}-{lr}.bin", {.writer = text_writer});
  CHECK(ckpt.format_path(4, {{"val_loss", 0.123456}, {"lr", 0.01}}) == "ckpt-005-0.123-0.01.bin");
  CHECK(ModelCheckpoint("m{epoch}.bin", {.writer = text_writer}).format_path(0, {}) == "m1.bin");
  CHECK_THROWS_AS(ckpt.format_path(0, {{"lr", 0.01}}), ValueError);  // no val_loss in the logs
  CHECK_THROWS_AS(ModelCheckpoint("x{epoch:q}", {.writer = text_writer}).format_path(0, {}), ValueError);
  CHECK_THROWS_AS(ModelCheckpoint("x{epoch", {.writer = text_writer}).format_path(0, {}), ValueError);
}

TEST_CASE("ModelCheckpoint: by default saves safetensors that xg::io::load restores bit for bit",
          "[train][checkpoint]") {
  testing::TempDir dir;
  data::TensorDataset set = testing::blobs(60, 1);
  data::DataLoader loader(set, {.batch_size = 30});
  auto net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  const std::vector<double> script = {0.9, 0.5, 0.8};
  std::vector<std::vector<float>> first_weight;
  auto scripted =
      std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](std::int64_t e, Logs& logs) {
        logs["val_loss"] = script[std::size_t(e)];
        first_weight.push_back(net->parameters()[0].to_vector<float>());
      }});
  auto ckpt =
      std::make_shared<ModelCheckpoint>(dir / "best.safetensors", ModelCheckpointOptions{.save_best_only = true});
  fit(net, ce, opt, loader, {.epochs = 3, .callbacks = {scripted, ckpt}, .verbose = 0});
  REQUIRE(ckpt->saved().size() == 2);  // epochs 0 and 1
  auto fresh = testing::small_mlp(/*seed=*/99);
  io::load(*fresh, dir / "best.safetensors");
  CHECK(fresh->parameters()[0].to_vector<float>() == first_weight[1]);
  CHECK(fresh->parameters()[0].to_vector<float>() != first_weight[2]);
}

TEST_CASE("ModelCheckpoint: save_best_only writes only improving epochs, atomically", "[train][checkpoint]") {
  testing::TempDir dir;
  data::TensorDataset set = testing::blobs(60, 1);
  data::DataLoader loader(set, {.batch_size = 30});
  auto net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  const std::vector<double> script = {0.9, 0.7, 0.8, 0.6, 0.65};
  auto scripted = std::make_shared<LambdaCallback>(LambdaCallbackOptions{
      .on_epoch_end = [&](std::int64_t e, Logs& logs) { logs["val_loss"] = script[std::size_t(e)]; }});
  auto best = std::make_shared<ModelCheckpoint>(dir / "best.txt",
                                                ModelCheckpointOptions{.save_best_only = true, .writer = text_writer});
  auto every = std::make_shared<ModelCheckpoint>(dir / "e{epoch:02d}-{val_loss:.2f}.txt",
                                                 ModelCheckpointOptions{.writer = text_writer});
  std::string last_best_content;
  auto after = std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [&](std::int64_t e, Logs&) {
    if (e == 3) {  // the best epoch: best.txt now holds the current weights
      std::ifstream f(dir / "best.txt");
      std::getline(f, last_best_content);
      std::ostringstream expected;
      expected << net->num_parameters() << ' ' << net->parameters()[0].to_vector<double>()[0];
      CHECK(last_best_content == expected.str());
    }
  }});
  fit(net, ce, opt, loader, {.epochs = 5, .callbacks = {scripted, best, every, after}, .verbose = 0});
  CHECK(best->saved() ==
        std::vector<std::string>{dir / "best.txt", dir / "best.txt", dir / "best.txt"});  // epochs 0, 1, 3
  CHECK(best->best() == 0.6);
  CHECK(every->saved().size() == 5);
  CHECK(std::filesystem::exists(dir / "e04-0.60.txt"));
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.str())) {
    CHECK(entry.path().extension() != ".tmp");
    ++files;
  }
  CHECK(files == 6);

  // A writer that fails leaves neither the file nor its temporary behind.
  auto failing = std::make_shared<ModelCheckpoint>(
      dir / "broken.bin", ModelCheckpointOptions{.writer = [](const nn::Module&, const std::string& path) {
        std::ofstream(path) << "partial";
        throw IoError("disk full");
      }});
  CHECK_THROWS_AS(fit(net, ce, opt, loader, {.epochs = 1, .callbacks = {failing}, .verbose = 0}), IoError);
  CHECK(!std::filesystem::exists(dir / "broken.bin"));
  CHECK(!std::filesystem::exists(dir / "broken.bin.tmp"));
}
