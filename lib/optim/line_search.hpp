// Internal: what the closure-driven methods (LBFGS, CG, Newton-CG) share — the parameters seen as
// one flat vector, evaluating the closure, and the strong-Wolfe line search with cubic
// interpolation (the minFunc / torch.optim.LBFGS algorithm).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/tensor.hpp"

namespace xg::optim::detail {

/// The parameters of a closure-driven optimizer as one vector x of numel() elements (the
/// parameters in order, each flattened). They must share one floating dtype.
class FlatParams {
 public:
  FlatParams(std::string owner, std::vector<Tensor> params);
  std::int64_t numel() const { return numel_; }
  Dtype dtype() const { return params_.front().dtype(); }
  const std::vector<Tensor>& params() const { return params_; }
  /// ∇f as one vector (zeros for parameters without a gradient).
  Tensor gather_grad() const;
  /// Concatenates per-parameter tensors shaped like the parameters (undefined ones count as 0).
  Tensor flatten(const std::vector<Tensor>& per_param) const;
  /// Splits a flat vector into views shaped like the parameters.
  std::vector<Tensor> unflatten(const Tensor& flat) const;
  /// x ← x + t·d (in place, under no-grad).
  void add_(double t, const Tensor& d) const;
  /// A copy of x, and x ← saved.
  std::vector<Tensor> clone() const;
  void set(const std::vector<Tensor>& saved) const;

 private:
  std::string owner_;
  std::vector<Tensor> params_;
  std::int64_t numel_ = 0;
};

/// Calls the closure with grad mode on and checks that it returned a one-element loss.
Tensor evaluate_closure(const std::string& owner, const LossClosure& closure);

/// The minimizer of the cubic interpolating (x1, f1, f1') and (x2, f2, f2'), clamped to `bounds`
/// (default: the interval between x1 and x2); the bounds' midpoint when the cubic has no minimum.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt);

struct LineSearchResult {
  double loss;         ///< f(x + t·d)
  Tensor grad;         ///< ∇f(x + t·d), flat
  double t;            ///< the accepted step
  std::int64_t evals;  ///< function evaluations spent
};

/// φ(t): the loss and flat gradient at x + t·d (leaving x as it was).
using DirectionalEvaluation = std::function<std::pair<double, Tensor>(double t)>;

/// A step t along the descent direction d satisfying the strong Wolfe conditions
///   f(x + t·d) <= f + c1·t·gtd   and   |∇f(x + t·d)·d| <= c2·|gtd|,   gtd = ∇f(x)·d < 0,
/// found by bracketing (extrapolating by cubic interpolation) and then zooming into the bracket
/// (Nocedal & Wright, Algorithms 3.5 and 3.6). Gives up after max_ls evaluations or when the
/// bracket is narrower than tolerance_change, returning the best point seen.
LineSearchResult strong_wolfe(const DirectionalEvaluation& phi, double t, const Tensor& d, double f, const Tensor& g,
                              double gtd, double c1 = 1e-4, double c2 = 0.9, double tolerance_change = 1e-9,
                              std::int64_t max_ls = 25);

}  // namespace xg::optim::detail
