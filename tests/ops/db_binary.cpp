// Op database entries of the binary elementwise ops: add, sub (with alpha), mul, div, pow (tensor
// and scalar exponents, scalar base), minimum, maximum, clamp, where, masked_fill, over the
// broadcasting shape groups. References are the closed forms on the float64 values, broadcast by
// index arithmetic in a plain loop.
#include <cmath>

#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

using Maker = std::function<TensorList(const std::vector<Shape>&)>;

// Broadcasting pairs: equal shapes, one side broadcast, both sides broadcast, a 0-d operand, empty.
const std::vector<std::vector<Shape>> kPairs = {
    {Shape{}, Shape{}},     {{3}, {3}},       {{3, 4}, {3, 1}},  {{3, 4}, {1, 4}},
    {{2, 3, 4}, {2, 1, 4}}, {{3, 1}, {1, 4}}, {Shape{}, {2, 3}}, {{0, 3}, {3}}};
const std::vector<std::vector<Shape>> kSingles = {{Shape{}}, {{3}}, {{3, 4}}, {{2, 3, 4}}, {{0, 3}}};

/// Element offsets of `shape` read at every coordinate of `out` (broadcast dims read index 0).
std::vector<std::int64_t> broadcast_offsets(const Shape& shape, const Shape& out) {
  const std::size_t lead = out.size() - shape.size();
  std::vector<std::int64_t> offs(static_cast<std::size_t>(numel_of(out)));
  Shape c(out.size(), 0);
  for (std::size_t i = 0; i < offs.size(); ++i) {
    std::int64_t off = 0;
    for (std::size_t k = 0; k < shape.size(); ++k) off = off * shape[k] + (shape[k] == 1 ? 0 : c[k + lead]);
    offs[i] = off;
    for (std::size_t k = out.size(); k-- > 0;) {
      if (++c[k] < out[k]) break;
      c[k] = 0;
    }
  }
  return offs;
}

/// out[c] = f(a[c], b[c]) over the broadcast shape, in double.
template <class F>
Tensor ref_binary(const Tensor& a, const Tensor& b, F f) {
  const Shape out = broadcast_shapes(a.sizes(), b.sizes());
  const auto av = a.to_vector<double>(), bv = b.to_vector<double>();
  const auto ao = broadcast_offsets(a.sizes(), out), bo = broadcast_offsets(b.sizes(), out);
  std::vector<double> r(ao.size());
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = f(av[ao[i]], bv[bo[i]]);
  return from_vector(r, out, kFloat64);
}

template <class F>
Tensor ref_unary(const Tensor& x, F f) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = f(e);
  return from_vector(v, x.sizes(), kFloat64);
}

Tensor uniform(const Shape& s, double lo, double hi) {
  std::vector<double> v = rand(s, kFloat64).to_vector<double>();
  for (double& x : v) x = lo + (hi - lo) * x;
  return from_vector(v, s, kFloat64);
}

/// [a, b] with b of magnitude in [0.5, 2] and either sign (a divisor away from 0).
TensorList numerator_divisor(const std::vector<Shape>& s) {
  std::vector<double> b = rand(s[1], kFloat64).to_vector<double>();
  for (double& x : b) x = x < 0.5 ? -(0.5 + 3 * x) : 0.5 + 3 * (x - 0.5);
  return {uniform(s[0], -2, 2), from_vector(b, s[1], kFloat64)};
}

/// [a, b] with a on odd and b on even multiples of 0.1 in [-2, 2]: every pair that broadcasting
/// can meet differs by at least 0.1, so minimum / maximum never see a tie.
TensorList separated_pair(const std::vector<Shape>& s) {
  const Tensor a = (randint(-10, 10, s[0]).to(kFloat64) * 2 + 1) * 0.1;
  const Tensor b = randint(-10, 11, s[1]).to(kFloat64) * 0.2;
  return {a, b};
}

/// One input uniform in [-2, 2], moved at least 0.1 away from each of `kinks`.
Maker avoiding(std::vector<double> kinks) {
  return [kinks](const std::vector<Shape>& s) -> TensorList {
    std::vector<double> v = uniform(s[0], -2, 2).to_vector<double>();
    for (double& x : v)
      for (double k : kinks)
        if (std::abs(x - k) < 0.1) x = x < k ? x - 0.1 : x + 0.1;
    return {from_vector(v, s[0], kFloat64)};
  };
}

/// [condition (bool), rest...]: the first shape is a random mask, the others values in [-2, 2].
TensorList mask_then_values(const std::vector<Shape>& s) {
  TensorList r{rand(s[0], kFloat64) > 0.5};
  for (std::size_t i = 1; i < s.size(); ++i) r.push_back(uniform(s[i], -2, 2));
  return r;
}

/// [x, mask]: values first, then the mask.
TensorList values_then_mask(const std::vector<Shape>& s) { return {uniform(s[0], -2, 2), rand(s[1], kFloat64) > 0.5}; }

}  // namespace

void add_binary_ops(std::vector<OpInfo>& db) {
  db.push_back({
      .name = "add",
      .fn = [](const TensorList& in) { return add(in[0], in[1]); },
      .samples = kPairs,
      .reference =
          [](const TensorList& in) { return ref_binary(in[0], in[1], [](double a, double b) { return a + b; }); },
  });
  db.push_back({
      .name = "add (alpha=-0.5)",
      .fn = [](const TensorList& in) { return add(in[0], in[1], -0.5); },
      .samples = kPairs,
      .reference =
          [](const TensorList& in) { return ref_binary(in[0], in[1], [](double a, double b) { return a - 0.5 * b; }); },
  });
  db.push_back({
      .name = "add (scalar)",
      .fn = [](const TensorList& in) { return in[0] + 2.5; },
      .samples = kSingles,
      .reference = [](const TensorList& in) { return ref_unary(in[0], [](double a) { return a + 2.5; }); },
  });
  db.push_back({
      .name = "sub",
      .fn = [](const TensorList& in) { return sub(in[0], in[1]); },
      .samples = kPairs,
      .reference =
          [](const TensorList& in) { return ref_binary(in[0], in[1], [](double a, double b) { return a - b; }); },
  });
  db.push_back({
      .name = "sub (alpha=2)",
      .fn = [](const TensorList& in) { return sub(in[0], in[1], 2); },
      .samples = kPairs,
      .reference =
          [](const TensorList& in) { return ref_binary(in[0], in[1], [](double a, double b) { return a - 2 * b; }); },
  });
  db.push_back({
      .name = "mul",
      .fn = [](const TensorList& in) { return mul(in[0], in[1]); },
      .samples = kPairs,
      .reference =
          [](const TensorList& in) { return ref_binary(in[0], in[1], [](double a, double b) { return a * b; }); },
  });
  db.push_back({
      .name = "div",
      .fn = [](const TensorList& in) { return div(in[0], in[1]); },
      .samples = kPairs,
      .make_inputs = numerator_divisor,
      .reference =
          [](const TensorList& in) { return ref_binary(in[0], in[1], [](double a, double b) { return a / b; }); },
  });
  db.push_back({
      .name = "pow",
      .fn = [](const TensorList& in) { return pow(in[0], in[1]); },
      .samples = kPairs,
      .make_inputs = [](const std::vector<Shape>& s) -> TensorList {
        return {uniform(s[0], 0.5, 2), uniform(s[1], -2, 2)};
      },
      .reference =
          [](const TensorList& in) {
            return ref_binary(in[0], in[1], [](double a, double b) { return std::pow(a, b); });
          },
  });
  for (double p : {2.0, 3.0, 0.5}) {
    const bool root = p == 0.5;
    db.push_back({
        .name = p == 2.0   ? "pow (exponent 2)"
                : p == 3.0 ? "pow (exponent 3)"
                           : "pow (exponent 0.5)",
        .fn = [p](const TensorList& in) { return pow(in[0], p); },
        .samples = kSingles,
        .lo = root ? 0.5 : -2.0,  // the square root only on positive bases
        .hi = 2.0,
        .reference = [p](const TensorList& in) { return ref_unary(in[0], [p](double a) { return std::pow(a, p); }); },
    });
  }
  db.push_back({
      .name = "pow (scalar base)",
      .fn = [](const TensorList& in) { return pow(2.5, in[0]); },
      .samples = kSingles,
      .reference = [](const TensorList& in) { return ref_unary(in[0], [](double a) { return std::pow(2.5, a); }); },
  });
  db.push_back({
      .name = "minimum",
      .fn = [](const TensorList& in) { return minimum(in[0], in[1]); },
      .samples = kPairs,
      .make_inputs = separated_pair,
      .reference =
          [](const TensorList& in) {
            return ref_binary(in[0], in[1], [](double a, double b) { return a < b ? a : b; });
          },
  });
  db.push_back({
      .name = "maximum",
      .fn = [](const TensorList& in) { return maximum(in[0], in[1]); },
      .samples = kPairs,
      .make_inputs = separated_pair,
      .reference =
          [](const TensorList& in) {
            return ref_binary(in[0], in[1], [](double a, double b) { return a > b ? a : b; });
          },
  });
  db.push_back({
      .name = "clamp (min only)",
      .fn = [](const TensorList& in) { return clamp(in[0], -0.5); },
      .samples = kSingles,
      .make_inputs = avoiding({-0.5}),
      .reference = [](const TensorList& in) { return ref_unary(in[0], [](double a) { return a < -0.5 ? -0.5 : a; }); },
  });
  db.push_back({
      .name = "clamp (max only)",
      .fn = [](const TensorList& in) { return clamp(in[0], std::nullopt, 0.5); },
      .samples = kSingles,
      .make_inputs = avoiding({0.5}),
      .reference = [](const TensorList& in) { return ref_unary(in[0], [](double a) { return a > 0.5 ? 0.5 : a; }); },
  });
  db.push_back({
      .name = "clamp (min and max)",
      .fn = [](const TensorList& in) { return clamp(in[0], -0.5, 1); },
      .samples = kSingles,
      .make_inputs = avoiding({-0.5, 1.0}),
      .reference =
          [](const TensorList& in) {
            return ref_unary(in[0], [](double a) { return a < -0.5 ? -0.5 : (a > 1 ? 1.0 : a); });
          },
  });
  db.push_back({
      .name = "where",
      .fn = [](const TensorList& in) { return where(in[0], in[1], in[2]); },
      .samples = {{{3, 4}, {3, 4}, {3, 4}},
                  {{3, 1}, {1, 4}, Shape{}},
                  {{2, 3, 4}, {2, 1, 4}, {3, 1}},
                  {Shape{}, Shape{}, Shape{}},
                  {{0, 3}, {3}, {0, 1}}},
      .make_inputs = mask_then_values,
      .grad_inputs = {1, 2},
      .reference =
          [](const TensorList& in) {
            // where(c, a, b) = c a + (1 - c) b, broadcast in two steps
            const Tensor c = in[0].to(kFloat64);
            const Tensor ca = ref_binary(c, in[1], [](double m, double a) { return m * a; });
            const Tensor nb = ref_binary(c, in[2], [](double m, double b) { return (1 - m) * b; });
            return ref_binary(ca, nb, [](double x, double y) { return x + y; });
          },
  });
  db.push_back({
      .name = "where (scalar other)",
      .fn = [](const TensorList& in) { return where(in[0], in[1], -1.5); },
      .samples = {{{3, 4}, {3, 4}}, {{3, 1}, {1, 4}}, {Shape{}, {3}}},
      .make_inputs = mask_then_values,
      .grad_inputs = {1},
      .reference =
          [](const TensorList& in) {
            return ref_binary(in[0].to(kFloat64), in[1], [](double m, double a) { return m != 0 ? a : -1.5; });
          },
  });
  db.push_back({
      .name = "masked_fill",
      .fn = [](const TensorList& in) { return masked_fill(in[0], in[1], 0.5); },
      .samples = {{{3, 4}, {3, 4}}, {{3, 4}, {1, 4}}, {{2, 3, 4}, {3, 1}}, {Shape{}, Shape{}}, {{0, 3}, {3}}},
      .make_inputs = values_then_mask,
      .grad_inputs = {0},
      .reference =
          [](const TensorList& in) {
            return ref_binary(in[0], in[1].to(kFloat64), [](double a, double m) { return m != 0 ? 0.5 : a; });
          },
  });
}

}  // namespace xg::testing
