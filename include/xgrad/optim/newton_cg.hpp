// xgrad — Newton-CG, the truncated-Newton / Hessian-free method: each iteration solves the Newton
// system (H + λI) p = −∇f approximately by conjugate gradient, using Hessian-vector products from
// double backward (no Hessian is ever formed), then steps along p.
//
//   xg::optim::NewtonCG opt(params, {.line_search_fn = "strong_wolfe"});
//   opt.step([&] { return f(x); });   // the closure returns the loss; NewtonCG differentiates it
#pragma once
#include <memory>
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

// NewtonCGOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_NEWTON_CG_OPTIONS(X)                                                                                      \
  /* step along the Newton direction (or the line search's first trial) */                                           \
  X(double, lr, 1)                                                                                                   \
  /* Newton iterations per step() */                                                                                 \
  X(std::int64_t, max_iter, 20)                                                                                      \
  /* closure evaluations per step() */                                                                               \
  X(std::int64_t, max_eval, max_iter * 5 / 4)                                                                        \
  /* Hessian-vector products per Newton iteration */                                                                 \
  X(std::int64_t, max_cg_iter, 250)                                                                                  \
  /* Forcing term: CG stops once ‖r‖ <= min(cg_tolerance, √‖∇f‖)·‖∇f‖, which gives superlinear */ \
  /* convergence; 0 solves each system to rounding. Nocedal & Wright cap the term at 0.5, but so */                  \
  /* loose a solve makes early directions nearly steepest descent on ill-conditioned problems (40 */                 \
  /* iterations leave Rosenbrock at f ≈ 5 with 0.5; 22 reach 1e-12 with 0.01), hence 0.01. */                      \
  X(double, cg_tolerance, 1e-2)                                                                                      \
  /* λ >= 0 added to the Hessian's diagonal (Levenberg–Marquardt style) */                                        \
  X(double, damping, 0)                                                                                              \
  /* stop when max |∇f| <= this */                                                                                 \
  X(double, tolerance_grad, 1e-7)                                                                                    \
  /* stop when the step or the loss change is below this */                                                          \
  X(double, tolerance_change, 1e-9)                                                                                  \
  /* std::nullopt (step lr·p) or "strong_wolfe". Not a number, so not part of state dicts. */                       \
  X(std::optional<std::string>, line_search_fn, std::nullopt)
/// Newton-CG's hyper-parameters.
struct NewtonCGOptions {
  XG_OPTIM_FIELDS(XG_NEWTON_CG_OPTIONS)
  /// ValueError for a negative lr, damping, cg_tolerance or tolerance, iteration limits below 1,
  /// or a line search other than "strong_wolfe".
  void validate() const;
};

// NewtonCGState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_NEWTON_CG_STATE(X)    \
  X(std::int64_t, func_evals, 0) \
  X(std::int64_t, n_iter, 0)     \
  X(std::int64_t, hvp_evals, 0)  \
  X(double, prev_loss, 0)
/// Counters: closure evaluations, Newton iterations, Hessian-vector products (= CG iterations),
/// and the last loss.
struct NewtonCGState {
  XG_OPTIM_FIELDS(XG_NEWTON_CG_STATE)
};

/// Line-search Newton-CG (Nocedal & Wright, Algorithm 7.1). Each iteration runs CG on
/// (H + damping·I) p = −∇f from p = 0 until the forcing term is met, max_cg_iter products are
/// spent, or a direction of non-positive curvature appears (then p is the CG iterate so far, or
/// −∇f if that happens at once); then x ← x + t·p with t = lr or a strong-Wolfe step.
///
/// Hessian-vector products come from double backward: ∇f is computed with create_graph and
/// Hv = ∇(∇f·v). Hence the closure differs from LBFGS's: it must return the loss *without*
/// calling backward (NewtonCG differentiates it itself, and sets each parameter's .grad()).
/// A closure that calls backward is reported as a ValueError. Every op on the path from the
/// parameters to the loss must be twice differentiable (all xgrad ops are).
///
///   xg::optim::NewtonCG opt({w}, {.max_iter = 5, .damping = 1e-3});
///   opt.step([&] { return loss_fn(w); });
class NewtonCG : public OptimizerBase<NewtonCG, NewtonCGOptions> {
 public:
  /// All parameters form one vector: a second parameter group is refused.
  static constexpr bool single_param_group = true;
  /// Optimizes `params` (one dtype) with `options`.
  explicit NewtonCG(std::vector<Tensor> params, NewtonCGOptions options = {});
  ~NewtonCG() override;
  using OptimizerBase::step;
  /// Runs up to max_iter Newton iterations; returns the loss of the first evaluation.
  Tensor step(const LossClosure& closure) override;
  /// The state carried between steps (counters).
  const NewtonCGState& global_state() const { return state_; }

 protected:
  std::vector<FieldRef> global_state_fields() override { return detail::fields_of(state_); }

 private:
  NewtonCGState state_;
  std::unique_ptr<detail::FlatParams> flat_;
};

}  // namespace xg::optim

XGRAD_API_END
