// Op database entries of the reductions: sum, mean, var, std, prod, max/min (all and along a dim),
// amax/amin, argmax/argmin, logsumexp, norm (p = 1, 2, 3, 0.5, ±inf), softmax, log_softmax and
// sum_to. References group the row-major float64 values of the input by output coordinate in
// plain loops and apply the closed form to each group. Ops whose gradient is undefined at ties
// (max, min, amax, amin, the inf-norm) get inputs with distinct values.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ops/op_db.hpp"

// Entries name only the fields they set; the others keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace xg::testing {

namespace {

using Group = std::vector<double>;
using GroupFn = std::function<double(const Group&)>;
const double kInf = std::numeric_limits<double>::infinity();

Shape unravel(std::int64_t flat, const Shape& shape) {
  Shape c(shape.size(), 0);
  for (std::size_t k = shape.size(); k-- > 0;) {
    c[k] = flat % shape[k];
    flat /= shape[k];
  }
  return c;
}

std::int64_t ravel(const Shape& c, const Shape& shape) {
  std::int64_t flat = 0;
  for (std::size_t k = 0; k < shape.size(); ++k) flat = flat * shape[k] + c[k];
  return flat;
}

/// The reference of a reduction: the elements of x are grouped by their coordinate with the
/// reduced dims dropped (all dims when `dims` is empty), in row-major order within each group,
/// and f maps each group to its output value.
Tensor ref_reduce(const Tensor& x, Shape dims, bool keepdim, const GroupFn& f, Dtype out = kFloat64) {
  const std::int64_t nd = x.dim();
  std::vector<bool> reduced(static_cast<std::size_t>(nd), dims.empty());
  for (auto d : dims) reduced[static_cast<std::size_t>(d < 0 ? d + nd : d)] = true;
  Shape kept, out_shape;
  for (std::int64_t k = 0; k < nd; ++k) {
    if (!reduced[k]) kept.push_back(x.size(k));
    if (!reduced[k] || keepdim) out_shape.push_back(reduced[k] ? 1 : x.size(k));
  }
  std::vector<Group> groups(static_cast<std::size_t>(numel_of(kept)));
  const std::vector<double> xv = x.to_vector<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const Shape c = unravel(i, x.sizes());
    Shape kc;
    for (std::int64_t k = 0; k < nd; ++k)
      if (!reduced[k]) kc.push_back(c[k]);
    groups[ravel(kc, kept)].push_back(xv[i]);
  }
  std::vector<double> v;
  for (const auto& g : groups) v.push_back(f(g));
  return from_vector(v, out_shape, kFloat64).to(out);
}

double g_sum(const Group& g) { return std::accumulate(g.begin(), g.end(), 0.0); }
double g_mean(const Group& g) { return g_sum(g) / static_cast<double>(g.size()); }
double g_var(const Group& g, double correction) {
  const double m = g_mean(g);
  double s = 0;
  for (double v : g) s += (v - m) * (v - m);
  return s / (static_cast<double>(g.size()) - correction);
}
double g_prod(const Group& g) { return std::accumulate(g.begin(), g.end(), 1.0, std::multiplies<>()); }
double g_max(const Group& g) { return *std::max_element(g.begin(), g.end()); }
double g_min(const Group& g) { return *std::min_element(g.begin(), g.end()); }
double g_argmax(const Group& g) { return static_cast<double>(std::max_element(g.begin(), g.end()) - g.begin()); }
double g_argmin(const Group& g) { return static_cast<double>(std::min_element(g.begin(), g.end()) - g.begin()); }
double g_logsumexp(const Group& g) {
  double s = 0;
  for (double v : g) s += std::exp(v);
  return std::log(s);
}
GroupFn g_norm(double p) {
  return [p](const Group& g) {
    if (std::isinf(p)) {
      double best = std::abs(g[0]);
      for (double v : g) best = p > 0 ? std::max(best, std::abs(v)) : std::min(best, std::abs(v));
      return best;
    }
    double s = 0;
    for (double v : g) s += std::pow(std::abs(v), p);
    return std::pow(s, 1.0 / p);
  };
}

/// softmax (or log_softmax) along dim, element by element: exp(xᵢ) / Σ_lane exp(xⱼ).
Tensor ref_softmax(const Tensor& x, std::int64_t dim, bool log) {
  const std::int64_t nd = x.dim(), d = dim < 0 ? dim + std::max<std::int64_t>(nd, 1) : dim;
  const std::vector<double> xv = x.to_vector<double>();
  std::vector<double> v(xv.size());
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    Shape c = unravel(i, x.sizes());
    double s = 0;
    const std::int64_t n = nd == 0 ? 1 : x.size(d);
    for (std::int64_t j = 0; j < n; ++j) {
      if (nd > 0) c[d] = j;
      s += std::exp(xv[ravel(c, x.sizes())]);
    }
    v[i] = log ? xv[i] - std::log(s) : std::exp(xv[i]) / s;
  }
  return from_vector(v, x.sizes(), kFloat64);
}

// ---- input makers ----------------------------------------------------------------------------------

/// Distinct values, at least 0.25 apart, in a random order (no ties for max/min/amax/amin).
Tensor distinct(const Shape& s) {
  const std::int64_t n = numel_of(s);
  return ((randperm(n).to(kFloat64) - static_cast<double>(n) / 2) * 0.25 + 0.1).reshape(s);
}

/// Distinct, non-zero absolute values with random signs (no ties for the ±inf-norms).
Tensor distinct_abs(const Shape& s) {
  const std::int64_t n = numel_of(s);
  const Tensor sign = where(rand({n}, kFloat64) < 0.5, -1.0, ones({n}, kFloat64));
  return ((randperm(n).to(kFloat64) + 1) * 0.25 * sign).reshape(s);
}

/// Values in ±[0.5, 1.5] with `zeros_in_row(r)` exact zeros in row r of the last dim.
std::function<TensorList(const std::vector<Shape>&)> with_zeros(
    std::function<std::int64_t(std::int64_t)> zeros_in_row) {
  return [zeros_in_row](const std::vector<Shape>& s) -> TensorList {
    const Shape& shape = s[0];
    const std::int64_t n = numel_of(shape), last = shape.empty() ? 1 : shape.back();
    std::vector<double> v = ((rand({n}, kFloat64) + 0.5)).to_vector<double>();
    const std::vector<double> u = rand({n}, kFloat64).to_vector<double>();
    for (std::int64_t i = 0; i < n; ++i)
      if (u[i] < 0.5) v[i] = -v[i];
    for (std::int64_t r = 0; r < n / last; ++r)
      for (std::int64_t k = 0; k < zeros_in_row(r); ++k) v[r * last + (2 * k + r) % last] = 0.0;
    return {from_vector(v, shape, kFloat64)};
  };
}

std::function<TensorList(const std::vector<Shape>&)> one(Tensor (*make)(const Shape&)) {
  return [make](const std::vector<Shape>& s) -> TensorList { return {make(s[0])}; };
}

}  // namespace

void add_reduce_ops(std::vector<OpInfo>& db) {
  // ---- sum, mean ----------------------------------------------------------------------------------
  db.push_back({
      .name = "sum",
      .fn = [](const TensorList& in) { return sum(in[0]); },
      .samples = {{{3, 4}}, {{}}, {{2, 3, 4}}},
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_sum); },
  });
  db.push_back({
      .name = "sum (dims)",
      .fn =
          [](const TensorList& in) {
            return sum(in[0], {0, 2});
          },
      .samples = {{{2, 3, 4}}, {{3, 1, 2}}},
      .reference =
          [](const TensorList& in) {
            return ref_reduce(in[0], {0, 2}, false, g_sum);
          },
  });
  db.push_back({
      .name = "sum (negative dim, keepdim)",
      .fn = [](const TensorList& in) { return sum(in[0], {-1}, true); },
      .samples = {{{3, 4}}, {{2, 3, 4}}, {{5}}},
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {-1}, true, g_sum); },
  });
  db.push_back({
      .name = "sum (dim 0 of a 0-d tensor)",
      .fn = [](const TensorList& in) { return sum(in[0], {0}); },
      .samples = {{{}}, {{3, 2}}},
      .reference =
          [](const TensorList& in) { return ref_reduce(in[0], in[0].dim() ? Shape{0} : Shape{}, false, g_sum); },
  });
  db.push_back({
      .name = "mean",
      .fn = [](const TensorList& in) { return mean(in[0]); },
      .samples = {{{3, 4}}, {{}}, {{2, 3, 4}}},
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_mean); },
  });
  db.push_back({
      .name = "mean (dims, keepdim)",
      .fn =
          [](const TensorList& in) {
            return mean(in[0], {0, -1}, true);
          },
      .samples = {{{2, 3, 4}}, {{3, 4}}},
      .reference =
          [](const TensorList& in) {
            return ref_reduce(in[0], {0, -1}, true, g_mean);
          },
  });

  // ---- var, std ----------------------------------------------------------------------------------
  db.push_back({
      .name = "var",
      .fn = [](const TensorList& in) { return var(in[0]); },
      .samples = {{{3, 4}}, {{5}}},
      .reference =
          [](const TensorList& in) { return ref_reduce(in[0], {}, false, [](const Group& g) { return g_var(g, 1); }); },
  });
  db.push_back({
      .name = "var (biased, dim)",
      .fn = [](const TensorList& in) { return var(in[0], {1}, false); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .reference =
          [](const TensorList& in) {
            return ref_reduce(in[0], {1}, false, [](const Group& g) { return g_var(g, 0); });
          },
  });
  db.push_back({
      .name = "var (unbiased, dims, keepdim)",
      .fn =
          [](const TensorList& in) {
            return var(in[0], {0, 2}, true, true);
          },
      .samples = {{{2, 3, 4}}},
      .reference =
          [](const TensorList& in) {
            return ref_reduce(in[0], {0, 2}, true, [](const Group& g) { return g_var(g, 1); });
          },
  });
  db.push_back({
      .name = "std",
      .fn = [](const TensorList& in) { return xg::std(in[0]); },
      .samples = {{{3, 4}}, {{6}}},
      .reference =
          [](const TensorList& in) {
            return ref_reduce(in[0], {}, false, [](const Group& g) { return std::sqrt(g_var(g, 1)); });
          },
  });
  db.push_back({
      .name = "std (biased, dim, keepdim)",
      .fn = [](const TensorList& in) { return xg::std(in[0], {-1}, false, true); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .reference =
          [](const TensorList& in) {
            return ref_reduce(in[0], {-1}, true, [](const Group& g) { return std::sqrt(g_var(g, 0)); });
          },
  });

  // ---- prod --------------------------------------------------------------------------------------
  db.push_back({
      .name = "prod",
      .fn = [](const TensorList& in) { return prod(in[0]); },
      .samples = {{{3, 4}}, {{}}, {{5}}},
      .avoid_zero = true,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_prod); },
  });
  db.push_back({
      .name = "prod (dim)",
      .fn = [](const TensorList& in) { return prod(in[0], 1); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .avoid_zero = true,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {1}, false, g_prod); },
  });
  db.push_back({
      .name = "prod (negative dim, keepdim)",
      .fn = [](const TensorList& in) { return prod(in[0], -1, true); },
      .samples = {{{3, 4}}, {{}}},
      .avoid_zero = true,
      .reference =
          [](const TensorList& in) { return ref_reduce(in[0], in[0].dim() ? Shape{-1} : Shape{}, true, g_prod); },
  });
  // Note [prod with zeros] in lib/ops/reduce.cpp: exact first and second derivatives with at
  // most one zero per reduced slice; with two, the first derivatives only.
  db.push_back({
      .name = "prod (rows with no zero and one zero)",
      .fn = [](const TensorList& in) { return prod(in[0], -1); },
      .samples = {{{2, 4}}, {{2, 2, 3}}},
      .make_inputs = with_zeros([](std::int64_t r) { return r % 2; }),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {-1}, false, g_prod); },
  });
  db.push_back({
      .name = "prod (rows with zero, one and two zeros)",
      .fn = [](const TensorList& in) { return prod(in[0], 1); },
      .samples = {{{3, 4}}},
      .make_inputs = with_zeros([](std::int64_t r) { return r; }),
      .gradgrad = false,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {1}, false, g_prod); },
  });

  // ---- max, min, amax, amin, argmax, argmin ------------------------------------------------------
  db.push_back({
      .name = "max",
      .fn = [](const TensorList& in) { return max(in[0]); },
      .samples = {{{3, 4}}, {{}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_max); },
  });
  db.push_back({
      .name = "min",
      .fn = [](const TensorList& in) { return min(in[0]); },
      .samples = {{{3, 4}}, {{}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_min); },
  });
  db.push_back({
      .name = "max (dim=-1) values",
      .fn = [](const TensorList& in) { return std::get<0>(max(in[0], -1)); },
      .samples = {{{3, 4}}, {{2, 3, 4}}, {{}}},
      .make_inputs = one(distinct),
      .reference =
          [](const TensorList& in) { return ref_reduce(in[0], in[0].dim() ? Shape{-1} : Shape{}, false, g_max); },
  });
  db.push_back({
      .name = "max (dim=0, keepdim) values",
      .fn = [](const TensorList& in) { return std::get<0>(max(in[0], 0, true)); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {0}, true, g_max); },
  });
  db.push_back({
      .name = "min (dim=1) values",
      .fn = [](const TensorList& in) { return std::get<0>(min(in[0], 1)); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {1}, false, g_min); },
  });
  db.push_back({
      .name = "max (dim=1) indices",
      .fn = [](const TensorList& in) { return std::get<1>(max(in[0], 1)); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .differentiable = false,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {1}, false, g_argmax, kInt64); },
  });
  db.push_back({
      .name = "amax",
      .fn =
          [](const TensorList& in) {
            return amax(in[0], {0, 2});
          },
      .samples = {{{2, 3, 4}}, {{3, 1, 2}}},
      .make_inputs = one(distinct),
      .reference =
          [](const TensorList& in) {
            return ref_reduce(in[0], {0, 2}, false, g_max);
          },
  });
  db.push_back({
      .name = "amax (all, keepdim)",
      .fn = [](const TensorList& in) { return amax(in[0], {}, true); },
      .samples = {{{3, 4}}, {{}}},
      .make_inputs = one(distinct),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, true, g_max); },
  });
  db.push_back({
      .name = "amin",
      .fn = [](const TensorList& in) { return amin(in[0], {-1}); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {-1}, false, g_min); },
  });
  db.push_back({
      .name = "argmax",
      .fn = [](const TensorList& in) { return argmax(in[0]); },
      .samples = {{{3, 4}}, {{}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .differentiable = false,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_argmax, kInt64); },
  });
  db.push_back({
      .name = "argmin (dim, keepdim)",
      .fn = [](const TensorList& in) { return argmin(in[0], 1, true); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .make_inputs = one(distinct),
      .differentiable = false,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {1}, true, g_argmin, kInt64); },
  });

  // ---- logsumexp, norm ---------------------------------------------------------------------------
  db.push_back({
      .name = "logsumexp",
      .fn = [](const TensorList& in) { return logsumexp(in[0], {1}); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {1}, false, g_logsumexp); },
  });
  db.push_back({
      .name = "logsumexp (all, keepdim)",
      .fn = [](const TensorList& in) { return logsumexp(in[0], {}, true); },
      .samples = {{{3, 4}}, {{}}},
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, true, g_logsumexp); },
  });
  db.push_back({
      .name = "norm",
      .fn = [](const TensorList& in) { return norm(in[0]); },
      .samples = {{{3, 4}}, {{5}}, {{}}},
      .avoid_zero = true,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_norm(2)); },
  });
  db.push_back({
      .name = "norm (p=1, dim)",
      .fn = [](const TensorList& in) { return norm(in[0], 1, {1}); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .avoid_zero = true,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {1}, false, g_norm(1)); },
  });
  db.push_back({
      .name = "norm (p=3, dim, keepdim)",
      .fn = [](const TensorList& in) { return norm(in[0], 3, {0}, true); },
      .samples = {{{3, 4}}, {{2, 3}}},
      .avoid_zero = true,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {0}, true, g_norm(3)); },
  });
  db.push_back({
      .name = "norm (p=0.5)",
      .fn = [](const TensorList& in) { return norm(in[0], 0.5); },
      .samples = {{{4}}, {{2, 3}}},
      .avoid_zero = true,
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_norm(0.5)); },
  });
  db.push_back({
      .name = "norm (p=inf, dim)",
      .fn = [](const TensorList& in) { return norm(in[0], kInf, {-1}); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .make_inputs = one(distinct_abs),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {-1}, false, g_norm(kInf)); },
  });
  db.push_back({
      .name = "norm (p=-inf)",
      .fn = [](const TensorList& in) { return norm(in[0], -kInf); },
      .samples = {{{3, 4}}},
      .make_inputs = one(distinct_abs),
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_norm(-kInf)); },
  });

  // ---- softmax, log_softmax ----------------------------------------------------------------------
  db.push_back({
      .name = "softmax",
      .fn = [](const TensorList& in) { return softmax(in[0], -1); },
      .samples = {{{3, 4}}, {{2, 3, 4}}, {{5}}, {{}}},
      .reference = [](const TensorList& in) { return ref_softmax(in[0], -1, false); },
  });
  db.push_back({
      .name = "softmax (dim=1 of 3)",
      .fn = [](const TensorList& in) { return softmax(in[0], 1); },
      .samples = {{{2, 3, 4}}, {{3, 2}}},
      .reference = [](const TensorList& in) { return ref_softmax(in[0], 1, false); },
  });
  db.push_back({
      .name = "log_softmax",
      .fn = [](const TensorList& in) { return log_softmax(in[0], -1); },
      .samples = {{{3, 4}}, {{2, 3, 4}}, {{5}}, {{}}},
      .reference = [](const TensorList& in) { return ref_softmax(in[0], -1, true); },
  });
  db.push_back({
      .name = "log_softmax (dim=0)",
      .fn = [](const TensorList& in) { return log_softmax(in[0], 0); },
      .samples = {{{3, 4}}, {{2, 3, 4}}},
      .reference = [](const TensorList& in) { return ref_softmax(in[0], 0, true); },
  });

  // ---- sum_to (the shape family has the trailing-dims cases) ------------------------------------
  db.push_back({
      .name = "sum_to (to a 0-d tensor)",
      .fn = [](const TensorList& in) { return sum_to(in[0], {}); },
      .samples = {{{3, 4}}, {{2, 1}}},
      .reference = [](const TensorList& in) { return ref_reduce(in[0], {}, false, g_sum); },
  });
  db.push_back({
      .name = "sum_to (a middle dim)",
      .fn =
          [](const TensorList& in) {
            return sum_to(in[0], {2, 1, 4});
          },
      .samples = {{{2, 3, 4}}, {{3, 2, 1, 4}}},
      .reference =
          [](const TensorList& in) {
            const Tensor& x = in[0];
            return x.dim() == 3 ? ref_reduce(x, {1}, true, g_sum)
                                : ref_reduce(ref_reduce(x, {0}, false, g_sum), {1}, true, g_sum);
          },
  });
}

}  // namespace xg::testing
