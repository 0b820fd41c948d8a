// Nonlinear conjugate gradient with the strong-Wolfe line search of LBFGS.
#include "xgrad/optim/cg.hpp"

#include <algorithm>
#include <cmath>

#include "optim/fused.hpp"
#include "optim/line_search.hpp"
#include "xgrad/ops.hpp"

namespace xg::optim {

void CGOptions::validate() const {
  detail::check_non_negative("CG", "learning rate", lr);
  XG_CHECK(max_iter >= 1, ValueError, "CG: invalid max_iter: ", max_iter, " (must be >= 1)");
  XG_CHECK(max_eval >= 1, ValueError, "CG: invalid max_eval: ", max_eval, " (must be >= 1)");
  detail::check_non_negative("CG", "tolerance_grad", tolerance_grad);
  detail::check_non_negative("CG", "tolerance_change", tolerance_change);
  XG_CHECK(restart_every >= 0, ValueError, "CG: invalid restart_every: ", restart_every,
           " (must be >= 0; 0 restarts every n iterations)");
  XG_CHECK(0 < c1 && c1 < c2 && c2 < 1, ValueError, "CG: invalid line search constants c1 = ", c1, ", c2 = ", c2,
           " (must satisfy 0 < c1 < c2 < 1)");
  XG_CHECK(max_ls >= 1, ValueError, "CG: invalid max_ls: ", max_ls, " (must be >= 1)");
}

CG::CG(std::vector<Tensor> params, CGOptions options) : OptimizerBase(std::move(params), options) {
  flat_ = std::make_unique<detail::FlatParams>(name(), this->params(0));
}

CG::~CG() = default;

namespace {
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }
double dotd(const Tensor& a, const Tensor& b) { return dot(a, b).item<double>(); }

/// Sets the search direction st.d from the gradient g: d ← −g + β·d, or steepest descent d = −g on
/// a restart (no previous direction, `restart_period` iterations since the last, a non-finite β,
/// or a d that is not a descent direction).
void update_direction(CGState& st, const Tensor& g, CGBeta beta_rule, std::int64_t restart_period) {
  bool restart = !st.d.defined() || !st.prev_flat_grad.defined() || st.since_restart >= restart_period;
  if (!restart) {
    const Tensor& g_prev = st.prev_flat_grad;
    const double gg_prev = dotd(g_prev, g_prev);
    double beta = 0;
    switch (beta_rule) {
      case CGBeta::FletcherReeves:
        beta = dotd(g, g) / gg_prev;
        break;
      case CGBeta::PolakRibiere:
        beta = dotd(g, g - g_prev) / gg_prev;
        break;
      case CGBeta::PolakRibierePlus:
        beta = std::max(0.0, dotd(g, g - g_prev) / gg_prev);
        break;
    }
    st.d = -g + st.d * beta;
    // Without exact line searches d may point uphill: fall back to steepest descent.
    restart = !std::isfinite(beta) || dotd(g, st.d) >= 0;
  }
  if (restart) {
    st.d = -g;
    st.since_restart = 0;
  }
}

/// The line search's first trial step along a direction with slope gtd = gᵀd < 0.
double initial_step(const CGState& st, const CGOptions& o, const Tensor& g, double gtd) {
  if (st.n_iter == 1) return std::min(1.0, 1.0 / g.abs().sum().item<double>()) * o.lr;  // cautious, as LBFGS
  if (st.prev_gtd < 0) {
    // Expect the same first-order decrease as last time: t₀ = t₋·(g₋ᵀd₋)/(gᵀd).
    const double guess = st.t * st.prev_gtd / gtd;
    if (std::isfinite(guess) && guess > 0) return guess;
  }
  return o.lr;
}
}  // namespace

Tensor CG::step(const LossClosure& closure) {
  NoGradGuard no_grad;
  const CGOptions& o = options(0);
  CGState& st = state_;
  const detail::FlatParams& x = *flat_;
  const std::int64_t restart_period = o.restart_every > 0 ? o.restart_every : x.numel();

  Tensor orig_loss = detail::evaluate_closure(name(), closure);
  double loss = orig_loss.item<double>();
  std::int64_t current_evals = 1;
  st.func_evals += 1;
  Tensor g = x.gather_grad();
  if (max_abs(g) <= o.tolerance_grad) return orig_loss;

  std::int64_t n_iter = 0;
  while (n_iter < o.max_iter) {
    ++n_iter;
    ++st.n_iter;
    update_direction(st, g, o.beta, restart_period);
    const Tensor& d = st.d;
    st.prev_flat_grad = g.clone();
    st.prev_loss = loss;

    const double gtd = dotd(g, d);
    if (gtd > -o.tolerance_change) break;  // no descent left along d
    const double t0 = initial_step(st, o, g, gtd);
    st.prev_gtd = gtd;

    const auto x_init = x.clone();
    auto phi = [&](double step) -> std::pair<double, Tensor> {
      x.add_(step, d);
      const double l = detail::evaluate_closure(name(), closure).item<double>();
      Tensor grad = x.gather_grad();
      x.set(x_init);
      return {l, grad};
    };
    auto ls = detail::strong_wolfe(phi, t0, d, loss, g, gtd, o.c1, o.c2, o.tolerance_change, o.max_ls);
    loss = ls.loss;
    g = ls.grad;
    st.t = ls.t;
    x.add_(st.t, d);
    ++st.since_restart;
    current_evals += ls.evals;
    st.func_evals += ls.evals;

    // ---- stopping tests -----------------------------------------------------------------------
    if (n_iter == o.max_iter) break;
    if (current_evals >= o.max_eval) break;
    if (max_abs(g) <= o.tolerance_grad) break;
    if (max_abs(d * st.t) <= o.tolerance_change) break;
    if (std::abs(loss - st.prev_loss) < o.tolerance_change) break;
  }
  return orig_loss;
}

}  // namespace xg::optim
