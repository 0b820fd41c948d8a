// xgrad — nonlinear conjugate gradient (Fletcher–Reeves, Polak–Ribière, Polak–Ribière+) with a
// strong-Wolfe line search and restarts: a Hessian-free, memory-light method for smooth,
// deterministic problems of small and medium size. On a convex quadratic with exact line searches
// it is linear CG and reaches the minimum in at most n iterations.
//
//   xg::optim::CG opt(params, {.beta = xg::optim::CGBeta::PolakRibierePlus});
//   opt.step([&] { opt.zero_grad(); auto loss = f(x); loss.backward(); return loss; });
#pragma once
#include <memory>
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

/// How the next direction d ← −g + β·d mixes in the previous one.
enum class CGBeta {
  FletcherReeves,    ///< β = gᵀg / g₋ᵀg₋
  PolakRibiere,      ///< β = gᵀ(g − g₋) / g₋ᵀg₋
  PolakRibierePlus,  ///< β = max(0, Polak–Ribière): restarts by itself when progress stalls
};

// CGOptions' fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_CG_OPTIONS(X)                                                     \
  /* scale of the very first trial step */                                   \
  X(double, lr, 1)                                                           \
  /* iterations per step() */                                                \
  X(std::int64_t, max_iter, 20)                                              \
  /* closure evaluations per step() */                                       \
  X(std::int64_t, max_eval, max_iter * 5 / 2)                                \
  /* stop when max |∇f| <= this */                                         \
  X(double, tolerance_grad, 1e-7)                                            \
  /* stop when the step or the loss change is below this */                  \
  X(double, tolerance_change, 1e-9)                                          \
  /* not a number, so not part of state dicts */                             \
  X(CGBeta, beta, CGBeta::PolakRibierePlus)                                  \
  /* steepest-descent restart period; 0: the number of parameter elements */ \
  X(std::int64_t, restart_every, 0)                                          \
  /* sufficient decrease (Armijo) constant */                                \
  X(double, c1, 1e-4)                                                        \
  /* curvature constant */                                                   \
  X(double, c2, 0.1)                                                         \
  /* evaluations per line search */                                          \
  X(std::int64_t, max_ls, 25)
/// CG's hyper-parameters. The line search constants follow Nocedal & Wright's advice for CG
/// (c2 = 0.1, stricter than quasi-Newton's 0.9, so that successive directions stay conjugate).
struct CGOptions {
  XG_OPTIM_FIELDS(XG_CG_OPTIONS)
  /// ValueError for a negative lr or tolerance, max_iter / max_eval / max_ls below 1, a negative
  /// restart_every, or line-search constants not satisfying 0 < c1 < c2 < 1.
  void validate() const;
};

// CGState's fields, X(type, name, default...) (Note [Optimizer field lists]).
#define XG_CG_STATE(X)                                       \
  X(std::int64_t, func_evals, 0)                             \
  X(std::int64_t, n_iter, 0)                                 \
  /* iterations since the last steepest-descent direction */ \
  X(std::int64_t, since_restart, 0)                          \
  X(Tensor, d)                                               \
  X(Tensor, prev_flat_grad)                                  \
  X(double, t, 0)                                            \
  X(double, prev_gtd, 0)                                     \
  X(double, prev_loss, 0)
/// The direction, previous gradient, step and directional derivative carried between iterations
/// (and steps), and the counters.
struct CGState {
  XG_OPTIM_FIELDS(XG_CG_STATE)
};

/// Nonlinear conjugate gradient (Nocedal & Wright, Algorithm 5.4). Each iteration sets
/// d ← −∇f + β·d (β by `beta`), restarting with d = −∇f on the first iteration, every
/// `restart_every` iterations, and whenever d is not a descent direction; then a strong-Wolfe line
/// search finds the step, starting from the previous step scaled by the ratio of directional
/// derivatives (N&W eq. 3.60). Stops early like LBFGS (tolerance_grad, tolerance_change, max_eval).
///
/// All parameters form one vector (one dtype, one parameter group); step() needs a closure that
/// zeroes the gradients, computes the loss, calls backward and returns the loss.
///
///   xg::optim::CG opt({x}, {.max_iter = 50});
///   opt.step([&] { opt.zero_grad(); auto l = f(x); l.backward(); return l; });
class CG : public OptimizerBase<CG, CGOptions> {
 public:
  /// All parameters form one vector: a second parameter group is refused.
  static constexpr bool single_param_group = true;
  /// Optimizes `params` (one dtype) with `options`.
  explicit CG(std::vector<Tensor> params, CGOptions options = {});
  ~CG() override;
  using OptimizerBase::step;
  /// Runs up to max_iter CG iterations; returns the loss of the first evaluation.
  Tensor step(const LossClosure& closure) override;
  /// The state carried between steps (direction, previous gradient, counters).
  const CGState& global_state() const { return state_; }

 protected:
  std::vector<FieldRef> global_state_fields() override { return detail::fields_of(state_); }

 private:
  CGState state_;
  std::unique_ptr<detail::FlatParams> flat_;
};

}  // namespace xg::optim

XGRAD_API_END
