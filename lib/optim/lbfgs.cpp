// L-BFGS: the two-loop recursion and the iteration logic of torch.optim.LBFGS, on the parameters
// seen as one flat vector.
#include "xgrad/optim/lbfgs.hpp"

#include <algorithm>
#include <cmath>

#include "optim/fused.hpp"
#include "optim/line_search.hpp"
#include "xgrad/ops.hpp"

namespace xg::optim {

void LBFGSOptions::validate() const {
  detail::check_non_negative("LBFGS", "learning rate", lr);
  XG_CHECK(max_iter >= 1, ValueError, "LBFGS: invalid max_iter: ", max_iter, " (must be >= 1)");
  XG_CHECK(max_eval >= 1, ValueError, "LBFGS: invalid max_eval: ", max_eval, " (must be >= 1)");
  detail::check_non_negative("LBFGS", "tolerance_grad", tolerance_grad);
  detail::check_non_negative("LBFGS", "tolerance_change", tolerance_change);
  XG_CHECK(history_size >= 1, ValueError, "LBFGS: invalid history_size: ", history_size, " (must be >= 1)");
  XG_CHECK(!line_search_fn || *line_search_fn == "strong_wolfe", ValueError,
           "LBFGS: only 'strong_wolfe' is supported as line_search_fn, got '", line_search_fn.value_or(""), "'");
}

LBFGS::LBFGS(std::vector<Tensor> params, LBFGSOptions options) : OptimizerBase(std::move(params), std::move(options)) {
  flat_ = std::make_unique<detail::FlatParams>(name(), this->params(0));
}

LBFGS::~LBFGS() = default;

namespace {
// A double as the parameters' dtype would hold it (PyTorch computes these scalars as 0-d tensors
// of that dtype).
double in_dtype(double v, Dtype dtype) { return dtype == kFloat32 ? detail::as_float32(v) : v; }
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }

/// Keeps the curvature pair of the last step, y = Δ∇f and s = Δx = t·d, when yᵀs > 1e-10 (the
/// secant condition that keeps H positive definite), dropping the oldest pairs beyond
/// history_size, and rescales the initial inverse Hessian: H_diag = yᵀs / yᵀy.
void push_curvature_pair(LBFGSState& st, const Tensor& flat_grad, const Tensor& prev_flat_grad, const Tensor& d,
                         double t, std::int64_t history_size, double& H_diag) {
  Tensor y = flat_grad - prev_flat_grad;
  Tensor s = d * t;
  Tensor ys = dot(y, s);
  if (ys.item<double>() <= 1e-10) return;
  if (static_cast<std::int64_t>(st.old_dirs.size()) >= history_size) {
    const auto drop = static_cast<std::ptrdiff_t>(st.old_dirs.size()) - history_size + 1;
    st.old_dirs.erase(st.old_dirs.begin(), st.old_dirs.begin() + drop);
    st.old_stps.erase(st.old_stps.begin(), st.old_stps.begin() + drop);
    st.ro.erase(st.ro.begin(), st.ro.begin() + drop);
  }
  st.old_dirs.push_back(y);
  st.old_stps.push_back(s);
  st.ro.push_back(ys.reciprocal());
  H_diag = (ys / dot(y, y)).item<double>();
}

/// The two-loop recursion: d = −H∇f from the stored pairs, without forming H.
Tensor two_loop_direction(const LBFGSState& st, const Tensor& flat_grad, double H_diag, Dtype dtype) {
  const std::size_t num_old = st.old_dirs.size();
  std::vector<double> al(num_old);
  Tensor q = -flat_grad;
  for (std::size_t i = num_old; i-- > 0;) {
    al[i] = (dot(st.old_stps[i], q) * st.ro[i]).item<double>();
    q.add_(st.old_dirs[i], -al[i]);
  }
  Tensor d = q * H_diag;
  for (std::size_t i = 0; i < num_old; ++i) {
    const double be_i = (dot(st.old_dirs[i], d) * st.ro[i]).item<double>();
    d.add_(st.old_stps[i], in_dtype(al[i] - be_i, dtype));
  }
  return d;
}

/// What a move along the direction cost.
struct Move {
  std::int64_t evals = 0;  ///< closure evaluations
  bool evaluated = false;  ///< whether loss and flat_grad are those of the new point
};

/// Moves x along d by a strong-Wolfe line search from step t, or by t itself — then re-evaluating
/// only when another iteration follows (in a stochastic setting the last evaluation would be
/// wasted). Updates t, and loss and flat_grad when the new point was evaluated.
Move move_along(const std::string& who, const LossClosure& closure, const detail::FlatParams& x, const Tensor& d,
                double gtd, bool line_search, bool evaluate_after, double& t, double& loss, Tensor& flat_grad) {
  if (line_search) {
    const auto x_init = x.clone();
    auto phi = [&](double step) -> std::pair<double, Tensor> {
      x.add_(step, d);
      const double l = detail::evaluate_closure(who, closure).item<double>();
      Tensor g = x.gather_grad();
      x.set(x_init);
      return {l, g};
    };
    auto ls = detail::strong_wolfe(phi, t, d, loss, flat_grad, gtd);
    loss = ls.loss;
    flat_grad = ls.grad;
    t = ls.t;
    x.add_(t, d);
    return {ls.evals, true};
  }
  x.add_(t, d);
  if (!evaluate_after) return {};
  loss = detail::evaluate_closure(who, closure).item<double>();
  flat_grad = x.gather_grad();
  return {1, true};
}
}  // namespace

Tensor LBFGS::step(const LossClosure& closure) {
  NoGradGuard no_grad;
  const LBFGSOptions& o = options(0);
  LBFGSState& st = state_;
  const detail::FlatParams& x = *flat_;
  const Dtype dtype = x.dtype();

  Tensor orig_loss = detail::evaluate_closure(name(), closure);
  double loss = orig_loss.item<double>();
  std::int64_t current_evals = 1;
  st.func_evals += 1;
  Tensor flat_grad = x.gather_grad();
  if (max_abs(flat_grad) <= o.tolerance_grad) return orig_loss;  // already optimal

  Tensor d = st.d, prev_flat_grad = st.prev_flat_grad;
  double t = st.t, H_diag = st.H_diag, prev_loss = st.prev_loss;

  std::int64_t n_iter = 0;
  while (n_iter < o.max_iter) {
    ++n_iter;
    ++st.n_iter;

    // ---- the descent direction ----------------------------------------------------------------
    if (st.n_iter == 1) {
      d = -flat_grad;
      st.old_dirs.clear();
      st.old_stps.clear();
      st.ro.clear();
      H_diag = 1;
    } else {
      XG_CHECK(d.defined() && prev_flat_grad.defined(), ValueError, name(), ": the state has n_iter = ", st.n_iter - 1,
               " but no previous direction or gradient");
      push_curvature_pair(st, flat_grad, prev_flat_grad, d, t, o.history_size, H_diag);
      d = two_loop_direction(st, flat_grad, H_diag, dtype);
    }
    prev_flat_grad = flat_grad.clone();
    prev_loss = loss;

    // ---- the step length ----------------------------------------------------------------------
    if (st.n_iter == 1) {
      const double r = flat_grad.abs().sum().reciprocal().item<double>();
      t = r < 1. ? in_dtype(r * o.lr, dtype) : o.lr;  // a cautious first step: at most lr / ‖∇f‖₁
    } else {
      t = o.lr;
    }
    const double gtd = dot(flat_grad, d).item<double>();  // directional derivative
    if (gtd > -o.tolerance_change) break;                 // not a descent direction any more

    const Move move =
        move_along(name(), closure, x, d, gtd, o.line_search_fn.has_value(), n_iter != o.max_iter, t, loss, flat_grad);
    const std::int64_t ls_func_evals = move.evals;
    const bool opt_cond = move.evaluated && max_abs(flat_grad) <= o.tolerance_grad;
    current_evals += ls_func_evals;
    st.func_evals += ls_func_evals;

    // ---- stopping tests -----------------------------------------------------------------------
    if (n_iter == o.max_iter) break;
    if (current_evals >= o.max_eval) break;
    if (opt_cond) break;
    if (max_abs(d * t) <= o.tolerance_change) break;             // the step is too small
    if (std::abs(loss - prev_loss) < o.tolerance_change) break;  // the loss no longer changes
  }

  st.d = d;
  st.t = t;
  st.H_diag = H_diag;
  st.prev_flat_grad = prev_flat_grad;
  st.prev_loss = prev_loss;
  return orig_loss;
}

}  // namespace xg::optim
