// Weight initializers (torch.nn.init) and the named-initializer registry (Keras names).
//
// The fan-based initializers are all one formula, Keras's variance scaling: choose a target
// variance scale/n (n a fan) and a distribution with that variance. Xavier is scale = gain² over
// the average fan, Kaiming scale = gain² over one fan, LeCun scale = 1 over fan_in.
#include "xgrad/nn/init.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>

#include "nn/qr.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"

namespace xg::nn::init {

namespace {

void check_tensor(const Tensor& t, const char* fn) {
  XG_CHECK(t.defined(), ValueError, "init::", fn, ": the tensor is undefined");
}
void check_floating(const Tensor& t, const char* fn) {
  check_tensor(t, fn);
  XG_CHECK(t.is_floating_point(), DtypeError, "init::", fn, ": expected a floating-point tensor, got ", t.dtype(),
           " of shape ", t.sizes());
}

/// Writes row-major float64 values into `t` (any dtype, any strides) under no-grad.
void assign(Tensor& t, const std::vector<double>& values) {
  NoGradGuard ng;
  t.copy_(from_vector(values, t.sizes(), kFloat64));
}

// Φ(x), the standard normal CDF, accurate in the lower tail (erfc does not cancel there).
double norm_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error 1.15e-9), then two
// Halley steps on Φ(x) − p = 0, which bring it to double precision.
double norm_ppf(double p) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01, -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= 1.0 - p_low) {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * std::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  for (int step = 0; step < 2; ++step) {
    // Halley: with e = Φ(x) − p and u = e/φ(x), x ← x − u / (1 + x·u/2).
    const double e = norm_cdf(x) - p;
    const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
    if (!std::isfinite(u)) break;
    x -= u / (1.0 + 0.5 * x * u);
  }
  return x;
}

/// One draw of N(0, 1) truncated to [alpha, beta] by inverting the CDF. An interval right of 0 is
/// mirrored to the left, where Φ has full relative precision (Φ near 1 would round to 1).
double truncated_standard_normal(double alpha, double beta, Generator& gen) {
  const bool mirror = alpha > 0.0;
  const double lo = mirror ? -beta : alpha, hi = mirror ? -alpha : beta;
  const double cdf_lo = norm_cdf(lo), cdf_hi = norm_cdf(hi);
  const double u = cdf_lo + (cdf_hi - cdf_lo) * gen.next_double();
  double x = (u <= 0.0) ? lo : (u >= 1.0) ? hi : norm_ppf(u);
  x = std::clamp(x, lo, hi);
  return mirror ? -x : x;
}

/// The probability mass of N(0, 1) in [alpha, beta], computed where Φ is precise (see above).
double truncated_mass(double alpha, double beta) {
  return alpha > 0.0 ? norm_cdf(-alpha) - norm_cdf(-beta) : norm_cdf(beta) - norm_cdf(alpha);
}

void check_mode(const std::string& mode, const char* fn, bool allow_avg) {
  const bool ok = mode == "fan_in" || mode == "fan_out" || (allow_avg && mode == "fan_avg");
  XG_CHECK(ok, ValueError, "init::", fn, ": unknown mode '", mode, "'; expected ",
           allow_avg ? "'fan_in', 'fan_out' or 'fan_avg'" : "'fan_in' or 'fan_out'");
}

}  // namespace

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  static const char* const linear_fns[] = {"linear",           "conv1d",           "conv2d",           "conv3d",
                                           "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"};
  for (const char* name : linear_fns)
    if (nonlinearity == name) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::numbers::sqrt2;
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    XG_CHECK(std::isfinite(slope), ValueError, "init::calculate_gain: negative_slope ", slope,
             " is not a valid number");
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;  // PyTorch's empirical value
  throw ValueError(xg::detail::concat("init::calculate_gain: unsupported nonlinearity '", nonlinearity,
                                      "'; expected one of linear, conv1d, conv2d, conv3d, conv_transpose1d, "
                                      "conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu"));
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  check_tensor(tensor, "calculate_fan_in_and_fan_out");
  XG_CHECK(tensor.dim() >= 2, ValueError,
           "init::calculate_fan_in_and_fan_out: fan in and fan out can not be computed for a tensor with fewer "
           "than 2 dimensions, got shape ",
           tensor.sizes());
  std::int64_t receptive = 1;
  for (std::int64_t d = 2; d < tensor.dim(); ++d) receptive *= tensor.size(d);
  return {tensor.size(1) * receptive, tensor.size(0) * receptive};
}

Tensor constant_(Tensor tensor, double value) {
  check_tensor(tensor, "constant_");
  NoGradGuard ng;
  tensor.fill_(value);
  return tensor;
}
Tensor zeros_(Tensor tensor) {
  check_tensor(tensor, "zeros_");
  return constant_(std::move(tensor), 0.0);
}
Tensor ones_(Tensor tensor) {
  check_tensor(tensor, "ones_");
  return constant_(std::move(tensor), 1.0);
}

Tensor eye_(Tensor tensor) {
  check_tensor(tensor, "eye_");
  XG_CHECK(tensor.dim() == 2, ValueError, "init::eye_: only tensors with 2 dimensions are supported, got shape ",
           tensor.sizes());
  NoGradGuard ng;
  tensor.copy_(eye(tensor.size(0), tensor.size(1), kFloat64));
  return tensor;
}

Tensor dirac_(Tensor tensor, std::int64_t groups) {
  check_tensor(tensor, "dirac_");
  const std::int64_t dims = tensor.dim();
  XG_CHECK(dims >= 3 && dims <= 5, ValueError,
           "init::dirac_: only tensors with 3, 4 or 5 dimensions are supported, got shape ", tensor.sizes());
  XG_CHECK(groups >= 1, ValueError, "init::dirac_: groups must be positive, got ", groups);
  XG_CHECK(tensor.size(0) % groups == 0, ValueError, "init::dirac_: dim 0 (", tensor.size(0),
           ") must be divisible by groups (", groups, ")");
  const std::int64_t out_per_group = tensor.size(0) / groups;
  const std::int64_t min_dim = std::min(out_per_group, tensor.size(1));
  const Shape strides = contiguous_strides(tensor.sizes());
  std::int64_t centre = 0;  // offset of the kernel's centre within one [out, in] slice
  for (std::int64_t d = 2; d < dims; ++d) centre += (tensor.size(d) / 2) * strides[static_cast<std::size_t>(d)];
  std::vector<double> values(static_cast<std::size_t>(tensor.numel()), 0.0);
  for (std::int64_t g = 0; g < groups; ++g)
    for (std::int64_t d = 0; d < min_dim; ++d)
      values[static_cast<std::size_t>((g * out_per_group + d) * strides[0] + d * strides[1] + centre)] = 1.0;
  assign(tensor, values);
  return tensor;
}

Tensor uniform_(Tensor tensor, double a, double b) {
  check_floating(tensor, "uniform_");
  XG_CHECK(std::isfinite(a) && std::isfinite(b) && a <= b, ValueError,
           "init::uniform_: expected finite bounds a <= b, got a=", a, " b=", b);
  NoGradGuard ng;
  tensor.uniform_(a, b);
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std) {
  check_floating(tensor, "normal_");
  XG_CHECK(std::isfinite(mean) && std::isfinite(std) && std >= 0.0, ValueError,
           "init::normal_: expected a finite mean and std >= 0, got mean=", mean, " std=", std);
  NoGradGuard ng;
  tensor.normal_(mean, std);
  return tensor;
}

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b) {
  check_floating(tensor, "trunc_normal_");
  XG_CHECK(std::isfinite(mean) && std::isfinite(std) && std > 0.0, ValueError,
           "init::trunc_normal_: expected a finite mean and std > 0, got mean=", mean, " std=", std);
  XG_CHECK(!std::isnan(a) && !std::isnan(b) && a < b, ValueError, "init::trunc_normal_: expected a < b, got a=", a,
           " b=", b);
  const double alpha = (a - mean) / std, beta = (b - mean) / std;
  // An interval whose mass underflows a double cannot be sampled by inverting the CDF.
  XG_CHECK(truncated_mass(alpha, beta) > 0.0, ValueError, "init::trunc_normal_: the interval [", a, ", ", b,
           "] holds no probability mass of N(", mean, ", ", std, "²) in double precision");
  std::vector<double> values(static_cast<std::size_t>(tensor.numel()));
  auto& gen = default_generator();
  for (double& v : values) v = std::clamp(mean + std * truncated_standard_normal(alpha, beta, gen), a, b);
  assign(tensor, values);
  return tensor;
}

Tensor variance_scaling_(Tensor tensor, double scale, const std::string& mode, const std::string& distribution) {
  check_floating(tensor, "variance_scaling_");
  XG_CHECK(std::isfinite(scale) && scale > 0.0, ValueError, "init::variance_scaling_: scale must be positive, got ",
           scale);
  check_mode(mode, "variance_scaling_", /*allow_avg=*/true);
  XG_CHECK(distribution == "truncated_normal" || distribution == "untruncated_normal" || distribution == "uniform",
           ValueError, "init::variance_scaling_: unknown distribution '", distribution,
           "'; expected 'truncated_normal', 'untruncated_normal' or 'uniform'");
  const auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (tensor.numel() == 0) return tensor;
  const double n = mode == "fan_in"    ? static_cast<double>(fan_in)
                   : mode == "fan_out" ? static_cast<double>(fan_out)
                                       : 0.5 * static_cast<double>(fan_in + fan_out);
  const double variance = scale / n;
  if (distribution == "uniform") {
    const double limit = std::sqrt(3.0 * variance);  // Var U(−l, l) = l²/3
    return uniform_(std::move(tensor), -limit, limit);
  }
  if (distribution == "untruncated_normal") return normal_(std::move(tensor), 0.0, std::sqrt(variance));
  // 0.87962566103423978 is the standard deviation of N(0, 1) truncated to [−2, 2]; dividing by it
  // makes the truncated draws have exactly the target variance.
  const double s = std::sqrt(variance) / 0.87962566103423978;
  return trunc_normal_(std::move(tensor), 0.0, s, -2.0 * s, 2.0 * s);
}

Tensor xavier_uniform_(Tensor tensor, double gain) {
  check_floating(tensor, "xavier_uniform_");
  return variance_scaling_(std::move(tensor), gain * gain, "fan_avg", "uniform");
}
Tensor xavier_normal_(Tensor tensor, double gain) {
  check_floating(tensor, "xavier_normal_");
  return variance_scaling_(std::move(tensor), gain * gain, "fan_avg", "untruncated_normal");
}
Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  check_floating(tensor, "kaiming_uniform_");
  check_mode(mode, "kaiming_uniform_", /*allow_avg=*/false);
  const double gain = calculate_gain(nonlinearity, a);
  return variance_scaling_(std::move(tensor), gain * gain, mode, "uniform");
}
Tensor kaiming_normal_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  check_floating(tensor, "kaiming_normal_");
  check_mode(mode, "kaiming_normal_", /*allow_avg=*/false);
  const double gain = calculate_gain(nonlinearity, a);
  return variance_scaling_(std::move(tensor), gain * gain, mode, "untruncated_normal");
}
Tensor lecun_uniform_(Tensor tensor) { return variance_scaling_(std::move(tensor), 1.0, "fan_in", "uniform"); }
Tensor lecun_normal_(Tensor tensor) { return variance_scaling_(std::move(tensor), 1.0, "fan_in", "truncated_normal"); }

Tensor orthogonal_(Tensor tensor, double gain) {
  check_floating(tensor, "orthogonal_");
  XG_CHECK(tensor.dim() >= 2, ValueError,
           "init::orthogonal_: only tensors with 2 or more dimensions are supported, got shape ", tensor.sizes());
  XG_CHECK(std::isfinite(gain), ValueError, "init::orthogonal_: gain must be finite, got ", gain);
  if (tensor.numel() == 0) return tensor;
  const std::int64_t rows = tensor.size(0), cols = tensor.numel() / rows;
  auto& gen = default_generator();
  std::vector<double> flat(static_cast<std::size_t>(rows * cols));
  for (double& v : flat) v = gen.next_normal();
  // QR needs a tall matrix: factor the transpose of a wide one, and transpose Q back.
  const bool wide = rows < cols;
  const std::int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  std::vector<double> a(flat.size());
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j)
      a[static_cast<std::size_t>(wide ? j * rows + i : i * cols + j)] = flat[static_cast<std::size_t>(i * cols + j)];
  std::vector<double> q, r;
  init_detail::householder_qr(std::move(a), m, n, q, r);
  // Q·diag(sign(R_kk)) makes R's diagonal positive; that QR is unique, so Q is Haar-distributed.
  for (std::int64_t k = 0; k < n; ++k) {
    const double s = r[static_cast<std::size_t>(k * n + k)] < 0.0 ? -gain : gain;
    for (std::int64_t i = 0; i < m; ++i) q[static_cast<std::size_t>(i * n + k)] *= s;
  }
  std::vector<double> out(q.size());
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j)
      out[static_cast<std::size_t>(i * cols + j)] = q[static_cast<std::size_t>(wide ? j * n + i : i * n + j)];
  assign(tensor, out);
  return tensor;
}

Tensor sparse_(Tensor tensor, double sparsity, double std) {
  check_floating(tensor, "sparse_");
  XG_CHECK(tensor.dim() == 2, ValueError, "init::sparse_: only tensors with 2 dimensions are supported, got shape ",
           tensor.sizes());
  XG_CHECK(sparsity >= 0.0 && sparsity <= 1.0, ValueError, "init::sparse_: sparsity must be in [0, 1], got ", sparsity);
  XG_CHECK(std::isfinite(std) && std >= 0.0, ValueError, "init::sparse_: std must be >= 0, got ", std);
  const std::int64_t rows = tensor.size(0), cols = tensor.size(1);
  const auto num_zeros = static_cast<std::int64_t>(std::ceil(sparsity * static_cast<double>(rows)));
  auto& gen = default_generator();
  std::vector<double> values(static_cast<std::size_t>(rows * cols));
  for (double& v : values) v = std * gen.next_normal();
  std::vector<std::int64_t> perm(static_cast<std::size_t>(rows));
  for (std::int64_t c = 0; c < cols; ++c) {
    // The first num_zeros entries of a uniformly random permutation of the rows (partial
    // Fisher–Yates) are the rows zeroed in this column.
    for (std::int64_t i = 0; i < rows; ++i) perm[static_cast<std::size_t>(i)] = i;
    for (std::int64_t i = 0; i < num_zeros; ++i) {
      const auto j = i + static_cast<std::int64_t>(gen.next_below(static_cast<std::uint64_t>(rows - i)));
      std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
      values[static_cast<std::size_t>(perm[static_cast<std::size_t>(i)] * cols + c)] = 0.0;
    }
  }
  assign(tensor, values);
  return tensor;
}

}  // namespace xg::nn::init

namespace xg::nn {

namespace {
// The named initializers, one line per name. Keras's fan-based ones are truncated normals or
// uniforms (init::variance_scaling_); PyTorch's names keep PyTorch's functions and defaults.
std::map<std::string, Initializer::Function>& registry() {
  namespace I = init;
  static std::map<std::string, Initializer::Function> r = {
      {"glorot_uniform", [](Tensor& t) { I::variance_scaling_(t, 1.0, "fan_avg", "uniform"); }},
      {"glorot_normal", [](Tensor& t) { I::variance_scaling_(t, 1.0, "fan_avg", "truncated_normal"); }},
      {"he_uniform", [](Tensor& t) { I::variance_scaling_(t, 2.0, "fan_in", "uniform"); }},
      {"he_normal", [](Tensor& t) { I::variance_scaling_(t, 2.0, "fan_in", "truncated_normal"); }},
      {"lecun_uniform", [](Tensor& t) { I::lecun_uniform_(t); }},
      {"lecun_normal", [](Tensor& t) { I::lecun_normal_(t); }},
      {"variance_scaling", [](Tensor& t) { I::variance_scaling_(t); }},
      {"xavier_uniform", [](Tensor& t) { I::xavier_uniform_(t); }},
      {"xavier_normal", [](Tensor& t) { I::xavier_normal_(t); }},
      {"kaiming_uniform", [](Tensor& t) { I::kaiming_uniform_(t); }},
      {"kaiming_normal", [](Tensor& t) { I::kaiming_normal_(t); }},
      {"orthogonal", [](Tensor& t) { I::orthogonal_(t); }},
      {"identity", [](Tensor& t) { I::eye_(t); }},
      {"zeros", [](Tensor& t) { I::zeros_(t); }},
      {"ones", [](Tensor& t) { I::ones_(t); }},
      {"random_normal", [](Tensor& t) { I::normal_(t, 0.0, 0.05); }},
      {"random_uniform", [](Tensor& t) { I::uniform_(t, -0.05, 0.05); }},
      {"truncated_normal", [](Tensor& t) { I::trunc_normal_(t, 0.0, 0.05, -0.1, 0.1); }},
  };
  return r;
}
}  // namespace

std::vector<std::string> initializer_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : registry()) names.push_back(name);
  return names;  // std::map keeps them sorted
}

void register_initializer(const std::string& name, Initializer::Function fn) {
  XG_CHECK(!name.empty(), ValueError, "register_initializer: the name must not be empty");
  XG_CHECK(static_cast<bool>(fn), ValueError, "register_initializer: the function for '", name, "' is empty");
  registry()[name] = std::move(fn);
}

Initializer::Initializer(const char* name) : Initializer(std::string(name ? name : "")) {}

Initializer::Initializer(const std::string& name) : name_(name) {
  const auto& r = registry();
  auto it = r.find(name);
  if (it == r.end()) {
    std::string known;
    for (const auto& n : initializer_names()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError(xg::detail::concat("Initializer: unknown initializer '", name, "'; known names: ", known));
  }
  fn_ = it->second;
}

void Initializer::operator()(Tensor& tensor) const {
  XG_CHECK(static_cast<bool>(fn_), ValueError,
           "Initializer: this is the default initializer, which only a layer can apply (check is_default())");
  XG_CHECK(tensor.defined(), ValueError, "Initializer '", name_, "': the tensor is undefined");
  NoGradGuard ng;
  fn_(tensor);
}

}  // namespace xg::nn
