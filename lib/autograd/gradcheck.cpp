// Gradient checking, as torch.autograd.gradcheck does it: the gradients the graph computes are
// compared with float64 central differences (f(x + eps) - f(x - eps)) / 2eps.
//
// Small problems compare the full Jacobian: one numerical column per input element, one
// analytical row per output element (a backward with a unit vector). Large problems compare
// random projections instead, using the identity behind JAX's check_vjp:
//   <u, J v> = <Jᵀ u, v>
// where the left side is the directional difference of <u, f> along v and the right side is one
// backward with grad_output u dotted with v.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"

namespace xg::autograd {

namespace {

/// "[1, 2]" for flat index 6 of shape [2, 4]; "[]" for a 0-d tensor.
std::string multi_index(std::int64_t flat, const Shape& shape) {
  Shape idx(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    const std::int64_t n = shape[d];
    idx[d] = n > 0 ? flat % n : 0;
    flat = n > 0 ? flat / n : 0;
  }
  return shape_str(idx);
}

/// The differentiated inputs: those that require grad. They must be float64, since central
/// differences in float32 have an error (~1e-7 / eps) far above any useful tolerance.
std::vector<std::size_t> differentiated_inputs(const TensorList& inputs, const char* api) {
  std::vector<std::size_t> diff;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    XG_CHECK(inputs[i].dtype() == kFloat64, ValueError, api, ": input ", i, " of shape ", inputs[i].sizes(),
             " requires grad but has dtype ", inputs[i].dtype(),
             "; gradient checks need float64 inputs (finite differences in lower precision are too "
             "inaccurate), pass x.to(xg::kFloat64)");
    diff.push_back(i);
  }
  XG_CHECK(!diff.empty(), ValueError, api,
           ": no input requires grad; call requires_grad_() on the inputs to differentiate");
  return diff;
}

/// Fresh contiguous float64 leaves for the differentiated inputs, so that perturbing them never
/// touches the caller's tensors. They require grad, because f may itself differentiate (as the
/// function gradgradcheck builds does).
TensorList clone_inputs(const TensorList& inputs, const std::vector<std::size_t>& diff) {
  TensorList r = inputs;
  NoGradGuard ng;
  for (std::size_t i : diff) r[i] = inputs[i].detach().clone().requires_grad_();
  return r;
}

std::vector<double> values_of(const Tensor& t) {
  NoGradGuard ng;
  return t.detach().to(kFloat64).to_vector<double>();
}

/// A random direction of unit length (Gaussian entries, normalized), from the local generator.
Tensor random_unit(Generator& gen, const Shape& shape) {
  std::vector<double> v(static_cast<std::size_t>(numel_of(shape)));
  double norm2 = 0.0;
  for (double& x : v) {
    x = gen.next_normal();
    norm2 += x * x;
  }
  if (norm2 > 0.0)
    for (double& x : v) x /= std::sqrt(norm2);
  return from_vector(v, shape, kFloat64);
}

class Checker {
 public:
  Checker(const Fn& f, const TensorList& inputs, const GradcheckOptions& o, const char* api) : f_(f), o_(o), api_(api) {
    diff_ = differentiated_inputs(inputs, api);
    analytic_ = clone_inputs(inputs, diff_);
    numeric_ = clone_inputs(inputs, diff_);
  }

  bool run() {
    out_ = f_(analytic_);
    XG_CHECK(out_.defined(), ValueError, api_, ": the function returned an undefined tensor");
    // Integer or bool outputs (indices, masks) have no gradient to check.
    if (!out_.is_floating_point()) return true;
    out_values_ = values_of(out_);
    for (std::size_t k = 0; k < out_values_.size(); ++k) {
      if (!std::isfinite(out_values_[k]))
        return fail(concat_msg("the function's output of shape ", out_.sizes(), " has the non-finite value ",
                               out_values_[k], " at ", multi_index(static_cast<std::int64_t>(k), out_.sizes()),
                               "; gradients cannot be checked there (move the inputs inside the domain)"));
    }
    const std::int64_t n_out = out_.numel();
    std::int64_t n_in = 0;
    for (std::size_t i : diff_) n_in += analytic_[i].numel();
    if (n_out == 0 || n_in == 0) return true;
    return n_in * n_out <= o_.max_full_jacobian ? full_jacobian() : projections();
  }

 private:
  template <class... Args>
  static std::string concat_msg(Args&&... args) {
    return ::xg::detail::concat(std::forward<Args>(args)...);
  }

  bool fail(const std::string& what) {
    if (o_.raise_exception) throw GradcheckError(concat_msg(api_, ": ", what));
    return false;
  }

  /// f at the current numeric inputs, as float64 values.
  std::vector<double> evaluate() {
    Tensor out = f_(numeric_);
    XG_CHECK(out.defined() && out.numel() == static_cast<std::int64_t>(out_values_.size()), ValueError, api_,
             ": the function's output changed size under a perturbation of its inputs (",
             out.defined() ? shape_str(out.sizes()) : std::string("undefined"), " vs ", out_.sizes(), ")");
    return values_of(out);  // copied now: the output may alias the input being perturbed
  }

  /// Sets element j of the numeric copy of input i (outside the graph: these are plain
  /// float64 leaves whose storage nothing else has saved).
  void poke(std::size_t i, std::int64_t j, double value) {
    NoGradGuard ng;
    numeric_[i].data_ptr<double>()[j] = value;
  }

  /// Analytical gradients of <grad_output, f> w.r.t. the differentiated inputs; undefined = 0.
  std::vector<std::vector<double>> vjp(const Tensor& grad_output) {
    std::vector<std::vector<double>> r(diff_.size());
    TensorList targets;
    for (std::size_t i : diff_) targets.push_back(analytic_[i]);
    TensorList g;
    if (out_.requires_grad())
      g = grad({out_}, targets, {grad_output}, /*retain_graph=*/true, /*create_graph=*/false,
               /*allow_unused=*/true);
    for (std::size_t d = 0; d < diff_.size(); ++d) {
      const Tensor& x = targets[d];
      if (g.empty() || !g[d].defined()) {
        r[d].assign(static_cast<std::size_t>(x.numel()), 0.0);
        continue;
      }
      XG_CHECK(g[d].sizes() == x.sizes(), GradcheckError, api_, ": the gradient of input ", diff_[d], " has shape ",
               g[d].sizes(), " but the input has shape ", x.sizes());
      r[d] = values_of(g[d]);
    }
    return r;
  }

  bool full_jacobian() {
    const std::int64_t n_out = out_.numel();
    // analytical[d][k * n_in + j] = d out_k / d x_j, one backward per output element.
    std::vector<std::vector<double>> analytical(diff_.size());
    for (std::int64_t k = 0; k < n_out; ++k) {
      Tensor e = zeros(out_.sizes(), kFloat64);
      e.data_ptr<double>()[k] = 1.0;
      auto rows = vjp(e);
      for (std::size_t d = 0; d < diff_.size(); ++d)
        analytical[d].insert(analytical[d].end(), rows[d].begin(), rows[d].end());
    }
    for (std::size_t d = 0; d < diff_.size(); ++d) {
      const std::size_t i = diff_[d];
      const std::int64_t n_in = numeric_[i].numel();
      std::vector<double> numerical(static_cast<std::size_t>(n_out * n_in));
      double* base = numeric_[i].data_ptr<double>();
      for (std::int64_t j = 0; j < n_in; ++j) {
        const double orig = base[j];
        poke(i, j, orig - o_.eps);
        const auto lo = evaluate();
        poke(i, j, orig + o_.eps);
        const auto hi = evaluate();
        poke(i, j, orig);
        for (std::int64_t k = 0; k < n_out; ++k)
          numerical[static_cast<std::size_t>(k * n_in + j)] = (hi[k] - lo[k]) / (2.0 * o_.eps);
      }
      // |a - n| <= atol + rtol |n| entrywise, as torch.allclose(analytical, numerical).
      std::int64_t bad = 0, worst = -1;
      double worst_excess = -std::numeric_limits<double>::infinity();
      for (std::int64_t e = 0; e < n_out * n_in; ++e) {
        const double n = numerical[e], a = analytical[d][e];
        const double tol = o_.atol + o_.rtol * std::abs(n);
        const double diff = std::abs(a - n);
        if (diff <= tol) continue;
        ++bad;
        const double excess = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff - tol;
        if (worst < 0 || excess > worst_excess) {
          worst = e;
          worst_excess = excess;
        }
      }
      if (bad > 0) {
        const std::int64_t k = worst / n_in, j = worst % n_in;
        const double n = numerical[worst], a = analytical[d][worst];
        return fail(concat_msg("Jacobian mismatch for input ", i, " (shape ", numeric_[i].sizes(), "): ", bad, " of ",
                               n_out * n_in, " entries differ; the worst is d output", multi_index(k, out_.sizes()),
                               " / d input", multi_index(j, numeric_[i].sizes()), " (output shape ", out_.sizes(),
                               "):\n  numerical  = ", fmt(n), "\n  analytical = ", fmt(a), "\n  |difference| = ",
                               fmt(std::abs(a - n)), " > tolerance atol + rtol*|numerical| = ", o_.atol, " + ", o_.rtol,
                               "*", fmt(std::abs(n)), " = ", fmt(o_.atol + o_.rtol * std::abs(n))));
      }
    }
    return true;
  }

  // Note [Gradcheck by random projections]
  // For each projection, u (over the output) and v (over one input) are random unit vectors.
  // numerical  = (<u, f(x + eps v)> - <u, f(x - eps v)>) / 2eps = <u, J v> + O(eps²)
  // analytical = <Jᵀ u, v>   (one backward with grad_output u)
  // A wrong rule changes Jᵀu, and because u and v are random the two sides then differ with
  // probability one. Their difference for a correct rule is the error of one central difference
  // along a unit direction (as for one Jacobian entry), so the entrywise tolerance applies.
  bool projections() {
    Generator gen(o_.seed);
    for (int p = 0; p < o_.num_projections; ++p) {
      const Tensor u = random_unit(gen, out_.sizes());
      const std::vector<double> uv = values_of(u);
      const auto vjps = vjp(u);
      for (std::size_t d = 0; d < diff_.size(); ++d) {
        const std::size_t i = diff_[d];
        const std::int64_t n_in = numeric_[i].numel();
        const std::vector<double> v = values_of(random_unit(gen, numeric_[i].sizes()));
        double analytical = 0.0;
        for (std::int64_t j = 0; j < n_in; ++j) analytical += vjps[d][j] * v[j];
        const std::vector<double> orig = values_of(numeric_[i]);
        auto project = [&](double sign) {
          {
            NoGradGuard ng;
            double* x = numeric_[i].data_ptr<double>();
            for (std::int64_t j = 0; j < n_in; ++j) x[j] = orig[j] + sign * o_.eps * v[j];
          }
          const auto y = evaluate();
          double s = 0.0;
          for (std::size_t k = 0; k < y.size(); ++k) s += uv[k] * y[k];
          return s;
        };
        const double hi = project(+1.0), lo = project(-1.0);
        {
          NoGradGuard ng;
          std::copy(orig.begin(), orig.end(), numeric_[i].data_ptr<double>());
        }
        const double numerical = (hi - lo) / (2.0 * o_.eps);
        const double tol = o_.atol + o_.rtol * std::abs(numerical);
        const double diff = std::abs(analytical - numerical);
        if (!(diff <= tol))
          return fail(concat_msg(
              "Jacobian mismatch for input ", i, " (shape ", numeric_[i].sizes(), ", output shape ", out_.sizes(),
              ") in random projection ", p, " of ", o_.num_projections,
              " (the Jacobian has too many entries to compare one by one; the projection <u, J v> with random "
              "unit vectors u, v is compared instead):\n  numerical  <u, J v>  = ",
              fmt(numerical), "\n  analytical <Jᵀu, v> = ", fmt(analytical), "\n  |difference| = ", fmt(diff),
              " > tolerance atol + rtol*|numerical| = ", fmt(tol)));
      }
    }
    return true;
  }

  static std::string fmt(double x) {
    std::ostringstream os;
    os.precision(10);
    os << x;
    return os.str();
  }

  const Fn& f_;
  const GradcheckOptions& o_;
  const char* api_;
  std::vector<std::size_t> diff_;
  TensorList analytic_, numeric_;
  Tensor out_;
  std::vector<double> out_values_;
};

}  // namespace

bool gradcheck(const Fn& f, const TensorList& inputs, const GradcheckOptions& options) {
  XG_CHECK(options.eps > 0.0, ValueError, "gradcheck: eps must be positive, got ", options.eps);
  Checker checker(f, inputs, options, "gradcheck");
  return checker.run();
}

// Note [gradgradcheck by a scalar contraction]
// Second derivatives are checked as first derivatives of the function
//   h(x_1..x_n, v) = sum_i <w_i, d<v, f(x)>/dx_i>
// with v (of f's output shape, differentiated too) and the weights w_i random and fixed. Its
// gradient is
//   dh/dx_j = sum_i H_ji(v) w_i     (H(v): the Hessian of <v, f>, through the double backward)
//   dh/dv   = sum_i J_i w_i         (the Jacobian of f, through the backward of the backward)
// so gradcheck(h) compares every second-derivative rule contracted with random w and v: a wrong
// entry survives only on a measure-zero set of w, v. Returning one scalar instead of the
// concatenated input gradients avoids depending on cat and keeps the check one backward per
// projection.
bool gradgradcheck(const Fn& f, const TensorList& inputs, const GradcheckOptions& options) {
  const auto diff = differentiated_inputs(inputs, "gradgradcheck");
  Tensor probe;
  {
    TensorList x = clone_inputs(inputs, diff);
    probe = f(x);
  }
  XG_CHECK(probe.defined(), ValueError, "gradgradcheck: the function returned an undefined tensor");
  if (!probe.is_floating_point() || probe.numel() == 0) return true;

  Generator gen(options.seed + 0x9E3779B97F4A7C15ULL);
  auto random_tensor = [&](const Shape& shape) {
    std::vector<double> v(static_cast<std::size_t>(numel_of(shape)));
    for (double& x : v) x = gen.next_normal();
    return from_vector(v, shape, kFloat64);
  };
  TensorList weights;
  for (std::size_t i : diff) weights.push_back(random_tensor(inputs[i].sizes()));
  Tensor v = random_tensor(probe.sizes()).requires_grad_();

  const std::size_t n = inputs.size();
  Fn h = [f, diff, weights, n](const TensorList& args) -> Tensor {
    TensorList xs(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(n));
    const Tensor& vv = args[n];
    Tensor out = f(xs);
    Tensor total = zeros({}, kFloat64);
    if (!out.requires_grad()) return total;
    TensorList targets;
    for (std::size_t i : diff) targets.push_back(xs[i]);
    TensorList g = grad({out}, targets, {vv}, /*retain_graph=*/true, /*create_graph=*/true, /*allow_unused=*/true);
    for (std::size_t d = 0; d < g.size(); ++d)
      if (g[d].defined()) total = total + (g[d] * weights[d]).sum();
    return total;
  };
  TensorList args = inputs;
  args.push_back(v);
  return gradcheck(h, args, options);
}

}  // namespace xg::autograd
