// Indexing and assignment (Tensor::index / index_put_, index, index_put, masked_select,
// masked_scatter, take_along_dim, nonzero, where, unbind, split): values and gradients against
// PyTorch (numbers from tests/reference/indexing.py), views and in-place behaviour, and the typed
// errors for bad indices. Gradchecks of every op are in the op database (db_index.cpp).
#include <catch2/catch.hpp>

#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::indexing;

namespace {

Tensor f64(const TensorData& d) { return tensor(d, kFloat64); }
Tensor i64(const TensorData& d) { return tensor(d, kInt64); }
Tensor b8(const TensorData& d) { return tensor(d, kBool); }

/// x = arange(24).reshape(2, 3, 4) in float64: x[a, b, c] = 12a + 4b + c.
Tensor x234() { return arange(24, kFloat64).reshape({2, 3, 4}); }

void check(const Tensor& t, const Shape& shape, const std::vector<double>& values) {
  INFO("got " << t);
  REQUIRE(t.sizes() == shape);
  CHECK(t.to_vector<double>() == values);
}

}  // namespace

TEST_CASE("Tensor::index: slices, integers, None and Ellipsis match PyTorch") {
  const Tensor x = x234();
  check(x.index({Slice(), 1}), {2, 4}, {4, 5, 6, 7, 16, 17, 18, 19});
  check(x.index({Ellipsis, 2}), {2, 3}, {2, 6, 10, 14, 18, 22});
  check(x.index({"...", 2}), {2, 3}, {2, 6, 10, 14, 18, 22});
  check(x.index({1, None, Slice(None, None, 2), -1}), {1, 2}, {15, 23});
  check(x.index({Slice(), Slice(-2, None), Slice(1, 3)}), {2, 2, 2}, {5, 6, 9, 10, 17, 18, 21, 22});
  check(x.index({None, 1, Ellipsis, Slice(1, 2)}), {1, 3, 1}, {13, 17, 21});
  check(x.index({}), {2, 3, 4}, x.to_vector<double>());
}

TEST_CASE("Tensor::index: integer tensors broadcast and place their dims as PyTorch does") {
  const Tensor x = x234();
  check(x.index({Slice(), i64({0, 2})}), {2, 2, 4}, {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23});
  check(x.index({i64({0, 1}), i64({2, 0})}), {2, 4}, {8, 9, 10, 11, 12, 13, 14, 15});
  // not adjacent: the index dims go first
  check(x.index({i64({1, 0}), Slice(), i64({3, 1})}), {2, 3}, {15, 19, 23, 1, 5, 9});
  // [2, 1] and [2] broadcast to [2, 2], in place of dims 1 and 2
  check(x.index({Slice(), i64({{0}, {2}}), i64({1, 3})}), {2, 2, 2}, {1, 3, 9, 11, 13, 15, 21, 23});
  check(x.index({i64({-1}), i64({0, -1}), Slice(None, None, 3)}), {2, 2}, {12, 15, 20, 23});
  check(x.index({0, i64({1, 2}), None}), {2, 1, 4}, {4, 5, 6, 7, 8, 9, 10, 11});
  check(x.index({Ellipsis, i64({0, -1})}), {2, 3, 2}, {0, 3, 4, 7, 8, 11, 12, 15, 16, 19, 20, 23});
}

TEST_CASE("Tensor::index: bool masks and bools match PyTorch") {
  const Tensor x = x234();
  check(x.index({x > 16.0}), {7}, {17, 18, 19, 20, 21, 22, 23});
  check(x.index({b8({{true, false, true}, {false, false, true}})}), {3, 4}, {0, 1, 2, 3, 8, 9, 10, 11, 20, 21, 22, 23});
  check(x.index({Slice(), b8({true, false, true}), 0}), {2, 2}, {0, 8, 12, 20});
  // A 2-d mask covers two dims, so the 0 indexes dim 2 (NumPy; PyTorch 1.13 raises a mask shape
  // error here, and x[m2][:, 0] gives these numbers).
  check(x.index({b8({{true, false, true}, {false, false, true}}), 0}), {3}, {0, 8, 20});
  check(x.index({true}), {1, 2, 3, 4}, x.to_vector<double>());
  check(x.index({false}), {0, 2, 3, 4}, {});
  check(x.index({b8(true)}), {1, 2, 3, 4}, x.to_vector<double>());
}

TEST_CASE("Tensor::index: basic indexing returns a view, advanced indexing a copy") {
  Tensor x = x234();
  const Tensor view = x.index({1, Slice(), 2});
  const Tensor copy = x.index({i64({1})});
  x.fill_(-1.0);
  CHECK(view.to_vector<double>() == std::vector<double>{-1, -1, -1});
  CHECK(copy.index({0, 0, 0}).item<double>() == 12.0);
}

TEST_CASE("Tensor::index_put_: assignments match PyTorch") {
  Tensor y = zeros({2, 3, 4}, kFloat64);
  y.index_put_({Slice(), 0}, f64({1, 2, 3, 4}));
  y.index_put_({i64({0, 1}), i64({1, 2})}, 5);
  y.index_put_({y == 0.0}, -1);
  y.index_put_({1, Slice(), i64({0, 3})}, y.index({1, Slice(), i64({0, 3})}) + 10.0);  // y[1, :, [0, 3]] += 10
  check(y, {2, 3, 4}, {1, 2, 3, 4, 5, 5, 5, 5, -1, -1, -1, -1, 11, 2, 3, 14, 9, -1, -1, 9, 15, 5, 5, 15});

  Tensor z = zeros({5}, kFloat64);
  z.index_put_({i64({0, 2, 2, 4, 2})}, f64({1, 2, 3, 4, 5}), /*accumulate=*/true);
  check(z, {5}, {1, 0, 10, 0, 4});

  // Python's w[..., [0, 0, 2]] += 1 reads, adds and writes: a repeated position gets 1, not 2.
  Tensor w = zeros({3, 4}, kFloat64);
  w.index_put_({Ellipsis, i64({0, 0, 2})}, w.index({Ellipsis, i64({0, 0, 2})}) + ones({3, 3}, kFloat64));
  check(w, {3, 4}, {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0});

  // values of another dtype are cast, as in x[...] = v
  Tensor n = zeros({3}, kInt64);
  n.index_put_({Slice(1, None)}, f64({2.0, 3.0}));
  CHECK(n.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 2, 3});
}

TEST_CASE("Tensor::index_put_: writes through a view and bumps the version") {
  Tensor base = zeros({2, 4}, kFloat64);
  Tensor row = base.index({1});
  const auto v0 = base._version();
  row.index_put_({Slice(None, None, 2)}, 7.0);
  CHECK(base.to_vector<double>() == std::vector<double>{0, 0, 0, 0, 7, 0, 7, 0});
  CHECK(base._version() > v0);
}

TEST_CASE("index: the gradient adds g back at repeated positions, as PyTorch") {
  Tensor x = x234().requires_grad_();
  const Tensor out = x.index({i64({0, 0, 1}), Slice(), i64({1, 1, 2})});
  REQUIRE(out.sizes() == Shape{3, 3});
  const Tensor w = arange(9, kFloat64).reshape({3, 3}) + 1.0;
  (out * w).sum().backward();
  check(x.grad(), {2, 3, 4}, {0, 5, 0, 0, 0, 7, 0, 0, 0, 9, 0, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0, 9, 0});
  CHECK(out.grad_fn()->name() == "index");
}

TEST_CASE("Tensor::index_put_: gradients flow to the old values and to the values written, as PyTorch") {
  Tensor a = arange(6, kFloat64).reshape({2, 3}).requires_grad_();
  Tensor v = f64({10, 20}).requires_grad_();
  Tensor b = a * 2.0;
  b.index_put_({Slice(), 1}, v);
  const Tensor m = b > 7.0;
  b.index_put_({m}, b.index({m}) * 3.0);  // b[b > 7] *= 3
  check(b.detach(), {2, 3}, {0, 30, 4, 6, 60, 30});
  (b * f64({{1, 2, 3}, {4, 5, 6}})).sum().backward();
  check(a.grad(), {2, 3}, {2, 0, 6, 8, 0, 36});
  check(v.grad(), {2}, {6, 15});
}

TEST_CASE("Tensor::index_put_: a leaf that requires grad cannot be assigned to") {
  Tensor a = zeros({3}, kFloat64).requires_grad_();
  CHECK_THROWS_AS(a.index_put_({0}, 1.0), AutogradError);
  NoGradGuard ng;
  a.index_put_({0}, 1.0);  // allowed without recording, as in PyTorch
  CHECK(a.to_vector<double>() == std::vector<double>{1, 0, 0});
}

TEST_CASE("masked_select and masked_scatter match PyTorch, broadcasting the mask") {
  const Tensor t = arange(6, kFloat64).reshape({2, 3});
  const Tensor mask = b8({{true, false, true}, {false, true, true}});
  check(masked_select(t, mask), {4}, {0, 2, 4, 5});
  check(t.masked_select(b8({false, true, true})), {4}, {1, 2, 4, 5});
  const Tensor src = arange(10, kFloat64) + 100.0;
  check(t.masked_scatter(mask, src), {2, 3}, {100, 1, 101, 3, 102, 103});
  check(masked_scatter(t, b8({true, false, true}), src), {2, 3}, {100, 1, 101, 102, 4, 103});

  Tensor ts = t.clone().requires_grad_(), ss = src.clone().requires_grad_();
  (masked_scatter(ts, mask, ss) * (arange(6, kFloat64).reshape({2, 3}) + 1.0)).sum().backward();
  check(ts.grad(), {2, 3}, {0, 2, 0, 4, 0, 0});
  check(ss.grad(), {10}, {1, 3, 5, 6, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("take_along_dim matches PyTorch, with broadcasting and without dim") {
  const Tensor u = f64({{10, 30, 20}, {60, 40, 50}});
  check(take_along_dim(u, i64({{0, 2, 1}, {1, 2, 0}}), 1), {2, 3}, {10, 20, 30, 40, 50, 60});
  check(u.take_along_dim(i64({{2}, {0}}), 1), {2, 1}, {20, 60});
  check(take_along_dim(u.index({Slice(None, 1)}), i64({{2, 0}, {1, 1}}), 1), {2, 2}, {20, 10, 30, 30});
  check(take_along_dim(u, i64({5, 0, 3})), {3}, {50, 10, 60});
}

TEST_CASE("nonzero and where(condition) match PyTorch") {
  const Tensor c = tensor({{0.0, 1.5, 0.0}, {2.0, 0.0, -1.0}});
  const Tensor nz = nonzero(c);
  REQUIRE(nz.sizes() == Shape{3, 2});
  CHECK(nz.dtype() == kInt64);
  CHECK(nz.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 1, 0, 1, 2});
  const TensorList w = where(c != 0.0);
  REQUIRE(w.size() == 2);
  CHECK(w[0].to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 1});
  CHECK(w[1].to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 2});
  // the list indexes directly: the non-zero values
  check(c.to(kFloat64).index({w[0], w[1]}), {3}, {1.5, 2.0, -1.0});
  CHECK(nonzero(scalar_tensor(3.0)).sizes() == Shape{1, 0});
}

TEST_CASE("unbind and split: one node joins the pieces' gradients, as PyTorch's values") {
  Tensor s = arange(12, kFloat64).reshape({3, 4}).requires_grad_();
  const TensorList parts = s.unbind(1);
  REQUIRE(parts.size() == 4);
  for (const auto& p : parts) CHECK(p.grad_fn() == parts[0].grad_fn());
  CHECK(parts[0].grad_fn()->name() == "unbind");
  (parts[0] * 2.0 + parts[3] * parts[3]).sum().backward();
  check(s.grad(), {3, 4}, {2, 0, 0, 6, 2, 0, 0, 14, 2, 0, 0, 22});

  s.set_grad({});
  const TensorList pieces = split_with_sizes(s, {1, 2, 1}, 1);
  CHECK(pieces[1].grad_fn()->name() == "split_with_sizes");
  CHECK(pieces[0].grad_fn() == pieces[2].grad_fn());
  (pieces[1] * 3.0).sum().backward();
  check(s.grad(), {3, 4}, {0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0});

  // pieces are views of the input
  NoGradGuard ng;
  Tensor t = zeros({4, 2});
  const TensorList rows = t.chunk(2, 0);
  t.fill_(5.0);
  CHECK(rows[1].sum().item<double>() == 20.0);
}

TEST_CASE("indexing errors are typed and name the op, the index and the shapes") {
  const Tensor x = x234();
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) { return std::string(e.what()); }
    return std::string("no error");
  };
  CHECK_THROWS_AS(x.index({2}), IndexError);
  CHECK(message([&] { x.index({2}); }) ==
        "index: index 2 is out of bounds for dimension 0 with size 2 (tensor shape [2, 3, 4])");
  CHECK_THROWS_AS(x.index({Slice(), i64({0, 3})}), IndexError);
  CHECK(message([&] {
          index(x, {Tensor(), i64({0, -4})});
        }) == "index: index -4 is out of bounds for dimension 1 with size 3 (tensor shape [2, 3, 4])");
  CHECK_THROWS_AS(x.index({tensor({0.0, 1.0})}), DtypeError);
  CHECK(message([&] {
          x.index({tensor({0.0, 1.0})});
        }) == "index: tensors used as indices must be int64 or bool, got float32 (shape [2]) at position 0");
  CHECK_THROWS_AS(x.index({b8({true, false, true})}), IndexError);
  CHECK(message([&] {
          x.index({Slice(), b8({{true, false}, {true, true}, {false, false}})});
        }) ==
        "index: the shape of the mask [3, 2] at position 1 does not match the shape of the indexed tensor "
        "[2, 3, 4] at dimension 2 (2 != 4)");
  CHECK_THROWS_AS(x.index({i64({0, 1}), i64({0, 1, 2})}), IndexError);
  CHECK(message([&] {
          x.index({i64({0, 1}), i64({0, 1, 2})});
        }) ==
        "index: shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3] "
        "(indexing a tensor of shape [2, 3, 4])");
  CHECK_THROWS_AS(x.index({0, 0, 0, 0}), IndexError);
  CHECK_THROWS_AS(x.index({Ellipsis, 0, Ellipsis}), IndexError);
  CHECK_THROWS_AS(x.index({Slice(None, None, -1)}), ValueError);
  CHECK_THROWS_AS(x.index({"::"}), IndexError);

  Tensor y = zeros({2, 3, 4});
  CHECK_THROWS_AS(y.index_put_({Slice(), 0}, zeros({5})), ShapeError);
  CHECK(message([&] {
          y.index_put_({Slice(), 0}, zeros({5}));
        }) ==
        "index_put_: shape mismatch: value tensor of shape [5] cannot be broadcast to indexing result of shape [2, 4]");
  CHECK_THROWS_AS(y.index_put_({i64({5})}, 1.0), IndexError);
  CHECK_THROWS_AS(index_put(y, {i64({0})}, zeros({3, 4}, kFloat64)), DtypeError);

  CHECK_THROWS_AS(masked_select(x, x), DtypeError);
  CHECK_THROWS_AS(masked_select(x, b8({true, false})), ShapeError);
  CHECK(message([&] { masked_scatter(x, x > 0.0, zeros({3}, kFloat64)); }) ==
        "masked_scatter: the mask of shape [2, 3, 4] has 23 true entries but source of shape [3] has only 3 elements");
  CHECK_THROWS_AS(take_along_dim(x, zeros({2, 3, 1}), 2), DtypeError);
  CHECK_THROWS_AS(take_along_dim(x, i64({0}), 0), ShapeError);
  CHECK(message([&] { take_along_dim(x, i64({{{4}}}), 2); }) ==
        "take_along_dim: index 4 is out of bounds for dimension 2 with size 4 (input shape [2, 3, 4], indices shape "
        "[1, 1, 1])");
  CHECK_THROWS_AS(unbind(scalar_tensor(1.0)), IndexError);
}
