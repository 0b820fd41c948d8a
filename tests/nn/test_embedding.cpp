// Embedding: lookup of rows for int64 indices of any shape, the padding row (zero at init, no
// gradient), scale_grad_by_freq and max_norm against PyTorch 1.13, from_pretrained, errors.
//
// Reference numbers: tests/reference/nn_sequence.py (/usr/bin/python3 with torch 1.13).
#include <catch2/catch.hpp>

#include <sstream>
#include <xgrad/nn/embedding.hpp>
#include <xgrad/xgrad.hpp>

#include "nn/sequence_helpers.hpp"
#include "nn/module_repr.hpp"

using namespace xg;
using xg::testing::repr;
using Catch::Matchers::Contains;
using testing::check_values;
using testing::param_values;
using testing::wave;
namespace F = xg::nn::functional;

TEST_CASE("embedding: the weight is standard normal with the padding row zeroed") {
  manual_seed(2);
  nn::Embedding emb(1000, 8, {.padding_idx = 3});
  REQUIRE(emb->named_parameters().keys() == std::vector<std::string>{"weight"});
  REQUIRE(emb->weight.sizes() == Shape{1000, 8});
  CHECK(emb->weight[3].abs().sum().item<double>() == 0.0);
  // 7992 N(0, 1) draws: mean within 5 / √7992 ≈ 0.056, variance within 5 √(2 / 7992) ≈ 0.079.
  const Tensor rest = cat({emb->weight.narrow(0, 0, 3), emb->weight.narrow(0, 4, 996)});
  CHECK(rest.mean().item<double>() == Approx(0.0).margin(0.056));
  CHECK(rest.var().item<double>() == Approx(1.0).margin(0.079));
}

TEST_CASE("embedding: layers print as PyTorch prints them with a negative padding_idx counted from the end") {
  CHECK(repr(*nn::Embedding(10, 3)) == "Embedding(10, 3)");
  nn::Embedding last(10, 3, {.padding_idx = -1});
  CHECK(*last->options.padding_idx == 9);
  CHECK(repr(*last) == "Embedding(10, 3, padding_idx=9)");
  CHECK(repr(*nn::Embedding(10, 3, {.max_norm = 2.0, .norm_type = 1.0, .scale_grad_by_freq = true})) ==
        "Embedding(10, 3, max_norm=2.0, norm_type=1.0, scale_grad_by_freq=true)");
}

TEST_CASE("embedding: indices of any shape give their rows with the embedding dim appended") {
  nn::Embedding emb(5, 3);
  const Tensor w = emb->weight;
  const Tensor idx = tensor({{{4, 0}, {1, 1}}, {{2, 3}, {0, 4}}});
  const Tensor y = emb(idx);
  REQUIRE(y.sizes() == Shape{2, 2, 2, 3});
  CHECK(equal(y[0][1][0], w[1]));
  CHECK(equal(y[1][1][1], w[4]));
  CHECK(equal(emb(tensor(std::vector<std::int64_t>{2})), w[2].unsqueeze(0)));
  CHECK(equal(emb(scalar_tensor(3, kInt64)), w[3]));  // a 0-d index gives one row
  CHECK(emb(zeros({2, 0}, kInt64)).sizes() == Shape{2, 0, 3});
}

TEST_CASE("embedding: the padding row gets a zero gradient and the others the summed gradients") {
  nn::Embedding emb(4, 2, {.padding_idx = 1});
  emb->to(kFloat64);
  const Tensor idx = tensor({{1, 2, 1}, {0, 2, 3}});
  const Tensor g = wave({2, 3, 2}, 0.9, 0.2);
  (emb(idx) * g).sum().backward();
  const Tensor grad = emb->weight.grad();
  CHECK(grad[1].abs().sum().item<double>() == 0.0);
  CHECK(allclose(grad[0], g[1][0]));
  CHECK(allclose(grad[2], g[0][1] + g[1][1]));
  CHECK(allclose(grad[3], g[1][2]));
  // A pretrained (non-zero) padding row is looked up as it is but still gets no gradient.
  auto pre = nn::Embedding::from_pretrained(param_values({4, 2}, 0), {.freeze = false, .padding_idx = 1});
  const Tensor y = pre(idx);
  CHECK(equal(y[0][0], pre->weight[1]));
  (y * g).sum().backward();
  CHECK(pre->weight.grad()[1].abs().sum().item<double>() == 0.0);
  CHECK(allclose(pre->weight.grad()[2], g[0][1] + g[1][1]));
}

TEST_CASE("embedding: scale_grad_by_freq divides each row's gradient by its count as in PyTorch") {
  const std::vector<double> emb_freq_grad{0.492246137914646,
                                          0.619833208783308,
                                          0.278342864575147,
                                          0,
                                          0,
                                          0,
                                          0.0759940859371083,
                                          -0.0869549925328862,
                                          -0.184098266235795,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0,
                                          0};
  nn::Embedding emb(5, 3, {.padding_idx = 1, .scale_grad_by_freq = true});
  emb->to(kFloat64);
  {
    NoGradGuard ng;
    emb->weight.copy_(param_values({5, 3}, 0));
  }
  (emb(tensor({{0, 2, 2}, {1, 0, 2}})) * wave({2, 3, 3}, 0.9, 0.2)).sum().backward();
  check_values(emb->weight.grad(), emb_freq_grad, {5, 3});
}

TEST_CASE("embedding: max_norm renormalizes the looked-up rows in place as in PyTorch") {
  const std::vector<double> emb_maxnorm_out{0.0925442691154314,  0.913498987362151,  0.396175549022813,
                                            0.740174169697596,   0.165152196823966,  -0.651818131307219,
                                            0.740174169697596,   0.165152196823966,  -0.651818131307219,
                                            0.00727799179138068, -0.878674063320182, -0.477366557153291};
  const std::vector<double> emb_maxnorm_weight{
      0.0925442691154314, 0.913498987362151, 0.396175549022813,   -1.51360499061586,  -1.6645348844478,
      0.623082727026756,  0.740174169697596, 0.165152196823966,   -0.651818131307219, -1.38705016955424,
      1.01732292874475,   1.93131555309855,  0.00727799179138068, -0.878674063320182, -0.477366557153291};
  nn::Embedding emb(5, 3, {.max_norm = 1.0});
  emb->to(kFloat64);
  {
    NoGradGuard ng;
    emb->weight.copy_(param_values({5, 3}, 0) * 4.0);
  }
  check_values(emb(tensor({{0, 2}, {2, 4}})), emb_maxnorm_out, {2, 2, 3});
  check_values(emb->weight, emb_maxnorm_weight, {5, 3});  // rows 1 and 3 were not looked up
}

TEST_CASE("embedding: gradients w.r.t. the weight match finite differences") {
  const Tensor idx = tensor({{0, 2, 2}, {1, 0, 3}});
  const Tensor g = wave({2, 3, 3}, 0.9, 0.2);
  const TensorList in = {param_values({4, 3}, 0).requires_grad_()};
  auto plain = [&](const TensorList& t) { return F::embedding(idx, t[0]) * g; };
  CHECK(autograd::gradcheck(plain, in));
  // With padding_idx and scale_grad_by_freq the gradient is deliberately not the derivative (as in
  // PyTorch), so finite differences do not apply; its backward must still be differentiable.
  auto modified = [&](const TensorList& t) {
    return F::embedding(idx, t[0], {.padding_idx = 1, .scale_grad_by_freq = true}) * g;
  };
  CHECK(autograd::gradgradcheck(modified, in));
  auto w = in[0].detach().clone().requires_grad_();
  auto dw = autograd::grad({modified({w}).sum()}, {w}, {}, {}, /*create_graph=*/true)[0];
  // Row 2 is looked up twice: each position's gradient is halved; row 1 (padding) gets nothing.
  CHECK(allclose(dw[2], (g[0][1] + g[0][2]) / 2.0));
  CHECK(dw[1].abs().sum().item<double>() == 0.0);
}

TEST_CASE("embedding: from_pretrained copies the table and freezes it unless asked") {
  const Tensor table = param_values({3, 2}, 1);
  auto frozen = nn::Embedding::from_pretrained(table);
  CHECK(frozen->num_embeddings == 3);
  CHECK(frozen->embedding_dim == 2);
  CHECK(frozen->weight.dtype() == kFloat64);
  CHECK(equal(frozen->weight, table));
  CHECK_FALSE(frozen->weight.is_same(table));
  CHECK_FALSE(frozen->weight.requires_grad());
  CHECK(frozen->num_parameters(/*trainable_only=*/true) == 0);
  auto trained = nn::Embedding::from_pretrained(table, {.freeze = false});
  CHECK(trained->weight.requires_grad());
  // A clone keeps the values and the frozen flag.
  auto copy = std::dynamic_pointer_cast<nn::EmbeddingImpl>(frozen->clone());
  REQUIRE(copy);
  CHECK(equal(copy->weight, table));
  CHECK_FALSE(copy->weight.requires_grad());
}

TEST_CASE("embedding: bad indices and options are typed errors naming the index and the table size") {
  nn::Embedding emb(10, 3);
  CHECK_THROWS_WITH(emb(tensor({1, 12, 3})), Contains("Embedding") && Contains("index 12") && Contains("10"));
  CHECK_THROWS_AS(emb(tensor({1, 12, 3})), IndexError);
  CHECK_THROWS_WITH(emb(tensor({-1})), Contains("index -1"));
  CHECK_THROWS_WITH(emb(tensor({1.0, 2.0})), Contains("Embedding") && Contains("int64") && Contains("float32"));
  CHECK_THROWS_AS(emb(tensor({true})), DtypeError);
  CHECK_THROWS_AS(emb(Tensor()), ValueError);
  CHECK_THROWS_WITH(nn::Embedding(10, 3, {.padding_idx = 10}), Contains("padding_idx") && Contains("10"));
  CHECK_THROWS_AS(nn::Embedding(10, 3, {.padding_idx = -11}), ValueError);
  CHECK_THROWS_AS(nn::Embedding(0, 3), ValueError);
  CHECK_THROWS_AS(nn::Embedding(10, 3, {.max_norm = -1.0}), ValueError);
  CHECK_THROWS_AS(nn::Embedding::from_pretrained(zeros({3})), ShapeError);
  CHECK_THROWS_AS(nn::Embedding::from_pretrained(zeros({3, 2}, kInt64)), DtypeError);
  CHECK_THROWS_AS(F::embedding(tensor({0}), zeros({3, 2, 1})), ShapeError);
  CHECK_THROWS_WITH(F::embedding(tensor({3}), zeros({3, 2})), Contains("embedding") && Contains("index 3"));
}
