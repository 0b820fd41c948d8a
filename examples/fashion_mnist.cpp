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
#include <xgrad/data.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

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
};

static void usage() {
  std::cout << "usage: fashion_mnist [options]\n"
               "  --epochs N          maximum epochs (early stopping may end sooner; default 15)\n"
               "  --batch-size N      mini-batch size (default 64)\n"
               "  --optimizer NAME    adam, adamw, sgd (momentum 0.9, Nesterov), rmsprop, nadam (default adam)\n"
               "  --lr X              learning rate (default 1e-3)\n"
               "  --threads N         worker threads for the kernels (default: all cores)\n"
               "  --no-batch-norm     leave the BatchNorm layers out\n"
               "  --dropout P         dropout probability before each dense layer (default 0.25; 0: none)\n"
               "  --patience N        early-stopping patience in epochs (default 3)\n"
               "  --validation F      fraction of the training images used for validation (default 0.1)\n"
               "  --limit N           train on the first N images of the split only (quick runs)\n"
               "  --seed N            seed of the initialization, split and shuffling (default 0)\n"
               "  --data-dir DIR      Fashion-MNIST files (default /usr/share/datasets/fashion-mnist)\n"
               "  --out-dir DIR       where the model, plots and logs go (default ./fashion_mnist_out)\n";
}

static Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw xg::ValueError("fashion_mnist: missing value after " + a);
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoll(next());
    else if (a == "--batch-size") o.batch_size = std::stoll(next());
    else if (a == "--optimizer") o.optimizer = next();
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--no-batch-norm") o.batch_norm = false;
    else if (a == "--dropout") o.dropout = std::stod(next());
    else if (a == "--patience") o.patience = std::stoll(next());
    else if (a == "--validation") o.validation = std::stod(next());
    else if (a == "--limit") o.limit = std::stoll(next());
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--data-dir") o.data_dir = next();
    else if (a == "--out-dir") o.out_dir = next();
    else if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else {
      throw xg::ValueError("fashion_mnist: unknown option " + a + " (see --help)");
    }
  }
  if (o.epochs < 1 || o.batch_size < 1 || !(o.lr > 0) || o.threads < 0 || o.patience < 0 || o.limit < 0)
    throw xg::ValueError("fashion_mnist: epochs, batch size and learning rate must be positive; threads, "
                         "patience and limit non-negative");
  if (!(o.dropout >= 0 && o.dropout < 1)) throw xg::ValueError("fashion_mnist: --dropout must be in [0, 1)");
  if (!(o.validation > 0 && o.validation < 1)) throw xg::ValueError("fashion_mnist: --validation must be in (0, 1)");
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

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  if (opt.threads > 0) xg::set_num_threads(opt.threads);
  xg::manual_seed(opt.seed);

  // -------------------------------------------------------------------------------------------
  // 3. Data. FashionMNIST throws an IoError that says how to install the package when the files
  //    are missing. Images are [1, 28, 28] in [0, 1]; Normalize uses the training set's mean and
  //    standard deviation (0.2860, 0.3530).
  const xg::data::FashionMNIST full_train(opt.data_dir, xg::data::Split::Train);
  const xg::data::FashionMNIST test_set(opt.data_dir, xg::data::Split::Test);
  const xg::data::Normalize normalize({0.2860}, {0.3530});
  auto [train_part, val_part] = xg::data::train_test_split(full_train, opt.validation, {.stratify = true, .seed = opt.seed});
  xg::data::Dataset train_set = train_part;
  if (opt.limit > 0 && opt.limit < train_set.size()) {
    std::vector<std::int64_t> first(static_cast<std::size_t>(opt.limit));
    for (std::int64_t i = 0; i < opt.limit; ++i) first[static_cast<std::size_t>(i)] = i;
    train_set = xg::data::Subset(train_set, first);
  }
  xg::data::DataLoader train_loader(train_set, {.batch_size = opt.batch_size, .shuffle = true, .seed = opt.seed,
                                                .num_workers = 1, .batch_transform = normalize});
  xg::data::DataLoader val_loader(val_part, {.batch_size = 1000, .batch_transform = normalize});
  xg::data::DataLoader test_loader(test_set, {.batch_size = 1000, .batch_transform = normalize});
  std::cout << "Fashion-MNIST from " << opt.data_dir << ": " << train_set.size() << " training, " << val_part.size()
            << " validation, " << test_set.size() << " test images; " << xg::get_num_threads() << " threads\n";

  // -------------------------------------------------------------------------------------------
  // 4. Model, loss and optimizer.
  auto net = make_cnn(opt.batch_norm, opt.dropout);
  std::cout << nn::summary(net, {1, 1, 28, 28}) << "\n";
  nn::CrossEntropyLoss loss_fn;
  auto optimizer = make_optimizer(opt.optimizer, net->parameters(), opt.lr);

  // -------------------------------------------------------------------------------------------
  // 5. Training with callbacks: stop when the validation loss has not improved for `patience`
  //    epochs (keeping the best weights), halve the learning rate after 2 flat epochs, save the
  //    best model, log every epoch to CSV.
  fs::create_directories(opt.out_dir);
  const std::string model_path = (fs::path(opt.out_dir) / "fashion_mnist_cnn.safetensors").string();
  const std::string csv_path = (fs::path(opt.out_dir) / "training_log.csv").string();
  const std::string curves_path = (fs::path(opt.out_dir) / "learning_curves.svg").string();
  const std::string report_path = (fs::path(opt.out_dir) / "report.html").string();

  xg::optim::ReduceLROnPlateau plateau(*optimizer, {.factor = 0.5, .patience = 1});
  auto early_stop = std::make_shared<xg::train::EarlyStopping>(
      xg::train::EarlyStoppingOptions{.monitor = "val_loss", .patience = opt.patience, .restore_best_weights = true});
  auto checkpoint = std::make_shared<xg::train::ModelCheckpoint>(
      model_path, xg::train::ModelCheckpointOptions{
                      .monitor = "val_loss",
                      .save_best_only = true,
                      .writer = [](const nn::Module& m, const std::string& path) { xg::io::save(m, path); }});
  auto health = std::make_shared<xg::train::TrainingHealth>();
  auto history = xg::train::fit(
      net, loss_fn, *optimizer, train_loader,
      {.epochs = opt.epochs,
       .validation = &val_loader,
       .metrics = {"accuracy"},
       .callbacks = {std::make_shared<xg::train::LRSchedulerCallback>(plateau), early_stop, checkpoint, health,
                     std::make_shared<xg::train::CSVLogger>(csv_path)}});
  if (early_stop->stopped_epoch() >= 0)
    std::cout << "early stopping after epoch " << early_stop->stopped_epoch() + 1 << "; ";
  std::cout << "the weights of the best epoch, " << early_stop->best_epoch() + 1 << " (val_loss "
            << early_stop->best() << "), are restored\n";

  // -------------------------------------------------------------------------------------------
  // 6. Test accuracy and a per-class report from the confusion matrix.
  auto test = xg::train::evaluate(net, loss_fn, test_loader, {"accuracy"});
  std::printf("test loss %.4f  test accuracy %.2f%%\n", test["loss"], 100 * test["accuracy"]);
  const auto logits = xg::train::predict(net, test_loader);
  const auto confusion = xg::train::metrics::confusion_matrix(logits, test_set.targets(), 10);
  const auto report = xg::train::metrics::classification_report(confusion);
  const auto& classes = xg::data::FashionMNIST::classes();
  std::printf("%-12s %9s %9s %9s\n", "class", "precision", "recall", "f1");
  for (std::size_t c = 0; c < classes.size(); ++c)
    std::printf("%-12s %9.3f %9.3f %9.3f\n", classes[c].c_str(), report.precision[c], report.recall[c],
                report.f1[c]);

  // -------------------------------------------------------------------------------------------
  // 7. Plots and where everything is.
  xg::train::plot_history(history, curves_path, {.title_prefix = "Fashion-MNIST CNN: "});
  xg::train::write_report_html(history, health->report(), report_path, "Fashion-MNIST CNN");
  std::cout << "model (best validation loss): " << fs::absolute(model_path).string() << "\n"
            << "learning curves:              " << fs::absolute(curves_path).string() << "\n"
            << "report (curves + health):     " << fs::absolute(report_path).string() << "\n"
            << "per-epoch log:                " << fs::absolute(csv_path).string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "fashion_mnist: " << e.what() << "\n";
  return 1;
}
