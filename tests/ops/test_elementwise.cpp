// Elementwise ops beyond what the op database checks: dtype promotion, broadcasting results and
// errors, comparisons and logic, classification (isnan...), all / any, equal / allclose, and
// activation values at points with known closed forms.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <numbers>

#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }
std::vector<bool> bools(const Tensor& t) {
  REQUIRE(t.dtype() == kBool);
  std::vector<bool> r;
  for (double v : t.to_vector<double>()) r.push_back(v != 0);
  return r;
}
}  // namespace

// ---- type promotion --------------------------------------------------------------------------------

TEST_CASE("type promotion: int64 with int64 stays int64") {
  const Tensor a = tensor({1, 2, 3}), b = tensor({10, 20, 30});
  REQUIRE(a.dtype() == kInt64);
  const Tensor s = a + b;
  CHECK(s.dtype() == kInt64);
  CHECK(s.to_vector<std::int64_t>() == std::vector<std::int64_t>{11, 22, 33});
  CHECK((a * b).dtype() == kInt64);
  CHECK((a - 1).dtype() == kInt64);
  CHECK((a * 2).to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 4, 6});
}

TEST_CASE("type promotion: an int64 tensor and a floating scalar give float32") {
  const Tensor a = tensor({1, 2});
  const Tensor s = a + 2.5;
  CHECK(s.dtype() == kFloat32);
  CHECK(values(s) == std::vector<double>{3.5, 4.5});
  CHECK(result_type(a, Scalar(2.5)) == kFloat32);
  CHECK(result_type(a, Scalar(2)) == kInt64);
  CHECK((2.5 * a).dtype() == kFloat32);
}

TEST_CASE("type promotion: a 0-d float64 tensor does not widen a float32 tensor") {
  const Tensor a = ones({3});  // float32
  const Tensor s = scalar_tensor(1.5, kFloat64);
  CHECK((a + s).dtype() == kFloat32);
  CHECK((s * a).dtype() == kFloat32);
  CHECK(values(a + s) == std::vector<double>{2.5, 2.5, 2.5});
  // between tensors of the same rank category, the wider type wins
  CHECK((a + ones({3}, kFloat64)).dtype() == kFloat64);
  CHECK((scalar_tensor(1.0, kFloat32) + scalar_tensor(1.0, kFloat64)).dtype() == kFloat64);
  // an integer tensor with a floating 0-d tensor takes the 0-d tensor's type (PyTorch: float64)
  CHECK((tensor({1, 2}) + s).dtype() == kFloat64);
  CHECK(result_type(tensor({1, 2}), s) == kFloat64);
}

TEST_CASE("type promotion: int64 divided by int64 is true division in float32") {
  const Tensor q = tensor({1, 3, -7}) / tensor({2, 2, 2});
  CHECK(q.dtype() == kFloat32);
  CHECK(values(q) == std::vector<double>{0.5, 1.5, -3.5});
  CHECK((tensor({1, 2}) / 4).dtype() == kFloat32);
}

TEST_CASE("type promotion: bool tensors combine through the logical ops") {
  const Tensor a = tensor({true, true, false, false}), b = tensor({true, false, true, false});
  REQUIRE(a.dtype() == kBool);
  CHECK(bools(logical_and(a, b)) == std::vector<bool>{true, false, false, false});
  CHECK(bools(a | b) == std::vector<bool>{true, true, true, false});
  CHECK(bools(a ^ b) == std::vector<bool>{false, true, true, false});
  CHECK(bools(~a) == std::vector<bool>{false, false, true, true});
  // bool with int64 promotes to int64
  const Tensor m = a * tensor({1, 2, 3, 4});
  CHECK(m.dtype() == kInt64);
  CHECK(m.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 0, 0});
  CHECK(promote_types(kBool, kFloat32) == kFloat32);
}

TEST_CASE("type promotion: unary math on integers computes in float32") {
  const Tensor e = exp(tensor({0, 1}));
  CHECK(e.dtype() == kFloat32);
  CHECK(values(e)[1] == Approx(std::exp(1.0)).epsilon(1e-6));
  CHECK(relu(tensor({-1, 2})).dtype() == kFloat32);
  CHECK(gelu(tensor({0, 1})).dtype() == kFloat32);
  CHECK(leaky_relu(tensor({-1, 1})).dtype() == kFloat32);
}

// ---- broadcasting ------------------------------------------------------------------------------------

TEST_CASE("broadcasting: a column and a row make a matrix") {
  const Tensor col = tensor({{1.0}, {2.0}, {3.0}});     // [3, 1]
  const Tensor row = tensor({10.0, 20.0, 30.0, 40.0});  // [4]
  const Tensor s = col + row;
  CHECK(s.sizes() == Shape{3, 4});
  CHECK(values(s) == std::vector<double>{11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43});
  const Tensor d = row - col;
  CHECK(values(d)[4] == 8.0);  // d[1][0] = 10 - 2
}

TEST_CASE("broadcasting: 0-d and size-1 dimensions stretch to the other operand") {
  const Tensor x = arange(24, kFloat64).reshape({2, 3, 4});
  const Tensor y = x * scalar_tensor(2.0, kFloat64);
  CHECK(y.sizes() == Shape{2, 3, 4});
  CHECK(values(y)[23] == 46.0);
  const Tensor z = x + ones({2, 1, 4}, kFloat64);
  CHECK(z.sizes() == Shape{2, 3, 4});
  CHECK(values(z)[5] == 6.0);
  CHECK((zeros({0, 3}) + ones({3})).sizes() == Shape{0, 3});
  CHECK(broadcast_shapes({2, 1, 4}, {3, 1}) == Shape{2, 3, 4});
}

TEST_CASE("broadcasting: incompatible shapes throw a ShapeError naming the op and the shapes") {
  const Tensor a = zeros({3, 4}), b = zeros({5});
  CHECK_THROWS_AS(a + b, ShapeError);
  CHECK_THROWS_WITH(add(a, b), Contains("add: shapes [3, 4] and [5] cannot be broadcast together"));
  CHECK_THROWS_WITH(mul(a, b), Contains("mul: shapes [3, 4] and [5]"));
  CHECK_THROWS_WITH(where(zeros({3, 4}) > 0, a, b), Contains("where: shapes"));
  CHECK_THROWS_AS(lt(zeros({2, 3}), zeros({3, 2})), ShapeError);
}

// ---- comparisons and logic -----------------------------------------------------------------------

TEST_CASE("comparisons: eq, ne, lt, le, gt, ge give bool tensors elementwise") {
  const Tensor a = tensor({1.0, 2.0, 3.0}), b = tensor({2.0, 2.0, 2.0});
  CHECK(bools(eq(a, b)) == std::vector<bool>{false, true, false});
  CHECK(bools(ne(a, b)) == std::vector<bool>{true, false, true});
  CHECK(bools(lt(a, b)) == std::vector<bool>{true, false, false});
  CHECK(bools(le(a, b)) == std::vector<bool>{true, true, false});
  CHECK(bools(gt(a, b)) == std::vector<bool>{false, false, true});
  CHECK(bools(ge(a, b)) == std::vector<bool>{false, true, true});
  CHECK(bools(a > 1.5) == std::vector<bool>{false, true, true});
  CHECK(bools(a == 3) == std::vector<bool>{false, false, true});
  // int64 against float compares the values after promotion
  CHECK(bools(tensor({1, 2}) < tensor({1.5, 1.5})) == std::vector<bool>{true, false});
  // broadcast comparison
  CHECK((tensor({{1.0}, {3.0}}) >= tensor({1.0, 2.0, 3.0})).sizes() == Shape{2, 3});
}

TEST_CASE("comparisons: NaN is unequal to everything, itself included") {
  const Tensor a = tensor({kNaN, 1.0}, kFloat64);
  CHECK(bools(a == a) == std::vector<bool>{false, true});
  CHECK(bools(a != a) == std::vector<bool>{true, false});
  CHECK(bools(a < 2.0) == std::vector<bool>{false, true});
}

TEST_CASE("logical ops: non-zero numbers count as true") {
  const Tensor a = tensor({0.0, 2.0, -1.0, 0.0}), b = tensor({0, 0, 5, 1});
  CHECK(bools(logical_and(a, b)) == std::vector<bool>{false, false, true, false});
  CHECK(bools(logical_or(a, b)) == std::vector<bool>{false, true, true, true});
  CHECK(bools(logical_xor(a, b)) == std::vector<bool>{false, true, false, true});
  CHECK(bools(logical_not(a)) == std::vector<bool>{true, false, false, true});
}

TEST_CASE("isnan, isinf, isfinite: classify each element") {
  const Tensor a = tensor({1.0, kNaN, kInf, -kInf, 0.0}, kFloat64);
  CHECK(bools(isnan(a)) == std::vector<bool>{false, true, false, false, false});
  CHECK(bools(isinf(a)) == std::vector<bool>{false, false, true, true, false});
  CHECK(bools(isfinite(a)) == std::vector<bool>{true, false, false, false, true});
  CHECK(bools(a.to(kFloat32).isinf()) == std::vector<bool>{false, false, true, true, false});
  // integers are always finite
  CHECK(bools(isfinite(tensor({1, 2}))) == std::vector<bool>{true, true});
  CHECK(bools(isnan(tensor({1, 2}))) == std::vector<bool>{false, false});
}

TEST_CASE("all, any: reduce to a 0-d bool, with the empty-set conventions") {
  CHECK(all(tensor({1.0, 2.0})).item<bool>());
  CHECK_FALSE(all(tensor({1.0, 0.0})).item<bool>());
  CHECK(any(tensor({0.0, 0.0, 3.0})).item<bool>());
  CHECK_FALSE(any(tensor({0, 0})).item<bool>());
  CHECK(all(tensor({true, true})).item<bool>());
  CHECK(all(tensor({1, 2})).dim() == 0);
  CHECK(all(tensor({1, 2})).dtype() == kBool);
  // all over nothing is true, any over nothing is false
  CHECK(all(zeros({0, 3})).item<bool>());
  CHECK_FALSE(any(zeros({0, 3})).item<bool>());
  // on a strided view
  const Tensor m = tensor({{1.0, 0.0}, {1.0, 0.0}});
  CHECK(all(m.select(1, 0)).item<bool>());
  CHECK_FALSE(any(m.select(1, 1)).item<bool>());
}

TEST_CASE("equal, allclose: exact and tolerant comparison of whole tensors") {
  const Tensor a = tensor({1.0, 2.0, 3.0}, kFloat64);
  CHECK(equal(a, a.clone()));
  CHECK_FALSE(equal(a, tensor({1.0, 2.0, 3.5}, kFloat64)));
  CHECK_FALSE(equal(a, a.reshape({3, 1})));  // same values, other shape
  CHECK(equal(tensor({1, 2, 3}), a));        // dtype promoted
  CHECK(allclose(a, a + 1e-9));
  CHECK_FALSE(allclose(a, a + 1e-3));
  CHECK(allclose(a, a + 1e-3, /*rtol=*/1e-3, /*atol=*/0.0));  // |diff| <= rtol * |other|
  CHECK(allclose(a, a + 0.5, 0.0, 0.5));
  const Tensor n = tensor({kNaN}, kFloat64);
  CHECK_FALSE(allclose(n, n));
  CHECK_FALSE(equal(n, n));
  CHECK_THROWS_AS(allclose(a, zeros({2})), ShapeError);
}

// ---- activation values -----------------------------------------------------------------------------

namespace {
double at(Tensor (*f)(const Tensor&), double x) { return f(scalar_tensor(x, kFloat64)).item<double>(); }
}  // namespace

TEST_CASE("activations: values at known points match the closed forms") {
  const double e = std::exp(1.0);
  CHECK(gelu(scalar_tensor(1.0, kFloat64)).item<double>() == Approx(0.8413447460685429).epsilon(1e-12));
  CHECK(gelu(scalar_tensor(-2.0, kFloat64)).item<double>() == Approx(-0.04550026389635842).epsilon(1e-12));
  CHECK(gelu(scalar_tensor(0.0, kFloat64)).item<double>() == 0.0);
  CHECK(gelu(scalar_tensor(1.0, kFloat64), "tanh").item<double>() == Approx(0.8411919906082768).epsilon(1e-12));
  CHECK(gelu(scalar_tensor(-1.0, kFloat64), "tanh").item<double>() == Approx(-0.15880800939172324).epsilon(1e-12));
  CHECK(softplus(scalar_tensor(0.0, kFloat64)).item<double>() == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(softplus(scalar_tensor(1.0, kFloat64), 2.0).item<double>() == Approx(std::log1p(e * e) / 2).epsilon(1e-15));
  CHECK(elu(scalar_tensor(-1.0, kFloat64)).item<double>() == Approx(1 / e - 1).epsilon(1e-15));
  CHECK(elu(scalar_tensor(-1.0, kFloat64), 0.5).item<double>() == Approx(0.5 * (1 / e - 1)).epsilon(1e-15));
  CHECK(elu(scalar_tensor(2.0, kFloat64)).item<double>() == 2.0);
  CHECK(leaky_relu(scalar_tensor(-2.0, kFloat64)).item<double>() == Approx(-0.02).epsilon(1e-15));
  CHECK(leaky_relu(scalar_tensor(-2.0, kFloat64), 0.2).item<double>() == Approx(-0.4).epsilon(1e-15));
  CHECK(leaky_relu(scalar_tensor(3.0, kFloat64), 0.2).item<double>() == 3.0);
  CHECK(values(hardtanh(tensor({-3.0, -0.5, 0.25, 7.0}, kFloat64))) == std::vector<double>{-1.0, -0.5, 0.25, 1.0});
  CHECK(values(hardtanh(tensor({-3.0, 1.5, 7.0}, kFloat64), 0.0, 6.0)) == std::vector<double>{0.0, 1.5, 6.0});
  CHECK(at(relu, -1.5) == 0.0);
  CHECK(at(relu, 1.5) == 1.5);
  CHECK(at(sigmoid, 0.0) == 0.5);
  CHECK(at(silu, 1.0) == Approx(1 / (1 + 1 / e)).epsilon(1e-15));
  CHECK(at(softsign, -3.0) == Approx(-0.75).epsilon(1e-15));
  CHECK(at(selu, 1.0) == Approx(1.0507009873554805).epsilon(1e-15));
  CHECK(at(selu, -1.0) == Approx(1.0507009873554805 * 1.6732632423543772 * (1 / e - 1)).epsilon(1e-14));
  CHECK(at(tanh, 0.5) == Approx(std::tanh(0.5)).epsilon(1e-15));
}

TEST_CASE("activations: float32 inputs give float32 results of the same values") {
  const Tensor x = tensor({-1.5f, 0.5f, 2.0f});
  for (const Tensor& y : {leaky_relu(x), elu(x), gelu(x), gelu(x, "tanh"), softplus(x), hardtanh(x)}) {
    CHECK(y.dtype() == kFloat32);
    CHECK(y.sizes() == Shape{3});
  }
  CHECK(allclose(gelu(x).to(kFloat64), gelu(x.to(kFloat64)), 1e-6, 1e-7));
  CHECK(allclose(softplus(x).to(kFloat64), softplus(x.to(kFloat64)), 1e-6, 1e-7));
}

TEST_CASE("softplus: stays finite and accurate far out on both sides") {
  for (Dtype d : {kFloat32, kFloat64}) {
    INFO(d);
    const Tensor x = tensor({100.0, -100.0, 1000.0, -1000.0}, d).requires_grad_();
    const Tensor y = softplus(x);
    const auto v = values(y);
    CHECK(v[0] == 100.0);
    CHECK(v[2] == 1000.0);
    CHECK(v[1] >= 0.0);
    CHECK(v[1] < 1e-40);
    CHECK(v[3] == 0.0);
    y.sum().backward();
    const auto g = values(x.grad());
    CHECK(g[0] == 1.0);
    CHECK(g[2] == 1.0);
    CHECK(g[1] >= 0.0);
    CHECK(g[1] < 1e-40);
    CHECK(g[3] == 0.0);
  }
  // log(1 + e^-100) = e^-100 to full precision in float64
  CHECK(softplus(scalar_tensor(-100.0, kFloat64)).item<double>() == Approx(std::exp(-100.0)).epsilon(1e-14));
  // a threshold past the float32 range of exp: the stable form still gives x, not inf
  const Tensor big = softplus(tensor({100.0f}), 1.0, 1e6);
  CHECK(big.item<float>() == 100.0f);
  CHECK(softplus(tensor({-100.0f}), 1.0, 1e6).item<float>() >= 0.0f);
}

TEST_CASE("activations: gradients at points match the derivatives' closed forms") {
  Tensor x = tensor({-2.0, -0.5, 0.5, 2.0}, kFloat64).requires_grad_();
  auto grad_of = [&](const Tensor& y) {
    x.mutable_grad() = Tensor();
    y.sum().backward();
    return values(x.grad());
  };
  CHECK(grad_of(leaky_relu(x, 0.1)) == std::vector<double>{0.1, 0.1, 1.0, 1.0});
  CHECK(grad_of(hardtanh(x)) == std::vector<double>{0.0, 1.0, 1.0, 0.0});
  const auto ge = grad_of(elu(x, 0.5));
  CHECK(ge[0] == Approx(0.5 * std::exp(-2.0)).epsilon(1e-14));
  CHECK(ge[3] == 1.0);
  const auto gs = grad_of(softplus(x, 2.0));
  CHECK(gs[1] == Approx(1 / (1 + std::exp(1.0))).epsilon(1e-14));  // σ(βx) at βx = -1
  // d gelu(x) = Φ(x) + x φ(x)
  const auto gg = grad_of(gelu(x));
  const double phi2 = std::exp(-2.0) / std::sqrt(2 * std::numbers::pi);
  CHECK(gg[3] == Approx(0.5 * (1 + std::erf(2 / std::sqrt(2.0))) + 2 * phi2).epsilon(1e-13));
}

TEST_CASE("activations: bad hyper-parameters throw a ValueError naming them") {
  const Tensor x = zeros({2});
  CHECK_THROWS_AS(gelu(x, "fast"), ValueError);
  CHECK_THROWS_WITH(gelu(x, "fast"), Contains("gelu") && Contains("fast"));
  CHECK_THROWS_AS(hardtanh(x, 1.0, -1.0), ValueError);
  CHECK_THROWS_WITH(hardtanh(x, 1.0, -1.0), Contains("hardtanh") && Contains("min_val"));
  CHECK_NOTHROW(hardtanh(x, 0.5, 0.5));
  CHECK_THROWS(leaky_relu(Tensor()));
}

// ---- gradients at the edges, as PyTorch (tests/reference/nn_loss_more.py) -------------------------

namespace {
/// Exactly the reference values, with the sign of zeros and infinities.
void check_exact(const Tensor& t, const std::vector<double>& ref) {
  const std::vector<double> v = values(t);
  REQUIRE(v.size() == ref.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i << ": got " << v[i] << ", expected " << ref[i]);
    CHECK((v[i] == ref[i] || std::abs(v[i] - ref[i]) <= 1e-15 * std::abs(ref[i])));
    CHECK(std::signbit(v[i]) == std::signbit(ref[i]));
  }
}
}  // namespace

TEST_CASE("pow: the base's gradient is 0 where the exponent is 0, also at base 0, as PyTorch") {
  const Tensor a = tensor({0.0, 0.0, 2.0, -0.0}, kFloat64).requires_grad_();
  const Tensor b = tensor({0.0, 1.5, 0.0, 2.0}, kFloat64).requires_grad_();
  const auto g = autograd::grad({pow(a, b).sum()}, {a, b});
  check_exact(g[0], {0.0, 0.0, 0.0, -0.0});
  check_exact(g[1], {0.0, 0.0, std::numbers::ln2, 0.0});
}

TEST_CASE("pow: exponents -0.5 and 0.5 at -0.0 give PyTorch's signed infinities and zeros") {
  for (Dtype d : {kFloat32, kFloat64}) {
    const Tensor z = tensor({-0.0, 0.0, 4.0}, d).requires_grad_();
    const Tensor r = pow(z, -0.5);
    check_exact(r, {-kInf, kInf, 0.5});
    check_exact(autograd::grad({r.sum()}, {z})[0], {-kInf, -kInf, -0.0625});
    const Tensor s = pow(z, 0.5);
    check_exact(s, {-0.0, 0.0, 2.0});
    check_exact(autograd::grad({s.sum()}, {z})[0], {-kInf, kInf, 0.25});
  }
}

TEST_CASE("clamp: min greater than max sets every element to max with zero gradient, as PyTorch") {
  const Tensor c = tensor({-1.0, 1.0, 1.5, 2.0, 3.0}, kFloat64).requires_grad_();
  const Tensor y = clamp(c, 2.0, 1.0);
  check_exact(y, {1.0, 1.0, 1.0, 1.0, 1.0});
  check_exact(autograd::grad({y.sum()}, {c})[0], {0.0, 0.0, 0.0, 0.0, 0.0});
}
