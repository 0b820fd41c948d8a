// xgrad — L-BFGS (torch.optim.LBFGS): a limited-memory quasi-Newton method that builds an inverse
// Hessian approximation from the last `history_size` steps, optionally with a strong-Wolfe line
// search. Full-batch, deterministic problems; one step(closure) runs up to max_iter iterations.
//
//   xg::optim::LBFGS opt(params, {.line_search_fn = "strong_wolfe"});
//   opt.step([&] { opt.zero_grad(); auto loss = f(x); loss.backward(); return loss; });
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xg::optim {

/// L-BFGS's hyper-parameters with PyTorch's defaults. max_eval defaults to max_iter·5/4 of the
/// max_iter given (`{.max_iter = 40}` gives max_eval 50), as in PyTorch.
struct LBFGSOptions {
  double lr = 1;
  std::int64_t max_iter = 20;                   ///< iterations per step()
  std::int64_t max_eval = max_iter * 5 / 4;     ///< closure evaluations per step()
  double tolerance_grad = 1e-7;                 ///< stop when max |∇f| <= this
  double tolerance_change = 1e-9;               ///< stop when the step or the loss change is below this
  std::int64_t history_size = 100;              ///< curvature pairs kept
  /// std::nullopt (fixed step lr) or "strong_wolfe". Not a number, so not part of state dicts:
  /// an optimizer loading one keeps its own.
  std::optional<std::string> line_search_fn = std::nullopt;
  template <class V> void visit(V&& v) {
    v("lr", lr);
    v("max_iter", max_iter);
    v("max_eval", max_eval);
    v("tolerance_grad", tolerance_grad);
    v("tolerance_change", tolerance_change);
    v("history_size", history_size);
  }
  /// ValueError for a negative lr or tolerance, max_iter / max_eval / history_size below 1, or a
  /// line search other than "strong_wolfe".
  void validate() const;
};

/// Everything L-BFGS carries between iterations and steps (PyTorch keeps the same under the first
/// parameter's state): counters, the last direction d and step t, the curvature pairs
/// (y = Δ∇f in old_dirs, s = Δx in old_stps, ro = 1/yᵀs), the initial Hessian scale H_diag, and
/// the previous gradient and loss.
struct LBFGSState {
  std::int64_t func_evals = 0;
  std::int64_t n_iter = 0;
  Tensor d;
  double t = 0;
  std::vector<Tensor> old_dirs, old_stps, ro;
  double H_diag = 1;
  Tensor prev_flat_grad;
  double prev_loss = 0;
  template <class V> void visit(V&& v) {
    v("func_evals", func_evals);
    v("n_iter", n_iter);
    v("d", d);
    v("t", t);
    v("old_dirs", old_dirs);
    v("old_stps", old_stps);
    v("ro", ro);
    v("H_diag", H_diag);
    v("prev_flat_grad", prev_flat_grad);
    v("prev_loss", prev_loss);
  }
};

namespace detail { class FlatParams; }

/// L-BFGS (Nocedal & Wright, Algorithm 7.4, as in torch.optim.LBFGS / minFunc). Each iteration
/// computes d = −H∇f by the two-loop recursion over the stored pairs, with H₀ = (yᵀs / yᵀy)·I,
/// then steps x ← x + t·d with t = lr (t = min(1, 1/‖∇f‖₁)·lr on the very first iteration) or
/// a strong-Wolfe line search from that t. Stops early when max |∇f| <= tolerance_grad, the
/// directional derivative or the step falls below tolerance_change, or the loss stops changing.
///
/// All parameters form one vector, so they must share one dtype, and there is a single parameter
/// group. step() without a closure is a ValueError.
///
///   xg::optim::LBFGS opt({x}, {.history_size = 10, .line_search_fn = "strong_wolfe"});
///   for (int i = 0; i < 5; ++i)
///     opt.step([&] { opt.zero_grad(); auto l = rosenbrock(x); l.backward(); return l; });
class LBFGS : public OptimizerBase<LBFGS, LBFGSOptions> {
 public:
  static constexpr bool single_param_group = true;
  explicit LBFGS(std::vector<Tensor> params, LBFGSOptions options = {});
  ~LBFGS() override;
  using OptimizerBase::step;
  /// Runs up to max_iter L-BFGS iterations; returns the loss of the first evaluation.
  Tensor step(const LossClosure& closure) override;
  /// The optimizer-wide state (counters, history).
  const LBFGSState& global_state() const { return state_; }

 protected:
  std::vector<FieldRef> global_state_fields() override { return detail::fields_of(state_); }

 private:
  LBFGSState state_;
  std::unique_ptr<detail::FlatParams> flat_;
};

}  // namespace xg::optim
