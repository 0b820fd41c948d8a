// mm, bmm, matmul, dot, outer, linear: values against hand-computed products, output shapes of
// every matmul rank combination (as torch.matmul gives them), error messages, and first and
// second derivatives against central differences.
#include <catch2/catch.hpp>

#include <functional>

#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {

using Fn = std::function<Tensor(const TensorList&)>;

Tensor f64(const TensorData& d) { return tensor(d, kFloat64); }

/// Checks d⟨w, f(x)⟩/dxᵢ from backward against central differences, for each i in `wrt`, with a
/// fixed random weighting w of the output.
void check_grad(const Fn& f, const TensorList& inputs, const std::vector<std::size_t>& wrt, double tol = 1e-6) {
  TensorList x;
  for (const auto& t : inputs) x.push_back(t.detach().clone());
  TensorList leaves;
  for (std::size_t i : wrt) {
    x[i].requires_grad_();
    leaves.push_back(x[i]);
  }
  const Tensor out = f(x);
  manual_seed(1234);
  const Tensor w = randn(out.sizes(), kFloat64);
  const TensorList grads = autograd::grad({(out * w).sum()}, leaves, {}, std::nullopt, false, /*allow_unused=*/true);
  const double eps = 1e-6;
  for (std::size_t k = 0; k < wrt.size(); ++k) {
    const std::size_t i = wrt[k];
    const Tensor analytic = grads[k].defined() ? grads[k] : zeros_like(inputs[i]);
    REQUIRE(analytic.sizes() == inputs[i].sizes());
    std::vector<double> numeric(static_cast<std::size_t>(inputs[i].numel()));
    for (std::size_t j = 0; j < numeric.size(); ++j) {
      auto at = [&](double delta) {
        NoGradGuard ng;
        TensorList y;
        for (const auto& t : inputs) y.push_back(t.detach().clone());
        y[i].data_ptr<double>()[j] += delta;
        return (f(y) * w).sum().item<double>();
      };
      numeric[j] = (at(eps) - at(-eps)) / (2 * eps);
    }
    const auto a = analytic.to_vector<double>();
    for (std::size_t j = 0; j < numeric.size(); ++j) {
      INFO("input " << i << ", element " << j);
      CHECK(a[j] == Approx(numeric[j]).margin(tol).epsilon(1e-5));
    }
  }
}

/// Second derivatives: checks the gradient of x ↦ d⟨w, f(x)⟩/dx_of (a differentiable function of
/// every input, by create_graph) against central differences.
void check_gradgrad(const Fn& f, const TensorList& inputs, std::size_t of, const std::vector<std::size_t>& wrt) {
  const Fn first = [f, of](const TensorList& in) {
    EnableGradGuard eg;
    TensorList x = in;
    if (!x[of].requires_grad()) x[of] = x[of].detach().requires_grad_();
    const Tensor out = f(x);
    manual_seed(99);
    const Tensor w = randn(out.sizes(), kFloat64);
    return autograd::grad({(out * w).sum()}, {x[of]}, {}, std::nullopt, /*create_graph=*/true)[0];
  };
  check_grad(first, inputs, wrt, 1e-5);
}

Tensor rnd(const Shape& s) { return randn(s, kFloat64); }

}  // namespace

// ---- mm ----------------------------------------------------------------------------------------

TEST_CASE("mm: ((1,2),(3,4))·((5,6),(7,8)) is ((19,22),(43,50)) in float32 and float64") {
  for (Dtype d : {kFloat32, kFloat64}) {
    const Tensor c = mm(tensor({{1, 2}, {3, 4}}, d), tensor({{5, 6}, {7, 8}}, d));
    CHECK(c.dtype() == d);
    CHECK(c.sizes() == Shape{2, 2});
    CHECK(c.to_vector<double>() == std::vector<double>{19, 22, 43, 50});
  }
  const Tensor r = mm(f64({{1, 2, 3}}), f64({{1}, {0}, {-1}}));
  CHECK(r.sizes() == Shape{1, 1});
  CHECK(r.item<double>() == -2.0);
}

TEST_CASE("mm: transposed, sliced and expanded operands give the product of their contiguous copies") {
  manual_seed(0);
  const Tensor a = rnd({4, 3}), b = rnd({5, 4});
  const Tensor expected = mm(a.t().contiguous(), b.t().contiguous());
  CHECK(allclose(mm(a.t(), b.t()), expected, 1e-12, 1e-12));
  CHECK(allclose(mm(a.t(), b.t().contiguous()), expected, 1e-12, 1e-12));
  CHECK(allclose(mm(a.t().contiguous(), b.t()), expected, 1e-12, 1e-12));
  const Tensor big = rnd({6, 8});
  const Tensor strided = big.slice(0, 0, 6, 2).slice(1, 1, 8, 2);  // [3, 4], both strides > 1
  CHECK(allclose(mm(strided, b.t()), mm(strided.contiguous(), b.t().contiguous()), 1e-12, 1e-12));
  const Tensor row = rnd({1, 4}).expand({3, 4});  // zero row stride
  CHECK(allclose(mm(row, b.t()), mm(row.contiguous(), b.t().contiguous()), 1e-12, 1e-12));
}

TEST_CASE("mm: an empty inner dimension gives zeros, an empty outer one an empty result") {
  const Tensor z = mm(zeros({2, 0}), zeros({0, 3}));
  CHECK(z.sizes() == Shape{2, 3});
  CHECK(z.to_vector<float>() == std::vector<float>(6, 0.0f));
  CHECK(mm(zeros({0, 4}), ones({4, 3})).sizes() == Shape{0, 3});
}

TEST_CASE("mm: mismatched, non-2-D and non-floating operands are rejected naming mm and the shapes") {
  CHECK_THROWS_AS(mm(zeros({64, 784}), zeros({256, 10})), ShapeError);
  CHECK_THROWS_WITH(mm(zeros({64, 784}), zeros({256, 10})),
                    Catch::Contains("mm: shapes [64, 784] and [256, 10] cannot be multiplied (784 != 256)"));
  CHECK_THROWS_AS(mm(zeros({3}), zeros({3, 2})), ShapeError);
  CHECK_THROWS_WITH(mm(zeros({2, 3, 4}), zeros({4, 2})),
                    Catch::Contains("mm: expected 2-D tensors") && Catch::Contains("[2, 3, 4]"));
  CHECK_THROWS_AS(mm(zeros({2, 2}), zeros({2, 2}, kFloat64)), DtypeError);
  CHECK_THROWS_WITH(mm(zeros({2, 2}), zeros({2, 2}, kFloat64)),
                    Catch::Contains("mm") && Catch::Contains("float32") && Catch::Contains("float64"));
  CHECK_THROWS_AS(mm(zeros({2, 2}, kInt64), zeros({2, 2}, kInt64)), DtypeError);
  CHECK_THROWS_WITH(mm(zeros({2, 2}, kInt64), zeros({2, 2}, kInt64)),
                    Catch::Contains("mm") && Catch::Contains("int64"));
}

TEST_CASE("mm: backward of A·B gives G·Bᵀ and Aᵀ·G") {
  const Tensor a = f64({{1, 2}, {3, 4}}).requires_grad_();
  const Tensor b = f64({{5, 6}, {7, 8}}).requires_grad_();
  mm(a, b).sum().backward();
  // G = ones: G·Bᵀ has the row sums of B in every row; Aᵀ·G the column sums of A in every column.
  CHECK(a.grad().to_vector<double>() == std::vector<double>{11, 15, 11, 15});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{4, 4, 6, 6});
}

TEST_CASE("mm: only the operands that require grad receive a gradient") {
  const Tensor a = f64({{1, 2}, {3, 4}}).requires_grad_();
  const Tensor b = f64({{5, 6}, {7, 8}});
  const Tensor c = mm(a, b);
  REQUIRE(c.grad_fn());
  CHECK(c.grad_fn()->name() == "mm");
  c.sum().backward();
  CHECK(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("mm: gradient and second derivatives match central differences") {
  manual_seed(1);
  const TensorList in = {rnd({3, 4}), rnd({4, 2})};
  const Fn f = [](const TensorList& x) { return mm(x[0], x[1]); };
  check_grad(f, in, {0, 1});
  check_gradgrad(f, in, 0, {0, 1});
  check_gradgrad(f, in, 1, {0, 1});
  const Fn ft = [](const TensorList& x) { return mm(x[0].t(), x[1]); };
  check_grad(ft, {rnd({4, 3}), rnd({4, 2})}, {0, 1});
}

// ---- bmm ---------------------------------------------------------------------------------------

TEST_CASE("bmm: every batch entry is multiplied on its own") {
  const Tensor a = f64({{{1, 2}, {3, 4}}, {{1, 0}, {0, 1}}});
  const Tensor b = f64({{{5, 6}, {7, 8}}, {{2, 3}, {4, 5}}});
  const Tensor c = bmm(a, b);
  CHECK(c.sizes() == Shape{2, 2, 2});
  CHECK(c.to_vector<double>() == std::vector<double>{19, 22, 43, 50, 2, 3, 4, 5});
  // transposed batch entries
  manual_seed(2);
  const Tensor x = rnd({3, 4, 2}), y = rnd({3, 5, 4});
  CHECK(allclose(bmm(x.transpose(1, 2), y.transpose(1, 2)),
                 bmm(x.transpose(1, 2).contiguous(), y.transpose(1, 2).contiguous()), 1e-12, 1e-12));
}

TEST_CASE("bmm: wrong ranks, batch sizes and inner sizes are rejected naming bmm and the shapes") {
  CHECK_THROWS_AS(bmm(zeros({2, 3}), zeros({2, 3, 4})), ShapeError);
  CHECK_THROWS_WITH(bmm(zeros({2, 3, 4}), zeros({3, 4, 5})),
                    Catch::Contains("bmm: shapes [2, 3, 4] and [3, 4, 5] have different batch sizes (2 != 3)"));
  CHECK_THROWS_WITH(bmm(zeros({2, 3, 4}), zeros({2, 5, 5})),
                    Catch::Contains("bmm: shapes [2, 3, 4] and [2, 5, 5] cannot be multiplied (4 != 5)"));
  CHECK_THROWS_AS(bmm(zeros({1, 2, 2}), zeros({1, 2, 2}, kFloat64)), DtypeError);
}

TEST_CASE("bmm: gradient and second derivatives match central differences") {
  manual_seed(3);
  const TensorList in = {rnd({2, 3, 4}), rnd({2, 4, 2})};
  const Fn f = [](const TensorList& x) { return bmm(x[0], x[1]); };
  check_grad(f, in, {0, 1});
  check_gradgrad(f, in, 0, {1});
  check_gradgrad(f, in, 1, {0});
}

// ---- matmul ------------------------------------------------------------------------------------

TEST_CASE("matmul: output shapes follow torch.matmul for every rank combination") {
  struct Case {
    Shape a, b, out;
  };
  const std::vector<Case> cases = {
      {{4}, {4}, {}},                           // dot
      {{3}, {3, 2}, {2}},                       // vector · matrix
      {{2, 3}, {3}, {2}},                       // matrix · vector
      {{2, 3}, {3, 4}, {2, 4}},                 // mm
      {{2, 3, 4}, {4, 2}, {2, 3, 2}},           // batch · matrix
      {{2, 3, 4}, {4}, {2, 3}},                 // batch · vector
      {{4}, {2, 4, 3}, {2, 3}},                 // vector · batch
      {{3, 4}, {2, 4, 5}, {2, 3, 5}},           // matrix · batch
      {{2, 3, 4}, {2, 4, 5}, {2, 3, 5}},        // bmm
      {{2, 1, 3, 4}, {5, 4, 2}, {2, 5, 3, 2}},  // batch dims broadcast
      {{1, 3, 4}, {6, 1, 4, 2}, {6, 1, 3, 2}},
      {{7, 1, 2, 3}, {1, 5, 3, 1}, {7, 5, 2, 1}},
      {{2, 2, 3, 4}, {4}, {2, 2, 3}},
      {{4}, {2, 2, 4, 3}, {2, 2, 3}},
      {{0, 3, 4}, {4, 2}, {0, 3, 2}},
  };
  manual_seed(4);
  for (const auto& c : cases) {
    INFO("shapes " << c.a << " and " << c.b);
    const Tensor a = rnd(c.a), b = rnd(c.b);
    const Tensor r = matmul(a, b);
    CHECK(r.sizes() == c.out);
    // Values against the broadcast-and-sum formula Σ_k a[..., i, k] b[..., k, j].
    const Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a, b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
    const Tensor expected = (a2.unsqueeze(-1) * b2.unsqueeze(-3)).sum({-2}).reshape(c.out);
    CHECK(allclose(r, expected, 1e-12, 1e-12));
  }
}

TEST_CASE("matmul: 1-D times 1-D is the dot product, a 0-d tensor") {
  const Tensor r = matmul(f64({1, 2, 3}), f64({4, 5, 6}));
  CHECK(r.dim() == 0);
  CHECK(r.item<double>() == 32.0);
  CHECK(f64({{1, 2}, {3, 4}}).matmul(f64({1, 1})).to_vector<double>() == std::vector<double>{3, 7});
  CHECK(f64({1, 1}).matmul(f64({{1, 2}, {3, 4}})).to_vector<double>() == std::vector<double>{4, 6});
}

TEST_CASE("matmul: 0-d operands, mismatched inner sizes, unbroadcastable batches and mixed dtypes are rejected") {
  CHECK_THROWS_AS(matmul(scalar_tensor(2.0), zeros({3})), ShapeError);
  CHECK_THROWS_WITH(matmul(scalar_tensor(2.0), zeros({3})), Catch::Contains("matmul") && Catch::Contains("1-D"));
  CHECK_THROWS_AS(matmul(zeros({2, 3}), zeros({4, 5})), ShapeError);
  CHECK_THROWS_WITH(matmul(zeros({2, 3}), zeros({4, 5})),
                    Catch::Contains("matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4)"));
  CHECK_THROWS_WITH(matmul(zeros({3}), zeros({4})),
                    Catch::Contains("matmul: shapes [3] and [4] cannot be multiplied (3 != 4)"));
  CHECK_THROWS_WITH(matmul(zeros({2, 3, 4}), zeros({5})), Catch::Contains("(4 != 5)"));
  CHECK_THROWS_AS(matmul(zeros({2, 3, 4}), zeros({3, 4, 5})), ShapeError);
  CHECK_THROWS_WITH(matmul(zeros({2, 3, 4}), zeros({3, 4, 5})), Catch::Contains("matmul"));
  CHECK_THROWS_AS(matmul(zeros({2, 2}), zeros({2, 2}, kFloat64)), DtypeError);
  CHECK_THROWS_WITH(matmul(zeros({2, 2}), zeros({2, 2}, kFloat64)), Catch::Contains("matmul"));
}

TEST_CASE("matmul: gradients and second derivatives match central differences for every rank combination") {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{4}, {4}},       {{3}, {3, 2}},    {{2, 3}, {3}},       {{2, 3, 4}, {4, 2}},
      {{2, 3, 4}, {4}}, {{4}, {2, 4, 3}}, {{3, 4}, {2, 4, 2}}, {{2, 1, 3, 4}, {5, 4, 2}},
  };
  manual_seed(5);
  const Fn f = [](const TensorList& x) { return matmul(x[0], x[1]); };
  for (const auto& [sa, sb] : cases) {
    INFO("shapes " << sa << " and " << sb);
    const TensorList in = {rnd(sa), rnd(sb)};
    check_grad(f, in, {0, 1});
    check_gradgrad(f, in, 0, {1});
  }
}

// ---- dot, outer --------------------------------------------------------------------------------

TEST_CASE("dot: (1,2,3)·(4,5,6) is 32 and its gradients are the other vector") {
  const Tensor a = f64({1, 2, 3}).requires_grad_(), b = f64({4, 5, 6}).requires_grad_();
  const Tensor r = dot(a, b);
  CHECK(r.dim() == 0);
  CHECK(r.item<double>() == 32.0);
  CHECK(r.grad_fn()->name() == "dot");
  (r * 2).backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{8, 10, 12});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{2, 4, 6});
  // strided operands
  CHECK(dot(f64({1, 9, 2, 9}).slice(0, 0, 4, 2), f64({3, 4})).item<double>() == 11.0);
}

TEST_CASE("dot: operands of other ranks, lengths or dtypes are rejected naming dot") {
  CHECK_THROWS_WITH(dot(zeros({3}), zeros({4})),
                    Catch::Contains("dot: tensors of shapes [3] and [4] have different lengths (3 != 4)"));
  CHECK_THROWS_AS(dot(zeros({3}), zeros({4})), ShapeError);
  CHECK_THROWS_AS(dot(zeros({1, 3}), zeros({3})), ShapeError);
  CHECK_THROWS_AS(dot(zeros({3}), zeros({3}, kFloat64)), DtypeError);
}

TEST_CASE("dot: gradient and second derivatives match central differences") {
  manual_seed(6);
  const TensorList in = {rnd({5}), rnd({5})};
  const Fn f = [](const TensorList& x) { return dot(x[0], x[1]); };
  check_grad(f, in, {0, 1});
  check_gradgrad(f, in, 0, {0, 1});
}

TEST_CASE("outer: (a ⊗ b)ᵢⱼ = aᵢ bⱼ") {
  const Tensor r = outer(f64({1, 2}), f64({3, 4, 5}));
  CHECK(r.sizes() == Shape{2, 3});
  CHECK(r.to_vector<double>() == std::vector<double>{3, 4, 5, 6, 8, 10});
  CHECK_THROWS_AS(outer(zeros({2, 2}), zeros({2})), ShapeError);
  manual_seed(7);
  check_grad([](const TensorList& x) { return outer(x[0], x[1]); }, {rnd({3}), rnd({2})}, {0, 1});
}

// ---- linear ------------------------------------------------------------------------------------

TEST_CASE("linear: x·Wᵀ + b with and without bias, for 1-D, 2-D and 3-D inputs") {
  const Tensor w = f64({{1, 0, -1}, {2, 1, 0}});  // [out=2, in=3]
  const Tensor b = f64({10, 20});
  const Tensor x = f64({{1, 2, 3}, {4, 5, 6}});
  CHECK(linear(x, w).to_vector<double>() == std::vector<double>{-2, 4, -2, 13});
  CHECK(linear(x, w, b).to_vector<double>() == std::vector<double>{8, 24, 8, 33});
  const Tensor v = linear(f64({1, 2, 3}), w, b);
  CHECK(v.sizes() == Shape{2});
  CHECK(v.to_vector<double>() == std::vector<double>{8, 24});
  manual_seed(8);
  const Tensor x3 = rnd({2, 4, 3});
  const Tensor y3 = linear(x3, w, b);
  CHECK(y3.sizes() == Shape{2, 4, 2});
  CHECK(allclose(y3.select(0, 1), linear(x3.select(0, 1), w, b), 1e-12, 1e-12));
}

TEST_CASE("linear: an input whose last size is not in_features is rejected naming linear and both shapes") {
  CHECK_THROWS_AS(linear(zeros({2, 4}), zeros({3, 5})), ShapeError);
  CHECK_THROWS_WITH(linear(zeros({2, 4}), zeros({3, 5})),
                    Catch::Contains("linear") && Catch::Contains("[2, 4]") && Catch::Contains("[3, 5]"));
  CHECK_THROWS_AS(linear(zeros({2, 4}), zeros({3, 4}, kFloat64)), DtypeError);
  CHECK_THROWS_AS(linear(zeros({2, 4}), zeros({3, 4}), zeros({2})), ShapeError);
}

TEST_CASE("linear: gradients and second derivatives match central differences") {
  manual_seed(9);
  const Fn with_bias = [](const TensorList& x) { return linear(x[0], x[1], x[2]); };
  const Fn no_bias = [](const TensorList& x) { return linear(x[0], x[1]); };
  check_grad(with_bias, {rnd({2, 3}), rnd({4, 3}), rnd({4})}, {0, 1, 2});
  check_grad(with_bias, {rnd({2, 2, 3}), rnd({4, 3}), rnd({4})}, {0, 1, 2});
  check_grad(no_bias, {rnd({3}), rnd({2, 3})}, {0, 1});
  check_gradgrad(with_bias, {rnd({2, 3}), rnd({4, 3}), rnd({4})}, 0, {1});
}
