// Exponential moving averages (closed forms, swap/restore, state), stochastic weight averaging
// (the mean of the snapshots) and SWALR against PyTorch 1.13.
#include <catch2/catch.hpp>

#include <cmath>
#include <xgrad/nn/module.hpp>
#include <xgrad/optim/averaging.hpp>

#include "optim/lr_scheduler_reference.hpp"
#include "optim/toy_optimizers.hpp"

using namespace xg;
using namespace xg::optim;
using Catch::Matchers::Contains;

namespace {
// A small affine layer with a floating and an integer buffer, written only for these tests.
struct AffImpl : nn::Cloneable<AffImpl> {
  AffImpl() { reset(); }
  void reset() override {
    weight = register_parameter("weight", randn({2, 3}, kFloat64));
    bias = register_parameter("bias", randn({2}, kFloat64));
    stat = register_buffer("stat", zeros({2}, kFloat64));
    count = register_buffer("count", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& x) override { return matmul(x, weight.t()) + bias; }
  Tensor weight, bias, stat, count;
};
XG_MODULE(Aff);

/// Sets every parameter and buffer of m to a fixed function of k.
void set_snapshot(Aff& m, double k) {
  NoGradGuard ng;
  m->weight.copy_(arange(6, kFloat64).reshape({2, 3}) * k - 1.0);
  m->bias.copy_(tensor({k, -2 * k}, kFloat64));
  m->stat.fill_(10 * k);
  m->count.fill_(static_cast<std::int64_t>(k));
}
}  // namespace

// ---- ExponentialMovingAverage -----------------------------------------------------------------------

TEST_CASE("ExponentialMovingAverage: after k updates the shadow is the closed-form average") {
  auto p = tensor({1.0, -2.0, 0.5}, kFloat64).requires_grad_();
  const double d = 0.9;
  ExponentialMovingAverage ema({p}, d);
  const std::vector<double> p0 = {1.0, -2.0, 0.5};
  std::vector<std::vector<double>> snapshots;
  for (int i = 1; i <= 7; ++i) {
    std::vector<double> v = {std::sin(i), std::cos(3.0 * i), 0.1 * i};
    {
      NoGradGuard ng;
      p.copy_(tensor(v, kFloat64));
    }
    snapshots.push_back(v);
    ema.update();
  }
  const auto k = static_cast<int>(snapshots.size());
  for (std::size_t j = 0; j < 3; ++j) {
    // d^k p0 + (1 - d) Σ_i d^(k-i) p_i
    double want = std::pow(d, k) * p0[j];
    for (int i = 1; i <= k; ++i) want += (1 - d) * std::pow(d, k - i) * snapshots[i - 1][j];
    CHECK(ema.shadow()[0].to_vector<double>()[j] == Approx(want).epsilon(1e-13));
  }
  CHECK(ema.num_updates() == 7);
  CHECK(ema.names() == std::vector<std::string>{"0"});
  CHECK(p.to_vector<double>() == snapshots.back());  // the parameter itself is untouched
}

TEST_CASE("ExponentialMovingAverage: use_num_updates and warmup shorten the memory early on") {
  ExponentialMovingAverage plain({tensor({0.0}, kFloat64)}, 0.999);
  CHECK(plain.decay_at(1) == 0.999);
  ExponentialMovingAverage counted({tensor({0.0}, kFloat64)}, 0.999, {.use_num_updates = true});
  CHECK(counted.decay_at(1) == Approx(2.0 / 11));
  CHECK(counted.decay_at(100) == Approx(101.0 / 110));
  CHECK(counted.decay_at(100000) == 0.999);
  ExponentialMovingAverage warm({tensor({0.0}, kFloat64)}, 0.999, {.warmup = true});
  CHECK(warm.decay_at(1) == Approx(1 - std::pow(2.0, -2.0 / 3)));
  CHECK(warm.decay_at(10) == Approx(1 - std::pow(11.0, -2.0 / 3)));
  CHECK(warm.decay_at(10000000) == 0.999);

  // The shadow follows shadow_t = d_t shadow_{t-1} + (1 - d_t) p_t with those decays.
  auto p = tensor({0.0}, kFloat64);
  ExponentialMovingAverage ema({p}, 0.99, {.use_num_updates = true});
  double s = 0.0;
  for (int t = 1; t <= 5; ++t) {
    p.fill_(static_cast<double>(t * t));
    ema.update();
    const double dt = std::min(0.99, (1.0 + t) / (10.0 + t));
    s = dt * s + (1 - dt) * t * t;
  }
  CHECK(ema.shadow()[0].item<double>() == Approx(s).epsilon(1e-13));
}

TEST_CASE("ExponentialMovingAverage: store, copy_to and restore, swap and the scope guard round-trip") {
  auto a = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  auto b = tensor({{3.0}}, kFloat64).requires_grad_();
  ExponentialMovingAverage ema({a, b}, 0.5);
  {
    NoGradGuard ng;
    a.fill_(5.0);
    b.fill_(-1.0);
  }
  ema.update();  // shadow = (3, 3.5), (1)
  const std::vector<double> sa = {3.0, 3.5}, sb = {1.0};
  CHECK(ema.shadow()[0].to_vector<double>() == sa);

  ema.store();
  ema.copy_to();
  CHECK(a.to_vector<double>() == sa);
  CHECK(b.to_vector<double>() == sb);
  ema.restore();
  CHECK(a.to_vector<double>() == std::vector<double>{5.0, 5.0});
  CHECK(b.to_vector<double>() == std::vector<double>{-1.0});
  CHECK_THROWS_WITH(ema.restore(), Contains("nothing was stored"));

  ema.swap();
  CHECK(a.to_vector<double>() == sa);
  CHECK(ema.shadow()[0].to_vector<double>() == std::vector<double>{5.0, 5.0});
  ema.swap();
  CHECK(a.to_vector<double>() == std::vector<double>{5.0, 5.0});
  CHECK(ema.shadow()[0].to_vector<double>() == sa);

  {
    auto scope = ema.average_parameters();
    CHECK(a.to_vector<double>() == sa);
    CHECK(b.to_vector<double>() == sb);
  }
  CHECK(a.to_vector<double>() == std::vector<double>{5.0, 5.0});
  CHECK(a.requires_grad());
  CHECK(a.is_leaf());
}

TEST_CASE("ExponentialMovingAverage: a module is tracked by name and applied to an evaluation copy") {
  manual_seed(5);
  Aff model;
  ExponentialMovingAverage ema(model, 0.8, {.include_buffers = true});
  CHECK(ema.names() == std::vector<std::string>{"weight", "bias", "stat", "count"});
  const auto w0 = model->weight.detach().clone();
  set_snapshot(model, 2.0);
  ema.update();
  CHECK(allclose(ema.shadow()[0], 0.8 * w0 + 0.2 * model->weight.detach()));
  CHECK(allclose(ema.shadow()[2], full({2}, 0.2 * 20, kFloat64)));  // the float buffer is averaged
  CHECK(ema.shadow()[3].item<std::int64_t>() == 2);                 // integer buffer copied

  auto copy = std::dynamic_pointer_cast<AffImpl>(model->clone());
  ema.apply_to(*copy);
  CHECK(equal(copy->weight, ema.shadow()[0]));
  CHECK(equal(copy->stat, ema.shadow()[2]));
  CHECK_FALSE(equal(model->weight, ema.shadow()[0]));

  ExponentialMovingAverage params_only(model, 0.8);
  CHECK(params_only.names() == std::vector<std::string>{"weight", "bias"});
  struct OtherImpl : nn::Module {
    OtherImpl() { register_parameter("weight", zeros({3, 3}, kFloat64)); }
  };
  OtherImpl other;
  CHECK_THROWS_WITH(params_only.apply_to(other),
                    Contains("'bias' is missing") && Contains("'weight' has shape [3, 3]"));
}

TEST_CASE("ExponentialMovingAverage: state_dict save and load continue exactly; bad dicts are reported") {
  auto run = [](ExponentialMovingAverage& ema, Tensor& p, int from, int to) {
    for (int i = from; i < to; ++i) {
      p.fill_(std::sin(0.7 * i));
      ema.update();
    }
  };
  auto p1 = tensor({0.0, 1.0}, kFloat64);
  ExponentialMovingAverage e1({p1}, 0.95, {.use_num_updates = true});
  run(e1, p1, 0, 9);

  auto p2 = tensor({0.0, 1.0}, kFloat64);
  ExponentialMovingAverage e2({p2}, 0.95, {.use_num_updates = true});
  run(e2, p2, 0, 4);
  auto sd = e2.state_dict();
  CHECK(sd.keys() == std::vector<std::string>{"decay", "num_updates", "shadow.0"});
  auto p3 = tensor({7.0, 7.0}, kFloat64);
  ExponentialMovingAverage e3({p3}, 0.5, {.use_num_updates = true});
  e3.load_state_dict(sd);
  CHECK(e3.decay() == 0.95);
  run(e3, p3, 4, 9);
  CHECK(equal(e3.shadow()[0], e1.shadow()[0]));

  ExponentialMovingAverage wrong({tensor({1.0, 2.0, 3.0}, kFloat64)}, 0.9);
  sd.erase("num_updates");
  sd.insert("extra", zeros({1}));
  try {
    wrong.load_state_dict(sd);
    FAIL("accepted a bad state dict");
  } catch (const ValueError& e) {
    CHECK_THAT(std::string(e.what()), Contains("3 problems") && Contains("missing 'num_updates'") &&
                                          Contains("'shadow.0' has shape [2]") && Contains("unexpected 'extra'"));
  }
  CHECK(wrong.decay() == 0.9);
}

TEST_CASE("ExponentialMovingAverage: bad arguments are errors naming it") {
  auto p = tensor({1.0}, kFloat64);
  CHECK_THROWS_WITH(ExponentialMovingAverage({p}, 1.5), Contains("ExponentialMovingAverage") && Contains("1.5"));
  CHECK_THROWS_WITH(ExponentialMovingAverage({p}, -0.1), Contains("-0.1"));
  CHECK_THROWS_WITH(ExponentialMovingAverage(std::vector<Tensor>{}, 0.9), Contains("empty"));
  CHECK_THROWS_AS(ExponentialMovingAverage({arange(3)}, 0.9), DtypeError);
  CHECK_THROWS_WITH(ExponentialMovingAverage({p}, 0.9, {.use_num_updates = true, .warmup = true}),
                    Contains("choose one"));
  CHECK_THROWS_WITH(ExponentialMovingAverage({p}, 0.9, {.include_buffers = true}), Contains("module"));
  CHECK_THROWS_WITH(ExponentialMovingAverage({p}, 0.9, {.warmup = true, .warmup_gamma = 0.0}),
                    Contains("warmup_gamma"));
}

// ---- AveragedModel -------------------------------------------------------------------------------------

TEST_CASE("AveragedModel: the average equals the arithmetic mean of the snapshots") {
  manual_seed(7);
  Aff model;
  AveragedModel swa(model);
  CHECK(swa->n_averaged() == 0);
  const std::vector<double> ks = {1.0, 4.0, -2.5, 0.5};
  for (double k : ks) {
    set_snapshot(model, k);
    swa->update_parameters(model);
  }
  CHECK(swa->n_averaged() == 4);
  const double mean_k = (1.0 + 4.0 - 2.5 + 0.5) / 4;
  Aff expected;
  set_snapshot(expected, mean_k);
  auto& avg = dynamic_cast<AffImpl&>(swa->module());
  CHECK(allclose(avg.weight, expected->weight, 1e-14, 1e-14));
  CHECK(allclose(avg.bias, expected->bias, 1e-14, 1e-14));
  // Buffers are not averaged by default: the copy keeps the values it was made with.
  CHECK(avg.stat.to_vector<double>() == std::vector<double>{0.0, 0.0});
  // forward runs the averaged model.
  const auto x = tensor({{1.0, 2.0, 3.0}}, kFloat64);
  CHECK(allclose(swa(x), expected(x), 1e-14, 1e-14));
  // The averaged copy is independent of the model.
  set_snapshot(model, 100.0);
  CHECK(allclose(avg.weight, expected->weight, 1e-14, 1e-14));
}

TEST_CASE("AveragedModel: the state dict has PyTorch's keys and n_averaged") {
  Aff model;
  AveragedModel swa(model);
  swa->update_parameters(model);
  swa->update_parameters(*model);
  auto sd = swa->state_dict();
  CHECK(sd.contains("n_averaged"));
  CHECK(sd.contains("module.weight"));
  CHECK(sd.contains("module.stat"));
  CHECK(sd["n_averaged"].item<std::int64_t>() == 2);
  AveragedModel other(model);
  other->load_state_dict(sd);
  CHECK(other->n_averaged() == 2);
}

TEST_CASE("AveragedModel: use_buffers averages floating buffers and a custom avg_fn replaces the mean") {
  Aff model;
  AveragedModel swa(model, {.use_buffers = true});
  for (double k : {1.0, 2.0, 6.0}) {
    set_snapshot(model, k);
    swa->update_parameters(model);
  }
  auto& avg = dynamic_cast<AffImpl&>(swa->module());
  CHECK(avg.stat.to_vector<double>() == std::vector<double>{30.0, 30.0});  // mean of 10, 20, 60
  CHECK(avg.count.item<std::int64_t>() == 6);                              // integer buffers are copied

  // An exponential average through avg_fn: a ← 0.5 a + 0.5 x after the first copy.
  AveragedModel ema(model,
                    {.avg_fn = [](const Tensor& a, const Tensor& x, std::int64_t) { return 0.5 * a + 0.5 * x; }});
  for (double k : {2.0, 4.0, 8.0}) {
    set_snapshot(model, k);
    ema->update_parameters(model);
  }
  Aff expected;
  set_snapshot(expected, 0.25 * 2 + 0.25 * 4 + 0.5 * 8);  // linear in k
  CHECK(allclose(dynamic_cast<AffImpl&>(ema->module()).weight, expected->weight, 1e-14, 1e-14));
}

TEST_CASE("AveragedModel: swap exchanges the averaged and the current weights, twice is the identity") {
  Aff model;
  set_snapshot(model, 1.0);
  AveragedModel swa(model);
  swa->update_parameters(model);
  set_snapshot(model, 3.0);
  swa->update_parameters(model);  // average: snapshot 2
  const auto current = model->weight.detach().clone();
  swa->swap(model);
  Aff two;
  set_snapshot(two, 2.0);
  CHECK(allclose(model->weight, two->weight));
  CHECK(equal(dynamic_cast<AffImpl&>(swa->module()).weight, current));
  swa->swap(model);
  CHECK(equal(model->weight, current));
}

TEST_CASE("AveragedModel: a model of another structure is reported by name") {
  Aff model;
  AveragedModel swa(model);
  struct WrongImpl : nn::Module {
    WrongImpl() {
      register_parameter("weight", zeros({3, 3}, kFloat64));
      register_parameter("scale", zeros({1}, kFloat64));
    }
  };
  WrongImpl wrong;
  CHECK_THROWS_WITH(swa->update_parameters(wrong), Contains("AveragedModel") && Contains("'weight' has shape [3, 3]") &&
                                                       Contains("'bias' is missing") && Contains("unexpected 'scale'"));
  CHECK(swa->n_averaged() == 0);
  struct PlainImpl : nn::Module {
    PlainImpl() { register_parameter("w", zeros({1})); }
  };
  CHECK_THROWS_AS(AveragedModel(PlainImpl()), ValueError);  // not Cloneable
}

// ---- SWALR -----------------------------------------------------------------------------------------

namespace {
std::vector<double> trace(Optimizer& opt, int steps, const std::function<void()>& step) {
  std::vector<double> out;
  auto take = [&] {
    for (std::size_t g = 0; g < opt.num_param_groups(); ++g) out.push_back(opt.get_option(g, "lr"));
  };
  take();
  for (int i = 0; i < steps; ++i) {
    step();
    take();
  }
  return out;
}
void check_close(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("index " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(1e-12).margin(1e-15));
  }
}
}  // namespace

TEST_CASE("SWALR: cosine, linear and immediate annealing match PyTorch") {
  auto o1 = testing::toy::make({0.5});
  SWALR cos(*o1, 0.05, {.anneal_epochs = 5});
  check_close(trace(*o1, 9, [&] { cos.step(); }), testing::lr_reference::swalr_cos);
  auto o2 = testing::toy::make({0.5, 0.1});
  SWALR lin(*o2, {0.05, 0.2}, {.anneal_epochs = 3, .anneal_strategy = "linear"});
  check_close(trace(*o2, 6, [&] { lin.step(); }), testing::lr_reference::swalr_linear);
  CHECK(lin.swa_lrs() == std::vector<double>{0.05, 0.2});
  auto o3 = testing::toy::make({0.5});
  SWALR now(*o3, 0.05, {.anneal_epochs = 0});
  check_close(trace(*o3, 4, [&] { now.step(); }), testing::lr_reference::swalr_no_anneal);
}

TEST_CASE("SWALR: taking over from a cosine schedule matches PyTorch's SWA recipe") {
  auto opt = testing::toy::make({0.5});
  CosineAnnealingLR cosine(*opt, 10);
  SWALR swa(*opt, 0.01, {.anneal_epochs = 3});
  int epoch = 0;
  check_close(trace(*opt, 12, [&] { epoch++ < 5 ? cosine.step() : swa.step(); }),
              testing::lr_reference::swalr_after_cosine);
}

TEST_CASE("SWALR: bad arguments are ValueErrors naming it") {
  auto opt = testing::toy::make({0.5, 0.1});
  CHECK_THROWS_WITH(SWALR(*opt, -0.1), Contains("SWALR") && Contains("-0.1"));
  CHECK_THROWS_WITH(SWALR(*opt, {0.1, 0.2, 0.3}), Contains("SWALR") && Contains("got 3"));
  CHECK_THROWS_WITH(SWALR(*opt, 0.1, {.anneal_epochs = -2}), Contains("SWALR") && Contains("-2"));
  CHECK_THROWS_WITH(SWALR(*opt, 0.1, {.anneal_strategy = "step"}), Contains("SWALR") && Contains("'step'"));
}
