// Sequential, ModuleList, ModuleDict and Functional/Activation: construction, names as PyTorch's,
// indexing, slicing that shares layers, deep clones, printing and errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include <xgrad/nn.hpp>
#include "nn/module_repr.hpp"

using namespace xg;
using xg::testing::repr;
using Catch::Matchers::Contains;

namespace {
nn::Sequential mlp() {
  return nn::Sequential({nn::Linear(784, 256), nn::Functional(xg::relu), nn::Linear(256, 128), nn::Functional(xg::relu),
                         nn::Linear(128, 10)});
}
}  // namespace

TEST_CASE("sequential: children are named 0, 1, ... and parameters as in PyTorch") {
  auto seq = mlp();
  CHECK(seq->size() == 5);
  CHECK(seq->named_children().keys() == std::vector<std::string>{"0", "1", "2", "3", "4"});
  // /usr/bin/python3 tests/reference/nn_core.py (section named parameters of an MLP)
  CHECK(seq->named_parameters().keys() ==
        std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"});
  CHECK(seq->num_parameters() == 235146);
  CHECK(seq->state_dict().size() == 6);
  CHECK(seq->name() == "Sequential");
}

TEST_CASE("sequential: forward chains the layers in order") {
  auto seq = mlp();
  auto x = randn({3, 784});
  const auto& l0 = seq->at<nn::LinearImpl>(0);
  const auto& l2 = seq->at<nn::LinearImpl>(2);
  const auto& l4 = seq->at<nn::LinearImpl>(4);
  auto expected = linear(relu(linear(relu(linear(x, l0.weight, l0.bias)), l2.weight, l2.bias)), l4.weight, l4.bias);
  CHECK(seq(x).allclose(expected, 1e-5, 1e-6));
  CHECK(seq(x).sizes() == Shape{3, 10});
  // An empty Sequential is the identity.
  nn::Sequential empty;
  CHECK(empty(x).is_same(x));
  CHECK(empty->is_empty());
  // Hooks of the layers run inside the chain.
  int calls = 0;
  seq[2]->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) {
    CHECK(out.sizes() == Shape{3, 128});
    ++calls;
    return Tensor();
  });
  seq(x);
  CHECK(calls == 1);
}

TEST_CASE("sequential: built variadically, by push_back and with names of one's own") {
  nn::Sequential a(nn::Linear(2, 3), nn::Functional("tanh"), nn::Linear(3, 1));
  CHECK(a->size() == 3);
  CHECK(a->names() == std::vector<std::string>{"0", "1", "2"});
  nn::Sequential b;
  b->push_back(nn::Linear(2, 3));
  b->push_back("act", nn::Functional(xg::relu));
  b->push_back(std::make_shared<nn::LinearImpl>(3, 1));
  CHECK(b->names() == std::vector<std::string>{"0", "act", "2"});
  CHECK(b->named_parameters().keys() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  nn::Sequential c({{"encoder", nn::Linear(4, 2)}, {"decoder", nn::Linear(2, 4)}});
  CHECK(c->named_parameters().keys() ==
        std::vector<std::string>{"encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"});
  nn::Sequential d{nn::Linear(2, 2), nn::Identity()};
  CHECK(d->size() == 2);
  // Nested containers give dotted names.
  nn::Sequential outer({nn::Sequential({nn::Linear(2, 3), nn::Functional("relu")}), nn::Linear(3, 1)});
  CHECK(outer->named_parameters().keys() == std::vector<std::string>{"0.0.weight", "0.0.bias", "1.weight", "1.bias"});
  a->extend(*c);
  CHECK(a->names() == std::vector<std::string>{"0", "1", "2", "encoder", "decoder"});

  CHECK_THROWS_WITH(b->push_back("act", nn::Identity()), Contains("'act'") && Contains("already registered"));
  CHECK_THROWS_AS(b->push_back("a.b", nn::Identity()), ValueError);
  CHECK_THROWS_AS(b->push_back(nn::Linear(nullptr)), ValueError);
  CHECK(b->size() == 3);  // failed push_backs leave it unchanged
  nn::Sequential null_handle{nullptr};
  CHECK(null_handle.is_empty());
}

TEST_CASE("sequential: indexing returns the shared module and checks range and type") {
  auto seq = mlp();
  CHECK(seq[0] == seq->ptr(0));
  CHECK(seq[-1] == seq->ptr(4));
  CHECK(seq[-1]->name() == "Linear");
  CHECK(seq->at<nn::LinearImpl>(4).out_features == 10);
  CHECK(seq->ptr<nn::LinearImpl>(0)->in_features == 784);
  CHECK(seq->at<nn::LinearImpl>(0).weight.is_same(seq->named_parameters()["0.weight"]));
  CHECK_THROWS_WITH(seq[5], Contains("Sequential") && Contains("index 5 is out of range for 5 modules"));
  CHECK_THROWS_AS(seq[-6], IndexError);
  CHECK_THROWS_AS(nn::Sequential()[0], IndexError);
  CHECK_THROWS_WITH(seq->at<nn::LinearImpl>(1), Contains("Functional") && Contains("LinearImpl"));
  std::vector<std::string> types;
  for (const auto& m : *seq) types.push_back(m->name());
  CHECK(types == std::vector<std::string>{"Linear", "Functional", "Linear", "Functional", "Linear"});
}

TEST_CASE("sequential: slice shares the layers, so training the slice trains the original") {
  auto seq = mlp();
  auto features = seq->slice(0, seq->size() - 1);
  CHECK(features->size() == 4);
  CHECK(features[0] == seq[0]);
  CHECK(features->names() == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(features->named_parameters()["2.weight"].is_same(seq->named_parameters()["2.weight"]));
  auto x = randn({2, 784});
  auto before = seq(x);
  {
    NoGradGuard ng;
    features->at<nn::LinearImpl>(2).weight.mul_(2.0);
  }
  CHECK_FALSE(seq(x).allclose(before));
  // Gradients through the slice land in the original's parameters.
  features(x).sum().backward();
  CHECK(seq->at<nn::LinearImpl>(0).weight.grad().defined());
  // Python slice rules: names kept, negative bounds, clamping, empty slices.
  auto middle = seq->slice(1, 3);
  CHECK(middle->names() == std::vector<std::string>{"1", "2"});
  CHECK(middle->named_parameters().keys() == std::vector<std::string>{"2.weight", "2.bias"});
  CHECK(seq->slice(-2, 100)->names() == std::vector<std::string>{"3", "4"});
  CHECK(seq->slice(0, -1)->size() == 4);
  CHECK(seq->slice(3, 1)->is_empty());
  CHECK(nn::Sequential()->slice(0, 10)->is_empty());
  // Slicing does not change the shared layers' modes.
  seq[0]->eval();
  auto s = seq->slice(0, 2);
  CHECK_FALSE(seq[0]->is_training());
  CHECK(s->is_training());
}

TEST_CASE("sequential: transfer learning freezes a shared feature slice under a new head") {
  auto seq = mlp();
  auto features = seq->slice(0, -1);
  features->freeze();
  nn::Sequential model({features, nn::Linear(128, 3)});
  CHECK(model->num_parameters() == 200960 + 32896 + 128 * 3 + 3);
  CHECK(model->num_parameters(/*trainable_only=*/true) == 128 * 3 + 3);
  CHECK_FALSE(seq->at<nn::LinearImpl>(0).weight.requires_grad());
  CHECK(seq->at<nn::LinearImpl>(4).weight.requires_grad());
  CHECK(model->named_parameters().keys().front() == "0.0.weight");
}

TEST_CASE("sequential: clone is deep, keeps modes and keeps shared layers shared") {
  nn::Linear tied(3, 3);
  nn::Sequential seq({tied, nn::Functional("tanh"), tied, nn::Linear(3, 2)});
  seq[3]->eval();
  seq[3]->freeze();
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(seq->clone());
  REQUIRE(copy);
  CHECK(copy->names() == seq->names());
  auto x = randn({4, 3});
  CHECK(copy->forward(x).equal(seq(x)));
  CHECK(copy->ptr(0) != seq[0]);
  CHECK(copy->ptr(0) == copy->ptr(2));  // the tie survives
  CHECK(copy->named_parameters().size() == seq->named_parameters().size());
  CHECK_FALSE(copy->ptr(3)->is_training());
  CHECK(copy->ptr(0)->is_training());
  CHECK_FALSE(copy->at<nn::LinearImpl>(3).weight.requires_grad());
  {
    NoGradGuard ng;
    copy->at<nn::LinearImpl>(0).weight.zero_();
  }
  CHECK_FALSE(seq->at<nn::LinearImpl>(0).weight.abs().sum().item<float>() == 0.0f);
  seq->eval();
  CHECK_FALSE(std::dynamic_pointer_cast<nn::SequentialImpl>(seq->clone())->is_training());
}

TEST_CASE("sequential: prints as PyTorch does") {
  nn::Sequential seq({nn::Linear(4, 8), nn::Functional(xg::relu, "relu"), nn::Linear(8, 2, {.bias = false})});
  CHECK(repr(*seq) ==
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=true)\n"
        "  (1): Functional(relu)\n"
        "  (2): Linear(in_features=8, out_features=2, bias=false)\n"
        ")");
  CHECK(repr(*nn::Sequential()) == "Sequential()");
  nn::Sequential nested({nn::Sequential({nn::Flatten()}), nn::Identity()});
  CHECK(repr(*nested) ==
        "Sequential(\n  (0): Sequential(\n    (0): Flatten(start_dim=1, end_dim=-1)\n  )\n  (1): Identity()\n)");
}

TEST_CASE("sequential: a layer without a single-tensor forward is an error naming it") {
  nn::Sequential seq({nn::Linear(2, 2), nn::Bilinear(2, 2, 1)});
  CHECK_THROWS_WITH(seq(randn({1, 2})), Contains("Bilinear"));
}

TEST_CASE("module list: registers modules by position and renames on insert") {
  nn::ModuleList list({nn::Linear(2, 3), nn::Linear(3, 4)});
  list->push_back(nn::Linear(4, 5));
  CHECK(list->size() == 3);
  CHECK(list->named_parameters().keys() ==
        std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"});
  nn::Linear first(1, 2);
  list->insert(0, first);
  CHECK(list[0] == first.ptr());
  CHECK(list->at<nn::LinearImpl>(1).in_features == 2);
  CHECK(list->named_children().keys() == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(list->named_parameters()["0.weight"].is_same(first->weight));
  list->insert(-1, nn::Identity());  // before the last, as Python's list.insert
  CHECK(list[3]->name() == "Identity");
  CHECK(list->size() == 5);
  // Used in a forward of one's own.
  Tensor x = randn({2, 1});
  for (const auto& m : *list) x = (*m)(x);
  CHECK(x.sizes() == Shape{2, 5});
  CHECK_THROWS_WITH((*list)(x), Contains("ModuleList") && Contains("forward"));
  CHECK_THROWS_AS(list[5], IndexError);
  CHECK_THROWS_AS(list->insert(7, nn::Identity()), IndexError);
  CHECK_THROWS_AS(list->at<nn::FunctionalImpl>(0), ValueError);
  auto tail = list->slice(3, 5);
  CHECK(tail->size() == 2);
  CHECK(tail[1] == list[4]);
  CHECK(tail->named_children().keys() == std::vector<std::string>{"0", "1"});
  nn::ModuleList more({nn::Identity()});
  more->extend(*tail);
  CHECK(more->size() == 3);
  auto copy = std::dynamic_pointer_cast<nn::ModuleListImpl>(list->clone());
  REQUIRE(copy);
  CHECK(copy->size() == 5);
  CHECK(copy->ptr(0) != list[0]);
  CHECK(copy->at<nn::LinearImpl>(0).weight.equal(first->weight));
  CHECK(repr(*nn::ModuleList({nn::Identity()})) == "ModuleList(\n  (0): Identity()\n)");
}

TEST_CASE("module dict: modules by key in insertion order") {
  nn::ModuleDict heads({{"class", nn::Linear(8, 10)}, {"box", nn::Linear(8, 4)}});
  CHECK(heads->keys() == std::vector<std::string>{"class", "box"});
  CHECK(heads->named_parameters().keys() ==
        std::vector<std::string>{"class.weight", "class.bias", "box.weight", "box.bias"});
  auto f = randn({2, 8});
  CHECK((*heads["class"])(f).sizes() == Shape{2, 10});
  CHECK(heads->at<nn::LinearImpl>("box").out_features == 4);
  CHECK(heads->contains("box"));
  CHECK_FALSE(heads->contains("mask"));
  CHECK_THROWS_WITH(heads["mask"], Contains("no module under key 'mask'") && Contains("'class', 'box'"));
  CHECK_THROWS_AS(heads["mask"], IndexError);
  CHECK_THROWS_AS(heads->insert("a.b", nn::Identity()), ValueError);
  CHECK_THROWS_AS(heads->insert("", nn::Identity()), ValueError);
  CHECK_THROWS_AS(heads->at<nn::FunctionalImpl>("box"), ValueError);
  // Inserting under an existing key replaces, keeping the order.
  heads->insert("class", nn::Linear(8, 3));
  CHECK(heads->keys() == std::vector<std::string>{"class", "box"});
  CHECK(heads->at<nn::LinearImpl>("class").out_features == 3);
  CHECK(heads->named_parameters()["class.weight"].sizes() == Shape{3, 8});
  heads->update({{"mask", nn::Linear(8, 1)}});
  std::vector<std::string> seen;
  for (const auto& item : *heads) seen.push_back(item.key());
  CHECK(seen == std::vector<std::string>{"class", "box", "mask"});
  auto copy = std::dynamic_pointer_cast<nn::ModuleDictImpl>(heads->clone());
  REQUIRE(copy);
  CHECK(copy->keys() == heads->keys());
  CHECK(copy->ptr("box") != heads["box"]);
  CHECK(copy->at<nn::LinearImpl>("box").weight.equal(heads->at<nn::LinearImpl>("box").weight));
  auto box = heads->pop("box");
  CHECK(box->name() == "Linear");
  CHECK(heads->keys() == std::vector<std::string>{"class", "mask"});
  CHECK(heads->named_parameters().keys() ==
        std::vector<std::string>{"class.weight", "class.bias", "mask.weight", "mask.bias"});
  CHECK_THROWS_AS(heads->pop("box"), IndexError);
  heads->clear();
  CHECK(heads->is_empty());
  CHECK(heads->parameters().empty());
}

TEST_CASE("functional: wraps a function, a lambda or a named activation as a layer") {
  auto x = randn({3, 4});
  CHECK(nn::Functional(xg::relu)(x).equal(relu(x)));
  nn::Functional leaky([](const Tensor& t) { return leaky_relu(t, 0.2); }, "leaky_relu");
  CHECK(leaky(x).equal(leaky_relu(x, 0.2)));
  CHECK(repr(*leaky) == "Functional(leaky_relu)");
  CHECK(repr(*nn::Functional(xg::relu)) == "Functional()");
  nn::Functional sm("softmax");
  CHECK(sm(x).sum({1}).allclose(ones({3})));
  CHECK(repr(*sm) == "Functional(softmax)");
  CHECK(nn::Functional("linear")(x).equal(x));
  CHECK(sm->parameters().empty());
  CHECK(std::dynamic_pointer_cast<nn::FunctionalImpl>(sm->clone())->forward(x).equal(sm(x)));
  CHECK_THROWS_WITH(nn::Functional("relux"), Contains("unknown activation 'relux'") && Contains("gelu"));
  CHECK_THROWS_AS(nn::Functional(nn::TensorFunction()), ValueError);
}

TEST_CASE("activation: every name maps to its xgrad op") {
  auto x = randn({4, 5});
  const std::vector<std::pair<std::string, Tensor>> expected = {{"linear", x},
                                                                {"relu", relu(x)},
                                                                {"tanh", tanh(x)},
                                                                {"sigmoid", sigmoid(x)},
                                                                {"elu", elu(x)},
                                                                {"selu", selu(x)},
                                                                {"gelu", gelu(x)},
                                                                {"silu", silu(x)},
                                                                {"swish", silu(x)},
                                                                {"softplus", softplus(x)},
                                                                {"softsign", softsign(x)},
                                                                {"leaky_relu", leaky_relu(x, 0.01)},
                                                                {"hardtanh", hardtanh(x)},
                                                                {"exponential", exp(x)},
                                                                {"softmax", softmax(x, 1)},
                                                                {"log_softmax", log_softmax(x, 1)}};
  std::vector<std::string> names;
  for (const auto& [name, value] : expected) {
    INFO(name);
    nn::Activation a(name);
    CHECK(a.name() == name);
    CHECK(a(x).equal(value));
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  // Every built-in name is tested here (and other engineers' additions get a line above).
  auto registered = nn::activation_names();
  for (const auto& n : names) CHECK(std::find(registered.begin(), registered.end(), n) != registered.end());
}

TEST_CASE("activation: identity by default, functions, modules and registered names") {
  nn::Activation none;
  CHECK(none.is_identity());
  CHECK(none.name() == "linear");
  auto x = randn({2, 3});
  CHECK(none(x).is_same(x));
  nn::Activation by_name = "linear";
  CHECK(by_name.is_identity());  // "linear" names the identity
  CHECK(by_name(x).equal(x));
  nn::Activation fn = xg::sigmoid;
  CHECK(fn.name() == "function");
  CHECK(fn(x).equal(sigmoid(x)));
  nn::Functional f(xg::tanh);
  nn::Activation mod = f;
  CHECK(mod.module() == f.ptr());
  CHECK(mod.name() == "Functional");
  CHECK(mod(x).equal(tanh(x)));
  CHECK(mod.to_module() == f.ptr());
  auto wrapped = nn::Activation("relu").to_module();
  CHECK(wrapped->name() == "Functional");
  CHECK((*wrapped)(x).equal(relu(x)));
  nn::register_activation("relu6", [](const Tensor& t) { return hardtanh(t, 0.0, 6.0); });
  CHECK(nn::Activation("relu6")(x * 10).equal(hardtanh(x * 10, 0.0, 6.0)));
  CHECK_THROWS_AS(nn::Activation(nn::Linear(nullptr)), ValueError);
  CHECK_THROWS_AS(nn::register_activation("", nn::TensorFunction()), ValueError);
}
