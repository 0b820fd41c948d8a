// cat, stack, repeat, index_select, index_add, gather, scatter_add, pad, embedding: values against
// hand-computed results (the PyTorch documentation examples where there is one), error messages,
// and first and second derivatives against central differences.
#include <catch2/catch.hpp>

#include <functional>

#include "xgrad/xgrad.hpp"

using namespace xg;

namespace {

using Fn = std::function<Tensor(const TensorList&)>;

Tensor f64(const TensorData& d) { return tensor(d, kFloat64); }
Tensor i64(const TensorData& d) { return tensor(d, kInt64); }
std::vector<double> vals(const Tensor& t) { return t.to_vector<double>(); }

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

/// Second derivatives: checks the gradient of x ↦ d⟨w, f(x)⟩/dx_of (made differentiable by
/// create_graph) against central differences. The ops here are linear in their float input, so
/// the interesting check is that the first-derivative graph is itself differentiable w.r.t. the
/// incoming gradient: f is composed with a square to give it curvature.
void check_gradgrad(const Fn& f, const TensorList& inputs, std::size_t of, const std::vector<std::size_t>& wrt) {
  const Fn first = [f, of](const TensorList& in) {
    EnableGradGuard eg;
    TensorList x = in;
    if (!x[of].requires_grad()) x[of] = x[of].detach().requires_grad_();
    const Tensor out = f(x);
    manual_seed(99);
    const Tensor w = randn(out.sizes(), kFloat64);
    return autograd::grad({(out * out * w).sum()}, {x[of]}, {}, std::nullopt, /*create_graph=*/true)[0];
  };
  check_grad(first, inputs, wrt, 1e-5);
}

Tensor rnd(const Shape& s) { return randn(s, kFloat64); }

}  // namespace

// ---- cat ---------------------------------------------------------------------------------------

TEST_CASE("cat: joins along dim 0, dim 1 and a negative dim") {
  const Tensor a = f64({{1, 2}}), b = f64({{3, 4}, {5, 6}});
  const Tensor r0 = cat({a, b});
  CHECK(r0.sizes() == Shape{3, 2});
  CHECK(vals(r0) == std::vector<double>{1, 2, 3, 4, 5, 6});
  const Tensor c = f64({{7}, {8}});
  const Tensor r1 = cat({b, c}, 1);
  CHECK(r1.sizes() == Shape{2, 3});
  CHECK(vals(r1) == std::vector<double>{3, 4, 7, 5, 6, 8});
  CHECK(cat({b, c}, -1).equal(r1));
  CHECK(cat({b.t(), c.t()}, 0).equal(r1.t()));  // strided inputs
}

TEST_CASE("cat: promotes dtypes and skips 1-D empty tensors as PyTorch does") {
  const Tensor r = cat({i64({1, 2}), tensor({0.5f})});
  CHECK(r.dtype() == kFloat32);
  CHECK(vals(r) == std::vector<double>{1, 2, 0.5});
  const Tensor s = cat({f64({{1, 2}}), zeros({0}, kFloat64), f64({{3, 4}})});
  CHECK(s.sizes() == Shape{2, 2});
  CHECK(vals(s) == std::vector<double>{1, 2, 3, 4});
  CHECK(cat({zeros({0}), zeros({0})}).sizes() == Shape{0});
}

TEST_CASE("cat: an empty list, mismatched sizes, ranks and 0-d tensors are rejected naming the tensor") {
  CHECK_THROWS_AS(cat({}), ValueError);
  CHECK_THROWS_AS(cat({zeros({2, 3}), zeros({2, 4})}, 0), ShapeError);
  CHECK_THROWS_WITH(cat({zeros({2, 3}), zeros({1, 3}), zeros({2, 4})}, 0),
                    Catch::Contains("cat: sizes of tensors must match except in dimension 0") &&
                        Catch::Contains("tensor 2 has shape [2, 4]") && Catch::Contains("[2, 3]"));
  CHECK_THROWS_WITH(cat({zeros({2, 3}), zeros({2, 3, 1})}, 0),
                    Catch::Contains("cat") && Catch::Contains("tensor 1 has shape [2, 3, 1]"));
  CHECK_THROWS_AS(cat({scalar_tensor(1.0), scalar_tensor(2.0)}), ShapeError);
  CHECK_THROWS_AS(cat({zeros({2, 3})}, 2), IndexError);
}

TEST_CASE("cat: each input receives its slice of the gradient, cast back to its dtype") {
  const Tensor a = f64({{1, 2}}).requires_grad_();
  const Tensor b = tensor({{3.0f, 4.0f}, {5.0f, 6.0f}}).requires_grad_();
  const Tensor r = cat({a, b});
  CHECK(r.grad_fn()->name() == "cat");
  (r * f64({{1, 2}, {3, 4}, {5, 6}})).sum().backward();
  CHECK(vals(a.grad()) == std::vector<double>{1, 2});
  CHECK(b.grad().dtype() == kFloat32);
  CHECK(vals(b.grad()) == std::vector<double>{3, 4, 5, 6});
}

TEST_CASE("cat: gradient and second derivatives match central differences") {
  manual_seed(10);
  const Fn f = [](const TensorList& x) { return cat(x, 1); };
  const TensorList in = {rnd({2, 1}), rnd({2, 3}), rnd({2, 2})};
  check_grad(f, in, {0, 1, 2});
  check_grad(f, in, {1});
  check_gradgrad(f, in, 1, {1});
}

// ---- stack -------------------------------------------------------------------------------------

TEST_CASE("stack: inserts a new dim at 0, 1 or -1") {
  const Tensor a = f64({1, 2, 3}), b = f64({4, 5, 6});
  CHECK(stack({a, b}).sizes() == Shape{2, 3});
  CHECK(vals(stack({a, b})) == std::vector<double>{1, 2, 3, 4, 5, 6});
  const Tensor s1 = stack({a, b}, 1);
  CHECK(s1.sizes() == Shape{3, 2});
  CHECK(vals(s1) == std::vector<double>{1, 4, 2, 5, 3, 6});
  CHECK(stack({a, b}, -1).equal(s1));
  CHECK(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).sizes() == Shape{2});
  CHECK(stack({zeros({2, 3}), zeros({2, 3}), zeros({2, 3})}, 2).sizes() == Shape{2, 3, 3});
}

TEST_CASE("stack: tensors of different shapes and an empty list are rejected") {
  CHECK_THROWS_AS(stack({}), ValueError);
  CHECK_THROWS_AS(stack({zeros({2}), zeros({3})}), ShapeError);
  CHECK_THROWS_WITH(stack({zeros({2}), zeros({2}), zeros({3})}),
                    Catch::Contains("stack") && Catch::Contains("[3] at entry 2"));
  CHECK_THROWS_AS(stack({zeros({2}), zeros({2})}, 3), IndexError);
}

TEST_CASE("stack: gradient matches central differences") {
  manual_seed(11);
  check_grad([](const TensorList& x) { return stack(x, 1); }, {rnd({2, 3}), rnd({2, 3})}, {0, 1});
}

// ---- repeat ------------------------------------------------------------------------------------

TEST_CASE("repeat: tiles the tensor, with more repeats than dims adding leading dims") {
  const Tensor x = f64({1, 2, 3});
  const Tensor r = x.repeat({4, 2});
  CHECK(r.sizes() == Shape{4, 6});
  for (std::int64_t i = 0; i < 4; ++i) CHECK(vals(r[i]) == std::vector<double>{1, 2, 3, 1, 2, 3});
  CHECK(x.repeat({4, 2, 1}).sizes() == Shape{4, 2, 3});
  const Tensor m = f64({{1, 2}, {3, 4}}).repeat({2, 1});
  CHECK(vals(m) == std::vector<double>{1, 2, 3, 4, 1, 2, 3, 4});
  CHECK(scalar_tensor(5.0).repeat({2, 3}).sizes() == Shape{2, 3});
  CHECK(x.repeat({0}).sizes() == Shape{0});
  // All-ones repeats still copy.
  Tensor c = x.repeat({1});
  c.data_ptr<double>()[0] = 9;
  CHECK(x.to_vector<double>()[0] == 1);
}

TEST_CASE("repeat: fewer repeats than dims and negative repeats are rejected") {
  CHECK_THROWS_AS(zeros({2, 3}).repeat({2}), ShapeError);
  CHECK_THROWS_WITH(zeros({2, 3}).repeat({2}), Catch::Contains("repeat") && Catch::Contains("[2, 3]"));
  CHECK_THROWS_AS(zeros({2}).repeat({-1}), ValueError);
}

TEST_CASE("repeat: the gradient sums the copies") {
  const Tensor x = f64({1, 2}).requires_grad_();
  (x.repeat({3, 2}) * f64({{1, 2, 3, 4}, {1, 1, 1, 1}, {0, 0, 0, 0}})).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{1 + 3 + 1 + 1, 2 + 4 + 1 + 1});
  manual_seed(12);
  check_grad([](const TensorList& t) { return t[0].repeat({2, 1, 3}); }, {rnd({2, 2})}, {0});
  check_gradgrad([](const TensorList& t) { return t[0].repeat({2, 3}); }, {rnd({2})}, 0, {0});
}

// ---- index_select / index_add ------------------------------------------------------------------

TEST_CASE("index_select: picks rows or columns in index order, repeats allowed") {
  const Tensor x = f64({{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  const Tensor r = index_select(x, 0, i64({2, 0, 2}));
  CHECK(r.sizes() == Shape{3, 3});
  CHECK(vals(r) == std::vector<double>{7, 8, 9, 1, 2, 3, 7, 8, 9});
  const Tensor c = x.index_select(1, i64({1}));
  CHECK(c.sizes() == Shape{3, 1});
  CHECK(vals(c) == std::vector<double>{2, 5, 8});
  CHECK(vals(x.t().index_select(-1, i64({0, 2}))) == std::vector<double>{1, 7, 2, 8, 3, 9});
  CHECK(x.index_select(0, zeros({0}, kInt64)).sizes() == Shape{0, 3});
  CHECK(vals(i64({5, 6, 7}).index_select(0, i64({2, 1}))) == std::vector<double>{7, 6});
}

TEST_CASE("index_select: out-of-range indices, non-int64 and 2-D indices are rejected") {
  const Tensor x = zeros({3, 2});
  CHECK_THROWS_AS(index_select(x, 0, i64({0, 3})), IndexError);
  CHECK_THROWS_WITH(index_select(x, 0, i64({0, 3})),
                    Catch::Contains("index_select: index 3 is out of bounds for dimension 0 with size 3"));
  CHECK_THROWS_AS(index_select(x, 1, i64({-1})), IndexError);
  CHECK_THROWS_AS(index_select(x, 0, tensor({0.0f})), DtypeError);
  CHECK_THROWS_WITH(index_select(x, 0, tensor({0.0f})), Catch::Contains("index_select") && Catch::Contains("int64"));
  CHECK_THROWS_AS(index_select(x, 0, i64({{0}})), ShapeError);
  CHECK_THROWS_AS(index_select(x, 2, i64({0})), IndexError);
}

TEST_CASE("index_select: the gradient accumulates at repeated indices") {
  const Tensor x = f64({{1, 2}, {3, 4}, {5, 6}}).requires_grad_();
  const Tensor r = index_select(x, 0, i64({2, 0, 2}));
  CHECK(r.grad_fn()->name() == "index_select");
  r.sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{1, 1, 0, 0, 2, 2});
  manual_seed(13);
  const Fn f = [](const TensorList& t) { return index_select(t[0], 1, t[1]); };
  const TensorList in = {rnd({2, 4, 3}), i64({3, 0, 3, 1, 3})};
  check_grad(f, in, {0});
  check_gradgrad(f, in, 0, {0});
}

TEST_CASE("index_add: adds source slices at the indexed positions, out of place") {
  const Tensor self = f64({{1, 1}, {1, 1}, {1, 1}});
  const Tensor r = index_add(self, 0, i64({0, 2, 0}), f64({{1, 2}, {3, 4}, {5, 6}}));
  CHECK(vals(r) == std::vector<double>{7, 9, 1, 1, 4, 5});
  CHECK(vals(self) == std::vector<double>(6, 1.0));
  CHECK(vals(zeros({2, 3}, kInt64).index_add(1, i64({2, 2}), i64({{1, 2}, {3, 4}}))) ==
        std::vector<double>{0, 0, 3, 0, 0, 7});
}

TEST_CASE("index_add: out-of-range indices, wrong source shapes and dtypes are rejected") {
  CHECK_THROWS_AS(index_add(zeros({3, 2}), 0, i64({3}), zeros({1, 2})), IndexError);
  CHECK_THROWS_WITH(index_add(zeros({3, 2}), 0, i64({3}), zeros({1, 2})), Catch::Contains("index_add: index 3"));
  CHECK_THROWS_AS(index_add(zeros({3, 2}), 0, i64({0, 1}), zeros({1, 2})), ShapeError);
  CHECK_THROWS_AS(index_add(zeros({3, 2}), 0, i64({0}), zeros({1, 3})), ShapeError);
  CHECK_THROWS_WITH(index_add(zeros({3, 2}), 0, i64({0}), zeros({1, 3})),
                    Catch::Contains("index_add") && Catch::Contains("[1, 3]") && Catch::Contains("[3, 2]"));
  CHECK_THROWS_AS(index_add(zeros({3, 2}), 0, i64({0}), zeros({1, 2}, kFloat64)), DtypeError);
  CHECK_THROWS_AS(index_add(zeros({3, 2}), 0, tensor({0.0f}), zeros({1, 2})), DtypeError);
}

TEST_CASE("index_add: gradients and second derivatives match central differences") {
  manual_seed(14);
  const Fn f = [](const TensorList& t) { return index_add(t[0], 1, t[1], t[2]); };
  const TensorList in = {rnd({2, 3, 2}), i64({2, 0, 2, 2}), rnd({2, 4, 2})};
  check_grad(f, in, {0, 2});
  check_gradgrad(f, in, 2, {0, 2});
}

// ---- gather / scatter_add ----------------------------------------------------------------------

TEST_CASE("gather: out(i, j) = x(i, index(i, j)) along dim 1, and along dim 0") {
  const Tensor t = f64({{1, 2}, {3, 4}});
  const Tensor r = gather(t, 1, i64({{0, 0}, {1, 0}}));
  CHECK(vals(r) == std::vector<double>{1, 1, 4, 3});
  const Tensor r0 = t.gather(0, i64({{1, 0}}));
  CHECK(r0.sizes() == Shape{1, 2});
  CHECK(vals(r0) == std::vector<double>{3, 2});
  // index longer than the input along dim, and a transposed input
  CHECK(vals(gather(t, 1, i64({{1, 1, 0}}))) == std::vector<double>{2, 2, 1});
  CHECK(vals(gather(t.t(), 1, i64({{1}, {0}}))) == std::vector<double>{3, 2});
  CHECK(gather(scalar_tensor(4.0), 0, scalar_tensor(0, kInt64)).item<double>() == 4.0);
}

TEST_CASE("gather: out-of-range indices, rank mismatches and oversized indices are rejected") {
  const Tensor t = zeros({2, 3});
  CHECK_THROWS_AS(gather(t, 1, i64({{3}})), IndexError);
  CHECK_THROWS_WITH(gather(t, 1, i64({{3}})),
                    Catch::Contains("gather: index 3 is out of bounds for dimension 1 with size 3"));
  CHECK_THROWS_AS(gather(t, 1, i64({-1, 0})), ShapeError);
  CHECK_THROWS_AS(gather(t, 1, i64({{0}, {0}, {0}})), ShapeError);
  CHECK_THROWS_WITH(gather(t, 1, i64({{0}, {0}, {0}})), Catch::Contains("gather") && Catch::Contains("[3, 1]"));
  CHECK_THROWS_AS(gather(t, 1, tensor({{0.0f}})), DtypeError);
}

TEST_CASE("gather: the gradient scatters back and accumulates at repeated indices") {
  const Tensor x = f64({{1, 2, 3}, {4, 5, 6}}).requires_grad_();
  const Tensor r = gather(x, 1, i64({{2, 2}, {0, 1}}));
  CHECK(r.grad_fn()->name() == "gather");
  r.sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{0, 0, 2, 1, 1, 0});
  manual_seed(15);
  const Fn f = [](const TensorList& t) { return gather(t[0], 0, t[1]); };
  const TensorList in = {rnd({3, 4}), i64({{2, 0, 1, 2}, {2, 2, 0, 0}})};
  check_grad(f, in, {0});
  check_gradgrad(f, in, 0, {0});
}

TEST_CASE("scatter_add: the PyTorch documentation examples") {
  const Tensor src = ones({2, 5}, kFloat64);
  const Tensor r1 = zeros({3, 5}, kFloat64).scatter_add(0, i64({{0, 1, 2, 0, 0}}), src);
  CHECK(vals(r1) == std::vector<double>{1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0});
  const Tensor r2 = zeros({3, 5}, kFloat64).scatter_add(0, i64({{0, 1, 2, 0, 0}, {0, 1, 2, 2, 2}}), src);
  CHECK(vals(r2) == std::vector<double>{2, 0, 0, 1, 1, 0, 2, 0, 0, 0, 0, 0, 2, 1, 1});
  const Tensor self = f64({1, 1, 1});
  CHECK(vals(scatter_add(self, 0, i64({2, 2}), f64({3, 4}))) == std::vector<double>{1, 1, 8});
  CHECK(vals(self) == std::vector<double>{1, 1, 1});
}

TEST_CASE("scatter_add: out-of-range indices, mismatched ranks, shapes and dtypes are rejected") {
  CHECK_THROWS_AS(scatter_add(zeros({3}), 0, i64({3}), zeros({1})), IndexError);
  CHECK_THROWS_WITH(scatter_add(zeros({3}), 0, i64({3}), zeros({1})),
                    Catch::Contains("scatter_add: index 3 is out of bounds for dimension 0 with size 3"));
  CHECK_THROWS_AS(scatter_add(zeros({3, 2}), 0, i64({0}), zeros({1})), ShapeError);
  CHECK_THROWS_AS(scatter_add(zeros({3, 2}), 0, i64({{0, 0, 0}}), zeros({1, 3})), ShapeError);
  CHECK_THROWS_AS(scatter_add(zeros({3, 2}), 0, i64({{0, 0}}), zeros({1, 1})), ShapeError);
  CHECK_THROWS_AS(scatter_add(zeros({3}), 0, i64({0}), zeros({1}, kFloat64)), DtypeError);
}

TEST_CASE("scatter_add: gradients and second derivatives match central differences, src larger than index too") {
  manual_seed(16);
  const Fn f = [](const TensorList& t) { return scatter_add(t[0], 1, t[1], t[2]); };
  const TensorList same = {rnd({2, 3}), i64({{2, 2, 0, 1}, {0, 0, 0, 2}}), rnd({2, 4})};
  check_grad(f, same, {0, 2});
  check_gradgrad(f, same, 2, {0, 2});
  const TensorList larger = {rnd({3, 3}), i64({{2, 2}, {0, 1}}), rnd({3, 4})};
  check_grad(f, larger, {0, 2});
  check_gradgrad(f, larger, 2, {2});
}

// ---- pad ---------------------------------------------------------------------------------------

TEST_CASE("pad: pads the last dim first, with the given value, and negative widths crop") {
  const Tensor x = f64({{1, 2}, {3, 4}});
  CHECK(vals(pad(x, {1, 1})) == std::vector<double>{0, 1, 2, 0, 0, 3, 4, 0});
  const Tensor top = pad(x, {0, 0, 1, 0});
  CHECK(top.sizes() == Shape{3, 2});
  CHECK(vals(top) == std::vector<double>{0, 0, 1, 2, 3, 4});
  CHECK(vals(pad(x, {-1, 0})) == std::vector<double>{2, 4});
  CHECK(vals(pad(x, {1, -1, 0, -1}, 7.0)) == std::vector<double>{7, 1});
  CHECK(vals(pad(f64({1, 2}), {0, 2}, -1.5)) == std::vector<double>{1, 2, -1.5, -1.5});
  CHECK(vals(pad(x, {-2, 1})) == std::vector<double>{0, 0});  // everything cropped, then padded
  CHECK(pad(i64({1, 2}), {1, 0}, 3).dtype() == kInt64);
}

TEST_CASE("pad: odd-length, too long and over-cropping pads are rejected") {
  CHECK_THROWS_AS(pad(zeros({2, 2}), {1}), ValueError);
  CHECK_THROWS_AS(pad(zeros({2}), {1, 1, 1, 1}), ShapeError);
  CHECK_THROWS_AS(pad(zeros({2}), {-2, -1}), ShapeError);
  CHECK_THROWS_WITH(pad(zeros({2}), {-2, -1}), Catch::Contains("pad") && Catch::Contains("negative output size"));
}

TEST_CASE("pad: the gradient is the gradient cropped back, zero where the input was cropped") {
  const Tensor x = f64({1, 2, 3}).requires_grad_();
  const Tensor r = pad(x, {-1, 2});
  CHECK(r.grad_fn()->name() == "pad");
  (r * f64({10, 20, 30, 40})).sum().backward();
  CHECK(vals(x.grad()) == std::vector<double>{0, 10, 20});
  manual_seed(17);
  const Fn f = [](const TensorList& t) { return pad(t[0], {2, -1, -1, 1}, 0.25); };
  check_grad(f, {rnd({2, 3, 4})}, {0});
  check_gradgrad(f, {rnd({3, 3})}, 0, {0});
}

// ---- embedding ---------------------------------------------------------------------------------

TEST_CASE("embedding: rows of the table for an index tensor of any shape") {
  const Tensor w = f64({{0, 1}, {10, 11}, {20, 21}});
  const Tensor r = embedding(w, i64({{0, 2}, {1, 0}}));
  CHECK(r.sizes() == Shape{2, 2, 2});
  CHECK(vals(r) == std::vector<double>{0, 1, 20, 21, 10, 11, 0, 1});
  const Tensor s = embedding(w, scalar_tensor(2, kInt64));
  CHECK(s.sizes() == Shape{2});
  CHECK(vals(s) == std::vector<double>{20, 21});
}

TEST_CASE("embedding: out-of-range and non-int64 indices and non-2-D weights are rejected") {
  const Tensor w = zeros({5, 3});
  CHECK_THROWS_AS(embedding(w, i64({1, 5})), IndexError);
  CHECK_THROWS_WITH(embedding(w, i64({1, 5})), Catch::Contains("embedding: index 5") && Catch::Contains("[5, 3]"));
  CHECK_THROWS_AS(embedding(w, i64({-1})), IndexError);
  CHECK_THROWS_AS(embedding(w, tensor({1.0f})), DtypeError);
  CHECK_THROWS_AS(embedding(zeros({5}), i64({1})), ShapeError);
}

TEST_CASE("embedding: the gradient of a row counts how often it was looked up") {
  const Tensor w = f64({{0, 1}, {10, 11}, {20, 21}}).requires_grad_();
  embedding(w, i64({{0, 2}, {0, 0}})).sum().backward();
  CHECK(vals(w.grad()) == std::vector<double>{3, 3, 0, 0, 1, 1});
  manual_seed(18);
  const Fn f = [](const TensorList& t) { return embedding(t[0], t[1]); };
  check_grad(f, {rnd({4, 3}), i64({{3, 0, 3}, {1, 1, 3}})}, {0});
  check_gradgrad(f, {rnd({4, 2}), i64({3, 0, 3})}, 0, {0});
}
