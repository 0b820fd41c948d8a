// Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d: values and gradients against PyTorch 1.13
// (tests/reference/nn_conv.py → nn/conv_reference.hpp), gradchecks w.r.t. input, weight and bias,
// default initialization statistics, printing, parameter names, padding modes and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include <xgrad/nn.hpp>

#include "nn/conv_reference.hpp"
#include "nn/reference_inputs.hpp"
#include "nn/sample_stats.hpp"
#include "nn/module_repr.hpp"

using namespace xg;
using xg::testing::repr;
using Catch::Matchers::Contains;
using xg::testing::check_close;
using xg::testing::check_moments;
using xg::testing::sample_stats;
using xg::testing::seq;
namespace ref = xg::testing::conv_ref;

namespace {

/// Sets the layer's parameters as the reference script does (weight = seq(·, 0.37, 0.1, 0.5),
/// bias = seq(·, 0.7, 0.3, 0.2)), runs it on x = seq(xshape, 0.3, 0.2, 1) in float64 and checks
/// y and the gradients of sum(y · seq(y.shape, 0.11, 0.5, 1)) against PyTorch's.
void check_reference(nn::Module& layer, const Shape& xshape, const std::vector<double>& y_ref,
                     const std::vector<double>& dx_ref, const std::vector<double>* dweight_ref = nullptr,
                     const std::vector<double>* dbias_ref = nullptr) {
  layer.to(kFloat64);
  {
    NoGradGuard ng;
    for (const auto& item : layer.named_parameters()) {
      Tensor p = item.value();
      p.copy_(item.key() == "weight" ? seq(p.sizes(), 0.37, 0.1, 0.5) : seq(p.sizes(), 0.7, 0.3, 0.2));
    }
  }
  auto x = seq(xshape, 0.3, 0.2, 1.0).requires_grad_();
  auto y = layer.forward(x);
  (y * seq(y.sizes(), 0.11, 0.5, 1.0)).sum().backward();
  check_close(y, y_ref, 1e-10, 1e-12);
  check_close(x.grad(), dx_ref, 1e-10, 1e-12);
  auto params = layer.named_parameters();
  if (dweight_ref) check_close(params["weight"].grad(), *dweight_ref, 1e-10, 1e-12);
  if (dbias_ref) check_close(params["bias"].grad(), *dbias_ref, 1e-10, 1e-12);
  CHECK(params.contains("bias") == (dbias_ref != nullptr));
}

/// gradcheck (and gradgradcheck) of the layer w.r.t. its input and every parameter, in float64.
void gradcheck_layer(nn::ConvImplBase& layer, const Shape& xshape) {
  layer.to(kFloat64);
  const Tensor w0 = layer.weight, b0 = layer.bias;
  TensorList inputs = {randn(xshape, kFloat64).requires_grad_(), w0};
  if (b0.defined()) inputs.push_back(b0);
  auto f = [&](const TensorList& in) {
    layer.weight = in[1];
    if (b0.defined()) layer.bias = in[2];
    return layer.forward(in[0]);
  };
  CHECK(autograd::gradcheck(f, inputs));
  CHECK(autograd::gradgradcheck(f, inputs));
  layer.weight = w0;
  layer.bias = b0;
}

}  // namespace

TEST_CASE("conv2d layer: values and gradients match PyTorch", "[nn][conv]") {
  SECTION("stride 2, padding 1, groups 2") {
    nn::Conv2d conv(2, 4, 3, {.stride = 2, .padding = 1, .groups = 2});
    check_reference(*conv, {1, 2, 5, 5}, ref::conv2d_y, ref::conv2d_dx, &ref::conv2d_dweight, &ref::conv2d_dbias);
  }
  SECTION("rectangular kernel, per-dimension stride, padding and dilation, no bias") {
    nn::Conv2d conv(3, 2, {2, 3}, {.stride = {1, 2}, .padding = {1, 0}, .dilation = {2, 1}, .bias = false});
    check_reference(*conv, {2, 3, 4, 5}, ref::conv2d_dil_y, ref::conv2d_dil_dx, &ref::conv2d_dil_dweight);
  }
  SECTION("reflect padding") {
    nn::Conv2d conv(1, 2, 3, {.padding = 1, .padding_mode = "reflect"});
    check_reference(*conv, {1, 1, 3, 4}, ref::conv2d_reflect_y, ref::conv2d_reflect_dx, &ref::conv2d_reflect_dweight,
                    &ref::conv2d_reflect_dbias);
  }
}

TEST_CASE("conv layers: padding same and valid match PyTorch, odd totals padded on the right", "[nn][conv]") {
  SECTION("same, zeros, even kernel and dilation") {
    nn::Conv2d conv(2, 2, {2, 3}, {.padding = "same", .dilation = {1, 2}});
    check_reference(*conv, {1, 2, 4, 5}, ref::conv2d_same_y, ref::conv2d_same_dx, &ref::conv2d_same_dweight,
                    &ref::conv2d_same_dbias);
    CHECK(conv->padding == std::vector<std::int64_t>{0, 2});
    CHECK(repr(*conv) == "Conv2d(2, 2, kernel_size=(2, 3), stride=(1, 1), padding=same, dilation=(1, 2))");
  }
  SECTION("same, reflect") {
    nn::Conv1d conv(1, 2, 4, {.padding = "same", .padding_mode = "reflect"});
    check_reference(*conv, {1, 1, 6}, ref::conv1d_same_reflect_y, ref::conv1d_same_reflect_dx,
                    &ref::conv1d_same_reflect_dweight, &ref::conv1d_same_reflect_dbias);
  }
  SECTION("valid, shapes, gradcheck and errors") {
    manual_seed(2);
    nn::Conv2d valid(3, 4, 3, {.padding = "valid"});
    CHECK(valid(randn({1, 3, 6, 7})).sizes() == Shape{1, 4, 4, 5});
    CHECK(repr(*valid) == "Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=valid)");
    nn::Conv2d same(3, 4, {4, 5}, {.padding = "same", .dilation = 3});
    CHECK(same(randn({2, 3, 9, 8})).sizes() == Shape{2, 4, 9, 8});
    nn::Conv1d same1(2, 3, 2, {.padding = "same", .padding_mode = "circular"});
    gradcheck_layer(*same1, {2, 2, 5});
    CHECK_THROWS_WITH(nn::Conv2d(3, 4, 3, {.stride = 2, .padding = "same"}),
                      Contains("Conv2d: padding='same' is not supported for strided convolutions"));
    CHECK_THROWS_WITH(nn::Conv1d(3, 4, 3, {.padding = "full"}),
                      Contains("Conv1d: invalid padding string 'full', should be 'valid' or 'same'"));
  }
}

TEST_CASE("conv1d layer: values and gradients match PyTorch, with circular and replicate padding", "[nn][conv]") {
  SECTION("circular") {
    nn::Conv1d conv(2, 2, 3, {.padding = 2, .padding_mode = "circular"});
    check_reference(*conv, {1, 2, 4}, ref::conv1d_circular_y, ref::conv1d_circular_dx, &ref::conv1d_circular_dweight,
                    &ref::conv1d_circular_dbias);
  }
  SECTION("replicate with dilation") {
    nn::Conv1d conv(1, 2, 2, {.padding = 1, .dilation = 2, .padding_mode = "replicate"});
    check_reference(*conv, {2, 1, 3}, ref::conv1d_replicate_y, ref::conv1d_replicate_dx, &ref::conv1d_replicate_dweight,
                    &ref::conv1d_replicate_dbias);
  }
}

TEST_CASE("conv transpose layers: values and gradients match PyTorch", "[nn][conv]") {
  SECTION("ConvTranspose2d with output_padding") {
    nn::ConvTranspose2d up(2, 3, 3, {.stride = 2, .padding = 1, .output_padding = 1});
    check_reference(*up, {1, 2, 2, 2}, ref::conv_transpose2d_y, ref::conv_transpose2d_dx,
                    &ref::conv_transpose2d_dweight, &ref::conv_transpose2d_dbias);
  }
  SECTION("ConvTranspose1d with groups and dilation") {
    nn::ConvTranspose1d up(2, 4, 2, {.stride = 3, .groups = 2, .dilation = 2});
    check_reference(*up, {1, 2, 3}, ref::conv_transpose1d_y, ref::conv_transpose1d_dx, &ref::conv_transpose1d_dweight,
                    &ref::conv_transpose1d_dbias);
  }
}

TEST_CASE("conv layers: output shapes, unbatched inputs and the output_size of transposed convs", "[nn][conv]") {
  manual_seed(3);
  nn::Conv2d c(3, 8, 3);
  CHECK(c(randn({2, 3, 10, 12})).sizes() == Shape{2, 8, 8, 10});
  CHECK(c(randn({3, 10, 12})).sizes() == Shape{8, 8, 10});
  nn::Conv2d same(3, 8, 5, {.padding = 2});
  CHECK(same(randn({1, 3, 7, 9})).sizes() == Shape{1, 8, 7, 9});
  nn::Conv2d strided(3, 4, {3, 1}, {.stride = {2, 3}, .padding = {1, 0}, .dilation = {1, 2}});
  // OH = (9 + 2 − 2 − 1)/2 + 1 = 5, OW = (10 − 0 − 1)/3 + 1 = 4
  CHECK(strided(randn({1, 3, 9, 10})).sizes() == Shape{1, 4, 5, 4});
  nn::Conv1d c1(4, 6, 3, {.stride = 2});
  CHECK(c1(randn({5, 4, 11})).sizes() == Shape{5, 6, 5});
  CHECK(c1(randn({4, 11})).sizes() == Shape{6, 5});
  nn::ConvTranspose2d up(8, 4, 3, {.stride = 2, .padding = 1});
  CHECK(up(randn({1, 8, 5, 5})).sizes() == Shape{1, 4, 9, 9});
  // output_size picks output_padding in [0, stride): 9 or 10 are reachable from 5.
  CHECK(up->forward(randn({1, 8, 5, 5}), {10, 10}).sizes() == Shape{1, 4, 10, 10});
  CHECK(up->forward(randn({1, 8, 5, 5}), {1, 4, 9, 10}).sizes() == Shape{1, 4, 9, 10});
  CHECK_THROWS_WITH(up->forward(randn({1, 8, 5, 5}), {11, 10}),
                    Contains("ConvTranspose2d(8, 4, kernel_size=(3, 3))") && Contains("from 9 to 10"));
  nn::ConvTranspose1d up1(2, 2, 4, {.stride = 2, .padding = 1});
  CHECK(up1(randn({3, 2, 6})).sizes() == Shape{3, 2, 12});
  CHECK(up1->forward(randn({3, 2, 6}), {13}).sizes() == Shape{3, 2, 13});
}

TEST_CASE("conv layers: gradcheck in float64 with respect to the input, weight and bias", "[nn][conv]") {
  manual_seed(5);
  {
    nn::Conv2d conv(4, 2, 3, {.stride = 2, .padding = 1, .groups = 2});
    gradcheck_layer(*conv, {2, 4, 5, 4});
  }
  {
    nn::Conv2d conv(2, 3, {2, 3}, {.padding = {1, 1}, .dilation = {2, 1}, .bias = false});
    gradcheck_layer(*conv, {1, 2, 4, 4});
  }
  {
    nn::Conv2d conv(1, 2, 3, {.padding = 1, .padding_mode = "reflect"});
    gradcheck_layer(*conv, {1, 1, 4, 3});
  }
  {
    nn::Conv1d conv(2, 2, 3, {.stride = 2, .padding = 1, .padding_mode = "circular"});
    gradcheck_layer(*conv, {2, 2, 5});
  }
  {
    nn::ConvTranspose2d up(2, 4, 3, {.stride = 2, .padding = 1, .output_padding = 1, .groups = 2});
    gradcheck_layer(*up, {1, 2, 3, 2});
  }
  {
    nn::ConvTranspose1d up(3, 2, 2, {.stride = 2, .dilation = 2});
    gradcheck_layer(*up, {2, 3, 3});
  }
}

TEST_CASE("conv layers: default initialization is PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in))", "[nn][conv]") {
  manual_seed(21);
  auto check_bounds = [](const Tensor& w, double bound) {
    const auto s = check_moments(w, 0.0, bound * bound / 3.0);
    CHECK(s.max <= bound);
    CHECK(s.min >= -bound);
    // The sample reaches close to the bound: a bound twice too large would fail here.
    CHECK(s.max > bound * (1.0 - 20.0 / s.n));
  };
  // fan_in = in/groups · kh · kw = 16/2 · 3 · 3 = 72; float32 storage may round a draw up to the bound.
  nn::Conv2d conv(16, 64, 3, {.groups = 2});
  CHECK(conv->weight.sizes() == Shape{64, 8, 3, 3});
  const double bound = static_cast<float>(1.0 / std::sqrt(72.0));
  check_bounds(conv->weight, bound);
  // 64 bias values: bounds, and a mean within 5 standard errors.
  check_moments(conv->bias, 0.0, bound * bound / 3.0);
  CHECK(sample_stats(conv->bias).max <= bound);
  CHECK(sample_stats(conv->bias).min >= -bound);
  // Transposed: weight [in, out/groups, k], fan_in = out/groups · k = 40 · 5 = 200.
  nn::ConvTranspose1d up(30, 40, 5);
  CHECK(up->weight.sizes() == Shape{30, 40, 5});
  const double tbound = static_cast<float>(1.0 / std::sqrt(200.0));
  check_bounds(up->weight, tbound);
  CHECK(sample_stats(up->bias).max <= tbound);
  CHECK(sample_stats(up->bias).min >= -tbound);
  // Conv1d: fan_in = 10 · 7.
  nn::Conv1d c1(10, 300, 7);
  check_bounds(c1->weight, static_cast<float>(1.0 / std::sqrt(70.0)));
  check_moments(c1->bias, 0.0, 1.0 / 70.0 / 3.0);
}

TEST_CASE("conv layers: activation and initializers by name, as Keras's Conv2D", "[nn][conv]") {
  manual_seed(8);
  nn::Conv2d conv(2, 3, 3, {.padding = 1, .activation = "relu", .init = "zeros", .bias_init = "ones"});
  CHECK(conv->weight.abs().sum().item<double>() == 0.0);
  auto y = conv(randn({1, 2, 4, 4}));
  CHECK(y.allclose(ones({1, 3, 4, 4})));
  nn::Conv2d neg(2, 3, 3, {.activation = "relu", .init = "zeros", .bias_init = [](Tensor& b) { b.fill_(-1.0); }});
  CHECK(neg(randn({1, 2, 4, 4})).abs().sum().item<double>() == 0.0);
  CHECK(repr(*conv) == "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), activation=relu)");
  // he_normal: N(0, 2/fan_in) with fan_in = 8 · 3 · 3 = 72.
  nn::Conv2d he(8, 256, 3, {.init = "he_normal"});
  check_moments(he->weight, 0.0, 2.0 / 72.0);
  // An activation module is a child, cloned with the layer.
  nn::Conv2d with_module(1, 1, 1,
                         {.bias = false, .activation = nn::LeakyReLU({.negative_slope = 0.5}), .init = "ones"});
  CHECK(with_module->named_children().keys() == std::vector<std::string>{"activation"});
  auto copy = with_module->clone();
  CHECK(copy->named_children()["activation"].get() != with_module->named_children()["activation"].get());
  CHECK(copy->forward(full({1, 1, 2, 2}, -2.0)).allclose(full({1, 1, 2, 2}, -1.0)));
}

TEST_CASE("conv layers: printing matches PyTorch's repr", "[nn][conv]") {
  CHECK(repr(*nn::Conv2d(1, 32, 3)) == "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))");
  CHECK(repr(*nn::Conv2d(3, 8, {3, 5}, {.stride = 2, .padding = 1, .dilation = 2, .bias = false})) ==
        "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), bias=false)");
  CHECK(repr(*nn::Conv1d(4, 8, 3, {.groups = 2})) == "Conv1d(4, 8, kernel_size=(3,), stride=(1,), groups=2)");
  CHECK(repr(*nn::ConvTranspose2d(4, 8, 3, {.stride = 2, .padding = 1, .output_padding = 1})) ==
        "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))");
  CHECK(repr(*nn::Conv2d(1, 2, 3, {.padding = 1, .padding_mode = "reflect"})) ==
        "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), padding_mode=reflect)");
}

TEST_CASE("conv layers: bad options and inputs are errors naming the layer and the values", "[nn][conv]") {
  CHECK_THROWS_AS(nn::Conv2d(3, 8, 0), ValueError);
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, {3, 0}),
                    Contains("Conv2d") && Contains("kernel_size must be positive") && Contains("(3, 0)"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, {.groups = 2}),
                    Contains("Conv2d: in_channels must be divisible by groups, got in_channels=3 and groups=2"));
  CHECK_THROWS_WITH(nn::Conv1d(4, 6, 3, {.groups = 4}),
                    Contains("Conv1d: out_channels must be divisible by groups, got out_channels=6 and groups=4"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, {.groups = 0}), Contains("Conv2d: groups must be positive, got 0"));
  CHECK_THROWS_WITH(nn::Conv2d(0, 8, 3),
                    Contains("Conv2d: in_channels and out_channels must be positive, got 0 and 8"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, {.stride = 0}), Contains("Conv2d: stride must be positive, got (0, 0)"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, {.padding = -1}), Contains("padding must be non-negative"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, {.dilation = {1, 0}}), Contains("dilation must be positive, got (1, 0)"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, {1, 2, 3}), Contains("Conv2d: kernel_size must be one number or a list of 2"));
  CHECK_THROWS_WITH(nn::Conv2d(3, 8, 3, {.padding_mode = "mirror"}), Contains("padding_mode") && Contains("'mirror'"));
  CHECK_THROWS_WITH(nn::ConvTranspose2d(3, 8, 3, {.padding_mode = "reflect"}),
                    Contains("ConvTranspose2d: only 'zeros' padding_mode is supported"));
  CHECK_THROWS_WITH(nn::ConvTranspose2d(3, 8, 3, {.stride = 2, .output_padding = 2}),
                    Contains("output_padding must be non-negative and smaller than either stride or dilation"));
  // Inputs: wrong rank, wrong channel count, reflect padding larger than the input.
  nn::Conv2d conv(3, 8, 3);
  CHECK_THROWS_AS(conv(randn({3, 10})), ShapeError);
  CHECK_THROWS_WITH(conv(randn({1, 1, 3, 10, 10})),
                    Contains("Conv2d(3, 8, kernel_size=(3, 3)): expected a 3-d (unbatched) or 4-d (batched) input, "
                             "got shape [1, 1, 3, 10, 10]"));
  CHECK_THROWS_WITH(conv(randn({2, 4, 10, 10})),
                    Contains("expected an input with 3 channels") && Contains("[2, 4, 10, 10]"));
  nn::Conv1d refl(1, 1, 3, {.padding = 3, .padding_mode = "reflect"});
  CHECK_THROWS_WITH(refl(randn({1, 1, 3})), Contains("Conv1d(1, 1, kernel_size=(3,)): padding 3 is too large"));
  // An input smaller than the kernel: the op's error.
  CHECK_THROWS_AS(conv(randn({1, 3, 2, 2})), Error);
}

TEST_CASE("conv layers: named_parameters of a reference CNN equal PyTorch's names", "[nn][conv]") {
  // PyTorch's names from tests/reference/nn_conv.py (section "VGG-style reference CNN").
  struct NetImpl : nn::Module {
    NetImpl() {
      features =
          register_module("features", nn::Sequential({nn::Conv2d(1, 8, 3, {.padding = 1}), nn::ReLU(), nn::MaxPool2d(2),
                                                      nn::Conv2d(8, 16, 3, {.padding = 1}), nn::BatchNorm2d(16),
                                                      nn::ReLU(), nn::AdaptiveAvgPool2d(1)}));
      classifier = register_module("classifier", nn::Sequential({nn::Flatten(), nn::Linear(16, 10)}));
    }
    Tensor forward(const Tensor& x) override { return classifier(features(x)); }
    nn::Sequential features{nullptr}, classifier{nullptr};
  };
  NetImpl net;
  CHECK(net.named_parameters().keys() ==
        std::vector<std::string>{"features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
                                 "features.4.weight", "features.4.bias", "classifier.1.weight", "classifier.1.bias"});
  CHECK(net.forward(randn({2, 1, 8, 8})).sizes() == Shape{2, 10});
  const std::string printed = repr(net);
  CHECK_THAT(printed, Contains("(0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"));
  CHECK_THAT(printed, Contains("(2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)"));
  CHECK_THAT(printed, Contains("(6): AdaptiveAvgPool2d(output_size=1)"));

  nn::Sequential seqnet({nn::Conv2d(1, 4, 3), nn::ReLU(), nn::Conv2d(4, 4, 3, {.groups = 2, .bias = false}),
                         nn::Flatten(), nn::Linear(4 * 4 * 4, 3)});
  CHECK(seqnet->named_parameters().keys() ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight", "4.weight", "4.bias"});
  CHECK(seqnet(randn({2, 1, 8, 8})).sizes() == Shape{2, 3});
  // State dicts and clones keep the names and values.
  auto copy = seqnet->clone();
  CHECK(copy->named_parameters().keys() == seqnet->named_parameters().keys());
  CHECK(copy->named_parameters()["2.weight"].equal(seqnet->named_parameters()["2.weight"]));
}

TEST_CASE("conv layers: summary lists output shapes and parameter counts", "[nn][conv]") {
  nn::Sequential model({nn::Conv2d(1, 32, 3), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(32, 64, 3, {.padding = 1}),
                        nn::AdaptiveAvgPool2d(1), nn::Flatten(), nn::Linear(64, 10)});
  auto s = nn::summary(model, {2, 1, 28, 28});
  REQUIRE(s.rows.size() == 7);
  const std::vector<Shape> shapes = {{2, 32, 26, 26}, {2, 32, 26, 26}, {2, 32, 13, 13}, {2, 64, 13, 13},
                                     {2, 64, 1, 1},   {2, 64},         {2, 10}};
  // 32·1·9 + 32 = 320, 64·32·9 + 64 = 18496, 64·10 + 10 = 650.
  const std::vector<std::int64_t> params = {320, 0, 0, 18496, 0, 0, 650};
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    INFO("row " << i);
    CHECK(s.rows[i].output_shape == shapes[i]);
    CHECK(s.rows[i].num_params == params[i]);
  }
  CHECK(s.rows[0].type == "Conv2d");
  CHECK(s.rows[2].type == "MaxPool2d");
  CHECK(s.total_params == 320 + 18496 + 650);
}
