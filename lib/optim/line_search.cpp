// The flat-parameter view, closure evaluation and the strong-Wolfe line search shared by LBFGS,
// CG and Newton-CG.
#include "optim/line_search.hpp"

#include <algorithm>
#include <cmath>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::optim::detail {

FlatParams::FlatParams(std::string owner, std::vector<Tensor> params)
    : owner_(std::move(owner)), params_(std::move(params)) {
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
  XG_CHECK(
      loss.defined() && loss.numel() == 1, ValueError, owner,
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

namespace {

/// A point on the search line: the step t, and the loss, flat gradient and slope ∇f·d at x + t·d.
struct Point {
  double t;
  double f;
  Tensor g;
  double gtd;
};

/// The line x + t·d searched along, with the point t = 0 and the Wolfe constants.
struct Line {
  const DirectionalEvaluation& phi;
  const Tensor& d;
  Point origin;
  double c1, c2;
  std::int64_t evals = 0;

  Point probe(double t) {
    auto [f, g] = phi(t);
    ++evals;
    const double gtd = dot(g, d).item<double>();
    return {t, f, std::move(g), gtd};
  }
  /// The sufficient decrease (Armijo) condition f(t) <= f(0) + c1·t·f'(0) fails (a NaN loss does
  /// not fail it: the curvature test and the bracket decide).
  bool too_little_decrease(const Point& p) const { return p.f > origin.f + c1 * p.t * origin.gtd; }
  /// The strong curvature condition |f'(t)| <= c2·|f'(0)|.
  bool flat_enough(const Point& p) const { return std::abs(p.gtd) <= -c2 * origin.gtd; }
};

/// The bracketing phase's outcome: two points bracketing a point that satisfies the strong Wolfe
/// conditions, or (done) the one point that satisfies them.
struct Bracket {
  std::vector<Point> ends;
  bool done = false;
  std::int64_t iterations = 0;
};

/// Bracketing: extrapolate from `trial` until the interval [previous, trial] must contain a point
/// satisfying the strong Wolfe conditions, or the trial satisfies them itself.
Bracket bracket_phase(Line& line, Point trial, std::int64_t max_ls) {
  Point prev = line.origin;
  std::int64_t ls_iter = 0;
  while (ls_iter < max_ls) {
    if (line.too_little_decrease(trial) || (ls_iter > 1 && trial.f >= prev.f))  // sufficient decrease failed
      return {{prev, trial}, false, ls_iter};
    if (line.flat_enough(trial)) return {{trial}, true, ls_iter};  // both conditions hold at t
    if (trial.gtd >= 0) return {{prev, trial}, false, ls_iter};    // the slope turned: a minimizer lies in between
    // Extrapolate: the cubic's minimizer, kept within [t + 0.01(t − t_prev), 10t].
    const double min_step = trial.t + 0.01 * (trial.t - prev.t);
    const double max_step = trial.t * 10;
    const double t =
        cubic_interpolate(prev.t, prev.f, prev.gtd, trial.t, trial.f, trial.gtd, std::pair{min_step, max_step});
    prev = std::move(trial);
    trial = line.probe(t);
    ++ls_iter;
  }
  return {{line.origin, trial}, false, ls_iter};  // out of evaluations while extrapolating
}

/// Safeguard of the zoom: a trial point too close to an end of the bracket [lo, hi] makes little
/// progress; if that happens twice in a row (or t lies on the end itself) move it 10% of the width
/// inside.
double keep_inside(double t, double lo, double hi, bool& insufficient_progress) {
  const double eps = 0.1 * (hi - lo);
  if (std::min(hi - t, t - lo) < eps) {
    if (insufficient_progress || t >= hi || t <= lo) {
      insufficient_progress = false;
      return std::abs(t - hi) < std::abs(t - lo) ? hi - eps : lo + eps;
    }
    insufficient_progress = true;
    return t;
  }
  insufficient_progress = false;
  return t;
}

/// Zoom: shrink the bracket by cubic interpolation until a point satisfies both conditions; returns
/// the best end (the lowest loss) of the final bracket.
Point zoom_phase(Line& line, Bracket bracket, double d_norm, double tolerance_change, std::int64_t max_ls) {
  std::vector<Point>& b = bracket.ends;
  bool insufficient_progress = false;
  std::size_t low_pos = 0, high_pos = 0;
  if (b.size() == 2) std::tie(low_pos, high_pos) = b[0].f <= b[1].f ? std::pair{0, 1} : std::pair{1, 0};
  bool done = bracket.done;
  std::int64_t ls_iter = bracket.iterations;
  while (!done && ls_iter < max_ls) {
    if (std::abs(b[1].t - b[0].t) * d_norm < tolerance_change) break;  // the bracket is too small
    double t = cubic_interpolate(b[0].t, b[0].f, b[0].gtd, b[1].t, b[1].f, b[1].gtd);
    t = keep_inside(t, std::min(b[0].t, b[1].t), std::max(b[0].t, b[1].t), insufficient_progress);
    Point p = line.probe(t);
    ++ls_iter;
    if (line.too_little_decrease(p) || p.f >= b[low_pos].f) {
      // Sufficient decrease fails or no better than the low end: t becomes the high end.
      b[high_pos] = std::move(p);
      std::tie(low_pos, high_pos) = b[0].f <= b[1].f ? std::pair{0, 1} : std::pair{1, 0};
    } else {
      if (line.flat_enough(p)) {
        done = true;  // strong Wolfe conditions hold
      } else if (p.gtd * (b[high_pos].t - b[low_pos].t) >= 0) {
        // The minimizer lies between t and the old low end: the old low end becomes the high end.
        b[high_pos] = b[low_pos];
      }
      b[low_pos] = std::move(p);
    }
  }
  return b[low_pos];
}

}  // namespace

LineSearchResult strong_wolfe(const DirectionalEvaluation& phi, double t, const Tensor& d, double f, const Tensor& g,
                              double gtd, double c1, double c2, double tolerance_change, std::int64_t max_ls) {
  NoGradGuard no_grad;
  const double d_norm = d.abs().max().item<double>();
  Line line{phi, d, Point{0, f, g, gtd}, c1, c2};
  Bracket bracket = bracket_phase(line, line.probe(t), max_ls);
  const Point best = zoom_phase(line, std::move(bracket), d_norm, tolerance_change, max_ls);
  return {best.f, best.g, best.t, line.evals};
}

}  // namespace xg::optim::detail
