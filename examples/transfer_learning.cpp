// Transfer learning on Fashion-MNIST: reuse what a network learned on five classes to learn five
// other classes from very few examples.
//
//   1. Train the CNN on classes 0–4 (T-shirt/top, Trouser, Pullover, Dress, Coat) and save it.
//   2. Load the saved model, keep all but its last layer (`Sequential::slice`) as a feature
//      extractor, freeze it, and put a new 5-way head on top.
//   3. Fine-tune the head on a small labelled subset of classes 5–9 (Sandal, Shirt, Sneaker, Bag,
//      Ankle boot), then unfreeze the top feature layer and train it with a 10× smaller learning
//      rate than the head (two parameter groups).
//   4. Compare with the same network trained from scratch on the same small subset.
//
//   build/examples/transfer_learning [--per-class 10] [--base-epochs 2] [--epochs 40] [--lr 0.01] [--threads N]
#include <xgrad/data.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/optim.hpp>
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "common/flags.hpp"

namespace fs = std::filesystem;
namespace nn = xg::nn;
namespace data = xg::data;

struct Options {
  std::int64_t per_class = 10;  // labelled examples per new class
  double lr = 1e-2;             // head (and from-scratch) learning rate; the unfrozen layer gets lr / 10
  std::int64_t base_epochs = 2;
  std::int64_t epochs = 40;  // fine-tuning epochs (head only: epochs − 5, then 5 unfrozen)
  int threads = 0;
  std::string data_dir = data::FashionMNIST::kDefaultRoot;
  std::string out_dir = "transfer_learning_out";
};

static Options parse(int argc, char** argv) {
  Options o;
  example::Flags flags("transfer_learning", "A Fashion-MNIST model fine-tuned on new classes from a few examples.");
  flags.add("--per-class", o.per_class, "labelled examples per new class");
  flags.add("--base-epochs", o.base_epochs, "epochs of the base model");
  flags.add("--epochs", o.epochs, "fine-tuning epochs (head only: epochs - 5, then 5 unfrozen)");
  flags.add("--lr", o.lr, "head (and from-scratch) learning rate; the unfrozen layer gets lr / 10");
  flags.add("--threads", o.threads, "worker threads for the kernels (0: every core)");
  flags.add("--data-dir", o.data_dir, "Fashion-MNIST files", "DIR");
  flags.add("--out-dir", o.out_dir, "where the plots (and other outputs) go", "DIR");
  flags.parse(argc, argv);
  if (o.per_class < 1 || o.base_epochs < 1 || o.epochs < 6 || o.threads < 0 || !(o.lr > 0))
    throw xg::ValueError("transfer_learning: --per-class and --base-epochs must be >= 1, --epochs >= 6, --lr > 0");
  return o;
}

// The images of classes [first, first + 5) relabelled 0…4; at most `per_class` of each (0: all).
static data::TensorDataset classes_subset(const data::FashionMNIST& ds, std::int64_t first, std::int64_t per_class) {
  const auto labels = ds.targets().to_vector<std::int64_t>();
  std::vector<std::int64_t> keep, taken(5, 0);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::int64_t c = labels[i] - first;
    if (c < 0 || c >= 5 || (per_class > 0 && taken[static_cast<std::size_t>(c)] >= per_class)) continue;
    ++taken[static_cast<std::size_t>(c)];
    keep.push_back(static_cast<std::int64_t>(i));
  }
  const auto idx = xg::tensor(keep);
  // Pixels standardized with Fashion-MNIST's mean and standard deviation.
  return data::TensorDataset((ds.data().index_select(0, idx) - 0.2860) / 0.3530,
                             ds.targets().index_select(0, idx) - first);
}

// conv32-pool-conv64-pool-fc128 features and a 5-way head: layers 0…9, the head is layer 10.
static nn::Sequential make_cnn() {
  return nn::Sequential({nn::Conv2d(1, 32, 3), nn::BatchNorm2d(32), nn::ReLU(), nn::MaxPool2d(2),   //
                         nn::Conv2d(32, 64, 3), nn::BatchNorm2d(64), nn::ReLU(), nn::MaxPool2d(2),  //
                         nn::Flatten(), nn::Linear(1600, 128), nn::ReLU(), nn::Linear(128, 5)});
}

static double test_accuracy(nn::Sequential& net, data::DataLoader& test) {
  nn::CrossEntropyLoss ce;
  return xg::train::evaluate(net, ce, test, {"accuracy"})["accuracy"];
}

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  if (opt.threads > 0) xg::set_num_threads(opt.threads);
  xg::manual_seed(0);
  fs::create_directories(opt.out_dir);
  const data::FashionMNIST train(opt.data_dir, data::Split::Train), test(opt.data_dir, data::Split::Test);
  nn::CrossEntropyLoss ce;

  // 1. The base model: classes 0–4, all 30 000 of their training images.
  auto old_train = classes_subset(train, 0, 0), old_test = classes_subset(test, 0, 0);
  data::DataLoader old_loader(old_train, {.batch_size = 64, .shuffle = true, .num_workers = 1});
  data::DataLoader old_test_loader(old_test, {.batch_size = 1000});
  auto base = make_cnn();
  xg::optim::Adam base_opt(base->parameters(), {.lr = 1e-3});
  std::cout << "1. training the base model on classes 0-4 (" << old_train.size() << " images)\n";
  xg::train::fit(base, ce, base_opt, old_loader, {.epochs = opt.base_epochs, .metrics = {"accuracy"}});
  std::printf("   base model test accuracy on classes 0-4: %.2f%%\n", 100 * test_accuracy(base, old_test_loader));
  const std::string base_path = (fs::path(opt.out_dir) / "base_classes_0_4.safetensors").string();
  xg::io::save(*base, base_path);
  std::cout << "   saved to " << fs::absolute(base_path).string() << "\n";

  // The new task: classes 5–9 with only `per_class` labelled images each.
  auto new_train = classes_subset(train, 5, opt.per_class), new_test = classes_subset(test, 5, 0);
  data::DataLoader new_loader(new_train, {.batch_size = 32, .shuffle = true, .seed = 1});
  data::DataLoader new_test_loader(new_test, {.batch_size = 1000});
  std::cout << "2. new task: classes 5-9 from " << new_train.size() << " labelled images\n";

  // 2. Load the trained model from disk, keep everything but its head and freeze it.
  auto loaded = make_cnn();
  xg::io::load(*loaded, base_path);
  auto features = loaded->slice(0, -1);  // shares layers 0…10 with `loaded`
  features->freeze();
  nn::Linear head(128, 5);
  nn::Sequential transfer({features, head});
  std::cout << transfer << "\n";

  // 3a. Fine-tune the head alone. The frozen features contain BatchNorm layers; as Keras does
  //     for non-trainable layers, keep them in inference mode (fixed running statistics learned
  //     on the old classes): fit() puts the model in training mode, so the forward we give it
  //     switches the frozen part back to eval first.
  const xg::train::Model model(transfer, [&](const xg::Tensor& x) {
    if (features->is_training()) features->eval();
    return transfer(x);
  });
  xg::optim::Adam opt_tl(head->parameters(), {.lr = opt.lr});
  const std::int64_t head_epochs = opt.epochs - 5;
  xg::train::fit(model, ce, opt_tl, new_loader, {.epochs = head_epochs, .verbose = 0});
  const double acc_head = test_accuracy(transfer, new_test_loader);
  std::printf("   frozen features + new head (%lld epochs):       %.2f%%\n", static_cast<long long>(head_epochs),
              100 * acc_head);

  // 3b. Unfreeze the top feature layers (the second convolution block and Linear 1600→128,
  //     layers 4…9) and train them with a 10× smaller learning rate than the head: a second
  //     parameter group. Their BatchNorm keeps its running statistics (inference mode, above).
  auto top = features->slice(4, 10);
  top->unfreeze();
  opt_tl.add_param_group(top->parameters(), {.lr = opt.lr / 10});
  xg::train::fit(model, ce, opt_tl, new_loader, {.epochs = 5, .verbose = 0});
  const double acc_tuned = test_accuracy(transfer, new_test_loader);
  std::printf("   + top layers unfrozen at lr %g (5 epochs):    %.2f%%\n", opt.lr / 10, 100 * acc_tuned);

  // 4. The same network from scratch on the same few images, for the same number of epochs.
  auto scratch = make_cnn();
  xg::optim::Adam opt_scratch(scratch->parameters(), {.lr = opt.lr});
  xg::train::fit(scratch, ce, opt_scratch, new_loader, {.epochs = opt.epochs, .verbose = 0});
  const double acc_scratch = test_accuracy(scratch, new_test_loader);
  std::printf("   from scratch on the same images (%lld epochs):  %.2f%%\n", static_cast<long long>(opt.epochs),
              100 * acc_scratch);
  std::printf("transfer learning: %.2f%% vs from scratch: %.2f%% on the %lld test images of classes 5-9\n",
              100 * acc_tuned, 100 * acc_scratch, static_cast<long long>(new_test.size()));
  return 0;
} catch (const std::exception& e) {
  std::cerr << "transfer_learning: " << e.what() << "\n";
  return 1;
}
