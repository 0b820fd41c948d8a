// The losses: hand-computed cases, values for every option against PyTorch 1.13
// (tests/reference/nn_loss.py), gradients in float64, numerical stability and typed errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <xgrad/nn/loss.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/reference_inputs.hpp"

using namespace xg;
using Catch::Matchers::Contains;
using xg::testing::check_close;
using xg::testing::seq;
namespace F = xg::nn::functional;
using nn::kMean;
using nn::kNone;
using nn::kSum;

namespace {

/// gradcheck and gradgradcheck of f w.r.t. every input that requires grad.
void check_gradients(const autograd::Fn& f, const TensorList& inputs, bool second_order = true) {
  CHECK(autograd::gradcheck(f, inputs));
  if (second_order) CHECK(autograd::gradgradcheck(f, inputs));
}

Tensor i64(std::initializer_list<std::int64_t> v) { return tensor(std::vector<std::int64_t>(v)); }

// The inputs of tests/reference/nn_loss.py.
Tensor reg_x() { return seq({3, 4}, 0.7, 0.3, 2.0); }
Tensor reg_y() { return seq({3, 4}, 0.5, 1.1, 1.5); }
Tensor logits() { return seq({4, 5}, 0.9, 0.2, 3.0); }
Tensor labels() { return i64({1, 0, 4, 2}); }
Tensor class_weight() { return tensor({0.2, 1.0, 0.5, 2.0, 0.7}, kFloat64); }
Tensor probs() { return softmax(seq({4, 5}, 0.4, 0.7, 2.0), 1); }
Tensor bce_p() { return sigmoid(seq({3, 4}, 0.8, 0.4, 3.0)); }
Tensor bce_q() { return (seq({3, 4}, 0.3, 0.9, 1.0) + 1) / 2; }
Tensor bce_w() { return tensor({0.5, 1.0, 2.0, 1.5}, kFloat64); }

}  // namespace

// ---- regression losses ------------------------------------------------------------------------

TEST_CASE("mse_loss and l1_loss: hand-computed values for each reduction") {
  const Tensor x = tensor({1.0, 2.0, -1.0}, kFloat64), y = tensor({0.0, 0.0, 1.0}, kFloat64);
  check_close(F::mse_loss(x, y), (1.0 + 4.0 + 4.0) / 3);
  check_close(F::mse_loss(x, y, {.reduction = kSum}), 9.0);
  check_close(F::mse_loss(x, y, {.reduction = kNone}), {1.0, 4.0, 4.0});
  check_close(F::l1_loss(x, y), 5.0 / 3);
  check_close(nn::L1Loss({.reduction = kSum})(x, y), 5.0);
  check_close(nn::MSELoss()(x, y), 3.0);
}

TEST_CASE("regression losses match PyTorch for every option") {
  const Tensor x = reg_x(), y = reg_y();
  check_close(F::mse_loss(x, y), 0.947884437514535);
  check_close(F::mse_loss(x, y, {.reduction = kSum}), 11.37461325017442);
  check_close(F::l1_loss(x, y), 0.7897298093597142);
  check_close(F::smooth_l1_loss(x, y), 0.40997060648965183);
  check_close(F::smooth_l1_loss(x, y, {.reduction = kSum, .beta = 0.5}), 6.856529366846728);
  check_close(F::smooth_l1_loss(x, y, {.beta = 0.0}), 0.7897298093597142);
  check_close(F::huber_loss(x, y), 0.40997060648965183);
  check_close(F::huber_loss(x, y, {.reduction = kNone, .delta = 0.7}),
              {0.2770394387386318, 0.016851095513752704, 0.2370268457076519, 0.16685380038706885,
               0.00021611893604892536, 0.15676366759307464, 0.2643511981135049, 0.03819096394542363, 0.2054204332357892,
               0.8539878786846666, 1.1368818983656908, 0.812983113583688});
  check_close(nn::SmoothL1Loss({.beta = 0.5})(x, y), 6.856529366846728 / 12);
  check_close(nn::HuberLoss({.delta = 0.7})(x, y),
              F::huber_loss(x, y, {.reduction = kSum, .delta = 0.7}).item<double>() / 12);
}

TEST_CASE("regression losses: gradients pass gradcheck in float64 w.r.t. input and target") {
  const TensorList in{reg_x().requires_grad_(), reg_y().requires_grad_()};
  check_gradients([](const TensorList& v) { return F::mse_loss(v[0], v[1]); }, in);
  check_gradients([](const TensorList& v) { return F::l1_loss(v[0], v[1], {.reduction = kSum}); }, in);
  check_gradients([](const TensorList& v) { return F::smooth_l1_loss(v[0], v[1], {.beta = 0.5}); }, in);
  check_gradients([](const TensorList& v) { return F::huber_loss(v[0], v[1], {.reduction = kNone, .delta = 0.7}); },
                  in);
  nn::MSELoss mse;
  check_gradients([&](const TensorList& v) { return mse(v[0], v[1]); }, in);
}

TEST_CASE("regression losses: mismatched shapes, integer tensors and bad hyper-parameters are typed errors") {
  CHECK_THROWS_AS(F::mse_loss(zeros({3, 1}), zeros({3})), ShapeError);
  CHECK_THROWS_WITH(F::mse_loss(zeros({3, 1}), zeros({3})),
                    Contains("mse_loss") && Contains("[3]") && Contains("[3, 1]"));
  CHECK_THROWS_AS(F::l1_loss(zeros({3}), zeros({3}, kInt64)), DtypeError);
  CHECK_THROWS_AS(F::smooth_l1_loss(zeros({3}), zeros({3}), {.beta = -1}), ValueError);
  CHECK_THROWS_AS(F::huber_loss(zeros({3}), zeros({3}), {.delta = 0}), ValueError);
  CHECK_THROWS_AS(nn::HuberLoss({.delta = -2}), ValueError);
  CHECK_THROWS_WITH(F::mse_loss(zeros({3}), zeros({3}), {.reduction = nn::kBatchMean}), Contains("kl_div"));
}

// ---- cross entropy and NLL ----------------------------------------------------------------------

TEST_CASE("cross_entropy: uniform logits give log C and a confident right answer gives about 0") {
  check_close(F::cross_entropy(zeros({3, 5}, kFloat64), i64({0, 4, 2})), std::log(5.0));
  const Tensor sure = tensor({{20.0, 0.0, 0.0}}, kFloat64);
  CHECK(F::cross_entropy(sure, i64({0})).item<double>() < 1e-8);
  // −log softmax(x)[t] by hand for one row
  const Tensor row = tensor({{1.0, 2.0, 3.0}}, kFloat64);
  check_close(F::cross_entropy(row, i64({2})), -(3 - std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0))));
}

TEST_CASE("cross_entropy: class-index targets match PyTorch for every option") {
  const Tensor x = logits(), t = labels(), w = class_weight();
  check_close(F::cross_entropy(x, t), 2.7297409993075723);
  check_close(F::cross_entropy(x, t, {.reduction = kSum}), 10.91896399723029);
  check_close(F::cross_entropy(x, t, {.reduction = kNone}),
              {0.8473463905127178, 6.4625682887592175, 0.767350439060512, 2.8416988788978426});
  check_close(F::cross_entropy(x, t, {.weight = w}), 1.707439497939934);
  check_close(F::cross_entropy(x, t, {.weight = w, .reduction = kSum}), 4.0978547950558415);
  check_close(F::cross_entropy(x, t, {.ignore_index = 4}), 3.383871186056592);
  check_close(F::cross_entropy(x, t, {.weight = w, .ignore_index = 4}), 2.094534992772637);
  check_close(F::cross_entropy(x, t, {.label_smoothing = 0.1}), 2.7455569605329266);
  check_close(F::cross_entropy(x, t, {.reduction = kNone, .label_smoothing = 0.1}),
              {1.017114665173942, 6.139502710156829, 0.9441312802997032, 2.8814791865012332});
  check_close(F::cross_entropy(x, t, {.reduction = kSum, .label_smoothing = 0.1}), 10.982227842131707);
  check_close(F::cross_entropy(x, t, {.weight = w, .label_smoothing = 0.1}), 1.9685391030971093);
  check_close(F::cross_entropy(x, t, {.ignore_index = 4, .label_smoothing = 0.2}), 3.308193188498076);
  check_close(F::cross_entropy(x, t, {.weight = w, .ignore_index = 4, .label_smoothing = 0.2}), 2.591506573563525);
  // Every target ignored: the weighted mean is 0/0, NaN as in PyTorch.
  CHECK(std::isnan(F::cross_entropy(x, full({4}, 7, kInt64), {.ignore_index = 7}).item<double>()));
}

TEST_CASE("cross_entropy: the gradient with weights, ignore_index and smoothing matches PyTorch") {
  const Tensor x = logits().requires_grad_();
  F::cross_entropy(x, labels(), {.weight = class_weight(), .ignore_index = 4, .label_smoothing = 0.2}).backward();
  check_close(x.grad(), {0.026105181979345953,
                         -0.24807916745878897,
                         0.24799529862093794,
                         -0.012258946529257936,
                         -0.013762366612237155,
                         -0.09851504543614086,
                         -0.022597125649442745,
                         4.644832859561559e-05,
                         0.04475920616747654,
                         0.07630651658951142,
                         0.0,
                         0.0,
                         0.0,
                         0.0,
                         0.0,
                         0.15642908363133237,
                         0.13229839601658422,
                         -0.22729643561803572,
                         -0.045490420319767896,
                         -0.015940623710112938});
}

TEST_CASE(
    "cross_entropy and nll_loss: every target ignored with mean gives a NaN loss and zero gradients, as PyTorch") {
  const Tensor all_ignored = full({4}, 7, kInt64);
  for (const double smoothing : {0.0, 0.2}) {
    INFO("label_smoothing " << smoothing);
    const Tensor x = logits().requires_grad_();
    const Tensor loss = F::cross_entropy(x, all_ignored, {.ignore_index = 7, .label_smoothing = smoothing});
    CHECK(std::isnan(loss.item<double>()));
    loss.backward();
    CHECK(x.grad().abs().sum().item<double>() == 0.0);
  }
  const Tensor lp = logits().requires_grad_();
  const Tensor nll = F::nll_loss(lp, all_ignored, {.weight = class_weight(), .ignore_index = 7});
  CHECK(std::isnan(nll.item<double>()));
  nll.backward();
  CHECK(lp.grad().abs().sum().item<double>() == 0.0);
}

TEST_CASE("cross_entropy: class-probability targets match PyTorch") {
  const Tensor x = logits(), p = probs(), w = class_weight();
  check_close(F::cross_entropy(x, p), 3.3426427522423308);
  check_close(F::cross_entropy(x, p, {.reduction = kSum}), 13.370571008969323);
  check_close(F::cross_entropy(x, p, {.reduction = kNone}),
              {2.2812105833206004, 5.228864339002317, 1.9977061881718403, 3.862789898474566});
  check_close(F::cross_entropy(x, p, {.weight = w}), 2.8613988849677954);
  check_close(F::cross_entropy(x, p, {.label_smoothing = 0.2}), 3.251694324106088);
  // One-hot probabilities give the class-index loss.
  Tensor onehot = zeros({4, 5}, kFloat64);
  const std::vector<std::int64_t> t{1, 0, 4, 2};
  for (std::int64_t i = 0; i < 4; ++i) onehot.select(0, i).select(0, t[static_cast<std::size_t>(i)]).fill_(1);
  check_close(F::cross_entropy(x, onehot), 2.7297409993075723);
  CHECK_THROWS_AS(F::cross_entropy(x, p, {.ignore_index = 0}), ValueError);
}

TEST_CASE("cross_entropy: [N, C, d1, d2] and unbatched [C] inputs match PyTorch") {
  const Tensor x = seq({2, 3, 2, 2}, 0.6, 0.1, 2.5);
  const Tensor t = tensor(std::vector<std::int64_t>{0, 2, 1, 1, 2, 0, 0, 1}).reshape({2, 2, 2});
  check_close(F::cross_entropy(x, t), 2.830285655267847);
  check_close(F::cross_entropy(x, t, {.weight = tensor({0.3, 1.2, 0.8}, kFloat64)}), 3.676293432300179);
  const Tensor none = F::cross_entropy(x, t, {.reduction = kNone});
  CHECK(none.sizes() == Shape{2, 2, 2});
  check_close(none, {1.5140953601470653, 3.6022497279339145, 3.811309708471982, 4.893452075190279, 3.344831973463904,
                     0.11947845583059082, 0.5514480428902396, 4.805419898214797});
  check_close(F::cross_entropy(x, t, {.ignore_index = 1, .label_smoothing = 0.1}), 1.852486954488066);
  const Tensor unbatched = F::cross_entropy(seq({5}, 0.9, 0.2, 3.0), scalar_tensor(3, kInt64));
  CHECK(unbatched.dim() == 0);
  check_close(unbatched, 2.8032204830550778);
}

TEST_CASE("cross_entropy: huge logits do not overflow") {
  const Tensor x = tensor({{1000.0, 0.0, -1000.0}, {-5000.0, 5000.0, 0.0}}, kFloat64).requires_grad_();
  const Tensor loss = F::cross_entropy(x, i64({1, 1}), {.reduction = kNone});
  check_close(loss, {1000.0, 0.0});
  loss.sum().backward();
  CHECK(bool(isfinite(x.grad()).all().item<bool>()));
  CHECK(std::isfinite(F::cross_entropy(x.detach().to(kFloat32), i64({0, 2})).item<double>()));
}

TEST_CASE("cross_entropy: gradients pass gradcheck in float64 w.r.t. logits and class weights") {
  const Tensor t = labels();
  const TensorList in{logits().requires_grad_(), class_weight().requires_grad_()};
  check_gradients([&](const TensorList& v) { return F::cross_entropy(v[0], t, {.weight = v[1]}); }, in);
  check_gradients(
      [&](const TensorList& v) {
        return F::cross_entropy(v[0], t, {.weight = v[1], .ignore_index = 4, .label_smoothing = 0.3});
      },
      in);
  check_gradients(
      [&](const TensorList& v) { return F::cross_entropy(v[0], t, {.reduction = kNone, .label_smoothing = 0.1}); },
      {logits().requires_grad_()});
  // probability targets: w.r.t. logits, target and weight
  check_gradients(
      [](const TensorList& v) { return F::cross_entropy(v[0], v[1], {.weight = v[2], .label_smoothing = 0.2}); },
      {logits().requires_grad_(), probs().requires_grad_(), class_weight().requires_grad_()});
  const Tensor tk = tensor(std::vector<std::int64_t>{0, 2, 1, 1, 2, 0, 0, 1}).reshape({2, 2, 2});
  check_gradients([&](const TensorList& v) { return F::cross_entropy(v[0], tk); },
                  {seq({2, 3, 2, 2}, 0.6, 0.1, 2.5).requires_grad_()});
  nn::CrossEntropyLoss ce({.weight = class_weight(), .label_smoothing = 0.05});
  check_gradients([&](const TensorList& v) { return ce(v[0], t); }, {logits().requires_grad_()});
}

TEST_CASE("cross_entropy: out-of-range classes, wrong shapes and dtypes are typed errors naming them") {
  const Tensor x = logits();
  CHECK_THROWS_AS(F::cross_entropy(x, i64({1, 0, 5, 2})), IndexError);
  CHECK_THROWS_WITH(F::cross_entropy(x, i64({1, 0, 5, 2})),
                    Contains("cross_entropy") && Contains("target 5") && Contains("5 classes"));
  CHECK_THROWS_WITH(F::cross_entropy(x, i64({1, -1, 0, 2})), Contains("target -1"));
  CHECK_THROWS_AS(F::cross_entropy(x, i64({1, 0, 2})), ShapeError);
  CHECK_THROWS_WITH(F::cross_entropy(x, i64({1, 0, 2})), Contains("[4]") && Contains("[3]") && Contains("[4, 5]"));
  CHECK_THROWS_AS(F::cross_entropy(x, tensor({1.0, 0.0, 4.0, 2.0})), DtypeError);
  CHECK_THROWS_WITH(F::cross_entropy(x, tensor({1.0, 0.0, 4.0, 2.0})), Contains("int64") && Contains("float32"));
  CHECK_THROWS_AS(F::cross_entropy(x, tensor({true, false, true, true})), DtypeError);
  CHECK_THROWS_AS(F::cross_entropy(x, zeros({4, 4}, kFloat64)), ShapeError);
  CHECK_THROWS_AS(F::cross_entropy(x, labels(), {.weight = ones({4}, kFloat64)}), ShapeError);
  CHECK_THROWS_AS(F::cross_entropy(x, labels(), {.label_smoothing = 1.5}), ValueError);
  CHECK_THROWS_AS(F::cross_entropy(scalar_tensor(1.0), scalar_tensor(0, kInt64)), ShapeError);
  CHECK_THROWS_AS(F::cross_entropy(x.to(kInt64), labels()), DtypeError);
  CHECK_THROWS_AS(nn::CrossEntropyLoss({.label_smoothing = -0.1}), ValueError);
}

TEST_CASE("nll_loss: values with weights, ignore_index and reductions match PyTorch") {
  const Tensor lp = log_softmax(logits(), 1), t = labels(), w = class_weight();
  check_close(F::nll_loss(lp, t), 2.7297409993075723);
  check_close(F::nll_loss(lp, t, {.weight = w}), 1.707439497939934);
  check_close(F::nll_loss(lp, t, {.weight = w, .ignore_index = 0}), 1.2751550624109078);
  check_close(F::nll_loss(lp, t, {.weight = w, .reduction = kSum}), 4.0978547950558415);
  check_close(F::nll_loss(lp, t, {.weight = w, .ignore_index = 0, .reduction = kNone}),
              {0.8473463905127178, 0.0, 0.5371453073423584, 1.4208494394489213});
  // −input[n, t] by hand
  check_close(F::nll_loss(tensor({{-1.0, -2.0}, {-3.0, -4.0}}, kFloat64), i64({1, 0})), (2.0 + 3.0) / 2);
  nn::NLLLoss nll({.weight = w});
  check_close(nll(lp, t), 1.707439497939934);
  check_gradients([&](const TensorList& v) { return F::nll_loss(v[0], t, {.weight = v[1], .ignore_index = 0}); },
                  {lp.clone().requires_grad_(), w.clone().requires_grad_()});
  CHECK_THROWS_WITH(F::nll_loss(lp, i64({9, 0, 1, 2})), Contains("nll_loss") && Contains("target 9"));
}

// ---- binary cross entropy -----------------------------------------------------------------------

TEST_CASE("binary_cross_entropy: values match PyTorch, with logs clamped at -100 at 0 and 1") {
  const Tensor p = bce_p(), q = bce_q();
  check_close(F::binary_cross_entropy(p, q), 1.178991837043571);
  check_close(F::binary_cross_entropy(p, q, {.weight = bce_w(), .reduction = kSum}), 18.04724535450866);
  const Tensor edge = tensor({0.0, 1.0, 0.3, 1.0, 0.0}, kFloat64).requires_grad_();
  const Tensor target = tensor({1.0, 0.0, 0.5, 1.0, 0.0}, kFloat64);
  const Tensor l = F::binary_cross_entropy(edge, target, {.reduction = kNone});
  check_close(l, {100.0, 100.0, 0.7803238741323343, 0.0, 0.0});
  l.sum().backward();
  // PyTorch's derivative (x − t)/max(x(1 − x), ε): finite at 0 and 1.
  check_close(edge.grad(), {-1000000003995.8029, 1000000003995.8029, -0.9523809523809524, 0.0, 0.0});
  nn::BCELoss bce({.weight = bce_w()});
  check_close(bce(p, q), 18.04724535450866 / 12);
}

TEST_CASE("binary_cross_entropy: gradients pass gradcheck w.r.t. input, target and weight") {
  check_gradients([](const TensorList& v) { return F::binary_cross_entropy(v[0], v[1], {.weight = v[2]}); },
                  {bce_p().requires_grad_(), bce_q().requires_grad_(), bce_w().requires_grad_()});
}

TEST_CASE("binary_cross_entropy: probabilities outside 0..1 and shape mismatches are typed errors") {
  CHECK_THROWS_AS(F::binary_cross_entropy(tensor({0.5, 1.5}), tensor({0.0, 1.0})), ValueError);
  CHECK_THROWS_WITH(F::binary_cross_entropy(tensor({0.5, -0.5}), tensor({0.0, 1.0})),
                    Contains("binary_cross_entropy") && Contains("-0.5"));
  CHECK_THROWS_AS(F::binary_cross_entropy(tensor({0.5, std::nan("")}), tensor({0.0, 1.0})), ValueError);
  CHECK_THROWS_AS(F::binary_cross_entropy(zeros({4, 1}), zeros({4})), ShapeError);
  CHECK_THROWS_AS(F::binary_cross_entropy(zeros({4, 3}), zeros({4, 3}), {.weight = ones({4})}), ShapeError);
}

TEST_CASE("binary_cross_entropy_with_logits: values with pos_weight and weight match PyTorch") {
  const Tensor z = seq({3, 4}, 0.8, 0.4, 4.0), q = bce_q();
  const Tensor pw = tensor({1.0, 2.0, 0.5, 3.0}, kFloat64);
  check_close(F::binary_cross_entropy_with_logits(z, q), 1.455110682321802);
  check_close(F::binary_cross_entropy_with_logits(z, q, {.pos_weight = pw}), 1.7926568572042036);
  check_close(F::binary_cross_entropy_with_logits(z, q, {.weight = bce_w(), .reduction = kSum, .pos_weight = pw}),
              26.228472539756538);
  // equals BCE of sigmoid(z) where that is well conditioned
  check_close(F::binary_cross_entropy_with_logits(z, q), F::binary_cross_entropy(sigmoid(z), q).item<double>(), 1e-9);
  const Tensor zg = z.clone().requires_grad_();
  F::binary_cross_entropy_with_logits(zg, q, {.pos_weight = pw}).backward();
  check_close(zg.grad(), {-0.005470350978255989, -0.0010139754015355644, -0.0009657519527831634, -0.05033752436408353,
                          -0.06550604361546959, -0.13629187984423233, -0.028216814855521365, -0.09866760219162451,
                          0.038097952667842626, 0.05793130834074773, 0.06788617045816467, 0.05063796486816599});
  nn::BCEWithLogitsLoss crit({.pos_weight = pw});
  CHECK(crit->named_buffers().keys() == std::vector<std::string>{"pos_weight"});
  check_close(crit(z, q), 1.7926568572042036);
}

TEST_CASE("binary_cross_entropy_with_logits: logits far beyond exp's range stay finite and exact") {
  const Tensor z = tensor({800.0, -800.0, 50.0, -50.0}, kFloat64).requires_grad_();
  const Tensor l =
      F::binary_cross_entropy_with_logits(z, tensor({0.0, 1.0, 0.5, 0.25}, kFloat64), {.reduction = kNone});
  check_close(l, {800.0, 800.0, 25.0, 12.5});
  l.sum().backward();
  check_close(z.grad(), {1.0, -1.0, 0.5, -0.25});  // σ(z) − t
  const Tensor z32 = tensor({100.0f, -100.0f});
  CHECK(bool(isfinite(F::binary_cross_entropy_with_logits(z32, tensor({0.0f, 1.0f}), {.reduction = kNone}))
                 .all()
                 .item<bool>()));
}

TEST_CASE("binary_cross_entropy_with_logits: gradients pass gradcheck w.r.t. logits, target, weight and pos_weight") {
  check_gradients(
      [](const TensorList& v) {
        return F::binary_cross_entropy_with_logits(v[0], v[1], {.weight = v[2], .pos_weight = v[3]});
      },
      {seq({3, 4}, 0.8, 0.4, 4.0).requires_grad_(), bce_q().requires_grad_(), bce_w().requires_grad_(),
       tensor({1.0, 2.0, 0.5, 3.0}, kFloat64).requires_grad_()});
  CHECK_THROWS_AS(F::binary_cross_entropy_with_logits(zeros({2, 3}), zeros({2, 3}), {.pos_weight = ones({2})}),
                  ShapeError);
}

// ---- KL divergence ------------------------------------------------------------------------------

TEST_CASE("kl_div: every reduction and log_target match PyTorch, with 0 log 0 = 0") {
  const Tensor in = log_softmax(seq({3, 4}, 0.55, 0.25, 2.0), 1);
  Tensor tg = softmax(seq({3, 4}, 0.35, 0.6, 2.0), 1);
  tg.select(0, 1).select(0, 2).fill_(0.0);
  check_close(F::kl_div(in, tg), 0.07052130642902103);
  check_close(F::kl_div(in, tg, {.reduction = nn::kBatchMean}), 0.28208522571608413);
  check_close(F::kl_div(in, tg, {.reduction = kSum}), 0.8462556771482524);
  check_close(F::kl_div(in, tg, {.reduction = kNone}),
              {0.06863201803719177, 0.012376431785995456, -0.04968844912046311, -0.011972854172365488,
               -0.16530500820522992, 0.06757556232618211, 0.0, 0.0783420196495078, 0.8521912144382491,
               0.2347179872158202, -0.04911099903338789, -0.19150224577324765});
  const Tensor ltg = log_softmax(seq({3, 4}, 0.35, 0.6, 2.0), 1);
  check_close(F::kl_div(in, ltg, {.reduction = nn::kBatchMean, .log_target = true}), 0.32357905506296564);
  nn::KLDivLoss kl({.reduction = nn::kBatchMean});
  check_close(kl(in, tg), 0.28208522571608413);
  // KL of a distribution with itself is 0.
  check_close(F::kl_div(ltg, exp(ltg), {.reduction = kSum}), 0.0, 0, 1e-15);
}

TEST_CASE("kl_div: gradients pass gradcheck w.r.t. input and target") {
  const Tensor tg = softmax(seq({3, 4}, 0.35, 0.6, 2.0), 1);
  check_gradients([](const TensorList& v) { return F::kl_div(v[0], v[1], {.reduction = nn::kBatchMean}); },
                  {log_softmax(seq({3, 4}, 0.55, 0.25, 2.0), 1).requires_grad_(), tg.clone().requires_grad_()});
  check_gradients([](const TensorList& v) { return F::kl_div(v[0], v[1], {.reduction = kSum, .log_target = true}); },
                  {seq({3, 4}, 0.55, 0.25, 1.0).requires_grad_(), seq({3, 4}, 0.35, 0.6, 1.0).requires_grad_()});
  CHECK_THROWS_AS(F::kl_div(zeros({3, 4}), zeros({4})), ShapeError);
}

// ---- embedding and ranking losses ---------------------------------------------------------------

TEST_CASE("cosine_embedding_loss: values match PyTorch and hand-computed cases") {
  const Tensor a = seq({4, 3}, 0.7, 0.2, 1.0), b = seq({4, 3}, 0.45, 0.9, 1.5);
  const Tensor y = tensor({1.0, -1.0, 1.0, -1.0}, kFloat64);
  check_close(F::cosine_embedding_loss(a, b, y), 0.24971791882469538);
  check_close(F::cosine_embedding_loss(a, b, y, {.margin = 0.2, .reduction = kSum}), 0.7988716752987814);
  check_close(F::cosine_embedding_loss(a, b, y, {.margin = -0.3, .reduction = kNone}),
              {0.07099765479491582, 1.0849289996468505, 0.1429450208570151, 0.0});
  check_close(F::cosine_embedding_loss(a.select(0, 0), b.select(0, 0), scalar_tensor(-1.0, kFloat64), {.margin = -0.5}),
              1.4290023452050842);
  // parallel vectors: cos = 1, loss 0 for y = 1 and 1 − margin for y = −1
  const Tensor u = tensor({{1.0, 2.0}}, kFloat64), v = tensor({{2.0, 4.0}}, kFloat64);
  check_close(F::cosine_embedding_loss(u, v, tensor({1.0}, kFloat64)), 0.0, 0, 1e-12);
  check_close(F::cosine_embedding_loss(u, v, tensor({-1.0}, kFloat64), {.margin = 0.25}), 0.75, 1e-12);
  nn::CosineEmbeddingLoss crit({.margin = 0.2, .reduction = kSum});
  check_close(crit(a, b, y), 0.7988716752987814);
  check_gradients([&](const TensorList& in) { return F::cosine_embedding_loss(in[0], in[1], y, {.margin = -0.3}); },
                  {a.clone().requires_grad_(), b.clone().requires_grad_()});
  CHECK_THROWS_AS(F::cosine_embedding_loss(a, b, zeros({4, 1})), ShapeError);
  CHECK_THROWS_AS(F::cosine_embedding_loss(a, b.narrow(1, 0, 2), y), ShapeError);
  CHECK_THROWS_AS(F::cosine_embedding_loss(a, b, y.narrow(0, 0, 3)), ShapeError);
}

TEST_CASE("margin_ranking_loss and hinge_embedding_loss: values match PyTorch") {
  const Tensor r1 = seq({5}, 0.9, 0.1, 1.0), r2 = seq({5}, 0.6, 0.8, 1.0);
  const Tensor ry = tensor({1.0, -1.0, 1.0, 1.0, -1.0}, kFloat64);
  check_close(F::margin_ranking_loss(r1, r2, ry), 0.15960717918365092);
  check_close(F::margin_ranking_loss(r1, r2, ry, {.margin = 0.5, .reduction = kSum}), 2.6455924923950445);
  check_close(nn::MarginRankingLoss({.margin = 0.5, .reduction = kSum})(r1, r2, ry), 2.6455924923950445);
  // max(0, −y(x1 − x2) + margin) by hand
  check_close(F::margin_ranking_loss(tensor({2.0}, kFloat64), tensor({1.0}, kFloat64), tensor({-1.0}, kFloat64),
                                     {.margin = 0.5}),
              1.5);
  const Tensor hx = seq({2, 3}, 0.8, 0.3, 2.0);
  const Tensor hy = tensor({{1.0, -1.0, 1.0}, {-1.0, -1.0, 1.0}}, kFloat64);
  check_close(F::hinge_embedding_loss(hx, hy), 0.41635256835169643);
  check_close(F::hinge_embedding_loss(hx, hy, {.margin = 2.0, .reduction = kNone}),
              {0.5910404133226791, 0.21758527987712917, 1.892600175374829, 1.1452402395323404, 2.70156645537924,
               -1.8323318734989098});
  check_close(nn::HingeEmbeddingLoss()(hx, hy), 0.41635256835169643);
  check_gradients([&](const TensorList& in) { return F::margin_ranking_loss(in[0], in[1], ry, {.margin = 0.1}); },
                  {r1.clone().requires_grad_(), r2.clone().requires_grad_()});
  check_gradients([&](const TensorList& in) { return F::hinge_embedding_loss(in[0], hy, {.margin = 2.0}); },
                  {hx.clone().requires_grad_()});
  CHECK_THROWS_AS(F::margin_ranking_loss(r1, r2.unsqueeze(0), ry), ShapeError);
  CHECK_THROWS_AS(F::hinge_embedding_loss(hx, hy.t()), ShapeError);
}

TEST_CASE("triplet_margin_loss: p-norm distances, margin and swap match PyTorch") {
  const Tensor a = seq({3, 4}, 0.7, 0.2, 1.0), p = seq({3, 4}, 0.5, 0.6, 1.0), n = seq({3, 4}, 0.3, 1.4, 1.0);
  check_close(F::triplet_margin_loss(a, p, n), 0.48711481264061524);
  check_close(F::triplet_margin_loss(a, p, n, {.margin = 0.5, .p = 1, .reduction = kSum}), 0.005961271271872182, 1e-8);
  check_close(F::triplet_margin_loss(a, p, n, {.margin = 2.0, .swap = true, .reduction = kNone}),
              {1.9419210947536976, 2.2221770976914454, 3.2739637116930282});
  check_close(F::triplet_margin_loss(a, p, n, {.margin = 1.5, .p = 3, .reduction = kNone}),
              {1.0809885837385294, 1.097948655041826, 0.9011399661704771});
  check_close(nn::TripletMarginLoss()(a, p, n), 0.48711481264061524);
  check_gradients(
      [](const TensorList& in) { return F::triplet_margin_loss(in[0], in[1], in[2], {.margin = 2.0, .swap = true}); },
      {a.clone().requires_grad_(), p.clone().requires_grad_(), n.clone().requires_grad_()});
  check_gradients(
      [](const TensorList& in) { return F::triplet_margin_loss(in[0], in[1], in[2], {.margin = 1.5, .p = 3}); },
      {a.clone().requires_grad_(), p.clone().requires_grad_(), n.clone().requires_grad_()});
  CHECK_THROWS_AS(F::triplet_margin_loss(a, p, n.select(0, 0)), ShapeError);
  CHECK_THROWS_AS(F::triplet_margin_loss(a, p, n, {.p = 0}), ValueError);
}

// ---- likelihood and margin losses (tests/reference/nn_loss_more.py) ------------------------------

namespace {
Tensor like_x() { return seq({3, 4}, 0.7, 0.3, 1.5); }
Tensor like_y() { return seq({3, 4}, 0.5, 1.1, 2.0).abs() * 2; }
Tensor like_var() { return seq({3, 4}, 0.35, 0.6, 1.0).abs() + 0.2; }
Tensor like_var1() { return seq({3, 1}, 0.9, 0.4, 1.0).abs() + 0.3; }
Tensor pm_one() {
  return tensor({1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0}, kFloat64).reshape({3, 4});
}
Tensor mm_x() { return seq({4, 5}, 0.9, 0.2, 1.5); }
TensorList grad_inputs(std::initializer_list<Tensor> ts) {
  TensorList r;
  for (const Tensor& t : ts) r.push_back(t.clone().requires_grad_());
  return r;
}
}  // namespace

TEST_CASE("smooth_l1_loss: with beta = 0 the input's gradient at input = target is -1, as PyTorch") {
  const TensorList in = grad_inputs({tensor({1.0, 2.0, 3.0}, kFloat64), tensor({1.0, 1.0, 3.5}, kFloat64)});
  const auto g = autograd::grad({F::smooth_l1_loss(in[0], in[1], {.reduction = kSum, .beta = 0.0})}, in);
  check_close(g[0], {-1.0, 1.0, -1.0});
  // PyTorch gives the target −1 at the tie as well (its backward reuses the input's branch with the
  // arguments swapped); here the target's gradient is the negated input's, as everywhere else.
  check_close(g[1], {1.0, -1.0, 1.0});
}

TEST_CASE("poisson_nll_loss: log-rate and rate inputs, full and eps match PyTorch") {
  const Tensor x = like_x(), y = like_y(), rate = like_x().abs() + 0.1;
  check_close(F::poisson_nll_loss(x, y), 1.694709702350455);
  check_close(F::poisson_nll_loss(x, y, {.full = true, .reduction = kSum}), 38.74329737003065);
  check_close(F::poisson_nll_loss(rate, y, {.log_input = false, .reduction = kNone}),
              {2.7182891587094833, 0.12631047583246313, -0.008261673624517574, 0.8920775461114594, 0.4647241844581659,
               0.9865793892812298, 0.09760861534860021, 0.01692499969099681, 2.195006009361744, 1.9986353253646016,
               1.143266625878015, 1.0108300580130058});
  check_close(nn::PoissonNLLLoss({.log_input = false, .full = true, .eps = 0.05})(rate, y), 2.3729617627566704);
  check_gradients([](const TensorList& v) { return F::poisson_nll_loss(v[0], v[1], {.full = true}); },
                  grad_inputs({x, y}));
  check_gradients(
      [](const TensorList& v) { return F::poisson_nll_loss(v[0], v[1], {.log_input = false, .full = true}); },
      grad_inputs({rate, y}));
  CHECK_THROWS_WITH(F::poisson_nll_loss(zeros({3, 1}), zeros({3})),
                    Contains("poisson_nll_loss") && Contains("[3]") && Contains("[3, 1]"));
  CHECK_THROWS_AS(F::poisson_nll_loss(zeros({3}), zeros({3}, kInt64)), DtypeError);
}

TEST_CASE("gaussian_nll_loss: full, per-element and per-sample variances and the eps clamp match PyTorch") {
  const Tensor x = like_x(), y = like_y(), v = like_var(), v1 = like_var1();
  check_close(F::gaussian_nll_loss(x, y, v), 8.655809462186285);
  check_close(F::gaussian_nll_loss(x, y, v, {.full = true, .reduction = kSum}), 114.8969759446915);
  check_close(F::gaussian_nll_loss(x, y, v1, {.reduction = kNone}),
              {6.8809232868987955, 5.2433894078138295, 2.615366142727964, 0.6118232911821191, 0.12124184777678465,
               2.9758122976741017, 9.005336380476564, 11.232175226302717, 8.252848095316713, 1.9614559493516814,
               0.18646632443043223, 0.07702468502604642});
  check_close(nn::GaussianNLLLoss()(x, y, v1.squeeze(1)), 4.0969885779148125);
  // Variances below eps are clamped; the clamp passes the gradient through unchanged.
  Tensor vs = v.clone();
  vs.index_put_({0, 1}, 1e-9);
  vs.index_put_({2, 3}, 0.0);
  const TensorList in = grad_inputs({x, y, vs});
  const Tensor loss = F::gaussian_nll_loss(in[0], in[1], in[2], {.eps = 0.01});
  check_close(loss, 39.38344945067208);
  const auto g = autograd::grad({loss}, in);
  check_close(g[0], {-0.34019702441172284, -22.800732791284798, -0.14075647981827688, -0.07302485322940981,
                     -0.007809121158537346, -0.24574393767368438, -0.6295233783754838, -1.5153198793742215,
                     -0.7800382350396439, -0.22225005066927034, 0.04476555775034199, 1.9822659656796782});
  check_close(g[1], (-g[0]).to_vector<double>());
  check_close(g[2], {-0.6399123946051134, -3115.073828250753, -0.08306462214503496, 0.002817395670414516,
                     0.03719541768544844, -0.3166269649959313, -2.311384327792431, -13.634209858773541,
                     -3.5592915721329876, -0.2423674572932437, 0.028895058443839574, -19.409603485485263});
  check_gradients([](const TensorList& t) { return F::gaussian_nll_loss(t[0], t[1], t[2], {.full = true}); },
                  grad_inputs({x, y, v}));
  check_gradients([](const TensorList& t) { return F::gaussian_nll_loss(t[0], t[1], t[2], {.reduction = kSum}); },
                  grad_inputs({x, y, v1}));
  CHECK_THROWS_WITH(F::gaussian_nll_loss(x, y, zeros({3, 2}, kFloat64)),
                    Contains("gaussian_nll_loss: var of shape [3, 2]") && Contains("[3, 4]"));
  CHECK_THROWS_WITH(F::gaussian_nll_loss(x, y, -v), Contains("gaussian_nll_loss: var has negative entries"));
  CHECK_THROWS_AS(F::gaussian_nll_loss(x, y, -v), ValueError);
  CHECK_THROWS_AS(F::gaussian_nll_loss(x, y.select(0, 0), v), ShapeError);
  CHECK_THROWS_AS(nn::GaussianNLLLoss({.eps = -1}), ValueError);
}

TEST_CASE("soft_margin_loss and multilabel_soft_margin_loss: values with weights match PyTorch") {
  const Tensor x = like_x(), y = pm_one(), t = (pm_one() + 1) / 2;
  const Tensor w = tensor({0.5, 1.0, 2.0, 1.5}, kFloat64);
  check_close(F::soft_margin_loss(x * 3, y), 1.2764641885323738);
  check_close(nn::SoftMarginLoss({.reduction = kNone})(x * 3, y),
              {0.23469207767951988, 3.8090383560744705, 0.01146758500390216, 0.04674500568082211, 0.7910737100349046,
               0.06176598583961187, 4.411101638327093, 0.018595086472246388, 1.852962866551404, 0.22003470837008868,
               3.8485066997514727, 0.011586542602949551});
  check_close(
      F::soft_margin_loss(tensor({800.0, -800.0}, kFloat64), tensor({-1.0, 1.0}, kFloat64), {.reduction = kSum}),
      1600.0);
  check_close(F::multilabel_soft_margin_loss(x, t), 0.7263659339110058);
  check_close(F::multilabel_soft_margin_loss(x, t, {.weight = w, .reduction = kNone}),
              {0.6578430497515624, 1.0999604803369962, 1.0857743025247426});
  check_close(nn::MultiLabelSoftMarginLoss({.weight = w, .reduction = kSum})(x, t), 2.843577832613301);
  check_close(F::multilabel_soft_margin_loss(x.select(0, 1), t.select(0, 1)), 0.7426186821166423);
  check_gradients([](const TensorList& v) { return F::soft_margin_loss(v[0], v[1]); }, grad_inputs({x, y}));
  check_gradients([w](const TensorList& v) { return F::multilabel_soft_margin_loss(v[0], v[1], {.weight = w}); },
                  grad_inputs({x, t}));
  CHECK_THROWS_WITH(F::soft_margin_loss(x, y.select(0, 0)), Contains("soft_margin_loss") && Contains("[4]"));
  CHECK_THROWS_WITH(F::multilabel_soft_margin_loss(x, t, {.weight = zeros({3}, kFloat64)}),
                    Contains("multilabel_soft_margin_loss: weight of shape [3]"));
  CHECK_THROWS_AS(F::multilabel_soft_margin_loss(x.reshape({3, 2, 2}), t.reshape({3, 2, 2})), ShapeError);
}

TEST_CASE("multi_margin_loss: p, margin and class weights match PyTorch") {
  const Tensor x = mm_x(), t = labels(), w = class_weight();
  check_close(F::multi_margin_loss(x, t), 0.9097312039146521);
  check_close(F::multi_margin_loss(x, t, {.p = 2, .margin = 0.5, .reduction = kNone}),
              {0.05557428276126456, 5.791079938033977, 0.047447462989164704, 0.9497256536338213});
  check_close(F::multi_margin_loss(x, t, {.weight = w, .reduction = kSum}), 1.2392666506531622);
  check_close(F::multi_margin_loss(x.select(0, 2), scalar_tensor(3, kInt64)), 1.1905661998118997);
  nn::MultiMarginLoss layer({.p = 2, .weight = w});
  const Tensor xg = x.clone().requires_grad_();
  const Tensor loss = layer(xg, t);
  check_close(loss, 0.695454433992558);
  check_close(autograd::grad({loss}, {xg})[0], {0.0,
                                                -0.10491980538751892,
                                                0.10271351001463694,
                                                0.0022062953728819836,
                                                0.0,
                                                -0.24153278930119462,
                                                0.031059698590753405,
                                                0.0564512973695575,
                                                0.07695894060127184,
                                                0.07706285273961186,
                                                0.06909490934486459,
                                                0.0,
                                                0.0,
                                                0.0,
                                                -0.06909490934486459,
                                                0.1024615445277999,
                                                0.10162427676520308,
                                                -0.20408582129300298,
                                                0.0,
                                                0.0});
  check_gradients([w](const TensorList& v) { return F::multi_margin_loss(v[0], labels(), {.p = 2, .weight = w}); },
                  grad_inputs({x}));
  check_gradients([](const TensorList& v) { return F::multi_margin_loss(v[0], labels(), {.margin = 0.7}); },
                  grad_inputs({x}));
  CHECK_THROWS_WITH(F::multi_margin_loss(x, t, {.p = 3}), Contains("multi_margin_loss: only p = 1 and p = 2"));
  CHECK_THROWS_AS(nn::MultiMarginLoss({.p = 0}), ValueError);
  CHECK_THROWS_WITH(F::multi_margin_loss(x, i64({1, 0, 5, 2})),
                    Contains("multi_margin_loss: target 5 is out of bounds"));
  CHECK_THROWS_AS(F::multi_margin_loss(x, i64({1, 0, 5, 2})), IndexError);
  CHECK_THROWS_AS(F::multi_margin_loss(x, i64({1, 0, 4})), ShapeError);
  CHECK_THROWS_AS(F::multi_margin_loss(x, t.to(kFloat64)), DtypeError);
  CHECK_THROWS_AS(F::multi_margin_loss(x, t, {.weight = zeros({4}, kFloat64)}), ShapeError);
}

TEST_CASE("triplet_margin_with_distance_loss: the default and custom distances and swap match PyTorch") {
  const Tensor a = seq({3, 4}, 0.7, 0.2, 1.0), p = seq({3, 4}, 0.5, 0.6, 1.0), n = seq({3, 4}, 0.3, 1.4, 1.0);
  const nn::DistanceFunction l1 = [](const Tensor& u, const Tensor& v) { return abs(u - v).sum({-1}); };
  check_close(F::triplet_margin_with_distance_loss(a, p, n), 0.4871148126406151);
  check_close(F::triplet_margin_with_distance_loss(a, p, n, {.margin = 2.0, .swap = true, .reduction = kNone}),
              {1.9419210947536976, 2.2221770976914454, 3.2739637116930282});
  check_close(
      F::triplet_margin_with_distance_loss(a, p, n, {.distance_function = l1, .margin = 0.5, .reduction = kSum}),
      0.005963271271872128, 1e-8);
  check_close(nn::TripletMarginWithDistanceLoss(
                  {.distance_function = l1, .margin = 1.5, .swap = true, .reduction = kNone})(a, p, n),
              {1.362312709833645, 2.013108518938611, 4.14859496920533});
  check_gradients(
      [](const TensorList& v) {
        return F::triplet_margin_with_distance_loss(v[0], v[1], v[2], {.margin = 2.0, .swap = true});
      },
      grad_inputs({a, p, n}));
  check_gradients(
      [l1](const TensorList& v) {
        return F::triplet_margin_with_distance_loss(v[0], v[1], v[2],
                                                    {.distance_function = l1, .margin = 1.5, .swap = true});
      },
      grad_inputs({a, p + 0.1, n}));  // a[0, 2] = p[0, 2]: off |a − p|'s kink
  CHECK_THROWS_WITH(F::triplet_margin_with_distance_loss(a, p, n.select(0, 0)),
                    Contains("triplet_margin_with_distance_loss") && Contains("[3, 4]") && Contains("[4]"));
  CHECK_THROWS_WITH(F::triplet_margin_with_distance_loss(a, p, n, {.margin = 0}),
                    Contains("triplet_margin_with_distance_loss: margin must be greater than 0, got 0"));
  CHECK_THROWS_AS(nn::TripletMarginWithDistanceLoss({.margin = -1}), ValueError);
}

// ---- layers -------------------------------------------------------------------------------------

TEST_CASE("loss layers keep their class weights as buffers that follow dtype moves and clones") {
  nn::CrossEntropyLoss ce({.weight = class_weight().to(kFloat32)});
  CHECK(ce->named_buffers().keys() == std::vector<std::string>{"weight"});
  CHECK(ce->parameters().empty());
  ce->to(kFloat64);
  CHECK(ce->weight.dtype() == kFloat64);
  check_close(ce(logits(), labels()), 1.707439497939934, 1e-6);
  auto copy = std::dynamic_pointer_cast<nn::CrossEntropyLossImpl>(ce->clone());
  REQUIRE(copy);
  {
    NoGradGuard ng;
    copy->weight.fill_(1.0);
  }
  check_close(ce(logits(), labels()), 1.707439497939934, 1e-6);
  check_close(copy->forward(logits(), labels()), 2.7297409993075723);
  CHECK(nn::MSELoss()->buffers().empty());
  std::ostringstream os;
  os << *nn::CrossEntropyLoss();
  CHECK(os.str() == "CrossEntropyLoss()");
  // A loss layer has no single-tensor forward.
  CHECK_THROWS_AS(nn::MSELoss()(zeros({2})), ValueError);
}
