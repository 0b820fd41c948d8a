// Penalties (differentiable, built from xgrad ops so double backward works), constraints
// (projections under no-grad) and the name-pattern attachment of both.
#include "xgrad/optim/regularizer.hpp"

#include <cmath>
#include <ostream>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::optim {

namespace {
void check_strength(double v, const char* owner, const char* what) {
  XG_CHECK(std::isfinite(v) && v >= 0, ValueError, owner, ": ", what, " must be non-negative and finite, got ", v);
}

void check_params(const std::vector<Tensor>& params, const char* owner) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    XG_CHECK(params[i].defined(), ValueError, owner, ": parameter ", i, " is an undefined tensor");
    XG_CHECK(params[i].is_floating_point(), DtypeError, owner, ": parameter ", i, " must be floating point, got ",
             params[i].dtype());
  }
}

/// Σ over the parameters of f(p), summed in each parameter's dtype (promoted when they differ).
template <class F>
Tensor sum_over(const std::vector<Tensor>& params, F f) {
  Tensor total;
  for (const auto& p : params) {
    Tensor term = f(p).sum();
    total = total.defined() ? total + term : term;
  }
  return total.defined() ? total : scalar_tensor(0.0);
}
}  // namespace

Regularizer::~Regularizer() = default;
Constraint::~Constraint() = default;

L1::L1(double l1) : l1_(l1) { check_strength(l1, "L1", "l1"); }
Tensor L1::penalty(const std::vector<Tensor>& params) const {
  check_params(params, "L1");
  return l1_ * sum_over(params, [](const Tensor& p) { return p.abs(); });
}
void L1::pretty_print(std::ostream& os) const { os << "L1(l1=" << l1_ << ")"; }

L2::L2(double l2) : l2_(l2) { check_strength(l2, "L2", "l2"); }
Tensor L2::penalty(const std::vector<Tensor>& params) const {
  check_params(params, "L2");
  return l2_ * sum_over(params, [](const Tensor& p) { return p.square(); });
}
void L2::pretty_print(std::ostream& os) const { os << "L2(l2=" << l2_ << ")"; }

ElasticNet::ElasticNet(double l1, double l2) : l1_(l1), l2_(l2) {
  check_strength(l1, "ElasticNet", "l1");
  check_strength(l2, "ElasticNet", "l2");
}
Tensor ElasticNet::penalty(const std::vector<Tensor>& params) const {
  check_params(params, "ElasticNet");
  return l1_ * sum_over(params, [](const Tensor& p) { return p.abs(); }) +
         l2_ * sum_over(params, [](const Tensor& p) { return p.square(); });
}
void ElasticNet::pretty_print(std::ostream& os) const { os << "ElasticNet(l1=" << l1_ << ", l2=" << l2_ << ")"; }

// ---- constraints ------------------------------------------------------------------------------------

namespace {
constexpr double kNormEps = 1e-7;  // Keras' backend epsilon, keeps w / ‖w‖ finite for a zero slice

/// ‖w_i‖ for every slice i along `dim`, shaped to broadcast against w (keepdim).
Tensor slice_norms(const Tensor& w, std::int64_t dim, const char* owner) {
  const std::int64_t n = std::max<std::int64_t>(w.dim(), 1);
  XG_CHECK(dim >= -n && dim < n, IndexError, owner, ": dim ", dim, " is out of range for a parameter of shape ",
           w.sizes());
  if (w.dim() <= 1) return w.abs();  // every element is its own slice
  const std::int64_t d = dim < 0 ? dim + w.dim() : dim;
  Shape others;
  for (std::int64_t k = 0; k < w.dim(); ++k)
    if (k != d) others.push_back(k);
  return w.square().sum(others, /*keepdim=*/true).sqrt();
}

void check_param(const Tensor& p, const char* owner) {
  XG_CHECK(p.defined(), ValueError, owner, ": the parameter is an undefined tensor");
  XG_CHECK(p.is_floating_point(), DtypeError, owner, ": the parameter must be floating point, got ", p.dtype());
}
}  // namespace

MaxNorm::MaxNorm(double max_value, std::int64_t dim) : max_value_(max_value), dim_(dim) {
  check_strength(max_value, "MaxNorm", "max_value");
}
void MaxNorm::apply(const Tensor& param) const {
  check_param(param, "MaxNorm");
  NoGradGuard ng;
  Tensor p = param;
  const Tensor norms = slice_norms(p, dim_, "MaxNorm");
  p.copy_(p * (norms.clamp(0.0, max_value_) / (norms + kNormEps)));
}
void MaxNorm::pretty_print(std::ostream& os) const {
  os << "MaxNorm(max_value=" << max_value_ << ", dim=" << dim_ << ")";
}

UnitNorm::UnitNorm(std::int64_t dim) : dim_(dim) {}
void UnitNorm::apply(const Tensor& param) const {
  check_param(param, "UnitNorm");
  NoGradGuard ng;
  Tensor p = param;
  const Tensor norms = slice_norms(p, dim_, "UnitNorm");
  p.copy_(p / (norms + kNormEps));
}
void UnitNorm::pretty_print(std::ostream& os) const { os << "UnitNorm(dim=" << dim_ << ")"; }

void NonNeg::apply(const Tensor& param) const {
  check_param(param, "NonNeg");
  NoGradGuard ng;
  Tensor p = param;
  p.clamp_(0.0);
}
void NonNeg::pretty_print(std::ostream& os) const { os << "NonNeg()"; }

// ---- attachment -----------------------------------------------------------------------------------

bool glob_match(const std::string& pattern, const std::string& name) {
  // Greedy matching with backtracking to the last '*' (linear in practice).
  std::size_t p = 0, n = 0, star = std::string::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {
std::pair<std::vector<Tensor>, std::vector<std::string>> select(const nn::Module& module, const std::string& pattern,
                                                                const char* what) {
  std::vector<Tensor> params;
  std::vector<std::string> names, all;
  for (const auto& item : module.named_parameters()) {
    all.push_back(item.first);
    if (glob_match(pattern, item.first)) {
      params.push_back(item.second);
      names.push_back(item.first);
    }
  }
  if (params.empty()) {
    std::string list;
    for (const auto& n : all) list += (list.empty() ? "" : ", ") + n;
    throw ValueError(::xg::detail::concat("Regularization.", what, ": the pattern '", pattern,
                                          "' matches no parameter of ", module.name(), " (it has ",
                                          all.empty() ? "none" : list, ")"));
  }
  return {std::move(params), std::move(names)};
}

std::vector<std::string> positional_names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("param " + std::to_string(i));
  return out;
}
}  // namespace

Regularization& Regularization::add(detail::ModuleRef module, const std::string& pattern,
                                    std::shared_ptr<const Regularizer> regularizer) {
  XG_CHECK(regularizer != nullptr, ValueError, "Regularization.add: the regularizer is null");
  auto [params, names] = select(*module.module, pattern, "add");
  penalties_.push_back({std::move(regularizer), std::move(params), std::move(names)});
  return *this;
}

Regularization& Regularization::add(std::vector<Tensor> params, std::shared_ptr<const Regularizer> regularizer) {
  XG_CHECK(regularizer != nullptr, ValueError, "Regularization.add: the regularizer is null");
  XG_CHECK(!params.empty(), ValueError, "Regularization.add: got an empty parameter list");
  check_params(params, "Regularization.add");
  auto names = positional_names(params.size());
  penalties_.push_back({std::move(regularizer), std::move(params), std::move(names)});
  return *this;
}

Regularization& Regularization::constrain(detail::ModuleRef module, const std::string& pattern,
                                          std::shared_ptr<const Constraint> constraint) {
  XG_CHECK(constraint != nullptr, ValueError, "Regularization.constrain: the constraint is null");
  auto [params, names] = select(*module.module, pattern, "constrain");
  constraints_.push_back({std::move(constraint), std::move(params), std::move(names)});
  return *this;
}

Regularization& Regularization::constrain(std::vector<Tensor> params, std::shared_ptr<const Constraint> constraint) {
  XG_CHECK(constraint != nullptr, ValueError, "Regularization.constrain: the constraint is null");
  XG_CHECK(!params.empty(), ValueError, "Regularization.constrain: got an empty parameter list");
  check_params(params, "Regularization.constrain");
  auto names = positional_names(params.size());
  constraints_.push_back({std::move(constraint), std::move(params), std::move(names)});
  return *this;
}

Tensor Regularization::penalty() const {
  Tensor total;
  for (const auto& r : penalties_) {
    Tensor term = r.rule->penalty(r.params);
    total = total.defined() ? total + term : term;
  }
  return total.defined() ? total : scalar_tensor(0.0);
}

void Regularization::apply_constraints() const {
  for (const auto& c : constraints_)
    for (const auto& p : c.params) c.rule->apply(p);
}

std::ostream& operator<<(std::ostream& os, const Regularization& r) {
  auto line = [&](const auto& rule) {
    rule.rule->pretty_print(os);
    os << " on ";
    for (std::size_t i = 0; i < rule.names.size(); ++i) os << (i ? ", " : "") << rule.names[i];
    os << "\n";
  };
  for (const auto& p : r.penalties_) line(p);
  for (const auto& c : r.constraints_) line(c);
  return os;
}

}  // namespace xg::optim
