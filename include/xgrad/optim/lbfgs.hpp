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
#include "xgrad/export.hpp"

// Internal (lib/optim/), declared outside the exported bracket (Note [Symbol visibility] in
// xgrad/export.hpp).
namespace xg::optim::detail {
class FlatParams;
}

XGRAD_API_BEGIN

namespace xg::optim {

// LBFGSOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_LBFGS_OPTIONS(X)                                                                          \
  X(double, lr, 1)                                                                                   \
  /* iterations per step() */                                                                        \
  X(std::int64_t, max_iter, 20)                                                                      \
  /* closure evaluations per step() */                                                               \
  X(std::int64_t, max_eval, max_iter * 5 / 4)                                                        \
  /* stop when max |∇f| <= this */                                                                 \
  X(double, tolerance_grad, 1e-7)                                                                    \
  /* stop when the step or the loss change is below this */                                          \
  X(double, tolerance_change, 1e-9)                                                                  \
  /* curvature pairs kept */                                                                         \
  X(std::int64_t, history_size, 100)                                                                 \
  /* std::nullopt (fixed step lr) or "strong_wolfe". Not a number, so not part of state dicts: an */ \
  /* optimizer loading one keeps its own. */                                                         \
  X(std::optional<std::string>, line_search_fn, std::nullopt)
/// L-BFGS's hyper-parameters with PyTorch's defaults. max_eval defaults to max_iter·5/4 of the
/// max_iter given (`{.max_iter = 40}` gives max_eval 50), as in PyTorch.
struct LBFGSOptions {
  XG_OPTIM_FIELDS(XG_LBFGS_OPTIONS)
  /// ValueError for a negative lr or tolerance, max_iter / max_eval / history_size below 1, or a
  /// line search other than "strong_wolfe".
  void validate() const;
};

// LBFGSState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_LBFGS_STATE(X)          \
  X(std::int64_t, func_evals, 0)   \
  X(std::int64_t, n_iter, 0)       \
  X(Tensor, d)                     \
  X(double, t, 0)                  \
  X(std::vector<Tensor>, old_dirs) \
  X(std::vector<Tensor>, old_stps) \
  X(std::vector<Tensor>, ro)       \
  X(double, H_diag, 1)             \
  X(Tensor, prev_flat_grad)        \
  X(double, prev_loss, 0)
/// Everything L-BFGS carries between iterations and steps (PyTorch keeps the same under the first
/// parameter's state): counters, the last direction d and step t, the curvature pairs
/// (y = Δ∇f in old_dirs, s = Δx in old_stps, ro = 1/yᵀs), the initial Hessian scale H_diag, and
/// the previous gradient and loss.
struct LBFGSState {
  XG_OPTIM_FIELDS(XG_LBFGS_STATE)
};

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
  /// All parameters form one vector: a second parameter group is refused.
  static constexpr bool single_param_group = true;
  /// Optimizes `params` (one dtype) with `options`.
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

XGRAD_API_END
