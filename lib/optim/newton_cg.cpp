// Newton-CG: truncated CG on the Newton system with Hessian-vector products by double backward.
#include "xgrad/optim/newton_cg.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "optim/fused.hpp"
#include "optim/line_search.hpp"
#include "xgrad/ops.hpp"

namespace xg::optim {

void NewtonCGOptions::validate() const {
  detail::check_non_negative("NewtonCG", "learning rate", lr);
  XG_CHECK(max_iter >= 1, ValueError, "NewtonCG: invalid max_iter: ", max_iter, " (must be >= 1)");
  XG_CHECK(max_eval >= 1, ValueError, "NewtonCG: invalid max_eval: ", max_eval, " (must be >= 1)");
  XG_CHECK(max_cg_iter >= 1, ValueError, "NewtonCG: invalid max_cg_iter: ", max_cg_iter, " (must be >= 1)");
  detail::check_non_negative("NewtonCG", "cg_tolerance", cg_tolerance);
  detail::check_non_negative("NewtonCG", "damping", damping);
  detail::check_non_negative("NewtonCG", "tolerance_grad", tolerance_grad);
  detail::check_non_negative("NewtonCG", "tolerance_change", tolerance_change);
  XG_CHECK(!line_search_fn || *line_search_fn == "strong_wolfe", ValueError,
           "NewtonCG: only 'strong_wolfe' is supported as line_search_fn, got '", line_search_fn.value_or(""), "'");
}

NewtonCG::NewtonCG(std::vector<Tensor> params, NewtonCGOptions options)
    : OptimizerBase(std::move(params), std::move(options)) {
  flat_ = std::make_unique<detail::FlatParams>(name(), this->params(0));
}

NewtonCG::~NewtonCG() = default;

namespace {
double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }
double dotd(const Tensor& a, const Tensor& b) { return dot(a, b).item<double>(); }

// The loss at the current parameters with its gradient. With `graph`, the gradient keeps its own
// graph so that Hessian-vector products can differentiate it again.
struct Evaluation {
  double loss = 0;
  Tensor loss_tensor;
  std::vector<Tensor> grads;  // per parameter; with a graph when asked
  Tensor flat_grad;           // detached, flat
};

Evaluation evaluate(const std::string& name, const LossClosure& closure, const detail::FlatParams& x, bool graph) {
  for (const auto& p : x.params()) {
    Tensor q = p;
    q.mutable_grad() = Tensor();
  }
  Evaluation e;
  e.loss_tensor = detail::evaluate_closure(name, closure);
  for (const auto& p : x.params())
    XG_CHECK(!p.grad().defined(), ValueError, name,
             ".step: the closure called backward(); NewtonCG differentiates the loss itself (twice, for "
             "Hessian-vector products), so the closure must only compute and return the loss");
  e.loss = e.loss_tensor.item<double>();
  {
    EnableGradGuard grad_on;
    if (e.loss_tensor.requires_grad())
      e.grads = autograd::grad({e.loss_tensor}, x.params(), {}, /*retain_graph=*/graph, /*create_graph=*/graph,
                               /*allow_unused=*/true);
    else e.grads.assign(x.params().size(), Tensor());
  }
  NoGradGuard no_grad;
  e.flat_grad = x.flatten(e.grads).detach();
  // Leave ∇f in .grad() as a backward() would.
  auto parts = x.unflatten(e.flat_grad);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    Tensor q = x.params()[k];
    q.set_grad(parts[k].clone());
  }
  return e;
}

// H·v from the gradient's graph: ∇(∇f·v).
Tensor hessian_vector_product(const Evaluation& e, const detail::FlatParams& x, const Tensor& v) {
  TensorList outputs, grad_outputs;
  const auto vs = x.unflatten(v);
  for (std::size_t k = 0; k < e.grads.size(); ++k)
    if (e.grads[k].defined() && e.grads[k].requires_grad()) {
      outputs.push_back(e.grads[k]);
      grad_outputs.push_back(vs[k]);
    }
  if (outputs.empty()) return zeros({x.numel()}, x.dtype());  // ∇f is constant: H = 0
  TensorList hv;
  {
    EnableGradGuard grad_on;
    hv = autograd::grad(outputs, x.params(), grad_outputs, /*retain_graph=*/true, /*create_graph=*/false,
                        /*allow_unused=*/true);
  }
  NoGradGuard no_grad;
  return x.flatten(hv);
}

/// The Newton step p ≈ −(H + λI)⁻¹g by truncated CG (Nocedal & Wright, Algorithm 7.1): stops at
/// the forcing term min(cg_tolerance, √‖g‖)·‖g‖ (or at rounding noise), after max_cg_iter
/// iterations, or at the first direction of non-positive curvature (returning −g if that is the
/// first one, so that the step still descends).
Tensor newton_direction(const Evaluation& e, const detail::FlatParams& x, const NewtonCGOptions& o, NewtonCGState& st) {
  const Tensor& g = e.flat_grad;
  const double g_norm = std::sqrt(dotd(g, g));
  // Stop at the forcing term, or once the residual is rounding noise (cg_tolerance = 0).
  const double unit_roundoff = x.dtype() == kFloat32 ? 0x1p-24 : 0x1p-53;
  const double forcing = std::max(std::min(o.cg_tolerance, std::sqrt(g_norm)), 16 * unit_roundoff) * g_norm;
  Tensor z = zeros({x.numel()}, x.dtype());
  Tensor r = g.clone();  // residual (H + λI)z + g
  Tensor dir = -r;
  double rr = dotd(r, r);
  for (std::int64_t j = 0; j < o.max_cg_iter; ++j) {
    Tensor hd = hessian_vector_product(e, x, dir);
    ++st.hvp_evals;
    if (o.damping != 0) hd = hd + dir * o.damping;
    const double curvature = dotd(dir, hd);
    if (curvature <= 0) return j == 0 ? -g : z;  // H is not positive definite along dir: stop before going uphill
    const double alpha = rr / curvature;
    z = z + dir * alpha;
    r = r + hd * alpha;
    const double rr_new = dotd(r, r);
    if (std::sqrt(rr_new) <= forcing) return z;
    dir = -r + dir * (rr_new / rr);
    rr = rr_new;
  }
  return z;
}
}  // namespace

Tensor NewtonCG::step(const LossClosure& closure) {
  NoGradGuard no_grad;
  const NewtonCGOptions& o = options(0);
  NewtonCGState& st = state_;
  const detail::FlatParams& x = *flat_;

  Evaluation e = evaluate(name(), closure, x, /*graph=*/true);
  const Tensor orig_loss = e.loss_tensor.detach();
  std::int64_t current_evals = 1;
  st.func_evals += 1;
  if (max_abs(e.flat_grad) <= o.tolerance_grad) return orig_loss;

  std::int64_t n_iter = 0;
  while (n_iter < o.max_iter) {
    ++n_iter;
    ++st.n_iter;
    const Tensor& g = e.flat_grad;

    const Tensor p = newton_direction(e, x, o, st);

    // ---- the step -------------------------------------------------------------------------------
    const double gtd = dotd(g, p);
    if (gtd > -o.tolerance_change) break;  // no descent along p
    st.prev_loss = e.loss;
    double t = o.lr;
    double loss = e.loss;
    bool opt_cond = false;
    if (o.line_search_fn) {
      const auto x_init = x.clone();
      auto phi = [&](double step) -> std::pair<double, Tensor> {
        x.add_(step, p);
        Evaluation ev = evaluate(name(), closure, x, /*graph=*/false);
        x.set(x_init);
        return {ev.loss, ev.flat_grad};
      };
      auto ls = detail::strong_wolfe(phi, t, p, e.loss, g, gtd);
      t = ls.t;
      loss = ls.loss;
      opt_cond = max_abs(ls.grad) <= o.tolerance_grad;
      current_evals += ls.evals;
      st.func_evals += ls.evals;
    }
    x.add_(t, p);

    // ---- stopping tests; the next iteration needs ∇f with its graph at the new point -------------
    if (n_iter == o.max_iter) break;
    if (current_evals >= o.max_eval) break;
    if (opt_cond) break;
    if (max_abs(p * t) <= o.tolerance_change) break;
    if (o.line_search_fn && std::abs(loss - st.prev_loss) < o.tolerance_change) break;
    e = evaluate(name(), closure, x, /*graph=*/true);
    current_evals += 1;
    st.func_evals += 1;
    if (max_abs(e.flat_grad) <= o.tolerance_grad) break;
    if (std::abs(e.loss - st.prev_loss) < o.tolerance_change) break;
  }
  return orig_loss;
}

}  // namespace xg::optim
