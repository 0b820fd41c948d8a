// The module registry: names, modes, dtype moves, freezing, state dicts, clones, hooks, printing.
#include <catch2/catch.hpp>

#include <iostream>
#include <sstream>
#include <xgrad/nn/module.hpp>
#include <xgrad/xgrad.hpp>

using namespace xg;
using Catch::Matchers::Contains;

namespace {
// A small affine layer written only for these tests (the real layers live in nn/).
struct AffineImpl : nn::Cloneable<AffineImpl> {
  AffineImpl(std::int64_t in, std::int64_t out) : in(in), out(out) { reset(); }
  void reset() override {
    weight = register_parameter("weight", randn({out, in}, kFloat64));
    bias = register_parameter("bias", zeros({out}, kFloat64));
    register_buffer("calls", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& x) override { return matmul(x, weight.t()) + bias; }
  void pretty_print(std::ostream& os) const override { os << "Affine(in=" << in << ", out=" << out << ")"; }
  std::int64_t in, out;
  Tensor weight, bias;
};
XG_MODULE(Affine);

struct TwoLayerImpl : nn::Cloneable<TwoLayerImpl> {
  TwoLayerImpl() { reset(); }
  void reset() override {
    first = register_module("first", Affine(3, 4));
    second = register_module("second", Affine(4, 2));
  }
  Tensor forward(const Tensor& x) override { return second(tanh(first(x))); }
  Affine first{nullptr}, second{nullptr};
};
XG_MODULE(TwoLayer);

// A module that is not Cloneable: clone() must say how to make it so.
struct PlainImpl : nn::Module {
  PlainImpl() { w = register_parameter("w", ones({2})); }
  Tensor w;
};
XG_MODULE(Plain);
}  // namespace

TEST_CASE("module: parameters and buffers get dotted names in registration order") {
  TwoLayer net;
  CHECK(net->named_parameters().keys() ==
        std::vector<std::string>{"first.weight", "first.bias", "second.weight", "second.bias"});
  CHECK(net->named_buffers().keys() == std::vector<std::string>{"first.calls", "second.calls"});
  CHECK(net->parameters().size() == 4);
  CHECK(net->parameters(/*recurse=*/false).empty());
  CHECK(net->num_parameters() == 3 * 4 + 4 + 4 * 2 + 2);
  CHECK(net->named_children().keys() == std::vector<std::string>{"first", "second"});
  CHECK(net->named_modules().keys() == std::vector<std::string>{"", "first", "second"});
  CHECK(net->modules(false).size() == 2);
  CHECK(net->name() == "TwoLayer");
  CHECK(net->first->name() == "Affine");
  // The member handle and the registered parameter are the same tensor.
  CHECK(net->first->weight.is_same(net->named_parameters()["first.weight"]));
}

TEST_CASE("module: a layer registered twice is visited once and its parameters counted once") {
  struct SharedImpl : nn::Module {
    SharedImpl() {
      a = register_module("a", Affine(2, 2));
      b = register_module("b", a);  // weight tying
    }
    Affine a{nullptr}, b{nullptr};
  };
  auto m = std::make_shared<SharedImpl>();
  CHECK(m->named_parameters().keys() == std::vector<std::string>{"a.weight", "a.bias"});
  CHECK(m->named_modules().size() == 2);
}

TEST_CASE("module: bad registrations are ValueErrors naming the module and the name") {
  Affine a(2, 3);
  CHECK_THROWS_WITH(a->register_parameter("weight", ones({1})), Contains("Affine") && Contains("'weight'"));
  CHECK_THROWS_AS(a->register_parameter("a.b", ones({1})), ValueError);
  CHECK_THROWS_AS(a->register_parameter("", ones({1})), ValueError);
  CHECK_THROWS_AS(a->register_parameter("idx", arange(3)), DtypeError);
  CHECK_THROWS_AS(a->register_buffer("undefined", Tensor()), ValueError);
  Affine empty{nullptr};
  CHECK_THROWS_WITH(empty->forward(ones({1, 2})), Contains("empty"));
  Plain p;
  CHECK_THROWS_WITH(p(ones({2})), Contains("Plain") && Contains("forward"));
}

TEST_CASE("module: forward through the holder computes the affine map") {
  Affine a(2, 1);
  {
    NoGradGuard ng;
    a->weight.copy_(tensor({{2.0, -1.0}}, kFloat64));
    a->bias.fill_(0.5);
  }
  auto y = a(tensor({{1.0, 3.0}, {0.0, 1.0}}, kFloat64));
  CHECK(y.to_vector<double>() == std::vector<double>{2 - 3 + 0.5, -1 + 0.5});
}

TEST_CASE("module: train and eval propagate to every descendant") {
  TwoLayer net;
  CHECK(net->is_training());
  net->eval();
  CHECK_FALSE(net->is_training());
  CHECK_FALSE(net->first->is_training());
  net->second->train();
  CHECK(net->second->is_training());
  CHECK_FALSE(net->first->is_training());
}

TEST_CASE("module: to(dtype) converts parameters in place so every handle sees it") {
  TwoLayer net;
  Tensor w = net->first->weight;
  auto before = w.to_vector<double>();
  net->to(kFloat32);
  CHECK(w.dtype() == kFloat32);
  CHECK(net->first->weight.dtype() == kFloat32);
  CHECK(w.requires_grad());
  CHECK(net->named_buffers()["first.calls"].dtype() == kInt64);  // integer buffers keep their dtype
  auto after = w.to_vector<double>();
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(after[i] == Approx(before[i]).epsilon(1e-6));
  CHECK(net(ones({5, 3})).dtype() == kFloat32);
  CHECK_THROWS_AS(net->to(kInt64), DtypeError);
}

TEST_CASE("module: freeze stops gradients and unfreeze resumes them; zero_grad clears") {
  TwoLayer net;
  net->first->freeze();
  CHECK(net->num_parameters(/*trainable_only=*/true) == 4 * 2 + 2);
  net(ones({1, 3}, kFloat64)).sum().backward();
  CHECK_FALSE(net->first->weight.grad().defined());
  CHECK(net->second->weight.grad().defined());
  net->unfreeze();
  net(ones({1, 3}, kFloat64)).sum().backward();
  CHECK(net->first->weight.grad().defined());
  net->zero_grad(/*set_to_none=*/false);
  CHECK(net->first->weight.grad().abs().sum().item<double>() == 0.0);
  net->zero_grad();
  CHECK_FALSE(net->first->weight.grad().defined());
}

TEST_CASE("module: apply visits children before the module itself") {
  TwoLayer net;
  std::vector<std::string> order;
  net->apply([&](nn::Module& m) { order.push_back(m.name()); });
  CHECK(order == std::vector<std::string>{"Affine", "Affine", "TwoLayer"});
}

TEST_CASE("module: state_dict round trip restores the values and the outputs") {
  TwoLayer a, b;
  auto x = randn({4, 3}, kFloat64);
  auto sd = a->state_dict();
  CHECK(sd.keys() == std::vector<std::string>{"first.weight", "first.bias", "first.calls", "second.weight",
                                              "second.bias", "second.calls"});
  CHECK_FALSE(allclose(a(x), b(x)));
  auto r = b->load_state_dict(sd);
  CHECK(r.missing_keys.empty());
  CHECK(r.unexpected_keys.empty());
  CHECK(equal(a(x), b(x)));
  // The load copied values: changing a does not change b.
  {
    NoGradGuard ng;
    a->first->weight.add_(1.0);
  }
  CHECK_FALSE(equal(a(x), b(x)));
}

TEST_CASE("module: load_state_dict reports every problem at once") {
  TwoLayer net;
  auto sd = net->state_dict();
  nn::StateDict bad;
  for (const auto& item : sd) {
    if (item.first == "first.bias") continue;                                            // missing
    if (item.first == "second.weight") bad.insert(item.first, zeros({3, 3}, kFloat64));  // wrong shape
    else if (item.first == "second.bias") bad.insert(item.first, zeros({2}, kFloat32));  // wrong dtype
    else bad.insert(item.first, item.second);
  }
  bad.insert("third.weight", zeros({1}));  // unexpected
  try {
    net->load_state_dict(bad, {.on_dtype_mismatch = nn::DtypeMismatch::Error});
    FAIL("load_state_dict accepted a bad state dict");
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("4 problems"));
    CHECK_THAT(msg, Contains("'second.weight'") && Contains("[2, 4]") && Contains("[3, 3]"));
    CHECK_THAT(msg, Contains("'second.bias'") && Contains("float32"));
    CHECK_THAT(msg, Contains("missing keys: 'first.bias'"));
    CHECK_THAT(msg, Contains("unexpected keys: 'third.weight'"));
  }
  // By default a dtype mismatch is cast, as PyTorch: the other three problems remain.
  try {
    net->load_state_dict(bad);
    FAIL("load_state_dict accepted a bad state dict");
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("3 problems") && !Contains("dtype mismatch"));
  }
  // Non-strict: dtype converted, missing/unexpected returned, shapes still checked.
  bad.erase("second.weight");
  auto r = net->load_state_dict(bad, /*strict=*/false);
  CHECK(r.missing_keys == std::vector<std::string>{"first.bias", "second.weight"});
  CHECK(r.unexpected_keys == std::vector<std::string>{"third.weight"});
  CHECK(net->second->bias.dtype() == kFloat64);
  CHECK(net->second->bias.abs().sum().item<double>() == 0.0);
}

TEST_CASE("module: a strict load casts a float64 state into a float32 model, with a warning on request") {
  TwoLayer src, dst;  // float64 parameters
  dst->to(kFloat32);
  {
    NoGradGuard ng;
    src->first->weight.fill_(1.0 / 3.0);  // not exactly representable in float32
  }
  const auto sd = src->state_dict();
  std::ostringstream captured;
  std::streambuf* old = std::cerr.rdbuf(captured.rdbuf());
  dst->load_state_dict(sd);  // the default: cast silently
  const std::string silent = captured.str();
  dst->load_state_dict(sd, {.on_dtype_mismatch = nn::DtypeMismatch::Warn});
  std::cerr.rdbuf(old);
  CHECK(silent.empty());
  CHECK_THAT(captured.str(), Contains("load_state_dict: casting 'first.weight' from float64 to float32") &&
                                 Contains("'second.bias' from float64 to float32"));
  CHECK(dst->first->weight.dtype() == kFloat32);
  CHECK(equal(dst->first->weight, full({4, 3}, 1.0 / 3.0, kFloat32)));
  CHECK(equal(dst->second->bias, src->second->bias.to(kFloat32)));
  CHECK_THROWS_WITH(dst->load_state_dict(sd, {.strict = false, .on_dtype_mismatch = nn::DtypeMismatch::Error}),
                    Contains("dtype mismatch for 'first.weight': the module has float32, the state dict has float64"));
}

TEST_CASE("module: clone is deep and keeps values, requires_grad and modes") {
  TwoLayer net;
  net->second->freeze();
  net->first->eval();
  auto copy = std::dynamic_pointer_cast<TwoLayerImpl>(net->clone());
  REQUIRE(copy);
  auto x = randn({2, 3}, kFloat64);
  CHECK(equal(net(x), copy->forward(x)));
  CHECK_FALSE(copy->first->weight.is_same(net->first->weight));
  CHECK_FALSE(copy->second->weight.requires_grad());
  CHECK(copy->first->weight.requires_grad());
  CHECK_FALSE(copy->first->is_training());
  CHECK(copy->second->is_training());
  // Training the copy leaves the original alone.
  {
    NoGradGuard ng;
    copy->first->weight.mul_(2.0);
  }
  CHECK_FALSE(equal(net(x), copy->forward(x)));
  Plain p;
  CHECK_THROWS_WITH(p->clone(), Contains("Cloneable") && Contains("reset()"));
}

TEST_CASE("module: replace_module swaps a child for a new head") {
  TwoLayer net;
  net->replace_module("second", Affine(4, 7));
  CHECK(net->named_parameters()["second.weight"].sizes() == Shape{7, 4});
  CHECK_THROWS_AS(net->replace_module("third", Affine(1, 1)), IndexError);
}

TEST_CASE("module: forward pre-hooks and forward hooks can replace input and output, and be removed") {
  Affine a(1, 1);
  {
    NoGradGuard ng;
    a->weight.fill_(3.0);
    a->bias.zero_();
  }
  auto x = tensor({{2.0}}, kFloat64);
  auto pre = a->register_forward_pre_hook([](nn::Module&, const Tensor& in) { return in * 10; });
  auto post = a->register_forward_hook([](nn::Module&, const Tensor&, const Tensor& out) { return out + 1; });
  CHECK(a(x).item<double>() == 61.0);  // (2·10)·3 + 1
  CHECK(a->remove_hook(pre));
  CHECK(a(x).item<double>() == 7.0);
  CHECK(a->remove_hook(post));
  CHECK_FALSE(a->remove_hook(post));
  CHECK(a(x).item<double>() == 6.0);
}

TEST_CASE("module: a backward hook sees this module's gradients w.r.t. its input and output") {
  Affine a(1, 1);
  {
    NoGradGuard ng;
    a->weight.fill_(3.0);
    a->bias.zero_();
  }
  Tensor seen_in, seen_out;
  int calls = 0;
  a->register_full_backward_hook([&](nn::Module&, const Tensor& gin, const Tensor& gout) {
    seen_in = gin;
    seen_out = gout;
    ++calls;
  });
  auto x = tensor({{2.0}}, kFloat64).requires_grad_();
  // x is also used outside the module: the hook must see only the module's share of dx.
  auto loss = (a(x) * 5).sum() + (x * 100).sum();
  loss.backward();
  CHECK(calls == 1);
  CHECK(seen_out.item<double>() == 5.0);
  CHECK(seen_in.item<double>() == 15.0);    // 5 · w
  CHECK(x.grad().item<double>() == 115.0);  // the module's 15 plus the other use's 100
  // With an input that does not require grad the hook still runs, without grad_input.
  calls = 0;
  (a(tensor({{1.0}}, kFloat64)) * 2).sum().backward();
  CHECK(calls == 1);
  CHECK_FALSE(seen_in.defined());
  CHECK(seen_out.item<double>() == 2.0);
}

TEST_CASE("module: printing shows the tree as PyTorch does") {
  TwoLayer net;
  std::ostringstream os;
  os << net;
  CHECK(os.str() == "TwoLayer(\n  (first): Affine(in=3, out=4)\n  (second): Affine(in=4, out=2)\n)");
}
