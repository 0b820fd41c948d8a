// Penalties (values, gradients), constraints (against hand computations), attachment by name, and
// an L1 run that drives irrelevant weights to zero.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <xgrad/nn/module.hpp>
#include <xgrad/optim/regularizer.hpp>

#include "optim/toy_optimizers.hpp"

using namespace xg;
using namespace xg::optim;
using Catch::Matchers::Contains;

namespace {
// A small two-layer module written only for these tests (the real layers live in nn/).
struct LinImpl : nn::Cloneable<LinImpl> {
  LinImpl(std::int64_t in, std::int64_t out) : in(in), out(out) { reset(); }
  void reset() override {
    weight = register_parameter("weight", randn({out, in}, kFloat64));
    bias = register_parameter("bias", randn({out}, kFloat64));
  }
  Tensor forward(const Tensor& x) override { return matmul(x, weight.t()) + bias; }
  std::int64_t in, out;
  Tensor weight, bias;
};
XG_MODULE(Lin);

struct NetImpl : nn::Cloneable<NetImpl> {
  NetImpl() { reset(); }
  void reset() override {
    first = register_module("first", Lin(3, 4));
    second = register_module("second", Lin(4, 2));
  }
  Tensor forward(const Tensor& x) override { return second(tanh(first(x))); }
  Lin first{nullptr}, second{nullptr};
};
XG_MODULE(Net);

Tensor p64(TensorData d) { return tensor(d, kFloat64).requires_grad_(); }
}  // namespace

TEST_CASE("L1, L2 and ElasticNet: penalties are the closed forms summed over every parameter") {
  auto a = p64({{1.0, -2.0}, {0.5, 0.0}});
  auto b = p64({-3.0});
  CHECK(L1(0.1).penalty({a, b}).item<double>() == Approx(0.1 * (1 + 2 + 0.5 + 0 + 3)));
  CHECK(L2(0.01).penalty({a, b}).item<double>() == Approx(0.01 * (1 + 4 + 0.25 + 0 + 9)));
  CHECK(ElasticNet(0.1, 0.01)({a, b}).item<double>() == Approx(0.1 * 6.5 + 0.01 * 14.25));
  CHECK(L1().l1() == 0.01);  // Keras' defaults
  CHECK(L2().l2() == 0.01);
  CHECK(L1(0.1).penalty({}).item<double>() == 0.0);
  CHECK(L1(0.1).penalty({a}).dim() == 0);
}

TEST_CASE("L1, L2 and ElasticNet: gradients are l1 sign(w) and 2 l2 w") {
  auto w = p64({{1.5, -2.0}, {0.25, -0.5}});
  L1(0.3).penalty({w}).backward();
  CHECK(w.grad().to_vector<double>() == std::vector<double>{0.3, -0.3, 0.3, -0.3});
  w.mutable_grad() = Tensor();
  L2(0.1).penalty({w}).backward();
  CHECK(allclose(w.grad(), 0.2 * w.detach()));
  w.mutable_grad() = Tensor();
  ElasticNet(0.3, 0.1).penalty({w}).backward();
  CHECK(allclose(w.grad(), 0.3 * w.detach().sign() + 0.2 * w.detach()));
}

TEST_CASE("L1, L2 and ElasticNet: penalties pass gradcheck and gradgradcheck") {
  // Away from w = 0, where |w| has its kink.
  auto w = p64({{0.7, -1.2, 0.4}, {-0.3, 0.9, -2.1}});
  auto b = p64({0.5, -0.8});
  const std::vector<std::shared_ptr<const Regularizer>> regs = {std::make_shared<L1>(0.2), std::make_shared<L2>(0.3),
                                                                std::make_shared<ElasticNet>(0.2, 0.3)};
  for (const auto& r : regs) {
    std::ostringstream name;
    r->pretty_print(name);
    INFO(name.str());
    auto f = [&](const TensorList& in) { return r->penalty(in); };
    CHECK(autograd::gradcheck(f, {w, b}));
    CHECK(autograd::gradgradcheck(f, {w, b}));
  }
}

TEST_CASE("MaxNorm: rows over max_value are scaled down with Keras' formula") {
  auto w = p64({{3.0, 4.0}, {0.6, 0.8}, {0.0, 0.0}});  // row norms 5, 1, 0
  MaxNorm(2.0).apply(w);
  const double eps = 1e-7;
  const auto got = w.detach().to_vector<double>();
  const std::vector<double> want = {3 * 2 / (5 + eps), 4 * 2 / (5 + eps), 0.6 / (1 + eps), 0.8 / (1 + eps), 0, 0};
  for (std::size_t i = 0; i < want.size(); ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-15));
  CHECK(w.requires_grad());
  CHECK(w.is_leaf());
  CHECK_FALSE(w.grad_fn());
}

TEST_CASE("MaxNorm: dim picks the unit axis, for columns, vectors and conv-shaped weights") {
  auto w = p64({{3.0, 0.1}, {4.0, 0.1}});  // column norms 5 and 0.1414
  MaxNorm(1.0, /*dim=*/1).apply(w);
  CHECK(w.detach().to_vector<double>()[0] == Approx(3 / (5 + 1e-7)));
  CHECK(w.detach().to_vector<double>()[1] == Approx(0.1 * std::sqrt(0.02) / (std::sqrt(0.02) + 1e-7)));
  CHECK(w.detach().to_vector<double>()[2] == Approx(4 / (5 + 1e-7)));
  auto bias = p64({-3.0, 0.5});  // a vector: every element is its own unit
  MaxNorm(1.0).apply(bias);
  CHECK(bias.detach().to_vector<double>()[0] == Approx(-1.0));
  CHECK(bias.detach().to_vector<double>()[1] == Approx(0.5));
  auto conv = p64({{{1.0, 2.0}, {2.0, 4.0}}, {{0.1, 0.1}, {0.1, 0.1}}});  // filter norms 5 and 0.2
  MaxNorm(2.5).apply(conv);
  CHECK(conv.detach().norm(2.0, {1, 2}).to_vector<double>()[0] == Approx(2.5));
  CHECK(conv.detach().norm(2.0, {1, 2}).to_vector<double>()[1] == Approx(0.2));
  auto last = p64({{3.0, 4.0}, {0.0, 1.0}});
  MaxNorm(1.0, -1).apply(last);  // negative dims count from the end, like dim=1
  CHECK(last.detach().to_vector<double>()[0] == Approx(1.0));
}

TEST_CASE("UnitNorm and NonNeg: project onto unit slices and the non-negative orthant") {
  auto w = p64({{3.0, 4.0}, {-1.0, 0.0}});
  UnitNorm().apply(w);
  CHECK(allclose(w.detach(), tensor({{0.6, 0.8}, {-1.0, 0.0}}, kFloat64), 1e-6, 0));
  auto c = p64({{3.0, 1.0}, {4.0, 0.0}});
  UnitNorm(1).apply(c);
  CHECK(allclose(c.detach(), tensor({{0.6, 1.0}, {0.8, 0.0}}, kFloat64), 1e-6, 0));
  auto n = p64({{-1.5, 2.0}, {0.0, -1e-9}});
  NonNeg()(n);
  CHECK(n.detach().to_vector<double>() == std::vector<double>{0.0, 2.0, 0.0, 0.0});
}

TEST_CASE("Constraints: bad arguments are errors naming the constraint") {
  CHECK_THROWS_WITH(MaxNorm(-1.0), Contains("MaxNorm") && Contains("-1"));
  auto w = p64({{1.0, 2.0}});
  CHECK_THROWS_AS(MaxNorm(1.0, 2).apply(w), IndexError);
  CHECK_THROWS_WITH(UnitNorm(-3).apply(w), Contains("UnitNorm") && Contains("-3") && Contains("[1, 2]"));
  CHECK_THROWS_AS(NonNeg().apply(arange(3)), DtypeError);
  CHECK_THROWS_WITH(L1(-0.5), Contains("L1") && Contains("-0.5"));
  CHECK_THROWS_WITH(L2(NAN), Contains("L2"));
  CHECK_THROWS_WITH(ElasticNet(0.1, -2.0), Contains("ElasticNet") && Contains("-2"));
  CHECK_THROWS_AS(L1(0.1).penalty({arange(3)}), DtypeError);
}

TEST_CASE("glob_match: star matches any run and question mark one character") {
  CHECK(glob_match("*.weight", "fc1.weight"));
  CHECK(glob_match("*.weight", "encoder.0.weight"));
  CHECK_FALSE(glob_match("*.weight", "fc1.bias"));
  CHECK(glob_match("fc?.*", "fc1.bias"));
  CHECK_FALSE(glob_match("fc?.*", "fc10.bias"));
  CHECK(glob_match("*", "anything.at.all"));
  CHECK(glob_match("first.weight", "first.weight"));
  CHECK_FALSE(glob_match("first.weight", "first.weights"));
  CHECK(glob_match("*a*b*", "xxaxxbxx"));
  CHECK_FALSE(glob_match("*a*b", "xxaxxbxxa"));
}

TEST_CASE("Regularization: rules attached by name sum into one penalty and constraints apply after a step") {
  manual_seed(3);
  Net net;
  Regularization reg;
  reg.add(net, "*.weight", L2(0.01)).add(*net, "first.bias", L1(0.1));
  reg.constrain(net, "second.weight", MaxNorm(0.5)).constrain({net->first->bias}, NonNeg());
  CHECK(reg.num_regularizers() == 2);
  CHECK(reg.num_constraints() == 2);
  const auto& w1 = net->first->weight;
  const auto& w2 = net->second->weight;
  const double want = 0.01 * (w1.detach().square().sum().item<double>() + w2.detach().square().sum().item<double>()) +
                      0.1 * net->first->bias.detach().abs().sum().item<double>();
  auto penalty = reg.penalty();
  CHECK(penalty.item<double>() == Approx(want));
  penalty.backward();
  CHECK(allclose(w1.grad(), 0.02 * w1.detach()));
  CHECK_FALSE(net->second->bias.grad().defined());  // not regularized

  auto opt = std::make_unique<testing::toy::MomentumGD>(net->parameters(), testing::toy::MomentumOptions{.lr = 0.1});
  opt->step();
  reg.apply_constraints();
  CHECK(w2.detach().norm(2.0, {1}).max().item<double>() <= 0.5);
  CHECK(net->first->bias.detach().min().item<double>() >= 0.0);

  std::ostringstream os;
  os << reg;
  CHECK(os.str() ==
        "L2(l2=0.01) on first.weight, second.weight\nL1(l1=0.1) on first.bias\n"
        "MaxNorm(max_value=0.5, dim=0) on second.weight\nNonNeg() on param 0\n");
  CHECK(Regularization().penalty().item<double>() == 0.0);
}

TEST_CASE("Regularization: a pattern that matches nothing lists the parameter names") {
  Net net;
  Regularization reg;
  CHECK_THROWS_WITH(reg.add(net, "*.kernel", L2(0.1)),
                    Contains("'*.kernel'") && Contains("first.weight") && Contains("second.bias"));
  CHECK_THROWS_WITH(reg.constrain(net, "third.*", NonNeg()), Contains("constrain") && Contains("third"));
  CHECK_THROWS_WITH(reg.add(std::vector<Tensor>{}, L1(0.1)), Contains("empty"));
  CHECK_THROWS_AS(reg.add(net, "*", std::shared_ptr<const Regularizer>()), ValueError);
  CHECK(reg.num_regularizers() == 0);
}

TEST_CASE("L1: gradient descent with an L1 penalty drives the irrelevant weights to near zero") {
  // y depends on features 0 and 1 only, plus noise; least squares alone leaves small non-zero
  // weights on the other four, the L1 penalty removes them (up to the lr * l1 jitter of a
  // subgradient step around zero).
  manual_seed(11);
  const auto X = randn({64, 6}, kFloat64);
  const auto y = X.select(1, 0) * 2.0 - X.select(1, 1) * 3.0 + 0.6 * randn({64}, kFloat64);
  auto fit = [&](double l1) {
    auto w = zeros({6}, kFloat64).requires_grad_();
    testing::toy::MomentumGD opt({w}, {.lr = 0.02});
    for (int step = 0; step < 1500; ++step) {
      opt.zero_grad();
      auto loss = (matmul(X, w) - y).square().mean() + L1(l1).penalty({w});
      loss.backward();
      opt.step();
    }
    return w.detach().to_vector<double>();
  };
  const auto plain = fit(0.0), sparse = fit(0.1);
  double plain_rest = 0, sparse_rest = 0;
  for (int k = 2; k < 6; ++k) {
    plain_rest = std::max(plain_rest, std::abs(plain[k]));
    sparse_rest = std::max(sparse_rest, std::abs(sparse[k]));
  }
  INFO("largest irrelevant weight without L1 " << plain_rest << ", with L1 " << sparse_rest);
  CHECK(plain_rest > 0.03);
  CHECK(sparse_rest <= 0.02 * 0.1 * 2);  // within two subgradient steps of zero
  CHECK(sparse[0] == Approx(2.0).margin(0.2));
  CHECK(sparse[1] == Approx(-3.0).margin(0.2));
}
