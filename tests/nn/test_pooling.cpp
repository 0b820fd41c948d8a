// MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d: values and gradients against PyTorch 1.13
// (tests/reference/nn_conv.py → nn/conv_reference.hpp), output shapes, gradchecks, the functional
// forms, printing and errors.
#include <catch2/catch.hpp>

#include <sstream>

#include <xgrad/nn.hpp>

#include "nn/conv_reference.hpp"
#include "nn/reference_inputs.hpp"
#include "nn/module_repr.hpp"

using namespace xg;
using xg::testing::repr;
using Catch::Matchers::Contains;
using xg::testing::check_close;
using xg::testing::seq;
namespace ref = xg::testing::conv_ref;
namespace F = xg::nn::functional;

namespace {

/// Runs the layer on x = seq(xshape, 0.3, 0.2, 1) in float64 and checks y and the gradient of
/// sum(y · seq(y.shape, 0.11, 0.5, 1)) against PyTorch's.
void check_reference(nn::Module& layer, const Shape& xshape, const std::vector<double>& y_ref,
                     const std::vector<double>& dx_ref) {
  auto x = seq(xshape, 0.3, 0.2, 1.0).requires_grad_();
  auto y = layer.forward(x);
  (y * seq(y.sizes(), 0.11, 0.5, 1.0)).sum().backward();
  check_close(y, y_ref, 1e-10, 1e-12);
  check_close(x.grad(), dx_ref, 1e-10, 1e-12);
}

/// gradcheck of the layer w.r.t. a float64 input whose values are distinct and well apart (max
/// pooling is not differentiable at ties).
void gradcheck_layer(nn::Module& layer, const Shape& xshape) {
  std::int64_t n = 1;
  for (auto d : xshape) n *= d;
  auto x = (randperm(n).to(kFloat64) * 0.1).reshape(xshape).requires_grad_();
  auto f = [&](const TensorList& in) { return layer.forward(in[0]); };
  CHECK(autograd::gradcheck(f, {x}));
}

}  // namespace

TEST_CASE("pooling layers: values and gradients match PyTorch", "[nn][pooling]") {
  SECTION("MaxPool2d with padding and ceil_mode") {
    nn::MaxPool2d pool(3, {.stride = 2, .padding = 1, .ceil_mode = true});
    check_reference(*pool, {1, 2, 5, 5}, ref::max_pool2d_y, ref::max_pool2d_dx);
  }
  SECTION("MaxPool1d with dilation") {
    nn::MaxPool1d pool(2, {.dilation = 2});
    check_reference(*pool, {1, 1, 7}, ref::max_pool1d_y, ref::max_pool1d_dx);
  }
  SECTION("AvgPool2d excluding the padding, ceil_mode") {
    nn::AvgPool2d pool(3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false});
    check_reference(*pool, {1, 1, 5, 5}, ref::avg_pool2d_y, ref::avg_pool2d_dx);
  }
  SECTION("AvgPool2d counting the padding, rectangular windows") {
    nn::AvgPool2d pool({2, 3}, {.stride = {1, 2}, .padding = {1, 1}});
    check_reference(*pool, {1, 1, 3, 4}, ref::avg_pool2d_incl_y, ref::avg_pool2d_incl_dx);
  }
  SECTION("AvgPool1d") {
    nn::AvgPool1d pool(3, {.stride = 2, .padding = 1});
    check_reference(*pool, {1, 2, 6}, ref::avg_pool1d_y, ref::avg_pool1d_dx);
  }
  SECTION("AdaptiveAvgPool2d to a non-divisor size") {
    nn::AdaptiveAvgPool2d pool({2, 3});
    check_reference(*pool, {1, 1, 5, 4}, ref::adaptive_avg_pool2d_y, ref::adaptive_avg_pool2d_dx);
  }
  SECTION("AdaptiveAvgPool1d") {
    nn::AdaptiveAvgPool1d pool(3);
    check_reference(*pool, {1, 2, 5}, ref::adaptive_avg_pool1d_y, ref::adaptive_avg_pool1d_dx);
  }
}

TEST_CASE("pooling layers: output shapes, stride defaulting to the kernel size, unbatched inputs", "[nn][pooling]") {
  manual_seed(4);
  const auto x = randn({2, 3, 9, 8});
  CHECK(nn::MaxPool2d(2)(x).sizes() == Shape{2, 3, 4, 4});
  CHECK(nn::MaxPool2d(2, {.ceil_mode = true})(x).sizes() == Shape{2, 3, 5, 4});
  CHECK(nn::MaxPool2d(3, {.stride = 1, .padding = 1})(x).sizes() == Shape{2, 3, 9, 8});
  CHECK(nn::MaxPool2d({3, 2}, {.stride = {2, 1}, .dilation = {2, 1}})(x).sizes() == Shape{2, 3, 3, 7});
  CHECK(nn::AvgPool2d(2)(x).sizes() == Shape{2, 3, 4, 4});
  CHECK(nn::AvgPool2d(3, {.stride = 2, .padding = 1})(x).sizes() == Shape{2, 3, 5, 4});
  CHECK(nn::AdaptiveAvgPool2d(1)(x).sizes() == Shape{2, 3, 1, 1});
  CHECK(nn::AdaptiveAvgPool2d({3, 5})(x).sizes() == Shape{2, 3, 3, 5});
  CHECK(nn::MaxPool2d(2)(randn({3, 6, 6})).sizes() == Shape{3, 3, 3});
  const auto s = randn({2, 4, 11});
  CHECK(nn::MaxPool1d(3)(s).sizes() == Shape{2, 4, 3});
  CHECK(nn::MaxPool1d(3, {.stride = 2, .ceil_mode = true})(s).sizes() == Shape{2, 4, 5});
  CHECK(nn::AvgPool1d(2)(s).sizes() == Shape{2, 4, 5});
  CHECK(nn::AdaptiveAvgPool1d(4)(s).sizes() == Shape{2, 4, 4});
  CHECK(nn::AdaptiveAvgPool1d(4)(randn({4, 11})).sizes() == Shape{4, 4});
  // Global average pooling is the mean over H and W; max pooling over the whole plane the max.
  CHECK(nn::AdaptiveAvgPool2d(1)(x).flatten(1).allclose(x.mean({2, 3}), 1e-6, 1e-6));
  CHECK(nn::MaxPool2d({9, 8})(x).flatten(1).allclose(amax(x.flatten(2), {2})));
  // divisor_override: every window's sum divided by it.
  CHECK(nn::AvgPool2d(2, {.divisor_override = 1})(x).allclose(nn::AvgPool2d(2)(x) * 4.0, 1e-5, 1e-5));
}

TEST_CASE("pooling layers: gradcheck in float64", "[nn][pooling]") {
  manual_seed(6);
  gradcheck_layer(*nn::MaxPool2d(3, {.stride = 2, .padding = 1, .ceil_mode = true}), {1, 2, 5, 5});
  gradcheck_layer(*nn::MaxPool1d(2, {.dilation = 2}), {2, 1, 7});
  gradcheck_layer(*nn::AvgPool2d(3, {.stride = 2, .padding = 1, .count_include_pad = false}), {1, 2, 5, 4});
  gradcheck_layer(*nn::AvgPool1d(3, {.stride = 2, .padding = 1, .ceil_mode = true}), {2, 1, 6});
  gradcheck_layer(*nn::AdaptiveAvgPool2d({2, 3}), {1, 2, 5, 4});
  gradcheck_layer(*nn::AdaptiveAvgPool1d(3), {2, 2, 7});
}

TEST_CASE("pooling layers: the functional forms equal the layers", "[nn][pooling]") {
  manual_seed(7);
  const auto x = randn({2, 3, 7, 6});
  CHECK(F::max_pool2d(x, 3, {.stride = 2, .padding = 1}).equal(nn::MaxPool2d(3, {.stride = 2, .padding = 1})(x)));
  CHECK(F::avg_pool2d(x, 2, {.count_include_pad = false}).equal(nn::AvgPool2d(2, {.count_include_pad = false})(x)));
  CHECK(F::adaptive_avg_pool2d(x, {2, 2}).equal(nn::AdaptiveAvgPool2d({2, 2})(x)));
  const auto s = x.flatten(2);
  CHECK(F::max_pool1d(s, 4).equal(nn::MaxPool1d(4)(s)));
  CHECK(F::avg_pool1d(s, 3, {.stride = 1}).equal(nn::AvgPool1d(3, {.stride = 1})(s)));
  CHECK(F::adaptive_avg_pool1d(s, 5).equal(nn::AdaptiveAvgPool1d(5)(s)));
  // Convolutions too.
  nn::Conv2d conv(3, 4, 3, {.stride = 2, .padding = 1});
  CHECK(F::conv2d(x, conv->weight, {.bias = conv->bias, .stride = 2, .padding = 1}).equal(conv(x)));
  nn::ConvTranspose2d up(3, 2, 2, {.stride = 2});
  CHECK(F::conv_transpose2d(x, up->weight, {.bias = up->bias, .stride = 2}).equal(up(x)));
}

TEST_CASE("pooling layers: printing matches PyTorch's repr", "[nn][pooling]") {
  CHECK(repr(*nn::MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)");
  CHECK(repr(*nn::MaxPool2d({2, 3}, {.stride = 1})) ==
        "MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, ceil_mode=false)");
  CHECK(repr(*nn::MaxPool1d(3, {.ceil_mode = true})) ==
        "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=true)");
  CHECK(repr(*nn::AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  CHECK(repr(*nn::AvgPool2d(3, {.stride = 1, .padding = 1, .count_include_pad = false})) ==
        "AvgPool2d(kernel_size=3, stride=1, padding=1)");
  CHECK(repr(*nn::AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))");
  CHECK(repr(*nn::AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)");
  CHECK(repr(*nn::AdaptiveAvgPool2d({2, 3})) == "AdaptiveAvgPool2d(output_size=(2, 3))");
  CHECK(repr(*nn::AdaptiveAvgPool1d(4)) == "AdaptiveAvgPool1d(output_size=4)");
}

TEST_CASE("pooling layers: bad options and inputs are errors naming the layer and the values", "[nn][pooling]") {
  CHECK_THROWS_WITH(nn::MaxPool2d(0), Contains("MaxPool2d: kernel_size must be positive, got 0"));
  CHECK_THROWS_WITH(nn::MaxPool2d({2, 0}), Contains("MaxPool2d: kernel_size must be positive, got (2, 0)"));
  CHECK_THROWS_WITH(nn::MaxPool1d(2, {.stride = 0}), Contains("MaxPool1d: stride must be positive, got 0"));
  CHECK_THROWS_WITH(nn::MaxPool2d(2, {.padding = 2}),
                    Contains("MaxPool2d: padding should be at most half of the effective kernel size, got padding=2"));
  CHECK_THROWS_WITH(nn::MaxPool2d(2, {.dilation = 0}), Contains("MaxPool2d: dilation must be positive"));
  CHECK_THROWS_WITH(nn::AvgPool2d(3, {.padding = 2}),
                    Contains("AvgPool2d: padding should be at most half of the kernel size, got padding=2"));
  CHECK_THROWS_WITH(nn::AvgPool1d(0), Contains("AvgPool1d: kernel_size must be positive"));
  CHECK_THROWS_WITH(nn::AvgPool2d(2, {.divisor_override = 0}),
                    Contains("AvgPool2d: divisor_override must be non-zero"));
  CHECK_THROWS_WITH(nn::AdaptiveAvgPool2d(0), Contains("AdaptiveAvgPool2d: output_size must be positive, got 0"));
  CHECK_THROWS_AS(nn::AdaptiveAvgPool1d(-1), ValueError);
  // Inputs of the wrong rank.
  CHECK_THROWS_WITH(nn::MaxPool2d(2)(randn({4, 4})),
                    Contains("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false): expected "
                             "a 3-d (unbatched) or 4-d (batched) input, got shape [4, 4]"));
  CHECK_THROWS_WITH(nn::AvgPool1d(2)(randn({1, 2, 3, 4})), Contains("AvgPool1d") && Contains("[1, 2, 3, 4]"));
  CHECK_THROWS_AS(nn::AdaptiveAvgPool2d(1)(randn({5})), ShapeError);
  CHECK_THROWS_AS(nn::AdaptiveAvgPool1d(1)(randn({1, 2, 3, 4})), ShapeError);
  // A window larger than the (padded) input: the op's error.
  CHECK_THROWS_AS(nn::MaxPool2d(5)(randn({1, 1, 3, 3})), Error);
}
