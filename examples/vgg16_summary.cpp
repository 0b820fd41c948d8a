// VGG16, layer for layer as Keras's `keras.applications.VGG16()`, and its summary.
//
// VGG16 (Simonyan & Zisserman, 2014) is five blocks of 3×3 convolutions with "same" padding and
// ReLU, each block ending in a 2×2 max pooling that halves the image, followed by three fully
// connected layers. On a 224×224×3 image the blocks give 224 → 112 → 56 → 28 → 14 → 7, so the
// classifier sees 7·7·512 = 25 088 features. Keras's table has 138 357 544 parameters, 89 % of
// them in the first fully connected layer (25 088 × 4 096 weights).
//
// The layers are named as in Keras's table (block1_conv1 … block5_pool, flatten, fc1, fc2,
// predictions). Two layouts differ from Keras: xgrad, like PyTorch, is channels-first (the input is
// [1, 3, 224, 224], not [1, 224, 224, 3]), and stores conv weights [out, in, kh, kw]. Neither
// changes a parameter count.
//
//   build/examples/vgg16_summary            (builds 528 MB of float32 weights, one forward pass)
#include <xgrad/nn.hpp>
#include <xgrad/xgrad.hpp>

#include <chrono>
#include <iostream>
#include <string>

// ---- 1. The model ---------------------------------------------------------------------------------
// A Keras Conv2D(filters, 3, padding="same", activation="relu") reads the same here: a Conv2d with
// padding "same" (one cell on each side for a 3×3 kernel) and the "relu" activation option.
// MaxPooling2D(2) is MaxPool2d(2), whose stride defaults to its size.
static xg::nn::Sequential vgg16(std::int64_t classes = 1000) {
  xg::nn::Sequential model;
  // (block, number of convolutions, filters): 2×64, 2×128, 3×256, 3×512, 3×512.
  const struct {
    int convs;
    std::int64_t filters;
  } blocks[] = {{2, 64}, {2, 128}, {3, 256}, {3, 512}, {3, 512}};
  std::int64_t channels = 3;
  for (int b = 0; b < 5; ++b) {
    const std::string block = "block" + std::to_string(b + 1);
    for (int c = 0; c < blocks[b].convs; ++c) {
      model->push_back(block + "_conv" + std::to_string(c + 1),
                       xg::nn::Conv2d(channels, blocks[b].filters, 3, {.padding = "same", .activation = "relu"}));
      channels = blocks[b].filters;
    }
    model->push_back(block + "_pool", xg::nn::MaxPool2d(2));
  }
  // The classifier: 7·7·512 features → 4096 → 4096 → classes, with a softmax on the output as Keras's
  // `classifier_activation="softmax"` (train on logits instead: drop it and use cross_entropy).
  model->push_back("flatten", xg::nn::Flatten());
  model->push_back("fc1", xg::nn::Linear(7 * 7 * 512, 4096, {.activation = "relu"}));
  model->push_back("fc2", xg::nn::Linear(4096, 4096, {.activation = "relu"}));
  model->push_back("predictions", xg::nn::Linear(4096, classes, {.activation = "softmax"}));
  return model;
}

int main() try {
  xg::manual_seed(0);
  auto model = vgg16();

  // ---- 2. Printing and counting -----------------------------------------------------------------
  // Printing a module gives PyTorch's repr; num_parameters() adds up every parameter's size.
  std::cout << *model << "\n\n";
  const std::int64_t n = model->num_parameters();
  std::cout << "parameters: " << n << " (Keras's VGG16(): 138357544)\n\n";

  // ---- 3. The summary ----------------------------------------------------------------------------
  // summary() runs one forward pass on a zero batch of the given shape (in eval mode, without
  // recording a graph) and records each layer's output shape, as Keras's model.summary().
  const auto start = std::chrono::steady_clock::now();
  const auto s = xg::nn::summary(model, {1, 3, 224, 224});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << s << "\n";
  std::cout << "(the forward pass at 224x224 took " << seconds << " s)\n";

  // The rows add up to Keras's total; the feature map entering the classifier is 512 × 7 × 7.
  if (s.total_params != 138357544 || n != 138357544) {
    std::cerr << "unexpected parameter count " << s.total_params << "\n";
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
