// The normalization layers: values against PyTorch 1.13 (tests/reference/nn_normalization.py),
// running statistics against their closed form, train/eval behaviour, gradients in float64 and
// errors for wrong inputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>
#include <xgrad/nn/normalization.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/reference_inputs.hpp"

using namespace xg;
using Catch::Matchers::Contains;
using xg::testing::check_close;
using xg::testing::seq;
namespace F = xg::nn::functional;

namespace {

std::string repr_of(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

/// Per-channel mean and unbiased variance of an [N, C, ...] tensor, by plain loops.
struct ChannelStats {
  std::vector<double> mean, var;
};
ChannelStats channel_stats(const Tensor& x) {
  const std::int64_t n = x.size(0), c = x.size(1), inner = x.numel() / (n * c);
  const std::vector<double> v = x.contiguous().to_vector<double>();
  ChannelStats s{std::vector<double>(c, 0.0), std::vector<double>(c, 0.0)};
  const double count = static_cast<double>(n * inner);
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double sum = 0, sq = 0;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < inner; ++k) sum += v[static_cast<std::size_t>((i * c + ch) * inner + k)];
    const double m = sum / count;
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < inner; ++k) {
        const double d = v[static_cast<std::size_t>((i * c + ch) * inner + k)] - m;
        sq += d * d;
      }
    s.mean[ch] = m;
    s.var[ch] = sq / (count - 1);
  }
  return s;
}

}  // namespace

TEST_CASE("BatchNorm1d: training output, running statistics and eval output match PyTorch") {
  nn::BatchNorm1d bn(3);
  bn->to(kFloat64);
  {
    NoGradGuard ng;
    bn->weight.copy_(tensor({0.5, 1.5, -1.0}, kFloat64));
    bn->bias.copy_(tensor({0.1, -0.2, 0.3}, kFloat64));
  }
  const Tensor x = seq({4, 3}, 0.7, 0.3, 2.0);
  check_close(bn(x), {0.274832990362097, 1.1233881389005462, -0.6951690545402551, 0.5777750126084784,
                      -0.5596457898779843, 1.4530329842386702, -0.7402152304919851, -2.5059949107785577,
                      1.134215074968579, 0.2876072275214096, 1.1422525617559955, -0.6920790046669939});
  check_close(bn->running_mean, {0.015249731653038593, 0.042501680607479914, 0.04976442506514474});
  check_close(bn->running_var, {1.1097267228531442, 1.1710530211647583, 1.197164383394458});
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 1);
  bn->eval();
  check_close(bn(x), {0.37329057704927743, 2.0738486402888, -1.4671772520719357, 0.7339592640765551,
                      -0.14364081555868397, 1.4638941668628356, -0.8351786421436662, -2.7080624705204497,
                      1.0288894304194809, 0.38849898989956616, 2.0987035514449683, -1.4629610951634602});
}

TEST_CASE("BatchNorm1d: a [N, C, L] input is normalized over N and L as PyTorch") {
  nn::BatchNorm1d bn(3);
  const Tensor y = bn(seq({2, 3, 4}, 0.5, 0.1, 1.5));
  check_close(y,
              {-1.1021275914475515, 0.04171682798184854, 0.8453574149536875,  1.1120349258319462,   1.0684111773603329,
               0.339783217453073,   -0.6533256117261567, -1.6677676329130107, 0.17039300524434697,  -1.1010876751243441,
               -0.6090888377987235, 1.5259310427845731,  -1.7960888122154592, -0.5811374126711075,  0.44610659532858754,
               1.0341380522380499,  1.2919618450844654,  0.7984828984463945,  -0.07178259708145775, -1.1057632966236413,
               1.5708424244759251,  -0.5870588764026469, -1.107332836895067,  0.13740175371592797},
              1e-5, 1e-5);  // float32 parameters and buffers
  CHECK(y.dtype() == kFloat64);
  check_close(bn->running_var, {0.942459807764484, 0.9585576550501291, 0.9048930705884546}, 1e-6, 1e-7);
}

TEST_CASE("BatchNorm2d: running statistics after three steps equal their closed form and PyTorch") {
  const double m = 0.3;
  nn::BatchNorm2d bn(2, {.momentum = m});
  bn->to(kFloat64);
  // Closed form: r_k = (1 − m)·r_{k−1} + m·s_k from r_0 = 0 (mean) and 1 (var), with s_k the
  // batch mean and the unbiased batch variance of channel c.
  std::vector<double> rm{0, 0}, rv{1, 1};
  for (int step = 0; step < 3; ++step) {
    const Tensor x = seq({2, 2, 3, 3}, 0.3 + 0.1 * step, 0.2 * step, 1.0 + step);
    bn(x);
    const ChannelStats s = channel_stats(x);
    for (int c = 0; c < 2; ++c) {
      rm[c] = (1 - m) * rm[c] + m * s.mean[c];
      rv[c] = (1 - m) * rv[c] + m * s.var[c];
    }
  }
  check_close(bn->running_mean, rm);
  check_close(bn->running_var, rv);
  check_close(bn->running_mean, {0.186485549419163, -0.05363142426185731});
  check_close(bn->running_var, {2.0267020512903837, 2.459142147995005});
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 3);
  bn->eval();
  check_close(bn(seq({1, 2, 2, 2}, 0.9, 0.4, 2.0)),
              {0.41608609269218616, 1.2226739078671511, 1.004833350140341, -0.07257818938787618, -0.9310055994225162,
               -1.2187937177465458, -0.5583411395722336, 0.5505347910782196});
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 3);  // eval does not count batches
}

TEST_CASE("BatchNorm2d: the input gradient in training matches PyTorch") {
  nn::BatchNorm2d bn(2, {.momentum = 0.3});
  bn->to(kFloat64);
  const Tensor x = seq({2, 2, 3, 3}, 0.3, 0.0, 1.0).requires_grad_();
  (bn(x) * seq({2, 2, 3, 3}, 1.1, 0.5, 1.0)).sum().backward();
  check_close(x.grad(),
              {0.438624898917391,   1.5153868640114185,  0.5663298982992475,  -1.2644035057332295, -1.889222585403023,
               -0.5661907696183964, 1.2848984246815098,  1.6317579439742502,  0.05134614542405348, -1.0562248738946312,
               -1.1780848830562725, 0.17916997313246077, 1.481904621704266,   1.258441135255538,   -0.28838899661786005,
               -1.4992051316585482, -1.0686917208883013, 0.5295393397482767,  1.079540432988945,   0.3641317113846768,
               -1.4554551656849002, -2.282901888103311,  -1.0961845164989117, 0.9250295578912779,  1.678063363006227,
               0.4255725389772306,  -1.4063233485144555, -1.1351263047842994, 0.11821087260513004, 1.5544194814400967,
               1.571673101057293,   0.10880017325828763, -1.2840872223763777, -1.1352331186586597, 0.34491827858408,
               1.4979652751495218},
              1e-9, 1e-11);
}

TEST_CASE("BatchNorm: momentum nullopt makes the running statistics the plain average of the batches") {
  nn::BatchNorm1d bn(2, {.momentum = std::nullopt});
  bn->to(kFloat64);
  std::vector<double> mean_sum{0, 0}, var_sum{0, 0};
  for (int step = 0; step < 3; ++step) {
    const Tensor x = seq({3, 2}, 0.4 + 0.2 * step, 0.1 * step, 1.0 + 0.5 * step);
    bn(x);
    const ChannelStats s = channel_stats(x);
    for (int c = 0; c < 2; ++c) {
      mean_sum[c] += s.mean[c];
      var_sum[c] += s.var[c];
    }
  }
  check_close(bn->running_mean, {mean_sum[0] / 3, mean_sum[1] / 3});
  check_close(bn->running_var, {var_sum[0] / 3, var_sum[1] / 3});
  // tests/reference/nn_normalization.py
  check_close(bn->running_mean, {0.671519670276205, 0.6277439643967441});
  check_close(bn->running_var, {0.7447610846391599, 1.293801258585657});
  CHECK(repr_of(*bn) == "BatchNorm1d(2, eps=1e-05, momentum=nullopt, affine=true, track_running_stats=true)");
}

TEST_CASE("BatchNorm: reset_running_stats and momentum nullopt re-estimate the statistics of new data") {
  // What a weight-averaging utility does after averaging: forget the statistics, then average the
  // batch statistics of a pass over the data.
  nn::BatchNorm1d bn(2);
  bn->to(kFloat64);
  for (int step = 0; step < 4; ++step) bn(seq({5, 2}, 0.3 * step + 0.1, 0.2, 3.0));
  bn->reset_running_stats();
  CHECK(equal(bn->running_mean, zeros({2}, kFloat64)));
  CHECK(equal(bn->running_var, ones({2}, kFloat64)));
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 0);
  const std::optional<double> saved = bn->options.momentum;
  bn->options.momentum = std::nullopt;
  const Tensor a = seq({4, 2}, 0.7, 0.0, 1.0), b = seq({4, 2}, 0.9, 1.0, 2.0);
  {
    NoGradGuard ng;
    bn(a);
    bn(b);
  }
  bn->options.momentum = saved;
  const ChannelStats sa = channel_stats(a), sb = channel_stats(b);
  check_close(bn->running_mean, {(sa.mean[0] + sb.mean[0]) / 2, (sa.mean[1] + sb.mean[1]) / 2});
  check_close(bn->running_var, {(sa.var[0] + sb.var[0]) / 2, (sa.var[1] + sb.var[1]) / 2});
  // The generic route: every batch-norm layer of a model through the common base.
  std::shared_ptr<nn::Module> as_module = bn.ptr();
  auto* base = dynamic_cast<nn::BatchNormImplBase*>(as_module.get());
  REQUIRE(base != nullptr);
  base->reset_parameters();
  CHECK(equal(bn->weight, ones({2}, kFloat64)));
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 0);
}

TEST_CASE("BatchNorm: eval uses the running statistics and leaves them unchanged") {
  nn::BatchNorm1d bn(3);
  bn->to(kFloat64);
  const Tensor x = seq({6, 3}, 0.7, 0.3, 2.0) + 1;
  const Tensor train_out = bn(x);
  const Tensor rm = bn->running_mean.clone(), rv = bn->running_var.clone();
  bn->eval();
  const Tensor eval_out = bn(x);
  CHECK_FALSE(allclose(train_out, eval_out, 1e-3, 1e-3));
  CHECK(equal(bn->running_mean, rm));
  CHECK(equal(bn->running_var, rv));
  // eval: (x − running_mean)/√(running_var + eps)·weight + bias, by hand
  const Tensor expected = (x - rm) / sqrt(rv + 1e-5);
  CHECK(allclose(eval_out, expected, 1e-12, 1e-12));
  // A single sample is fine in eval, not in training.
  CHECK_NOTHROW(bn(x.narrow(0, 0, 1)));
  bn->train();
  CHECK_THROWS_WITH(bn(x.narrow(0, 0, 1)), Contains("more than 1 value per channel") && Contains("[1, 3]"));
}

TEST_CASE("BatchNorm: without running statistics eval uses the batch statistics; without affine no parameters") {
  nn::BatchNorm1d bn(3, {.affine = false, .track_running_stats = false});
  CHECK(bn->parameters().empty());
  CHECK(bn->buffers().empty());
  CHECK(bn->state_dict().size() == 0);
  const Tensor x = seq({5, 3}, 0.7, 0.3, 2.0);
  const Tensor train_out = bn(x);
  bn->eval();
  CHECK(allclose(bn(x), train_out, 1e-12, 1e-12));
  // Each channel of the output has mean 0 and biased variance 1 − eps/(var + eps) ≈ 1.
  CHECK(allclose(train_out.mean({0}), zeros({3}, kFloat64), 0, 1e-12));
  CHECK(allclose(train_out.var({0}, false), ones({3}, kFloat64), 1e-4, 0));
}

TEST_CASE("BatchNorm: parameters and buffers have PyTorch's names, dtypes and initial values") {
  nn::BatchNorm2d bn(4);
  CHECK(bn->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  CHECK(bn->named_buffers().keys() == std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"});
  CHECK(bn->state_dict().keys() ==
        std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK(equal(bn->weight, ones({4})));
  CHECK(equal(bn->bias, zeros({4})));
  CHECK(equal(bn->running_var, ones({4})));
  CHECK(bn->num_batches_tracked.dtype() == kInt64);
  bn->to(kFloat64);
  CHECK(bn->running_mean.dtype() == kFloat64);
  CHECK(bn->num_batches_tracked.dtype() == kInt64);
  CHECK(repr_of(*bn) == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
}

TEST_CASE("BatchNorm: a clone has its own running statistics") {
  nn::BatchNorm1d bn(2);
  bn(seq({4, 2}, 0.7, 0.3, 2.0));
  auto copy = std::dynamic_pointer_cast<nn::BatchNorm1dImpl>(bn->clone());
  REQUIRE(copy);
  CHECK(equal(copy->running_mean, bn->running_mean));
  CHECK(copy->num_batches_tracked.item<std::int64_t>() == 1);
  (*copy)(seq({4, 2}, 0.2, 0.1, 5.0));
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 1);
  CHECK_FALSE(equal(copy->running_mean, bn->running_mean));
}

TEST_CASE("BatchNorm: gradients w.r.t. input, weight and bias pass gradcheck in float64, in training and eval") {
  for (bool training : {true, false}) {
    INFO("training " << training);
    nn::BatchNorm2d bn(3, {.momentum = 0.5});
    bn->to(kFloat64);
    bn(seq({3, 3, 2, 2}, 0.8, 0.4, 1.5));  // running statistics away from 0 / 1
    bn->train(training);
    // The running statistics are copied per call, so that training-mode updates do not change
    // what the next call of the check sees.
    const autograd::Fn fn = [training, &bn](const TensorList& in) {
      return F::batch_norm(in[0], bn->running_mean.clone(), bn->running_var.clone(),
                           {.weight = in[1], .bias = in[2], .training = training, .momentum = 0.1, .eps = 1e-5});
    };
    const TensorList inputs{seq({2, 3, 2, 2}, 0.5, 0.3, 2.0).requires_grad_(),
                            tensor({0.5, 1.5, -1.0}, kFloat64).requires_grad_(),
                            tensor({0.1, -0.2, 0.3}, kFloat64).requires_grad_()};
    CHECK(autograd::gradcheck(fn, inputs));
    CHECK(autograd::gradgradcheck(fn, inputs));
  }
  // Through the module: input and parameters.
  nn::BatchNorm1d bn(3);
  bn->to(kFloat64);
  const Tensor x = seq({4, 3, 2}, 0.5, 0.3, 2.0).requires_grad_();
  CHECK(autograd::gradcheck([&](const TensorList& in) { return bn(in[0]) * seq({4, 3, 2}, 0.9, 0.1, 1.0); }, {x}));
  const Tensor y = (bn(x) * seq({4, 3, 2}, 0.9, 0.1, 1.0)).sum();
  const auto grads = autograd::grad({y}, {bn->weight, bn->bias});
  // d/dbias = Σ of the upstream gradient per channel; d/dweight = Σ upstream · x̂
  const Tensor up = seq({4, 3, 2}, 0.9, 0.1, 1.0);
  CHECK(allclose(grads[1], up.sum({0, 2}), 1e-12, 1e-12));
  const Tensor xhat = (x.detach() - x.detach().mean({0, 2}, true)) / sqrt(x.detach().var({0, 2}, false, true) + 1e-5);
  CHECK(allclose(grads[0], (up * xhat).sum({0, 2}), 1e-10, 1e-12));
}

TEST_CASE("BatchNorm: wrong channel counts, ranks and dtypes are typed errors showing the shape") {
  nn::BatchNorm1d bn1(3);
  CHECK_THROWS_AS(bn1(zeros({4, 5})), ShapeError);
  CHECK_THROWS_WITH(bn1(zeros({4, 5})), Contains("BatchNorm1d") && Contains("3 channels") && Contains("[4, 5]"));
  CHECK_THROWS_WITH(bn1(zeros({2, 3, 4, 5})), Contains("BatchNorm1d") && Contains("4-D") && Contains("[2, 3, 4, 5]"));
  CHECK_THROWS_AS(bn1(zeros({3})), ShapeError);
  CHECK_THROWS_AS(bn1(zeros({4, 3}, kInt64)), DtypeError);
  nn::BatchNorm2d bn2(3);
  CHECK_THROWS_WITH(bn2(zeros({4, 3, 5})), Contains("BatchNorm2d") && Contains("[4, 3, 5]"));
  CHECK_THROWS_WITH(bn2(zeros({2, 4, 5, 5})), Contains("BatchNorm2d") && Contains("3 channels"));
  CHECK_THROWS_AS(nn::BatchNorm2d(0), ValueError);
  CHECK_THROWS_AS(nn::BatchNorm2d(3, {.momentum = 1.5}), ValueError);
  CHECK_THROWS_AS(F::batch_norm(zeros({4, 3}), zeros({4}), ones({4})), ShapeError);
  CHECK_THROWS_AS(F::batch_norm(zeros({4, 3}), Tensor(), Tensor()), ValueError);  // eval needs running stats
  CHECK_THROWS_AS(F::batch_norm(zeros({4, 3}), zeros({3}), Tensor(), {.training = true}), ValueError);
}

TEST_CASE("batch_norm: the functional form updates the running statistics it is given") {
  Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);
  const Tensor x = seq({5, 2}, 0.6, 0.2, 2.0);
  F::batch_norm(x, rm, rv, {.training = true, .momentum = 0.25});
  const ChannelStats s = channel_stats(x);
  check_close(rm, {0.25 * s.mean[0], 0.25 * s.mean[1]});
  check_close(rv, {0.75 + 0.25 * s.var[0], 0.75 + 0.25 * s.var[1]});
  // Training without running statistics normalizes with the batch statistics only.
  const Tensor y = F::batch_norm(x, Tensor(), Tensor(), {.training = true});
  CHECK(allclose(y.mean({0}), zeros({2}, kFloat64), 0, 1e-12));
}

TEST_CASE("LayerNorm: values over the trailing dims match PyTorch") {
  nn::LayerNorm ln({3, 4});
  ln->to(kFloat64);
  {
    NoGradGuard ng;
    ln->weight.copy_(seq({3, 4}, 0.8, 0.5, 1.0));
    ln->bias.copy_(seq({3, 4}, 0.6, 0.2, 0.5));
  }
  check_close(
      ln(seq({2, 3, 4}, 0.45, 0.05, 2.0)),
      {0.07108326443344366,  0.8779495743847338,   1.3592681904437893,  0.7521201850087794,  -0.38319195515824733,
       -0.9183503070447225,  -0.6411754879679504,  -0.4375892274735717, -0.945780871648629,  -1.5682736573922365,
       -1.2411140930971651,  0.06492564989232819,  -0.5812116890701285, -0.452134504348652,  0.36673902126658825,
       0.5811144294313638,   -0.29743799024681283, -1.3082172662621814, -1.3532982468746613, -0.6411804758654399,
       -0.29061402438860734, -0.6812128424803433,  -0.8741860762274897, 0.053155357057142756});
  nn::LayerNorm plain({4}, {.eps = 1e-3, .elementwise_affine = false});
  CHECK(plain->parameters().empty());
  check_close(plain(seq({3, 4}, 0.45, 0.05, 2.0)),
              {-1.4888431957857193, -0.2872037587989933, 0.6473378826842336, 1.1287090719004795, 1.1717604140637794,
               0.6150231156180478, -0.3251680254402128, -1.461615504241615, 1.6349378630567226, -0.027936786081379044,
               -0.8735278446201522, -0.7334732323551905});
  CHECK(repr_of(*ln) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=true)");
  CHECK(repr_of(*plain) == "LayerNorm((4,), eps=0.001, elementwise_affine=false)");
  CHECK(ln->named_parameters().keys() == std::vector<std::string>{"weight", "bias"});
  // train and eval are the same for LayerNorm
  const Tensor x = seq({2, 3, 4}, 0.45, 0.05, 2.0);
  const Tensor t = ln(x);
  ln->eval();
  CHECK(equal(ln(x), t));
}

TEST_CASE("LayerNorm: gradients w.r.t. input, weight and bias pass gradcheck in float64") {
  const autograd::Fn fn = [](const TensorList& in) {
    return F::layer_norm(in[0], {2, 3}, {.weight = in[1], .bias = in[2], .eps = 1e-5});
  };
  const TensorList inputs{seq({3, 2, 3}, 0.5, 0.3, 2.0).requires_grad_(), seq({2, 3}, 0.7, 0.4, 1.0).requires_grad_(),
                          seq({2, 3}, 0.3, 0.9, 1.0).requires_grad_()};
  CHECK(autograd::gradcheck(fn, inputs));
  CHECK(autograd::gradgradcheck(fn, inputs));
  nn::LayerNorm ln({3});
  ln->to(kFloat64);
  CHECK(autograd::gradcheck([&](const TensorList& in) { return ln(in[0]); },
                            {seq({4, 3}, 0.5, 0.3, 2.0).requires_grad_()}));
}

TEST_CASE("LayerNorm: an input whose trailing shape differs is a ShapeError showing both shapes") {
  nn::LayerNorm ln({10});
  CHECK_THROWS_AS(ln(zeros({3, 5})), ShapeError);
  CHECK_THROWS_WITH(ln(zeros({3, 5})), Contains("layer_norm") && Contains("[10]") && Contains("[3, 5]"));
  CHECK_THROWS_AS(F::layer_norm(zeros({2, 3}), {3}, {.weight = ones({2})}), ShapeError);
  CHECK_THROWS_AS(nn::LayerNorm(Shape{}), ValueError);
  CHECK_THROWS_AS(ln(zeros({3, 10}, kInt64)), DtypeError);
}

TEST_CASE("GroupNorm: values match PyTorch and print as PyTorch") {
  nn::GroupNorm gn(2, 4);
  gn->to(kFloat64);
  {
    NoGradGuard ng;
    gn->weight.copy_(tensor({1.0, 2.0, 0.5, -1.0}, kFloat64));
    gn->bias.copy_(tensor({0.0, 0.1, 0.2, 0.3}, kFloat64));
  }
  check_close(
      gn(seq({2, 4, 3}, 0.35, 0.15, 1.5)),
      {-1.8368157436097587,  -0.7549752421993661, 0.13628181688929847, 1.557772876719793,   2.0019652022093846,
       1.6512802589104734,   0.9094511279882559,  0.6657211531652135,  0.36396970169780807, 0.6184289652405822,
       1.229287678194812,    1.7305673222671598,  -0.7242044013360875, -0.9464030051388577, -0.7533056775216886,
       -0.23665270548855846, 1.5752071003802308,  3.809271773101594,   -0.7229193372585655, -0.17321989400490284,
       0.27609153812435955,  -0.4410677853918143, -0.6488093746974697, -0.450218226188934});
  CHECK(repr_of(*gn) == "GroupNorm(2, 4, eps=1e-05, affine=true)");
  // One group per channel on [N, C, L] is instance normalization: each (n, c) row has mean 0.
  nn::GroupNorm inst(3, 3, {.affine = false});
  CHECK(inst->parameters().empty());
  const Tensor y = inst(seq({2, 3, 5}, 0.6, 0.2, 2.0));
  CHECK(allclose(y.mean({2}), zeros({2, 3}, kFloat64), 0, 1e-7));
}

TEST_CASE("GroupNorm: gradients w.r.t. input, weight and bias pass gradcheck in float64") {
  const autograd::Fn fn = [](const TensorList& in) {
    return F::group_norm(in[0], 2, {.weight = in[1], .bias = in[2], .eps = 1e-5});
  };
  const TensorList inputs{seq({2, 4, 3}, 0.5, 0.3, 2.0).requires_grad_(),
                          tensor({1.0, 2.0, 0.5, -1.0}, kFloat64).requires_grad_(),
                          tensor({0.0, 0.1, 0.2, 0.3}, kFloat64).requires_grad_()};
  CHECK(autograd::gradcheck(fn, inputs));
  CHECK(autograd::gradgradcheck(fn, inputs));
}

TEST_CASE("GroupNorm: channels not divisible by the groups, or not matching, are errors naming both") {
  CHECK_THROWS_AS(nn::GroupNorm(3, 4), ValueError);
  CHECK_THROWS_WITH(nn::GroupNorm(3, 4), Contains("GroupNorm") && Contains("4") && Contains("3"));
  nn::GroupNorm gn(2, 4);
  CHECK_THROWS_AS(gn(zeros({2, 6, 3})), ShapeError);
  CHECK_THROWS_WITH(gn(zeros({2, 6, 3})), Contains("GroupNorm") && Contains("[2, 6, 3]"));
  CHECK_THROWS_AS(gn(zeros({4})), ShapeError);
  CHECK_THROWS_AS(F::group_norm(zeros({2, 6, 3}), 4), ShapeError);
  CHECK_THROWS_AS(F::group_norm(zeros({2, 6, 3}), 0), ValueError);
}
