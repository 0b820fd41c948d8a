// Fashion-MNIST with a convolutional network: the main xgrad example.
//
// This tutorial trains the classic small CNN
//     conv 3×3 (1→32) → [BatchNorm] → ReLU → max-pool 2 → conv 3×3 (32→64) → [BatchNorm] → ReLU →
//     max-pool 2 → flatten → [Dropout] → linear 1600→128 → ReLU → [Dropout] → linear 128→10
// on the real Fashion-MNIST images (Debian package dataset-fashion-mnist), with:
//   * a stratified training / validation split of the 60 000 training images,
//   * fit() with a progress bar (redrawn in place on a terminal, one line per epoch otherwise),
//   * early stopping on the validation loss that restores the best weights,
//   * a checkpoint of the best model (safetensors, loadable into PyTorch),
//   * the test accuracy, a per-class report, and the learning curves as an SVG plus an HTML report.
//
//   build/examples/fashion_mnist                       # defaults: Adam, lr 1e-3, 15 epochs max
//   build/examples/fashion_mnist --epochs 3 --optimizer sgd --lr 0.05 --threads 1
//   build/examples/fashion_mnist --help
//
// With --distributed the same program trains data-parallel on every process of an MPI job
// (docs/distributed.md): each rank takes its shard of the training images (DistributedSampler),
// DistributedDataParallel averages the gradients, fit() averages the losses and metrics, and rank 0
// alone prints and writes files.
//
//   mpirun -np 2 build/examples/fashion_mnist --distributed       # 2 ranks × (cores / 2) threads
#include <xgrad/data.hpp>
#include <xgrad/distributed.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "common/flags.hpp"

namespace fs = std::filesystem;
namespace nn = xg::nn;

// ---------------------------------------------------------------------------------------------
// 1. Command-line flags.
struct Options {
  std::int64_t epochs = 15;
  std::int64_t batch_size = 64;
  std::string optimizer = "adam";
  double lr = 1e-3;
  int threads = 0;  // 0: every core
  bool batch_norm = true;
  double dropout = 0.25;
  std::int64_t patience = 3;
  double validation = 0.1;  // fraction of the training images held out
  std::int64_t limit = 0;   // use only this many training images (0: all), for quick runs
  std::uint64_t seed = 0;
  std::string data_dir = xg::data::FashionMNIST::kDefaultRoot;
  std::string out_dir = "fashion_mnist_out";
  bool distributed = false;
  std::string lr_scaling = "linear";  // with --distributed: "linear" (Goyal et al. 2017) or "none"
  std::int64_t warmup_epochs = 2;     // epochs of the linear warm-up to the scaled learning rate
};

static Options parse(int argc, char** argv) {
  Options o;
  example::Flags flags("fashion_mnist",
                       "A CNN on Fashion-MNIST with Keras-style fit, callbacks, checkpoints and plots.");
  flags.add("--epochs", o.epochs, "maximum epochs (early stopping may end sooner)");
  flags.add("--batch-size", o.batch_size, "mini-batch size");
  flags.add("--optimizer", o.optimizer, "adam, adamw, sgd (momentum 0.9, Nesterov), rmsprop or nadam", "NAME");
  flags.add("--lr", o.lr, "learning rate");
  flags.add("--threads", o.threads, "worker threads for the kernels (0: all cores)");
  flags.add_switch("--no-batch-norm", o.batch_norm, false, "leave the BatchNorm layers out");
  flags.add("--dropout", o.dropout, "dropout probability before each dense layer (0: none)");
  flags.add("--patience", o.patience, "early-stopping patience in epochs");
  flags.add("--validation", o.validation, "fraction of the training images used for validation");
  flags.add("--limit", o.limit, "train on the first N images of the split only (0: all; quick runs)");
  flags.add("--seed", o.seed, "seed of the initialization, split and shuffling");
  flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
  flags.add("--out-dir", o.out_dir, "where the model, plots and logs go", "DIR");
  flags.add_switch("--distributed", o.distributed, true,
                   "train on every rank of an MPI job (mpirun -np N ... --distributed); --batch-size is then "
                   "per rank, and --threads defaults to the cores divided by the ranks on this machine");
  flags.add("--lr-scaling", o.lr_scaling, "with --distributed: linear (lr times N, Goyal et al. 2017) or none", "MODE");
  flags.add("--warmup-epochs", o.warmup_epochs, "with linear scaling: epochs to ramp the lr from lr to N lr");
  flags.parse(argc, argv);
  if (o.epochs < 1 || o.batch_size < 1 || !(o.lr > 0) || o.threads < 0 || o.patience < 0 || o.limit < 0)
    throw xg::ValueError(
        "fashion_mnist: epochs, batch size and learning rate must be positive; threads, "
        "patience and limit non-negative");
  if (!(o.dropout >= 0 && o.dropout < 1)) throw xg::ValueError("fashion_mnist: --dropout must be in [0, 1)");
  if (!(o.validation > 0 && o.validation < 1)) throw xg::ValueError("fashion_mnist: --validation must be in (0, 1)");
  if (o.lr_scaling != "linear" && o.lr_scaling != "none")
    throw xg::ValueError("fashion_mnist: --lr-scaling must be linear or none, got " + o.lr_scaling);
  if (o.warmup_epochs < 0) throw xg::ValueError("fashion_mnist: --warmup-epochs must be non-negative");
  return o;
}

// ---------------------------------------------------------------------------------------------
// 2. The model: an ordinary Sequential, so its parameter names are PyTorch's ("0.weight", …) and
//    the checkpoint loads into the same torch.nn.Sequential.
static nn::Sequential make_cnn(bool batch_norm, double dropout) {
  nn::Sequential net;
  net->push_back(nn::Conv2d(1, 32, 3));
  if (batch_norm) net->push_back(nn::BatchNorm2d(32));
  net->push_back(nn::ReLU());
  net->push_back(nn::MaxPool2d(2));
  net->push_back(nn::Conv2d(32, 64, 3));
  if (batch_norm) net->push_back(nn::BatchNorm2d(64));
  net->push_back(nn::ReLU());
  net->push_back(nn::MaxPool2d(2));
  net->push_back(nn::Flatten());
  if (dropout > 0) net->push_back(nn::Dropout({.p = dropout}));
  net->push_back(nn::Linear(64 * 5 * 5, 128));
  net->push_back(nn::ReLU());
  if (dropout > 0) net->push_back(nn::Dropout({.p = dropout}));
  net->push_back(nn::Linear(128, 10));
  return net;
}

static std::unique_ptr<xg::optim::Optimizer> make_optimizer(const std::string& name, std::vector<xg::Tensor> params,
                                                            double lr) {
  namespace optim = xg::optim;
  if (name == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = lr});
  if (name == "adamw") return std::make_unique<optim::AdamW>(params, optim::AdamWOptions{.lr = lr});
  if (name == "nadam") return std::make_unique<optim::NAdam>(params, optim::NAdamOptions{.lr = lr});
  if (name == "rmsprop") return std::make_unique<optim::RMSprop>(params, optim::RMSpropOptions{.lr = lr});
  if (name == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = lr, .momentum = 0.9, .nesterov = true});
  throw xg::ValueError("fashion_mnist: unknown optimizer '" + name + "' (adam, adamw, nadam, rmsprop, sgd)");
}

// ---------------------------------------------------------------------------------------------
// Steps 3 to 7. `world` is null for one process; with --distributed it is the MPI job.
static int run(const Options& opt, const std::shared_ptr<xg::train::World>& world) {
  const int rank = world ? world->rank() : 0, ranks = world ? world->size() : 1;
  const bool lead = rank == 0;  // rank 0 prints and writes files
  if (opt.threads > 0) xg::set_num_threads(opt.threads);
  xg::manual_seed(opt.seed);

  // -------------------------------------------------------------------------------------------
  // 3. Data. FashionMNIST throws an IoError that says how to install the package when the files
  //    are missing. Images are [1, 28, 28] in [0, 1]; Normalize uses the training set's mean and
  //    standard deviation (0.2860, 0.3530). Distributed, every rank builds the same split (same
  //    seed) and a DistributedSampler gives each its shard, reshuffled every epoch.
  const xg::data::FashionMNIST full_train(opt.data_dir, xg::data::Split::Train);
  const xg::data::FashionMNIST test_set(opt.data_dir, xg::data::Split::Test);
  const xg::data::Normalize normalize({0.2860}, {0.3530});
  auto [train_part, val_part] =
      xg::data::train_test_split(full_train, opt.validation, {.stratify = true, .seed = opt.seed});
  xg::data::Dataset train_set = train_part;
  if (opt.limit > 0 && opt.limit < train_set.size()) {
    std::vector<std::int64_t> first(static_cast<std::size_t>(opt.limit));
    for (std::int64_t i = 0; i < opt.limit; ++i) first[static_cast<std::size_t>(i)] = i;
    train_set = xg::data::Subset(train_set, first);
  }
  // A sampler for rank `rank` of `ranks` (null in one process): training shards reshuffle each
  // epoch; evaluation shards keep the order (padding repeats at most ranks − 1 images).
  auto shard = [&](const xg::data::Dataset& ds, bool shuffle) -> std::shared_ptr<xg::data::Sampler> {
    if (!world) return nullptr;
    return std::make_shared<xg::data::DistributedSampler>(
        ds,
        xg::data::DistributedSamplerOptions{.num_replicas = ranks, .rank = rank, .shuffle = shuffle, .seed = opt.seed});
  };
  xg::data::DataLoader train_loader(train_set, {.batch_size = opt.batch_size,
                                                .shuffle = !world,
                                                .seed = opt.seed,
                                                .num_workers = 1,
                                                .batch_transform = normalize,
                                                .sampler = shard(train_set, true)});
  xg::data::DataLoader val_loader(
      val_part, {.batch_size = 1000, .batch_transform = normalize, .sampler = shard(val_part, false)});
  xg::data::DataLoader test_loader(
      test_set, {.batch_size = 1000, .batch_transform = normalize, .sampler = shard(test_set, false)});
  if (lead) {
    std::cout << "Fashion-MNIST from " << opt.data_dir << ": " << train_set.size() << " training, " << val_part.size()
              << " validation, " << test_set.size() << " test images; " << xg::get_num_threads() << " threads";
    if (world)
      std::cout << " per rank; " << ranks << " ranks, each " << train_loader.size() << " batches of " << opt.batch_size
                << " per epoch (global batch " << opt.batch_size * ranks << ")";
    std::cout << "\n";
  }

  // -------------------------------------------------------------------------------------------
  // 4. Model, loss and optimizer. Distributed, DistributedDataParallel copies rank 0's initial
  //    weights to every rank and averages the gradients during backward; after the model is built
  //    each rank reseeds its generator so that its dropout masks are its own.
  auto net = make_cnn(opt.batch_norm, opt.dropout);
  if (lead) std::cout << nn::summary(net, {1, 1, 28, 28}) << "\n";
  xg::train::Model model(net);
  nn::DistributedDataParallel ddp{nullptr};
  if (world) {
    ddp = nn::DistributedDataParallel(net);
    model = xg::train::Model(ddp);
    xg::manual_seed(opt.seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(rank + 1));
  }
  nn::CrossEntropyLoss loss_fn;
  // The linear scaling rule (Goyal et al. 2017): with a global batch `ranks` times larger, use a
  // learning rate `ranks` times larger, reached by a linear warm-up from the single-process rate.
  const bool scale = world && ranks > 1 && opt.lr_scaling == "linear";
  const double lr = scale ? opt.lr * ranks : opt.lr;
  auto optimizer = make_optimizer(opt.optimizer, net->parameters(), lr);
  std::vector<std::shared_ptr<xg::train::Callback>> callbacks;
  std::unique_ptr<xg::optim::LinearLR> warmup;
  if (scale && opt.warmup_epochs > 0) {
    warmup = std::make_unique<xg::optim::LinearLR>(
        *optimizer, xg::optim::LinearLROptions{.start_factor = 1.0 / ranks,
                                               .total_iters = opt.warmup_epochs * train_loader.size()});
    callbacks.push_back(std::make_shared<xg::train::LRSchedulerCallback>(
        *warmup, xg::train::LRSchedulerCallbackOptions{.interval = "batch"}));
  }
  if (lead && world)
    std::cout << "learning rate " << lr
              << (scale ? " (" + std::to_string(ranks) + " x " + std::to_string(opt.lr) +
                              ", linear scaling, warm-up over " + std::to_string(opt.warmup_epochs) + " epochs)"
                        : std::string(" (not scaled)"))
              << "\n";

  // -------------------------------------------------------------------------------------------
  // 5. Training with callbacks: stop when the validation loss has not improved for `patience`
  //    epochs (keeping the best weights), halve the learning rate after 2 flat epochs, save the
  //    best model, log every epoch to CSV. With a world, fit averages the losses and metrics over
  //    the ranks, so EarlyStopping and ReduceLROnPlateau decide alike everywhere, and the
  //    checkpoint, the CSV log and the progress bar are rank 0's alone.
  const std::string model_path = (fs::path(opt.out_dir) / "fashion_mnist_cnn.safetensors").string();
  const std::string csv_path = (fs::path(opt.out_dir) / "training_log.csv").string();
  const std::string curves_path = (fs::path(opt.out_dir) / "learning_curves.svg").string();
  const std::string report_path = (fs::path(opt.out_dir) / "report.html").string();
  if (lead) fs::create_directories(opt.out_dir);

  xg::optim::ReduceLROnPlateau plateau(*optimizer, {.factor = 0.5, .patience = 1});
  auto early_stop = std::make_shared<xg::train::EarlyStopping>(
      xg::train::EarlyStoppingOptions{.monitor = "val_loss", .patience = opt.patience, .restore_best_weights = true});
  // The writer saves the plain network (not a DistributedDataParallel wrapper), so the file's
  // names are those of torch.nn.Sequential in both modes.
  auto checkpoint = std::make_shared<xg::train::ModelCheckpoint>(
      model_path, xg::train::ModelCheckpointOptions{
                      .monitor = "val_loss",
                      .save_best_only = true,
                      .writer = [net](const nn::Module&, const std::string& path) { xg::io::save(*net, path); }});
  auto health = std::make_shared<xg::train::TrainingHealth>();
  callbacks.insert(callbacks.end(), {std::make_shared<xg::train::LRSchedulerCallback>(plateau), early_stop, checkpoint,
                                     health, std::make_shared<xg::train::CSVLogger>(csv_path)});
  auto history = xg::train::fit(model, loss_fn, *optimizer, train_loader,
                                {.epochs = opt.epochs,
                                 .validation = &val_loader,
                                 .metrics = {"accuracy"},
                                 .callbacks = callbacks,
                                 .world = world});
  if (lead) {
    if (early_stop->stopped_epoch() >= 0)
      std::cout << "early stopping after epoch " << early_stop->stopped_epoch() + 1 << "; ";
    std::cout << "the weights of the best epoch, " << early_stop->best_epoch() + 1 << " (val_loss "
              << early_stop->best() << "), are restored\n";
  }

  // -------------------------------------------------------------------------------------------
  // 6. Test accuracy (each rank evaluates its shard of the test set; the numbers are over all of
  //    it) and, on rank 0, a per-class report from the confusion matrix of the whole test set.
  auto test = xg::train::evaluate(net, loss_fn, test_loader, {.metrics = {"accuracy"}, .world = world});
  if (!lead) return 0;
  std::printf("test loss %.4f  test accuracy %.2f%%\n", test["loss"], 100 * test["accuracy"]);
  xg::data::DataLoader whole_test(test_set, {.batch_size = 1000, .batch_transform = normalize});
  const auto logits = xg::train::predict(net, whole_test);
  const auto confusion = xg::train::metrics::confusion_matrix(logits, test_set.targets(), 10);
  const auto report = xg::train::metrics::classification_report(confusion);
  const auto& classes = xg::data::FashionMNIST::classes();
  std::printf("%-12s %9s %9s %9s\n", "class", "precision", "recall", "f1");
  for (std::size_t c = 0; c < classes.size(); ++c)
    std::printf("%-12s %9.3f %9.3f %9.3f\n", classes[c].c_str(), report.precision[c], report.recall[c], report.f1[c]);

  // -------------------------------------------------------------------------------------------
  // 7. Plots and where everything is.
  xg::train::plot_history(history, curves_path, {.title_prefix = "Fashion-MNIST CNN: "});
  xg::train::write_report_html(history, health->report(), report_path, "Fashion-MNIST CNN");
  std::cout << "model (best validation loss): " << fs::absolute(model_path).string() << "\n"
            << "learning curves:              " << fs::absolute(curves_path).string() << "\n"
            << "report (curves + health):     " << fs::absolute(report_path).string() << "\n"
            << "per-epoch log:                " << fs::absolute(csv_path).string() << "\n";
  return 0;
}

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  if (!opt.distributed) return run(opt, nullptr);
  // One process of an MPI job. init() sets the threads per rank to cores / ranks on this machine
  // (unless --threads says otherwise). An exception on any rank is printed here and then ends the
  // whole job (the guard aborts MPI while it unwinds), so no rank waits forever for a dead peer.
  auto guard = xg::distributed::init({.set_num_threads = opt.threads == 0});
  try {
    return run(opt, xg::distributed::train_world());
  } catch (const std::exception& e) {
    std::cerr << "fashion_mnist (rank " << xg::distributed::rank() << "): " << e.what() << "\n";
    throw;
  }
} catch (const std::exception& e) {
  std::cerr << "fashion_mnist: " << e.what() << "\n";
  return 1;
}
