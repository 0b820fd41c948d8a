// The flat-parameter view, closure evaluation and the strong-Wolfe line search shared by LBFGS,
// CG and Newton-CG.
#include "optim/line_search.hpp"

#include <algorithm>
#include <cmath>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::optim::detail {

FlatParams::FlatParams(std::string owner, std::vector<Tensor> params) : owner_(std::move(owner)), params_(std::move(params)) {
  for (std::size_t k = 0; k < params_.size(); ++k) {
    XG_CHECK(params_[k].dtype() == params_[0].dtype(), DtypeError, owner_,
             ": all parameters must have one dtype (they form one vector), but parameter 0 is ", params_[0].dtype(),
             " and parameter ", k, " is ", params_[k].dtype());
    numel_ += params_[k].numel();
  }
}

Tensor FlatParams::flatten(const std::vector<Tensor>& per_param) const {
  TensorList parts;
  parts.reserve(params_.size());
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const Tensor& t = per_param[k];
    if (!t.defined()) parts.push_back(zeros({params_[k].numel()}, dtype()));
    else parts.push_back((t.dtype() == dtype() ? t : t.to(dtype())).reshape({params_[k].numel()}));
  }
  return cat(parts, 0);
}

Tensor FlatParams::gather_grad() const {
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  grads.reserve(params_.size());
  for (const auto& p : params_) grads.push_back(p.grad());
  return flatten(grads);
}

std::vector<Tensor> FlatParams::unflatten(const Tensor& flat) const {
  std::vector<Tensor> out;
  std::int64_t offset = 0;
  for (const auto& p : params_) {
    out.push_back(flat.narrow(0, offset, p.numel()).view(p.sizes()));
    offset += p.numel();
  }
  return out;
}

void FlatParams::add_(double t, const Tensor& d) const {
  NoGradGuard no_grad;
  auto parts = unflatten(d);
  for (std::size_t k = 0; k < params_.size(); ++k) {
    Tensor p = params_[k];
    p.add_(parts[k], t);
  }
}

std::vector<Tensor> FlatParams::clone() const {
  NoGradGuard no_grad;
  std::vector<Tensor> out;
  for (const auto& p : params_) out.push_back(p.detach().clone());
  return out;
}

void FlatParams::set(const std::vector<Tensor>& saved) const {
  NoGradGuard no_grad;
  for (std::size_t k = 0; k < params_.size(); ++k) {
    Tensor p = params_[k];
    p.copy_(saved[k]);
  }
}

Tensor evaluate_closure(const std::string& owner, const LossClosure& closure) {
  XG_CHECK(static_cast<bool>(closure), ValueError, owner, ".step: the closure is empty");
  Tensor loss;
  {
    EnableGradGuard grad_on;
    loss = closure();
  }
  XG_CHECK(loss.defined() && loss.numel() == 1, ValueError, owner,
           ".step: the closure must return the loss as a one-element tensor",
           loss.defined() ? ::xg::detail::concat(", got shape ", loss.sizes()) : std::string(", got an undefined tensor"));
  return loss;
}

double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds) {
  const auto [xmin_bound, xmax_bound] = bounds ? *bounds : (x1 <= x2 ? std::pair{x1, x2} : std::pair{x2, x1});
  // The cubic through (x1, f1, g1) and (x2, f2, g2) has its minimizer at
  //   d1 = g1 + g2 − 3(f1 − f2)/(x1 − x2),  d2 = √(d1² − g1·g2),
  //   x = x2 − (x2 − x1)·(g2 + d2 − d1)/(g2 − g1 + 2·d2)        (x2 the farther point)
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    const double d2 = std::sqrt(d2_square);
    const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(min_pos, xmin_bound), xmax_bound);
  }
  return (xmin_bound + xmax_bound) / 2.;  // no real minimizer: bisect
}

LineSearchResult strong_wolfe(const DirectionalEvaluation& phi, double t, const Tensor& d, double f, const Tensor& g,
                              double gtd, double c1, double c2, double tolerance_change, std::int64_t max_ls) {
  NoGradGuard no_grad;
  const double d_norm = d.abs().max().item<double>();
  auto [f_new, g_new] = phi(t);
  std::int64_t evals = 1;
  double gtd_new = dot(g_new, d).item<double>();

  // Bracketing: extrapolate until the interval [t_prev, t] must contain a point satisfying the
  // strong Wolfe conditions, or t satisfies them itself.
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Tensor g_prev = g;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Tensor> bracket_g;
  bool done = false;
  std::int64_t ls_iter = 0;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= f_prev)) {  // sufficient decrease failed
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {  // both conditions hold at t
      bracket = {t};
      bracket_f = {f_new};
      bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {  // the slope turned: a minimizer lies in [t_prev, t]
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    // Extrapolate: the cubic's minimizer, kept within [t + 0.01(t − t_prev), 10t].
    const double min_step = t + 0.01 * (t - t_prev);
    const double max_step = t * 10;
    const double tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, std::pair{min_step, max_step});
    t_prev = tmp;
    f_prev = f_new;
    g_prev = g_new;
    gtd_prev = gtd_new;
    std::tie(f_new, g_new) = phi(t);
    ++evals;
    gtd_new = dot(g_new, d).item<double>();
    ++ls_iter;
  }
  if (ls_iter == max_ls) {  // out of evaluations while extrapolating
    bracket = {0, t};
    bracket_f = {f, f_new};
    bracket_g = {g, g_new};
  }

  // Zoom: shrink the bracket by cubic interpolation until a point satisfies both conditions.
  bool insufficient_progress = false;
  std::size_t low_pos = 0, high_pos = 0;
  if (bracket.size() == 2) std::tie(low_pos, high_pos) = bracket_f[0] <= bracket_f[1] ? std::pair{0, 1} : std::pair{1, 0};
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;  // the bracket is too small
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
    // Safeguard: a trial point too close to an end of the bracket makes little progress; if that
    // happens twice in a row (or t lies on the end itself) move it 10% of the width inside.
    const double hi = std::max(bracket[0], bracket[1]), lo = std::min(bracket[0], bracket[1]);
    const double eps = 0.1 * (hi - lo);
    if (std::min(hi - t, t - lo) < eps) {
      if (insufficient_progress || t >= hi || t <= lo) {
        t = std::abs(t - hi) < std::abs(t - lo) ? hi - eps : lo + eps;
        insufficient_progress = false;
      } else {
        insufficient_progress = true;
      }
    } else {
      insufficient_progress = false;
    }
    std::tie(f_new, g_new) = phi(t);
    ++evals;
    gtd_new = dot(g_new, d).item<double>();
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket_f[low_pos]) {
      // Sufficient decrease fails or no better than the low end: t becomes the high end.
      bracket[high_pos] = t;
      bracket_f[high_pos] = f_new;
      bracket_g[high_pos] = g_new;
      bracket_gtd[high_pos] = gtd_new;
      std::tie(low_pos, high_pos) = bracket_f[0] <= bracket_f[1] ? std::pair{0, 1} : std::pair{1, 0};
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;  // strong Wolfe conditions hold
      } else if (gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0) {
        // The minimizer lies between t and the old low end: the old low end becomes the high end.
        bracket[high_pos] = bracket[low_pos];
        bracket_f[high_pos] = bracket_f[low_pos];
        bracket_g[high_pos] = bracket_g[low_pos];
        bracket_gtd[high_pos] = bracket_gtd[low_pos];
      }
      bracket[low_pos] = t;
      bracket_f[low_pos] = f_new;
      bracket_g[low_pos] = g_new;
      bracket_gtd[low_pos] = gtd_new;
    }
  }
  return {bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], evals};
}

}  // namespace xg::optim::detail
