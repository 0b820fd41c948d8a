// Linear, Bilinear, Identity, Flatten, Unflatten: values and gradients against PyTorch 1.13
// (tests/reference/nn_core.py), gradchecks w.r.t. inputs and every parameter, default
// initialization statistics, activations and initializers by name, printing and errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include <xgrad/nn.hpp>

#include "nn/sample_stats.hpp"
#include "nn/module_repr.hpp"

using namespace xg;
using xg::testing::repr;
using Catch::Matchers::Contains;
using xg::testing::check_moments;
using xg::testing::sample_stats;

namespace {
bool close(const Tensor& a, const Tensor& b, double tol = 1e-12) { return a.allclose(b, tol, tol); }
}  // namespace

TEST_CASE("linear: values and gradients match PyTorch") {
  nn::Linear lin(3, 2);
  lin->to(kFloat64);
  {
    NoGradGuard ng;
    lin->weight.copy_(tensor({{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}}, kFloat64));
    lin->bias.copy_(tensor({0.1, -0.2}, kFloat64));
  }
  auto x = tensor({{1.0, 2.0, 3.0}, {-1.0, 0.5, 4.0}}, kFloat64).requires_grad_();
  auto y = lin(x);
  // /usr/bin/python3 tests/reference/nn_core.py (section linear)
  CHECK(close(y, tensor({{4.6, -0.45}, {7.1, -4.575}}, kFloat64)));
  (y * tensor({{1.0, 2.0}, {3.0, 4.0}}, kFloat64)).sum().backward();
  CHECK(close(x.grad(), tensor({{3.5, -0.5, 0.5}, {7.5, -2.0, 3.0}}, kFloat64)));
  CHECK(close(lin->weight.grad(), tensor({{-2.0, 3.5, 15.0}, {-2.0, 6.0, 22.0}}, kFloat64)));
  CHECK(close(lin->bias.grad(), tensor({4.0, 6.0}, kFloat64)));
}

TEST_CASE("linear: takes any number of leading dimensions") {
  nn::Linear lin(3, 2);
  CHECK(lin(randn({5, 3})).sizes() == Shape{5, 2});
  CHECK(lin(randn({2, 4, 3})).sizes() == Shape{2, 4, 2});
  CHECK(lin(randn({3})).sizes() == Shape{2});
  CHECK(lin(randn({0, 3})).sizes() == Shape{0, 2});
  // Each row of a batch is mapped independently.
  auto x = randn({4, 3});
  CHECK(lin(x).select(0, 2).allclose(lin(x.select(0, 2)), 1e-6, 1e-6));
}

TEST_CASE("linear: gradcheck in float64 with respect to the input and every parameter") {
  for (bool with_bias : {true, false}) {
    nn::Linear lin(4, 3, {.bias = with_bias});
    lin->to(kFloat64);
    Tensor w0 = lin->weight, b0 = lin->bias;
    auto x = randn({2, 5, 4}, kFloat64).requires_grad_();
    TensorList inputs = {x, w0};
    if (with_bias) inputs.push_back(b0);
    // The layer's forward, with its parameters taken from the (perturbed) inputs.
    auto f = [&](const TensorList& in) {
      lin->weight = in[1];
      if (with_bias) lin->bias = in[2];
      return lin(in[0]);
    };
    CHECK(autograd::gradcheck(f, inputs));
    CHECK(autograd::gradgradcheck(f, inputs));
    lin->weight = w0;
    lin->bias = b0;
  }
}

TEST_CASE("linear: default initialization is PyTorch's U(-1/sqrt(in), 1/sqrt(in))") {
  manual_seed(21);
  nn::Linear lin(400, 300);
  // float32 storage: a draw just below the bound may round up to the bound's float32 value.
  const double bound = static_cast<float>(1.0 / std::sqrt(400.0));
  auto w = check_moments(lin->weight, 0.0, bound * bound / 3.0);
  CHECK(w.max <= bound);
  CHECK(w.min >= -bound);
  CHECK(w.max > bound * (1.0 - 20.0 / w.n));
  auto b = sample_stats(lin->bias);
  CHECK(b.max <= bound);
  CHECK(b.min >= -bound);
  check_moments(lin->bias, 0.0, bound * bound / 3.0);
  CHECK(lin->weight.requires_grad());
  CHECK(lin->weight.is_leaf());
  CHECK(lin->weight.dtype() == kFloat32);
  // reset_parameters re-draws; the same seed gives the same layer.
  manual_seed(21);
  nn::Linear again(400, 300);
  CHECK(again->weight.equal(lin->weight));
  CHECK(again->bias.equal(lin->bias));
  lin->reset_parameters();
  CHECK_FALSE(lin->weight.equal(again->weight));
  // Zero-size layers are allowed (as PyTorch).
  nn::Linear none(0, 3);
  CHECK(none(zeros({2, 0})).sizes() == Shape{2, 3});
}

TEST_CASE("linear: parameter names, bias=false and printing follow PyTorch") {
  nn::Linear lin(784, 256);
  CHECK(lin->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  CHECK(lin->weight.sizes() == Shape{256, 784});
  CHECK(lin->num_parameters() == 200960);
  CHECK(repr(*lin) == "Linear(in_features=784, out_features=256, bias=true)");
  nn::Linear nb(4, 2, {.bias = false});
  CHECK(nb->named_parameters().keys() == std::vector<std::string>{"weight"});
  CHECK_FALSE(nb->bias.defined());
  CHECK(repr(*nb) == "Linear(in_features=4, out_features=2, bias=false)");
  CHECK(nb(ones({1, 4})).allclose(nb->weight.sum({1}).unsqueeze(0)));
  nn::Linear act(4, 2, {.activation = "relu"});
  CHECK(repr(*act) == "Linear(in_features=4, out_features=2, bias=true, activation=relu)");
}

TEST_CASE("linear: an activation by name, function or module is applied after the affine map") {
  manual_seed(22);
  auto x = randn({5, 4});
  nn::Linear plain(4, 3);
  auto z = plain(x);
  auto with = [&](nn::Activation a) {
    nn::Linear l(4, 3, {.activation = std::move(a)});
    l->load_state_dict(plain->state_dict());
    return l(x);
  };
  CHECK(with("relu").equal(relu(z)));
  CHECK(with("linear").equal(z));
  CHECK(with(xg::tanh).equal(tanh(z)));
  CHECK(with([](const Tensor& t) { return t * 2; }).equal(z * 2));
  CHECK(with("softmax").allclose(softmax(z, -1)));
  CHECK(with(nn::Functional(xg::sigmoid)).equal(sigmoid(z)));
  CHECK_THROWS_WITH(nn::Linear(4, 3, {.activation = "rellu"}),
                    Contains("unknown activation 'rellu'") && Contains("relu") && Contains("softmax"));
}

TEST_CASE("linear: an activation module is a registered child, cloned with the layer") {
  // A module with a parameter of its own as the activation: y = scale · (x Wᵀ + b).
  struct ScaleImpl : nn::Cloneable<ScaleImpl> {
    ScaleImpl() { reset(); }
    void reset() override { scale = register_parameter("scale", full({}, 2.0)); }
    Tensor forward(const Tensor& x) override { return x * scale; }
    Tensor scale;
  };
  auto scale = std::make_shared<ScaleImpl>();
  nn::Linear lin(3, 2, {.activation = scale});
  CHECK(lin->named_parameters().keys() == std::vector<std::string>{"weight", "bias", "activation.scale"});
  auto x = randn({4, 3});
  CHECK(lin(x).allclose(linear(x, lin->weight, lin->bias) * 2.0));
  lin->eval();
  CHECK_FALSE(scale->is_training());  // the activation follows the layer's mode
  CHECK(repr(*lin) == "Linear(\n  in_features=3, out_features=2, bias=true\n  (activation): Scale()\n)");
  auto copy = std::dynamic_pointer_cast<nn::LinearImpl>(lin->clone());
  REQUIRE(copy);
  auto copied_scale = copy->named_parameters()["activation.scale"];
  CHECK_FALSE(copied_scale.is_same(scale->scale));
  {
    NoGradGuard ng;
    copied_scale.fill_(5.0);
  }
  CHECK(scale->scale.item<float>() == 2.0f);  // the original is untouched
  CHECK(copy->forward(x).allclose(linear(x, lin->weight, lin->bias) * 5.0));
}

TEST_CASE("linear: initializers by name or function replace PyTorch's defaults") {
  manual_seed(23);
  nn::Linear z(30, 20, {.init = "zeros"});
  CHECK(z->weight.abs().sum().item<float>() == 0.0f);
  CHECK(z->bias.abs().sum().item<float>() > 0.0f);  // the bias keeps PyTorch's default
  nn::Linear zz(30, 20, {.init = "zeros", .bias_init = "zeros"});
  CHECK(zz->bias.abs().sum().item<float>() == 0.0f);
  nn::Linear he(500, 400, {.activation = "relu", .init = "he_normal"});
  check_moments(he->weight, 0.0, 2.0 / 500.0);
  nn::Linear custom(3, 3, {.init = [](Tensor& w) { nn::init::eye_(w); }, .bias_init = "ones"});
  CHECK(custom(zeros({1, 3})).equal(ones({1, 3})));
  CHECK(custom(eye(3)).equal(eye(3) + 1));
  CHECK_THROWS_WITH(nn::Linear(3, 3, {.init = "he_normale"}), Contains("unknown initializer"));
  // An initializer that cannot handle the tensor reports it when the layer is built.
  CHECK_THROWS_WITH(nn::Linear(3, 3, {.bias_init = "glorot_uniform"}), Contains("fewer than 2 dimensions"));
}

TEST_CASE("linear: bad sizes and inputs are errors naming the layer") {
  CHECK_THROWS_WITH(nn::Linear(-1, 3), Contains("Linear") && Contains("non-negative"));
  nn::Linear lin(784, 10);
  CHECK_THROWS_WITH(lin(randn({2, 28, 28})), Contains("Linear(in_features=784, out_features=10)") &&
                                                 Contains("last dimension is 784") && Contains("[2, 28, 28]"));
  CHECK_THROWS_AS(lin(scalar_tensor(1.0)), ShapeError);
  CHECK_THROWS_AS(lin(Tensor()), ValueError);
}

TEST_CASE("linear: state dict keys and clone are those of PyTorch's Linear") {
  nn::Linear lin(3, 2);
  CHECK(lin->state_dict().keys() == std::vector<std::string>{"weight", "bias"});
  auto copy = std::dynamic_pointer_cast<nn::LinearImpl>(lin->clone());
  REQUIRE(copy);
  CHECK(copy->weight.equal(lin->weight));
  CHECK_FALSE(copy->weight.is_same(lin->weight));
  CHECK(copy->in_features == 3);
}

TEST_CASE("bilinear: values and gradients match PyTorch") {
  nn::Bilinear bil(2, 3, 2);
  bil->to(kFloat64);
  {
    NoGradGuard ng;
    bil->weight.copy_(arange(12, kFloat64).reshape({2, 2, 3}) / 4 - 1);
    bil->bias.copy_(tensor({0.5, -0.5}, kFloat64));
  }
  auto x1 = tensor({{1.0, -2.0}, {0.5, 3.0}}, kFloat64).requires_grad_();
  auto x2 = tensor({{2.0, 1.0, -1.0}, {0.0, -0.5, 1.5}}, kFloat64).requires_grad_();
  auto y = bil(x1, x2);
  // /usr/bin/python3 tests/reference/nn_core.py (section bilinear)
  CHECK(close(y, tensor({{-0.25, -4.25}, {1.4375, 5.6875}}, kFloat64)));
  (y * tensor({{1.0, -1.0}, {2.0, 0.5}}, kFloat64)).sum().backward();
  CHECK(close(x1.grad(), tensor({{-3.0, -3.0}, {-0.1875, 1.6875}}, kFloat64)));
  CHECK(close(x2.grad(), tensor({{1.5, 1.5, 1.5}, {-0.5, 1.6875, 3.875}}, kFloat64)));
  CHECK(close(bil->weight.grad(),
              tensor({{{2.0, 0.5, 0.5}, {-4.0, -5.0, 11.0}}, {{-2.0, -1.125, 1.375}, {4.0, 1.25, 0.25}}}, kFloat64)));
  CHECK(close(bil->bias.grad(), tensor({3.0, -0.5}, kFloat64)));
}

TEST_CASE("bilinear: shapes, gradcheck, initialization, printing and errors") {
  manual_seed(24);
  nn::Bilinear bil(3, 4, 2);
  CHECK(bil(randn({5, 3}), randn({5, 4})).sizes() == Shape{5, 2});
  CHECK(bil(randn({2, 6, 3}), randn({2, 6, 4})).sizes() == Shape{2, 6, 2});
  CHECK(bil(randn({3}), randn({4})).sizes() == Shape{2});
  CHECK(bil->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  CHECK(bil->weight.sizes() == Shape{2, 3, 4});
  CHECK(repr(*bil) == "Bilinear(in1_features=3, in2_features=4, out_features=2, bias=true)");

  bil->to(kFloat64);
  Tensor w0 = bil->weight, b0 = bil->bias;
  auto f = [&](const TensorList& in) {
    bil->weight = in[2];
    bil->bias = in[3];
    return bil(in[0], in[1]);
  };
  TensorList inputs = {randn({2, 3}, kFloat64).requires_grad_(), randn({2, 4}, kFloat64).requires_grad_(), w0, b0};
  CHECK(autograd::gradcheck(f, inputs));
  CHECK(autograd::gradgradcheck(f, inputs));
  bil->weight = w0;
  bil->bias = b0;

  nn::Bilinear big(25, 10, 40);  // bound 1/√25 = 0.2 for weight and bias (0.2f in float32)
  const double bound = 0.2f;
  auto w = check_moments(big->weight, 0.0, 0.04 / 3.0);
  CHECK(w.max <= bound);
  CHECK(w.min >= -bound);
  auto b = sample_stats(big->bias);
  CHECK(b.max <= bound);
  CHECK(b.min >= -bound);
  nn::Bilinear nb(2, 2, 3, {.bias = false});
  CHECK(nb->named_parameters().keys() == std::vector<std::string>{"weight"});

  CHECK_THROWS_WITH(bil(randn({2, 3}, kFloat64), randn({3, 4}, kFloat64)), Contains("same leading dimensions"));
  CHECK_THROWS_WITH(bil(randn({2, 4}), randn({2, 4})), Contains("Bilinear") && Contains("[2, 4]"));
  CHECK_THROWS_WITH(bil(randn({2, 3})), Contains("Bilinear") && Contains("forward"));  // two inputs needed
  CHECK_THROWS_AS(nn::Bilinear(2, -3, 1), ValueError);
}

TEST_CASE("identity, flatten and unflatten reshape as PyTorch") {
  nn::Identity id;
  auto x = randn({2, 3, 4, 5});
  CHECK(id(x).is_same(x));
  CHECK(repr(*id) == "Identity()");

  nn::Flatten flat;
  CHECK(flat(x).sizes() == Shape{2, 60});
  CHECK(flat(x).equal(x.reshape({2, 60})));
  CHECK(repr(*flat) == "Flatten(start_dim=1, end_dim=-1)");
  nn::Flatten mid({.start_dim = 1, .end_dim = 2});
  CHECK(mid(x).sizes() == Shape{2, 12, 5});
  nn::Flatten all({.start_dim = 0});
  CHECK(all(x).sizes() == Shape{120});

  nn::Unflatten unflat(1, {3, 20});
  CHECK(unflat(flat(x)).sizes() == Shape{2, 3, 20});
  CHECK(nn::Unflatten(-1, {-1, 4})(randn({2, 12})).sizes() == Shape{2, 3, 4});
  CHECK(repr(*unflat) == "Unflatten(dim=1, unflattened_size=(3, 20))");
  CHECK(repr(*nn::Unflatten(1, {7})) == "Unflatten(dim=1, unflattened_size=(7,))");
  // Flatten then Unflatten restores the image.
  CHECK(nn::Unflatten(1, {3, 4, 5})(flat(x)).equal(x));
  // Gradients pass through unchanged.
  auto xg64 = randn({2, 6}, kFloat64).requires_grad_();
  CHECK(autograd::gradcheck([&](const TensorList& in) { return unflat->forward(in[0].repeat({1, 10})); }, {xg64}));

  CHECK_THROWS_WITH(unflat(randn({2, 7})), Contains("Unflatten") && Contains("cannot be split"));
  CHECK_THROWS_AS(unflat(randn({2})), IndexError);
  CHECK_THROWS_AS(nn::Unflatten(1, {-1, -1}), ValueError);
  CHECK_THROWS_AS(nn::Unflatten(1, {}), ValueError);
  CHECK_THROWS_AS(nn::Unflatten(1, {2, -3}), ValueError);
}
