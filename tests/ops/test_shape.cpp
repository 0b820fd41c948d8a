// Views and shape ops beyond the op database: storage sharing, strides, the errors of view /
// reshape / select / narrow / slice / squeeze / unsqueeze / permute / expand, and result shapes.
#include <catch2/catch.hpp>

#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {
Tensor iota(const Shape& shape) { return arange(numel_of(shape), kFloat64).reshape(shape); }
std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
}  // namespace

// ---- storage sharing -----------------------------------------------------------------------------

TEST_CASE("views: modifying a view under NoGradGuard changes its base") {
  Tensor x = iota({2, 3});
  Tensor v = x.view({6});
  Tensor t = x.t();
  Tensor r = x.select(1, 2);
  {
    NoGradGuard g;
    v.mul_(10);
    t.select(0, 0).fill_(-1);  // column 0 of x
    r.add_(0.5);               // column 2 of x
  }
  CHECK(values(x) == std::vector<double>{-1, 10, 20.5, -1, 40, 50.5});
  CHECK(values(v) == values(x));
  // every view reads the one storage, so all see one version counter
  CHECK(x._version() == 3);
  CHECK(t._version() == 3);
}

TEST_CASE("views: reshape, slice, narrow, squeeze, unsqueeze and expand share storage") {
  Tensor x = iota({4, 3});
  const auto base = static_cast<const char*>(x.data_ptr());
  CHECK(x.reshape({12}).data_ptr() == x.data_ptr());
  CHECK(x.unsqueeze(0).data_ptr() == x.data_ptr());
  CHECK(x.unsqueeze(0).squeeze(0).data_ptr() == x.data_ptr());
  CHECK(x.expand({2, 4, 3}).data_ptr() == x.data_ptr());
  const Tensor n = x.narrow(0, 1, 2);
  CHECK(n.storage_offset() == 3);
  CHECK(static_cast<const char*>(n.data_ptr()) == base + 3 * sizeof(double));
  const Tensor s = x.slice(1, 1, 3);
  CHECK(s.storage_offset() == 1);
  CHECK(values(s) == std::vector<double>{1, 2, 4, 5, 7, 8, 10, 11});
  // split pieces are views too
  auto pieces = x.split(3, 0);
  REQUIRE(pieces.size() == 2);
  CHECK(pieces[1].storage_offset() == 9);
  {
    NoGradGuard g;
    pieces[1].zero_();
  }
  CHECK(values(x.select(0, 3)) == std::vector<double>{0, 0, 0});
}

TEST_CASE("views: reshape of a non-contiguous tensor copies, and contiguous() of one makes a fresh tensor") {
  Tensor x = iota({2, 3});
  const Tensor t = x.t();
  CHECK_FALSE(t.is_contiguous());
  const Tensor r = t.reshape({6});
  CHECK(values(r) == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(r.data_ptr() != x.data_ptr());
  const Tensor c = t.contiguous();
  CHECK(c.is_contiguous());
  CHECK(c.strides() == Shape{2, 1});
  CHECK(values(c) == values(r));
  // a contiguous tensor is returned as it is
  CHECK(x.contiguous().is_same(x));
}

// ---- strides -----------------------------------------------------------------------------------------

TEST_CASE("strides: transpose and permute reorder the strides, expand gives stride 0") {
  const Tensor x = iota({2, 3, 4});
  CHECK(x.strides() == Shape{12, 4, 1});
  const Tensor t = x.transpose(0, 2);
  CHECK(t.sizes() == Shape{4, 3, 2});
  CHECK(t.strides() == Shape{1, 4, 12});
  CHECK_FALSE(t.is_contiguous());
  const Tensor p = x.permute({2, 0, 1});
  CHECK(p.sizes() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK(values(p.select(0, 1).select(0, 1)) == std::vector<double>{13, 17, 21});  // x[1, :, 1]

  const Tensor col = iota({3, 1});
  const Tensor e = col.expand({3, 4});
  CHECK(e.sizes() == Shape{3, 4});
  CHECK(e.strides() == Shape{1, 0});
  CHECK(values(e) == std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2});
  const Tensor lead = iota({4}).expand({2, -1});
  CHECK(lead.sizes() == Shape{2, 4});
  CHECK(lead.strides() == Shape{0, 1});

  const Tensor s = iota({10}).slice(0, 1, 10, 3);  // 1, 4, 7
  CHECK(s.strides() == Shape{3});
  CHECK(values(s) == std::vector<double>{1, 4, 7});
  CHECK(iota({2, 3}).unsqueeze(1).strides() == Shape{3, 3, 1});
}

// ---- view and reshape errors -------------------------------------------------------------------------

TEST_CASE("view: a non-contiguous input throws a ShapeError that points to reshape") {
  const Tensor t = iota({2, 3}).t();
  CHECK_THROWS_AS(t.view({6}), ShapeError);
  CHECK_THROWS_WITH(t.view({6}), Contains("view") && Contains("reshape") && Contains("[3, 2]"));
  CHECK_NOTHROW(t.reshape({6}));
  // a transposed view whose only non-trivial dim is contiguous can still be viewed
  CHECK_NOTHROW(iota({1, 4}).t().view({4}));
}

TEST_CASE("reshape: -1 is inferred from the element count") {
  const Tensor x = iota({2, 3, 4});
  CHECK(x.reshape({-1, 4}).sizes() == Shape{6, 4});
  CHECK(x.reshape({2, -1}).sizes() == Shape{2, 12});
  CHECK(x.reshape({-1}).sizes() == Shape{24});
  CHECK(x.view({4, -1, 2}).sizes() == Shape{4, 3, 2});
  CHECK(iota({0, 3}).reshape({-1, 3}).sizes() == Shape{0, 3});
  CHECK(iota({1}).reshape({}).dim() == 0);
  CHECK(x.flatten(0, 1).sizes() == Shape{6, 4});
  CHECK(x.flatten(-2).sizes() == Shape{2, 12});
  CHECK(x.unflatten(2, {2, -1}).sizes() == Shape{2, 3, 2, 2});
}

TEST_CASE("reshape: impossible shapes throw a ShapeError with the shapes involved") {
  const Tensor x = iota({2, 3, 4});
  CHECK_THROWS_AS(x.reshape({-1, -1}), ShapeError);
  CHECK_THROWS_WITH(x.reshape({-1, -1}), Contains("only one dimension can be inferred"));
  CHECK_THROWS_AS(x.reshape({5, -1}), ShapeError);
  CHECK_THROWS_WITH(x.reshape({5, -1}), Contains("[5, -1]") && Contains("[2, 3, 4]"));
  CHECK_THROWS_AS(x.reshape({7}), ShapeError);
  CHECK_THROWS_WITH(x.view({25}), Contains("24 elements"));
  CHECK_THROWS_AS(x.reshape({-2, 12}), ShapeError);
  CHECK_THROWS_AS(iota({0, 3}).reshape({0, -1}), ShapeError);  // -1 is ambiguous with 0 elements
  CHECK_THROWS_AS(x.unflatten(1, {2, 2}), ShapeError);
}

// ---- indexing bounds ----------------------------------------------------------------------------------

TEST_CASE("select: out-of-range indices and dims throw IndexError") {
  const Tensor x = iota({3, 4});
  CHECK(values(x.select(0, -1)) == std::vector<double>{8, 9, 10, 11});
  CHECK(values(x[1]) == std::vector<double>{4, 5, 6, 7});
  CHECK(values(x.select(1, -4)) == std::vector<double>{0, 4, 8});
  CHECK_THROWS_AS(x.select(0, 3), IndexError);
  CHECK_THROWS_WITH(x.select(0, 3), Contains("select: index 3 is out of range") && Contains("size 3"));
  CHECK_THROWS_AS(x.select(0, -4), IndexError);
  CHECK_THROWS_AS(x.select(2, 0), IndexError);
  CHECK_THROWS_AS(x.select(-3, 0), IndexError);
  CHECK_THROWS_AS(scalar_tensor(1.0).select(0, 0), IndexError);
}

TEST_CASE("narrow: start and length must lie inside the dimension") {
  const Tensor x = iota({4, 3});
  CHECK(x.narrow(0, 1, 3).sizes() == Shape{3, 3});
  CHECK(x.narrow(1, -1, 1).sizes() == Shape{4, 1});
  CHECK(x.narrow(0, 4, 0).sizes() == Shape{0, 3});
  CHECK_THROWS_AS(x.narrow(0, 2, 3), IndexError);
  CHECK_THROWS_WITH(x.narrow(0, 2, 3), Contains("narrow") && Contains("size 4"));
  CHECK_THROWS_AS(x.narrow(0, -5, 1), IndexError);
  CHECK_THROWS_AS(x.narrow(0, 0, -1), IndexError);
  CHECK_THROWS_AS(x.narrow(2, 0, 1), IndexError);
}

TEST_CASE("slice: bounds clamp as in Python, bad dims and steps throw") {
  const Tensor x = iota({5});
  CHECK(values(x.slice(0, -2)) == std::vector<double>{3, 4});
  CHECK(values(x.slice(0, std::nullopt, -3)) == std::vector<double>{0, 1});
  CHECK(values(x.slice(0, 1, 100, 2)) == std::vector<double>{1, 3});
  CHECK(x.slice(0, 4, 2).numel() == 0);    // end before start: empty
  CHECK(x.slice(0, 10, 20).numel() == 0);  // past the end: empty
  CHECK(values(x.slice(0, -100, 2)) == std::vector<double>{0, 1});
  CHECK_THROWS_AS(x.slice(1), IndexError);
  CHECK_THROWS_AS(x.slice(0, 0, 5, 0), ValueError);
  CHECK_THROWS_AS(x.slice(0, 0, 5, -1), ValueError);
  CHECK_THROWS_AS(scalar_tensor(1.0).slice(0), IndexError);
}

// ---- squeeze, unsqueeze and friends -----------------------------------------------------------------

TEST_CASE("squeeze, unsqueeze: shapes follow PyTorch") {
  const Tensor x = iota({1, 3, 1, 2});
  CHECK(x.squeeze().sizes() == Shape{3, 2});
  CHECK(x.squeeze(0).sizes() == Shape{3, 1, 2});
  CHECK(x.squeeze(-2).sizes() == Shape{1, 3, 2});
  CHECK(x.squeeze(1).sizes() == Shape{1, 3, 1, 2});  // size 3: unchanged
  CHECK(iota({1, 1}).squeeze().dim() == 0);
  CHECK(scalar_tensor(2.0).squeeze(0).dim() == 0);
  CHECK_THROWS_AS(x.squeeze(4), IndexError);

  const Tensor y = iota({2, 3});
  CHECK(y.unsqueeze(0).sizes() == Shape{1, 2, 3});
  CHECK(y.unsqueeze(1).sizes() == Shape{2, 1, 3});
  CHECK(y.unsqueeze(2).sizes() == Shape{2, 3, 1});
  CHECK(y.unsqueeze(-1).sizes() == Shape{2, 3, 1});
  CHECK(y.unsqueeze(-3).sizes() == Shape{1, 2, 3});
  CHECK(scalar_tensor(2.0).unsqueeze(0).sizes() == Shape{1});
  CHECK_THROWS_AS(y.unsqueeze(3), IndexError);
  CHECK_THROWS_AS(y.unsqueeze(-4), IndexError);
}

TEST_CASE("permute, transpose, t, expand: invalid arguments throw") {
  const Tensor x = iota({2, 3, 4});
  CHECK_THROWS_AS(x.permute({0, 1}), ShapeError);
  CHECK_THROWS_AS(x.permute({0, 1, 1}), ShapeError);
  CHECK_THROWS_AS(x.permute({0, 1, 3}), IndexError);
  CHECK_THROWS_AS(x.transpose(0, 3), IndexError);
  CHECK_THROWS_AS(x.t(), ShapeError);
  CHECK(iota({3}).t().sizes() == Shape{3});
  CHECK_THROWS_AS(iota({3, 2}).expand({3, 4}), ShapeError);
  CHECK_THROWS_WITH(iota({3, 2}).expand({3, 4}), Contains("expand") && Contains("[3, 2]") && Contains("[3, 4]"));
  CHECK_THROWS_AS(iota({3}).expand({3, 1}), ShapeError);
  CHECK_THROWS_AS(iota({3}).expand({-1, 3}), ShapeError);  // -1 for a new leading dim
  CHECK_THROWS_AS(x.expand({3, 4}), ShapeError);           // fewer dims than the input
}

TEST_CASE("split, chunk: piece sizes follow PyTorch") {
  const Tensor x = iota({5, 2});
  auto sizes0 = [](const TensorList& l) {
    std::vector<std::int64_t> r;
    for (const auto& t : l) r.push_back(t.size(0));
    return r;
  };
  CHECK(sizes0(x.split(2)) == std::vector<std::int64_t>{2, 2, 1});
  CHECK(sizes0(x.split(5)) == std::vector<std::int64_t>{5});
  CHECK(sizes0(x.chunk(3)) == std::vector<std::int64_t>{2, 2, 1});
  CHECK(sizes0(x.chunk(2)) == std::vector<std::int64_t>{3, 2});
  CHECK(sizes0(iota({6}).chunk(4)) == std::vector<std::int64_t>{2, 2, 2});  // fewer chunks than asked
  CHECK(sizes0(split_with_sizes(x, {1, 4})) == std::vector<std::int64_t>{1, 4});
  CHECK(values(x.chunk(3)[2]) == std::vector<double>{8, 9});
  CHECK(x.split(1, 1)[1].sizes() == Shape{5, 1});
  CHECK_THROWS_AS(x.split(0), ValueError);
  CHECK_THROWS_AS(x.chunk(0), ValueError);
  CHECK_THROWS_AS(split_with_sizes(x, {2, 2}), ShapeError);
}

// ---- gradients through views -------------------------------------------------------------------------

TEST_CASE("views: gradients flow back through chains of views to the base") {
  const Tensor x = iota({2, 3}).requires_grad_();
  const Tensor w = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, kFloat64);
  // x.t() is [3, 2]: d sum(x.t() * w) / dx = w.t()
  (x.t() * w).sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{1, 3, 5, 2, 4, 6});

  const Tensor y = iota({4}).requires_grad_();
  (y.slice(0, 1, 4, 2) * 3).sum().backward();
  CHECK(values(y.grad()) == std::vector<double>{0, 3, 0, 3});

  const Tensor z = iota({3}).requires_grad_();
  (z.unsqueeze(0).expand({4, 3}) * iota({4, 1})).sum().backward();
  CHECK(values(z.grad()) == std::vector<double>{6, 6, 6});  // 0 + 1 + 2 + 3
}
