// Op database entries of the parametric activations: leaky_relu, elu, gelu, softplus, hardtanh,
// each with more than one setting of its hyper-parameter. Inputs keep away from every kink
// (0, the softplus threshold, the hardtanh limits) so that central differences see one smooth
// piece. References are the closed forms in long double, element by element.
#include <cmath>

#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

/// Inputs uniform in [lo, hi], moved to at least `margin` from each of `kinks`; 2-D samples are
/// made as the transpose of a contiguous tensor, so that the op meets strided input.
std::function<TensorList(const std::vector<Shape>&)> inputs_avoiding(double lo, double hi, std::vector<double> kinks,
                                                                     double margin = 0.1) {
  return [=](const std::vector<Shape>& shapes) {
    TensorList r;
    for (const Shape& s : shapes) {
      const bool strided = s.size() == 2;
      const Shape made = strided ? Shape{s[1], s[0]} : s;
      std::vector<double> v = rand(made, kFloat64).to_vector<double>();
      for (double& x : v) {
        x = lo + (hi - lo) * x;
        for (double k : kinks)
          if (std::abs(x - k) < margin) x = x < k ? x - margin : x + margin;
      }
      Tensor t = from_vector(v, made, kFloat64);
      r.push_back(strided ? t.t() : t);
    }
    return r;
  };
}

template <class F>
Tensor map_reference(const Tensor& x, F f) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = static_cast<double>(f(static_cast<long double>(e)));
  return from_vector(v, x.sizes(), kFloat64);
}

const std::vector<std::vector<Shape>> kSamples = {{Shape{}}, {{3}}, {{2, 3, 4}}, {{4, 3}}, {{0, 3}}};

// log(1 + e^(βx)) / β, or x past the threshold, as torch.nn.functional.softplus.
long double softplus_ref(long double x, long double beta, long double threshold) {
  const long double z = beta * x;
  return z > threshold ? x : std::log1p(std::exp(z)) / beta;
}

}  // namespace

void add_activation_ops(std::vector<OpInfo>& db) {
  for (double slope : {0.01, 0.2}) {
    db.push_back({
        .name = slope == 0.01 ? "leaky_relu" : "leaky_relu (negative_slope=0.2)",
        .fn = [slope](const TensorList& in) { return leaky_relu(in[0], slope); },
        .samples = kSamples,
        .lo = -3,
        .hi = 3,
        .avoid_zero = true,
        .make_inputs = inputs_avoiding(-3, 3, {0.0}),
        .reference =
            [slope](const TensorList& in) {
              return map_reference(in[0], [slope](long double x) { return x > 0 ? x : slope * x; });
            },
    });
  }
  for (double alpha : {1.0, 0.5}) {
    db.push_back({
        .name = alpha == 1.0 ? "elu" : "elu (alpha=0.5)",
        .fn = [alpha](const TensorList& in) { return elu(in[0], alpha); },
        .samples = kSamples,
        .lo = -3,
        .hi = 3,
        .avoid_zero = true,  // the second derivative jumps at 0 even for alpha = 1
        .make_inputs = inputs_avoiding(-3, 3, {0.0}),
        .reference =
            [alpha](const TensorList& in) {
              return map_reference(in[0], [alpha](long double x) { return x > 0 ? x : alpha * (std::exp(x) - 1); });
            },
    });
  }
  db.push_back({
      .name = "gelu",
      .fn = [](const TensorList& in) { return gelu(in[0]); },
      .samples = kSamples,
      .lo = -3,
      .hi = 3,
      .make_inputs = inputs_avoiding(-3, 3, {}),
      .reference =
          [](const TensorList& in) {
            // x Φ(x), Φ the standard normal CDF = erfc(-x/√2) / 2
            return map_reference(in[0], [](long double x) { return x * std::erfc(-x / std::sqrt(2.0L)) / 2; });
          },
  });
  db.push_back({
      .name = "gelu (approximate=tanh)",
      .fn = [](const TensorList& in) { return gelu(in[0], "tanh"); },
      .samples = kSamples,
      .lo = -3,
      .hi = 3,
      .make_inputs = inputs_avoiding(-3, 3, {}),
      .reference =
          [](const TensorList& in) {
            return map_reference(in[0], [](long double x) {
              const long double pi = 3.141592653589793238462643383279502884L;
              return x / 2 * (1 + std::tanh(std::sqrt(2 / pi) * (x + 0.044715L * x * x * x)));
            });
          },
  });
  struct SoftplusCase {
    const char* name;
    double beta, threshold, lo, hi;
  };
  // The last case has its threshold inside the domain: 2x > 3 takes the linear branch.
  for (const auto& sc :
       {SoftplusCase{"softplus", 1.0, 20.0, -4, 4}, SoftplusCase{"softplus (beta=2)", 2.0, 20.0, -3, 3},
        SoftplusCase{"softplus (beta=2, threshold=3)", 2.0, 3.0, -3, 3}}) {
    const double beta = sc.beta, threshold = sc.threshold;
    db.push_back({
        .name = sc.name,
        .fn = [beta, threshold](const TensorList& in) { return softplus(in[0], beta, threshold); },
        .samples = kSamples,
        .lo = sc.lo,
        .hi = sc.hi,
        .make_inputs = inputs_avoiding(sc.lo, sc.hi, {threshold / beta}),
        .reference =
            [beta, threshold](const TensorList& in) {
              return map_reference(in[0], [=](long double x) { return softplus_ref(x, beta, threshold); });
            },
    });
  }
  struct HardtanhCase {
    const char* name;
    double min_val, max_val;
  };
  for (const auto& hc :
       {HardtanhCase{"hardtanh", -1.0, 1.0}, HardtanhCase{"hardtanh (min_val=-0.5, max_val=2)", -0.5, 2.0}}) {
    const double mn = hc.min_val, mx = hc.max_val;
    db.push_back({
        .name = hc.name,
        .fn = [mn, mx](const TensorList& in) { return hardtanh(in[0], mn, mx); },
        .samples = kSamples,
        .lo = -3,
        .hi = 3,
        .make_inputs = inputs_avoiding(-3, 3, {mn, mx}),
        .reference =
            [mn, mx](const TensorList& in) {
              return map_reference(in[0],
                                   [=](long double x) -> long double { return x < mn ? mn : (x > mx ? mx : x); });
            },
    });
  }
}

}  // namespace xg::testing
