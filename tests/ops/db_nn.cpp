// Op database entries of the ops the nn layer adds (lib/ops/nn_ops.cpp): celu, prelu (shared and
// per-channel slopes, differentiated w.r.t. input and weight), rrelu in training (its random
// slopes are made repeatable by seeding inside the entry, so that every call of a gradient check
// sees the same slopes) and the elementwise binary cross entropy (w.r.t. input and target).
// mish and hardsigmoid are rows of lib/ops/unary_ops.def and get their entries in db_unary.cpp.
#include <cmath>

#include "ops/nn_ops.hpp"
#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

/// Uniform in [lo, hi], at least 0.1 away from 0 when avoid_zero.
Tensor uniform(const Shape& s, double lo, double hi, bool avoid_zero) {
  std::vector<double> v = rand(s, kFloat64).to_vector<double>();
  for (double& x : v) {
    x = lo + (hi - lo) * x;
    if (avoid_zero && std::abs(x) < 0.1) x = x < 0 ? x - 0.1 : x + 0.1;
  }
  return from_vector(v, s, kFloat64);
}

template <class F>
Tensor map_reference(const Tensor& x, F f) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = static_cast<double>(f(static_cast<long double>(e)));
  return from_vector(v, x.sizes(), kFloat64);
}

const std::vector<std::vector<Shape>> kUnary = {{Shape{}}, {{3}}, {{2, 3, 4}}, {{4, 3}}, {{0, 3}}};

}  // namespace

void add_nn_ops(std::vector<OpInfo>& db) {
  for (double alpha : {1.0, 2.0}) {
    db.push_back({
        .name = alpha == 1.0 ? "celu" : "celu (alpha=2)",
        .fn = [alpha](const TensorList& in) { return celu(in[0], alpha); },
        .samples = kUnary,
        .lo = -3,
        .hi = 3,
        .avoid_zero = true,  // the second derivative jumps at 0
        .reference =
            [alpha](const TensorList& in) {
              return map_reference(in[0], [alpha](long double x) { return x > 0 ? x : alpha * std::expm1(x / alpha); });
            },
    });
  }

  // prelu: x of [N, C, ...] with one slope per channel, or any x with one shared slope.
  db.push_back({
      .name = "prelu",
      .fn = [](const TensorList& in) { return prelu(in[0], in[1]); },
      .samples = {{{2, 3, 4}, {3}}, {{4, 3}, {3}}, {{2, 3}, {1}}, {{5}, {1}}, {Shape{}, Shape{}}, {{0, 3}, {3}}},
      .make_inputs =
          [](const std::vector<Shape>& s) {
            // The 2-D sample is a transposed (strided) view.
            Tensor x = s[0].size() == 2 ? uniform({s[0][1], s[0][0]}, -3, 3, true).t() : uniform(s[0], -3, 3, true);
            return TensorList{x, uniform(s[1], 0.05, 0.5, false)};
          },
      .reference =
          [](const TensorList& in) {
            const Tensor& x = in[0];
            const std::vector<double> w = in[1].to_vector<double>();
            std::vector<double> v = x.contiguous().to_vector<double>();
            std::int64_t inner = 1;
            for (std::int64_t d = 2; d < x.dim(); ++d) inner *= x.size(d);
            const std::int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
            for (std::size_t i = 0; i < v.size(); ++i) {
              const double a = w.size() == 1 ? w[0] : w[(static_cast<std::int64_t>(i) / inner) % channels];
              if (v[i] <= 0) v[i] *= a;
            }
            return from_vector(v, x.sizes(), kFloat64);
          },
  });

  // rrelu in training: the slopes come from the global generator, seeded here so that each call
  // draws the same ones (and the caller's generator state is restored).
  db.push_back({
      .name = "rrelu (training)",
      .fn =
          [](const TensorList& in) {
            const std::string state = default_generator().get_state();
            manual_seed(20240611);
            Tensor out = rrelu(in[0], 0.1, 0.3, /*training=*/true);
            default_generator().set_state(state);
            return out;
          },
      .samples = kUnary,
      .lo = -3,
      .hi = 3,
      .avoid_zero = true,
  });

  // binary cross entropy of probabilities in (0, 1) against targets in [0, 1].
  db.push_back({
      .name = "binary_cross_entropy",
      .fn = [](const TensorList& in) { return ops::binary_cross_entropy(in[0], in[1]); },
      .samples = {{Shape{}, Shape{}}, {{3}, {3}}, {{2, 3, 4}, {2, 3, 4}}, {{4, 3}, {4, 3}}, {{0, 3}, {0, 3}}},
      .make_inputs =
          [](const std::vector<Shape>& s) {
            return TensorList{uniform(s[0], 0.05, 0.95, false), uniform(s[1], 0, 1, false)};
          },
      .reference =
          [](const TensorList& in) {
            std::vector<double> x = in[0].to_vector<double>();
            const std::vector<double> t = in[1].to_vector<double>();
            for (std::size_t i = 0; i < x.size(); ++i) {
              const long double p = x[i], y = t[i];
              x[i] = static_cast<double>(-(y * std::log(p) + (1 - y) * std::log(1 - p)));
            }
            return from_vector(x, in[0].sizes(), kFloat64);
          },
  });
}

}  // namespace xg::testing
