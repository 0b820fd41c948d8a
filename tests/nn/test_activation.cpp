// The activation layers: values and printing against PyTorch 1.13 (tests/reference/nn_activation.py),
// gradients in float64 through every layer, PReLU's learnable slopes, RReLU's sampled slopes,
// and bad options.
#include <catch2/catch.hpp>

#include <memory>
#include <sstream>
#include <string>
#include <xgrad/nn/activation.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/reference_inputs.hpp"

using namespace xg;
using Catch::Matchers::Contains;
using xg::testing::check_close;
using xg::testing::seq;
namespace F = xg::nn::functional;

namespace {

/// x = 3·sin(0.9k + 0.2), k = 0..7: four positive and four negative values, none near a kink.
Tensor reference_input() { return seq({8}, 0.9, 0.2, 3.0); }

struct Case {
  std::shared_ptr<nn::Module> layer;
  std::vector<double> expected;
  std::string repr;
};

std::string repr_of(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// PyTorch 1.13's outputs for reference_input() (tests/reference/nn_activation.py).
std::vector<Case> reference_cases() {
  return {
      {nn::Sigmoid().ptr(),
       {0.6447424676477594, 0.9354520832254076, 0.9386525785929375, 0.6721109159617155, 0.1375756279853948,
        0.04743627516209541, 0.13081181250132742, 0.655964080776976},
       "Sigmoid()"},
      {nn::Tanh().ptr(),
       {0.5342028551906756, 0.9905226158570248, 0.99149328823387, 0.6155124165091955, -0.9503684733989778,
        -0.9950524817351177, -0.9557035104023793, 0.5685380392444954},
       "Tanh()"},
      {nn::ReLU().ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, 0.0, 0.0, 0.0,
        0.6453599642634466},
       "ReLU()"},
      {nn::LeakyReLU().ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -0.01835573672828158,
        -0.02999769772692303, -0.018937999136169625, 0.6453599642634466},
       "LeakyReLU(negative_slope=0.01)"},
      {nn::LeakyReLU({.negative_slope = 0.2}).ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -0.3671147345656316,
        -0.5999539545384606, -0.3787599827233925, 0.6453599642634466},
       "LeakyReLU(negative_slope=0.2)"},
      {nn::ELU().ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -0.8404780379014324,
        -0.9502014679698542, -0.8495011616784919, 0.6453599642634466},
       "ELU(alpha=1.0)"},
      {nn::ELU({.alpha = 0.5}).ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -0.4202390189507162,
        -0.4751007339849271, -0.42475058083924594, 0.6453599642634466},
       "ELU(alpha=0.5)"},
      {nn::SELU().ptr(),
       {0.6262261860708701, 2.809177359465064, 2.8661991124966244, 0.7541385192878017, -1.4776438844312048,
        -1.6705485745100102, -1.4935074323960373, 0.6780803516513009},
       "SELU()"},
      {nn::CELU().ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -0.8404780379014324,
        -0.9502014679698542, -0.8495011616784919, 0.6453599642634466},
       "CELU(alpha=1.0)"},
      {nn::CELU({.alpha = 2.0}).ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -1.2011959887467576,
        -1.5536883060902578, -1.2241164048093087, 0.6453599642634466},
       "CELU(alpha=2.0)"},
      {nn::GELU().ptr(),
       {0.43175716334219605, 2.6635910566310765, 2.7191984306325785, 0.5480319222819279, -0.06096007517735178,
        -0.004052445131399419, -0.05515841208707001, 0.4779878123968336},
       "GELU(approximate='none')"},
      {nn::GELU({.approximate = "tanh"}).ptr(),
       {0.43172498676538656, 2.6640637766796815, 2.719671006799365, 0.547971954450739, -0.06099911152803992,
        -0.0036400599153264225, -0.05515083651952965, 0.47794556243706926},
       "GELU(approximate='tanh')"},
      {nn::SiLU().ptr(),
       {0.3842716637482103, 2.501045344665857, 2.560543123193547, 0.4824062574037063, -0.2525302007527914,
        -0.1422979043603685, -0.24773139921509219, 0.42333295572833385},
       "SiLU()"},
      {nn::Mish().ptr(),
       {0.4624253303096549, 2.651435581235154, 2.7074363878061893, 0.5783977385784462, -0.2697126552856814,
        -0.14566896397911397, -0.26377655518754106, 0.5087577659978547},
       "Mish()"},
      {nn::Softplus().ptr(),
       {1.0349123092677348, 2.740347435260738, 2.791202139563263, 1.1150798862063087, 0.14800781854189093,
        0.04859827150220778, 0.1401956207765705, 1.0670092107137459},
       "Softplus(beta=1, threshold=20)"},
      {nn::Softplus({.beta = 2, .threshold = 3}).ptr(),
       {0.728576115879998, 2.6736220801843062, 2.727892280477045, 0.8244954818647465, 0.012564432558846502,
        0.0012384119649938667, 0.0111985999927732, 0.7668615543717388},
       "Softplus(beta=2, threshold=3)"},
      {nn::Softsign().ptr(),
       {0.37343672163851044, 0.7277890925705047, 0.7317519056982962, 0.41784242671548166, -0.6473376764700262,
        -0.7499856099650242, -0.6544336063822397, 0.3922302585941096},
       "Softsign()"},
      {nn::Hardtanh().ptr(),
       {0.5960079923851836, 1.0, 1.0, 0.7177479876419459, -1.0, -1.0, -1.0, 0.6453599642634466},
       "Hardtanh(min_val=-1.0, max_val=1.0)"},
      {nn::Hardtanh({.min_val = -0.5, .max_val = 2.0}).ptr(),
       {0.5960079923851836, 2.0, 2.0, 0.7177479876419459, -0.5, -0.5, -0.5, 0.6453599642634466},
       "Hardtanh(min_val=-0.5, max_val=2.0)"},
      {nn::Hardsigmoid().ptr(),
       {0.5993346653975306, 0.9456036800307177, 0.9546487134128409, 0.6196246646069911, 0.19407105452864037,
        3.837121794954731e-05, 0.18436668106383958, 0.6075599940439077},
       "Hardsigmoid()"},
      {nn::PReLU().ptr(),
       {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -0.45889341820703944,
        -0.7499424431730757, -0.47344997840424063, 0.6453599642634466},
       "PReLU(num_parameters=1)"},
  };
}

}  // namespace

TEST_CASE("activations: every layer matches PyTorch on the same input and prints as PyTorch") {
  const Tensor x = reference_input();
  for (auto& c : reference_cases()) {
    INFO(c.repr);
    c.layer->to(kFloat64);
    const Tensor y = (*c.layer)(x);
    CHECK(y.dtype() == kFloat64);
    CHECK(y.sizes() == x.sizes());
    check_close(y, c.expected);
    CHECK(repr_of(*c.layer) == c.repr);
  }
}

TEST_CASE("activations: float32 layers give the float64 values to float precision") {
  const Tensor x = reference_input();
  for (auto& c : reference_cases()) {
    INFO(c.repr);
    const Tensor y = (*c.layer)(x.to(kFloat32));
    CHECK(y.dtype() == kFloat32);
    check_close(y, c.expected, 1e-5, 1e-6);
  }
}

TEST_CASE("activations: Softmax and LogSoftmax take the dim and match PyTorch") {
  const Tensor m = reference_input().reshape({2, 4});
  nn::Softmax sm(1);
  nn::LogSoftmax lsm(0);
  check_close(sm(m), {0.05392116923655939, 0.4305817661520048, 0.45459523931582607, 0.060901825295609814,
                      0.07038274205637805, 0.02197162816050585, 0.06640164638159479, 0.8412439834015213});
  check_close(lsm(m), {-0.08424711629970157, -0.0034303002222645022, -0.00978807741036715, -0.6576080291519661,
                       -2.5158287815130427, -5.676822153098874, -4.631480271504375, -0.7299960525304655});
  CHECK(repr_of(*sm) == "Softmax(dim=1)");
  CHECK(repr_of(*lsm) == "LogSoftmax(dim=0)");
  // Rows of a softmax sum to one, even for logits whose exponentials overflow.
  const Tensor big = tensor({{1000.0, 1001.0, 999.0}}, kFloat64);
  check_close(sm(big).sum(), 1.0);
  CHECK(bool(isfinite(lsm(big)).all().item<bool>()));
  CHECK_THROWS_AS(sm(tensor({1.0, 2.0})), IndexError);  // dim 1 of a 1-D input
}

TEST_CASE("activations: the functional forms equal the layers") {
  const Tensor x = reference_input();
  CHECK(allclose(F::leaky_relu(x, {.negative_slope = 0.2}), nn::LeakyReLU({.negative_slope = 0.2})(x)));
  CHECK(allclose(F::gelu(x, {.approximate = "tanh"}), nn::GELU({.approximate = "tanh"})(x)));
  CHECK(allclose(F::softplus(x, {.beta = 2, .threshold = 3}), nn::Softplus({.beta = 2, .threshold = 3})(x)));
  CHECK(allclose(F::hardtanh(x, {.min_val = -0.5, .max_val = 2}), nn::Hardtanh({.min_val = -0.5, .max_val = 2})(x)));
  CHECK(allclose(F::celu(x, {.alpha = 2}), nn::CELU({.alpha = 2})(x)));
  CHECK(allclose(F::elu(x), nn::ELU()(x)));
  CHECK(allclose(F::mish(x), x * tanh(softplus(x))));
  CHECK(allclose(F::hardsigmoid(x), clamp(x / 6 + 0.5, 0, 1)));
  CHECK(allclose(F::silu(x), x * sigmoid(x)));
  CHECK(allclose(F::prelu(x, full({1}, 0.25, kFloat64)), nn::PReLU()(x).to(kFloat64)));
  CHECK(allclose(F::softmax(x, 0), exp(x) / exp(x).sum()));
  CHECK(allclose(F::log_softmax(x, 0), log(F::softmax(x, 0))));
}

TEST_CASE("activations: gradients through every layer pass gradcheck in float64") {
  const Tensor x = reference_input();
  for (auto& c : reference_cases()) {
    INFO(c.repr);
    c.layer->to(kFloat64);
    auto layer = c.layer;
    const autograd::Fn f = [layer](const TensorList& in) { return (*layer)(in[0]); };
    CHECK(autograd::gradcheck(f, {x.clone().requires_grad_()}));
    CHECK(autograd::gradgradcheck(f, {x.clone().requires_grad_()}));
  }
  for (std::int64_t dim : {0, 1}) {
    INFO("softmax dim " << dim);
    const Tensor m = reference_input().reshape({2, 4}).requires_grad_();
    nn::Softmax sm(dim);
    nn::LogSoftmax lsm(dim);
    CHECK(autograd::gradcheck([&](const TensorList& in) { return sm(in[0]); }, {m}));
    CHECK(autograd::gradcheck([&](const TensorList& in) { return lsm(in[0]); }, {m}));
  }
}

TEST_CASE("PReLU: a weight of num_parameters slopes initialized to 0.25, named as in PyTorch") {
  nn::PReLU one;
  CHECK(one->named_parameters().keys() == std::vector<std::string>{"weight"});
  CHECK(one->weight.sizes() == Shape{1});
  CHECK(one->weight.item<double>() == 0.25);
  nn::PReLU per_channel({.num_parameters = 3, .init = 0.1});
  CHECK(per_channel->weight.sizes() == Shape{3});
  CHECK(allclose(per_channel->weight, full({3}, 0.1)));
  CHECK(per_channel->weight.requires_grad());
  CHECK(repr_of(*per_channel) == "PReLU(num_parameters=3)");
  CHECK_THROWS_AS(nn::PReLU({.num_parameters = 0}), ValueError);
}

TEST_CASE("PReLU: one slope per channel of dim 1, and its weight gradient matches PyTorch") {
  nn::PReLU p({.num_parameters = 4});
  p->to(kFloat64);
  {
    NoGradGuard ng;
    p->weight.copy_(tensor({0.1, 0.2, 0.3, 0.4}, kFloat64));
  }
  const Tensor x = seq({2, 4, 3}, 0.9, 0.2, 3.0);
  const Tensor y = p(x);
  (y * arange(0, 24, 1, kFloat64).reshape({2, 4, 3})).sum().backward();
  // tests/reference/nn_activation.py
  check_close(
      y, {0.5960079923851836,  2.6736220801843062,  2.727892280477045,    0.7177479876419459,   -0.3671147345656316,
          -0.5999539545384606, -0.5681399740850888, 0.6453599642634466,   2.6961242874348805,   2.706515501268882,
          0.6686697423007429,  -0.7500847786714586, -0.29999706196521103, -0.18544113367110998, 0.6945294753046116,
          2.7178642269253857,  2.6843735164215126,  0.6194024458133898,   -0.5742960141131527,  -0.8997969879657101,
          -0.5443495401656557, 0.7435026239488794,  2.738835752182883,    2.6614725860770534});
  check_close(p->weight.grad(), {-60.10699481306962, -22.341143554774145, -139.09767224402964, -20.62733141346511});
  // gradcheck w.r.t. both the input and the slopes
  const autograd::Fn f = [](const TensorList& in) { return F::prelu(in[0], in[1]); };
  CHECK(autograd::gradcheck(f, {x.clone().requires_grad_(), tensor({0.1, 0.2, 0.3, 0.4}, kFloat64).requires_grad_()}));
  CHECK(autograd::gradgradcheck(f,
                                {x.clone().requires_grad_(), tensor({0.1, 0.2, 0.3, 0.4}, kFloat64).requires_grad_()}));
}

TEST_CASE("PReLU: a slope count that is neither 1 nor the channel count is a ShapeError") {
  nn::PReLU p({.num_parameters = 3});
  CHECK_THROWS_AS(p(zeros({2, 4})), ShapeError);
  CHECK_THROWS_WITH(p(zeros({2, 4})), Contains("prelu") && Contains("[2, 4]") && Contains("3 parameters"));
  CHECK_THROWS_AS(F::prelu(zeros({2, 3}), zeros({3, 1})), ShapeError);
  CHECK_NOTHROW(p(zeros({5, 3, 2, 2})));
}

TEST_CASE("PReLU: a clone has its own slopes") {
  nn::PReLU p;
  auto copy = std::dynamic_pointer_cast<nn::PReLUImpl>(p->clone());
  REQUIRE(copy);
  {
    NoGradGuard ng;
    copy->weight.fill_(0.5);
  }
  CHECK(p->weight.item<double>() == 0.25);
  CHECK(copy->weight.item<double>() == 0.5);
}

TEST_CASE("RReLU: in training each negative element gets its own slope in lower..upper") {
  manual_seed(7);
  nn::RReLU r({.lower = 0.1, .upper = 0.3});
  const Tensor x = -ones({2000}, kFloat64) * 2;
  const Tensor slopes = r(x) / x;
  CHECK(slopes.min().item<double>() >= 0.1);
  CHECK(slopes.max().item<double>() <= 0.3);
  // U(0.1, 0.3) has mean 0.2 and standard deviation 0.2/√12: the sample mean of 2000 slopes is
  // within five standard errors.
  CHECK(std::abs(slopes.mean().item<double>() - 0.2) < 5 * (0.2 / std::sqrt(12.0)) / std::sqrt(2000.0));
  CHECK(slopes.std().item<double>() > 0.05);  // not one shared slope
  // Positive inputs pass unchanged.
  const Tensor pos = arange(1, 6, 1, kFloat64);
  CHECK(equal(r(pos), pos));
}

TEST_CASE("RReLU: the backward uses the slopes sampled in the forward") {
  manual_seed(11);
  nn::RReLU r;
  const Tensor x = seq({50}, 0.9, 0.2, 3.0).requires_grad_();
  const Tensor y = r(x);
  y.sum().backward();
  // dy/dx is the element's slope: y/x for every element (1 for the positive ones).
  check_close(x.grad(), (y / x).detach().to_vector<double>());
  // gradcheck through the layer in training, the slopes held fixed by reseeding before each call
  const autograd::Fn f = [&r](const TensorList& in) {
    manual_seed(3);
    return r(in[0]);
  };
  CHECK(autograd::gradcheck(f, {seq({8}, 0.9, 0.2, 3.0).requires_grad_()}));
  CHECK(autograd::gradgradcheck(f, {seq({8}, 0.9, 0.2, 3.0).requires_grad_()}));
}

TEST_CASE("RReLU: manual_seed repeats the slopes and eval uses their mean as PyTorch") {
  nn::RReLU r;
  const Tensor x = reference_input();
  manual_seed(5);
  const Tensor a = r(x);
  manual_seed(5);
  const Tensor b = r(x);
  CHECK(equal(a, b));
  r->eval();
  // slope (1/8 + 1/3) / 2 (tests/reference/nn_activation.py)
  check_close(r(x), {0.5960079923851836, 2.6736220801843062, 2.727892280477045, 0.7177479876419459, -0.4206523000231195,
                     -0.6874472395753194, -0.43399581353722055, 0.6453599642634466});
  CHECK(repr_of(*r) == "RReLU(lower=0.125, upper=0.3333333333333333)");
  CHECK(equal(F::rrelu(x), r(x)));  // the functional form defaults to training = false
}

TEST_CASE("activations: bad options are ValueErrors naming the layer and the value") {
  CHECK_THROWS_WITH(nn::GELU({.approximate = "fast"}), Contains("GELU") && Contains("fast"));
  CHECK_THROWS_AS(F::gelu(ones({2}), {.approximate = "erf"}), ValueError);
  CHECK_THROWS_WITH(nn::CELU({.alpha = 0}), Contains("CELU") && Contains("alpha"));
  CHECK_THROWS_AS(F::celu(ones({2}), {.alpha = 0}), ValueError);
  CHECK_THROWS_WITH(nn::Hardtanh({.min_val = 1, .max_val = -1}), Contains("Hardtanh") && Contains("min_val"));
  CHECK_THROWS_WITH(nn::RReLU({.lower = 0.5, .upper = 0.1}), Contains("RReLU") && Contains("0.5"));
  CHECK_THROWS_AS(F::rrelu(ones({2}), {.lower = 0.5, .upper = 0.1, .training = true}), ValueError);
  CHECK_THROWS_AS(nn::Softplus({.beta = 0}), ValueError);
}

TEST_CASE("activations: integer inputs are computed in float32 as in PyTorch") {
  const Tensor i = tensor({-2, 0, 3});
  CHECK(nn::Mish()(i).dtype() == kFloat32);
  CHECK(nn::Hardsigmoid()(i).dtype() == kFloat32);
  check_close(nn::Hardsigmoid()(i), {1.0 / 6, 0.5, 1.0}, 1e-6);
  check_close(nn::CELU()(i), {std::expm1(-2.0), 0, 3}, 1e-6);
}
