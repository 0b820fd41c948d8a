// The VGG16 of examples/vgg16_summary.cpp has Keras's VGG16() parameter count, 138 357 544,
// checked without building its 528 MB classifier or running a forward pass at 224×224: the
// convolutional part is built for real (Keras's VGG16(include_top=False) has 14 714 688
// parameters) and summarized at 32×32, and the classifier's count follows from its shapes.
#include <catch2/catch.hpp>

#include <string>

#include <xgrad/nn.hpp>

using namespace xg;

namespace {
/// The convolutional blocks of VGG16, as in examples/vgg16_summary.cpp.
nn::Sequential vgg16_features() {
  nn::Sequential model;
  const std::int64_t filters[] = {64, 128, 256, 512, 512};
  const int convs[] = {2, 2, 3, 3, 3};
  std::int64_t channels = 3;
  for (int b = 0; b < 5; ++b) {
    for (int c = 0; c < convs[b]; ++c) {
      model->push_back("block" + std::to_string(b + 1) + "_conv" + std::to_string(c + 1),
                       nn::Conv2d(channels, filters[b], 3, {.padding = "same", .activation = "relu"}));
      channels = filters[b];
    }
    model->push_back("block" + std::to_string(b + 1) + "_pool", nn::MaxPool2d(2));
  }
  return model;
}
}  // namespace

TEST_CASE("vgg16: the architecture has Keras's 138357544 parameters", "[nn][conv][vgg]") {
  auto features = vgg16_features();
  // Keras's per-layer counts of block1_conv1, block1_conv2, block2_conv1: 1792, 36928, 73856.
  auto s = nn::summary(features, {1, 3, 32, 32});
  REQUIRE(s.rows.size() == 18);
  CHECK(s.rows[0].name == "block1_conv1");
  CHECK(s.rows[0].num_params == 1792);
  CHECK(s.rows[1].num_params == 36928);
  CHECK(s.rows[3].num_params == 73856);
  CHECK(s.rows[2].output_shape == Shape{1, 64, 16, 16});
  CHECK(s.output_shape == Shape{1, 512, 1, 1});
  CHECK(s.total_params == 14714688);
  // At 224×224 the five pools leave 224 / 2⁵ = 7, so the classifier sees 512·7·7 features:
  // fc1 (25088 → 4096), fc2 (4096 → 4096), predictions (4096 → 1000), each with a bias.
  const std::int64_t side = 224 / 32;
  const std::int64_t flat = 512 * side * side;
  CHECK(flat == 25088);
  const std::int64_t classifier = (flat + 1) * 4096 + (4096 + 1) * 4096 + (4096 + 1) * 1000;
  CHECK(s.total_params + classifier == 138357544);
  // The Linear layers count as assumed (checked on a narrow fc2-like layer).
  CHECK(nn::Linear(4096, 10)->num_parameters() == (4096 + 1) * 10);
}
