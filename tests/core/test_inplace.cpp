// In-place ops: results, the version counter, and their interplay with autograd
// (Note [In-place ops and saved tensors] in lib/ops/copy.cpp).
#include <catch2/catch.hpp>

#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {
std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
}  // namespace

// ---- results ----------------------------------------------------------------------------------------

TEST_CASE("in-place arithmetic: add_, sub_, mul_, div_ write their result into the tensor") {
  Tensor x = tensor({1.0, 2.0, 3.0}, kFloat64);
  Tensor& r = x.add_(tensor({10.0, 20.0, 30.0}, kFloat64));
  CHECK(&r == &x);
  CHECK(values(x) == std::vector<double>{11, 22, 33});
  x.add_(tensor({1.0, 1.0, 1.0}, kFloat64), /*alpha=*/-2);
  CHECK(values(x) == std::vector<double>{9, 20, 31});
  x.sub_(1);
  CHECK(values(x) == std::vector<double>{8, 19, 30});
  x.mul_(0.5);
  CHECK(values(x) == std::vector<double>{4, 9.5, 15});
  x.div_(tensor({4.0, 0.5, 3.0}, kFloat64));
  CHECK(values(x) == std::vector<double>{1, 19, 5});
  x += 1;
  x *= 2;
  x -= tensor({1.0, 1.0, 1.0}, kFloat64);
  x /= 4;
  CHECK(values(x) == std::vector<double>{0.75, 9.75, 2.75});
}

TEST_CASE("in-place arithmetic: the other operand broadcasts to the tensor's shape") {
  Tensor x = zeros({2, 3}, kFloat64);
  x.add_(tensor({1.0, 2.0, 3.0}, kFloat64));
  x.mul_(tensor({{1.0}, {-1.0}}, kFloat64));
  CHECK(values(x) == std::vector<double>{1, 2, 3, -1, -2, -3});
  // a result larger than the tensor cannot be written in place
  Tensor row = zeros({3}, kFloat64);
  CHECK_THROWS_AS(row.add_(zeros({2, 3}, kFloat64)), ShapeError);
}

TEST_CASE("in-place arithmetic: a result dtype that cannot be stored throws a DtypeError") {
  Tensor i = tensor({1, 2, 3});
  i.add_(2);
  CHECK(i.dtype() == kInt64);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 4, 5});
  CHECK_THROWS_AS(i.div_(2), DtypeError);    // true division gives float32
  CHECK_THROWS_AS(i.add_(0.5), DtypeError);  // int64 + 0.5 is float32
  Tensor f = ones({2});                      // float32 with a 0-d float64 operand stays float32
  f.add_(scalar_tensor(1.5, kFloat64));
  CHECK(f.dtype() == kFloat32);
  CHECK(values(f) == std::vector<double>{2.5, 2.5});
}

TEST_CASE("zero_, fill_, clamp_, masked_fill_: results, also on strided views") {
  Tensor x = arange(6, kFloat64).reshape({2, 3});
  x.t().select(0, 1).fill_(-7);  // column 1
  CHECK(values(x) == std::vector<double>{0, -7, 2, 3, -7, 5});
  x.clamp_(-1, 4);
  CHECK(values(x) == std::vector<double>{0, -1, 2, 3, -1, 4});
  x.masked_fill_(x < 0, 9);
  CHECK(values(x) == std::vector<double>{0, 9, 2, 3, 9, 4});
  x.slice(1, 0, 3, 2).zero_();
  CHECK(values(x) == std::vector<double>{0, 9, 0, 0, 9, 0});
  x.zero_();
  CHECK(values(x) == std::vector<double>(6, 0.0));
  Tensor i = zeros({3}, kInt64);
  i.fill_(2.9);  // converted as by a cast to int64
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 2, 2});
  Tensor b = zeros({2}, kBool);
  b.fill_(true);
  CHECK(all(b).item<bool>());
}

TEST_CASE("copy_: copies values, broadcasting the source and converting its dtype") {
  Tensor x = zeros({2, 3}, kFloat64);
  x.copy_(tensor({1.0, 2.0, 3.0}, kFloat64));
  CHECK(values(x) == std::vector<double>{1, 2, 3, 1, 2, 3});
  x.copy_(tensor({{4}, {5}}));  // int64 column
  CHECK(x.dtype() == kFloat64);
  CHECK(values(x) == std::vector<double>{4, 4, 4, 5, 5, 5});
  Tensor i = zeros({3}, kInt64);
  i.copy_(tensor({2.7, -1.5, 0.2}));
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, -1, 0});
  // into a transposed view: element [r][c] of the view is x[c][r]
  Tensor y = zeros({2, 3}, kFloat64);
  y.t().copy_(arange(6, kFloat64).reshape({3, 2}));
  CHECK(values(y) == std::vector<double>{0, 2, 4, 1, 3, 5});
  // from a non-contiguous source
  Tensor z = zeros({3, 2}, kFloat64);
  z.copy_(y.t());
  CHECK(values(z) == std::vector<double>{0, 1, 2, 3, 4, 5});
  CHECK_THROWS_AS(x.copy_(zeros({4})), ShapeError);
  CHECK_THROWS_AS(zeros({3}).copy_(zeros({2, 3})), ShapeError);  // a source larger than the target
}

// ---- the version counter -------------------------------------------------------------------------

TEST_CASE("_version: every in-place op bumps it, out-of-place ops do not") {
  Tensor x = zeros({3}, kFloat64);
  CHECK(x._version() == 0);
  x.add_(1);
  CHECK(x._version() == 1);
  x.mul_(2);
  x.fill_(3);
  x.zero_();
  x.copy_(ones({3}, kFloat64));
  CHECK(x._version() == 5);
  const Tensor y = x + 1;
  (void)x.exp();
  CHECK(x._version() == 5);
  CHECK(y._version() == 0);
}

TEST_CASE("_version: views share the counter of their storage") {
  Tensor x = zeros({2, 3}, kFloat64);
  Tensor v = x.view({6});
  Tensor row = x.select(0, 1);
  row.add_(1);
  CHECK(x._version() == 1);
  CHECK(v._version() == 1);
  v.zero_();
  CHECK(row._version() == 2);
  // detach shares the storage too
  Tensor d = x.detach();
  d.fill_(1);
  CHECK(x._version() == 3);
  // a clone has its own counter
  Tensor c = x.clone();
  c.add_(1);
  CHECK(x._version() == 3);
  CHECK(c._version() == 1);
}

// ---- autograd -------------------------------------------------------------------------------------

TEST_CASE("in-place on a leaf that requires grad throws an AutogradError, unless under NoGradGuard") {
  Tensor w = ones({3}, kFloat64).requires_grad_();
  CHECK_THROWS_AS(w.add_(1), AutogradError);
  CHECK_THROWS_WITH(w.mul_(2), Contains("mul_") && Contains("leaf"));
  CHECK_THROWS_AS(w.zero_(), AutogradError);
  CHECK_THROWS_AS(w.copy_(zeros({3}, kFloat64)), AutogradError);
  CHECK(values(w) == std::vector<double>{1, 1, 1});  // untouched by the failed calls
  {
    NoGradGuard g;
    w.sub_(0.5);  // an optimizer step
  }
  CHECK(values(w) == std::vector<double>{0.5, 0.5, 0.5});
  CHECK(w.requires_grad());
  CHECK(w.is_leaf());
}

TEST_CASE("in-place on a tensor saved for backward makes backward throw, naming both versions") {
  const Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2;
  const Tensor z = (y * y).sum();  // mul saves y at version 0
  y.add_(1);                       // version 1
  try {
    z.backward();
    FAIL("backward should have thrown");
  } catch (const AutogradError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("modified by an in-place operation"));
    CHECK_THAT(msg, Contains("version 1"));
    CHECK_THAT(msg, Contains("expected version 0"));
    CHECK_THAT(msg, Contains("mul"));
  }
}

TEST_CASE("in-place on an op's saved output makes backward throw") {
  const Tensor x = tensor({0.5, -0.5}, kFloat64).requires_grad_();
  Tensor y = x.exp();  // exp saves its output
  y.mul_(2);
  CHECK_THROWS_WITH(y.sum().backward(), Contains("modified by an in-place operation"));
  // modifying a tensor no node saved is fine
  const Tensor a = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor b = a + 1;  // add saves nothing
  b.mul_(3);
  b.sum().backward();
  CHECK(values(a.grad()) == std::vector<double>{3, 3});
}

TEST_CASE("in-place on a non-leaf keeps the gradient right") {
  const Tensor x = tensor({1.0, -2.0, 3.0}, kFloat64).requires_grad_();
  Tensor y = x * 2;
  y.mul_(3);
  CHECK_FALSE(y.is_leaf());
  CHECK(y.requires_grad());
  CHECK(values(y) == std::vector<double>{6, -12, 18});
  y.sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{6, 6, 6});

  // the other operand's gradient: d (x² + a x) / d a = x, and d/dx = 2x + a
  const Tensor p = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  const Tensor a = tensor({3.0, 5.0}, kFloat64).requires_grad_();
  Tensor q = p * p;
  q.add_(a * p);
  q.sum().backward();
  CHECK(values(p.grad()) == std::vector<double>{5, 9});
  CHECK(values(a.grad()) == std::vector<double>{1, 2});
}

TEST_CASE("in-place on a tensor without grad by one that requires grad records the op") {
  const Tensor w = tensor({2.0, 3.0}, kFloat64).requires_grad_();
  Tensor acc = zeros({2}, kFloat64);  // a plain buffer
  acc.add_(w * w);
  CHECK(acc.requires_grad());
  acc.sum().backward();
  CHECK(values(w.grad()) == std::vector<double>{4, 6});
}

TEST_CASE("copy_: the gradient goes to the source, summed over broadcast dims and cast back") {
  const Tensor src = tensor({1.0f, 2.0f}).requires_grad_();  // float32
  Tensor dst = zeros({3, 2}, kFloat64);
  dst.copy_(src);
  CHECK(dst.requires_grad());
  CHECK(dst.dtype() == kFloat64);
  (dst * tensor({{1.0}, {2.0}, {3.0}}, kFloat64)).sum().backward();
  REQUIRE(src.grad().defined());
  CHECK(src.grad().dtype() == kFloat32);
  CHECK(values(src.grad()) == std::vector<double>{6, 6});
}

TEST_CASE("copy_ and fill_ over a tensor with history make it a constant") {
  const Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = x * 2;
  y.fill_(5);
  CHECK_FALSE(y.requires_grad());
  Tensor z = x * 3;
  z.copy_(ones({2}, kFloat64));
  CHECK_FALSE(z.requires_grad());
  CHECK(values(z) == std::vector<double>{1, 1});
}
