// Op database entries of the elementwise unary ops, generated from the same table as the ops
// themselves (Note [The unary op table] in lib/ops/unary.cpp): one entry per row of
// lib/ops/unary_ops.def, sampled in the row's domain and kept away from 0 for rows with a kink.
// The reference evaluates the row's forward expression in long double, element by element, on
// the float64 data by a plain loop, so it shares nothing with the kernel path.
#include <cmath>

#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

/// Inputs drawn as sample_inputs draws them (uniform in [lo, hi], |x| >= 0.1 with avoid_zero),
/// except that 2-D samples are made as the transpose of a contiguous tensor, so that the op
/// meets strided input.
std::function<TensorList(const std::vector<Shape>&)> uniform_inputs(double lo, double hi, bool avoid_zero) {
  return [=](const std::vector<Shape>& shapes) {
    TensorList r;
    for (const Shape& s : shapes) {
      const bool strided = s.size() == 2;
      const Shape made = strided ? Shape{s[1], s[0]} : s;
      std::vector<double> v = rand(made, kFloat64).to_vector<double>();
      for (double& x : v) {
        x = lo + (hi - lo) * x;
        if (avoid_zero && std::abs(x) < 0.1) x = x < 0 ? x - 0.1 : x + 0.1;
      }
      Tensor t = from_vector(v, made, kFloat64);
      r.push_back(strided ? t.t() : t);
    }
    return r;
  };
}

/// f applied to every element in long double, as a float64 tensor of x's shape.
template <class F>
Tensor map_reference(const Tensor& x, F f) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = static_cast<double>(f(static_cast<long double>(e)));
  return from_vector(v, x.sizes(), kFloat64);
}

/// The scalar meaning of select(c, a, b) in the table's forward expressions.
template <class T>
T select(bool c, T a, T b) {
  return c ? a : b;
}

// 0-d, 1-d, 3-d, a strided 2-d (see uniform_inputs) and an empty input.
const std::vector<std::vector<Shape>> kUnarySamples = {{Shape{}}, {{3}}, {{2, 3, 4}}, {{4, 3}}, {{0, 3}}};

}  // namespace

void add_unary_ops(std::vector<OpInfo>& db) {
#define XG_UNARY(op, fwd, bwd, saves, lo_, hi_, kink)             \
  db.push_back({                                                  \
      .name = #op,                                                \
      .fn = [](const TensorList& in) { return ::xg::op(in[0]); }, \
      .samples = kUnarySamples,                                   \
      .lo = lo_,                                                  \
      .hi = hi_,                                                  \
      .avoid_zero = (kink) != 0,                                  \
      .make_inputs = uniform_inputs(lo_, hi_, (kink) != 0),       \
      .reference =                                                \
          [](const TensorList& in) {                              \
            return map_reference(in[0], []<class T>(T x) -> T {   \
              using std::exp;                                     \
              using std::log;                                     \
              using std::log1p;                                   \
              using std::expm1;                                   \
              using std::sqrt;                                    \
              using std::sin;                                     \
              using std::cos;                                     \
              using std::tanh;                                    \
              using std::erf;                                     \
              using std::abs;                                     \
              return static_cast<T>(fwd);                         \
            });                                                   \
          },                                                      \
  });
#include "ops/unary_ops.def"
#undef XG_UNARY
}

}  // namespace xg::testing
