// xgrad — regularization that composes with any optimizer: penalties added to the loss (L1, L2,
// ElasticNet), constraints that project parameters back after each optimizer step (MaxNorm,
// UnitNorm, NonNeg), and Regularization, which attaches both to a model's parameters by name.
//
//   xg::optim::Regularization reg;
//   reg.add(model, "*.weight", xg::optim::L2(1e-4));          // Keras' kernel_regularizer
//   reg.constrain(model, "fc1.weight", xg::optim::MaxNorm(3.0));
//   auto loss = criterion(model(x), y) + reg.penalty();
//   opt.zero_grad();  loss.backward();  opt.step();  reg.apply_constraints();
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

/// A penalty on parameters, added to the loss so that its gradient joins the data's.
class Regularizer {
 public:
  virtual ~Regularizer();
  /// The penalty of `params` as a differentiable 0-d tensor (float32 for an empty list).
  virtual Tensor penalty(const std::vector<Tensor>& params) const = 0;
  /// penalty(params).
  Tensor operator()(const std::vector<Tensor>& params) const { return penalty(params); }
  /// "L2(l2=0.0001)".
  virtual void pretty_print(std::ostream& os) const = 0;
};

/// l1 · Σ|w| (Keras' L1): pushes weights to exactly zero (sparsity). Its gradient is l1 · sign(w),
/// zero at w = 0.
///
///   auto loss = data_loss + xg::optim::L1(1e-3).penalty(model->parameters());
class L1 final : public Regularizer {
 public:
  /// The penalty l1 · Σ|w| (l1 >= 0).
  explicit L1(double l1 = 0.01);
  Tensor penalty(const std::vector<Tensor>& params) const override;
  void pretty_print(std::ostream& os) const override;
  /// The factor l1.
  double l1() const { return l1_; }

 private:
  double l1_;
};

/// l2 · Σw² (Keras' L2, without a factor 1/2): its gradient 2 l2 w equals SGD's weight_decay = 2 l2.
///
///   auto loss = data_loss + xg::optim::L2(1e-4).penalty(model->parameters());
class L2 final : public Regularizer {
 public:
  /// The penalty l2 · Σw² (l2 >= 0).
  explicit L2(double l2 = 0.01);
  Tensor penalty(const std::vector<Tensor>& params) const override;
  void pretty_print(std::ostream& os) const override;
  /// The factor l2.
  double l2() const { return l2_; }

 private:
  double l2_;
};

/// l1 · Σ|w| + l2 · Σw² (Keras' L1L2).
///
///   xg::optim::ElasticNet reg(/*l1=*/1e-4, /*l2=*/1e-3);
class ElasticNet final : public Regularizer {
 public:
  /// The penalty l1 · Σ|w| + l2 · Σw² (both >= 0).
  ElasticNet(double l1, double l2);
  Tensor penalty(const std::vector<Tensor>& params) const override;
  void pretty_print(std::ostream& os) const override;
  /// The factor l1.
  double l1() const { return l1_; }
  /// The factor l2.
  double l2() const { return l2_; }

 private:
  double l1_, l2_;
};
/// Keras' name for ElasticNet.
using L1L2 = ElasticNet;

/// A constraint on a parameter's values, enforced by projecting the parameter after each
/// optimizer step (Keras' kernel_constraint).
class Constraint {
 public:
  virtual ~Constraint();
  /// Replaces `param`'s values, in place and without recording a gradient, by their projection.
  virtual void apply(const Tensor& param) const = 0;
  /// apply(param).
  void operator()(const Tensor& param) const { apply(param); }
  /// "MaxNorm(max_value=3, dim=0)".
  virtual void pretty_print(std::ostream& os) const = 0;
};

/// Caps the L2 norm of each slice w.select(dim, i) at max_value (Keras' MaxNorm formula:
/// w · clip(n, 0, max_value) / (1e-7 + n)).
///
/// About the axis: `dim` is the dimension that *indexes the units*, as in torch.renorm — the norm
/// is taken over all the other dimensions. xgrad stores a Linear weight as [out, in] and a conv
/// weight as [out, in, k...], so the default dim = 0 bounds the incoming weight vector of each
/// output unit (filter), which is what Keras' default axis = 0 does with its [in, out] layout.
///
///   reg.constrain(model, "fc1.weight", xg::optim::MaxNorm(3.0));   // ‖W[i, :]‖ ≤ 3 for every unit i
class MaxNorm final : public Constraint {
 public:
  /// Caps the norm of each slice along `dim` at `max_value`.
  explicit MaxNorm(double max_value = 2.0, std::int64_t dim = 0);
  void apply(const Tensor& param) const override;
  void pretty_print(std::ostream& os) const override;

 private:
  double max_value_;
  std::int64_t dim_;
};

/// Scales each slice w.select(dim, i) to unit L2 norm: w / (1e-7 + ‖w_i‖) (Keras' UnitNorm, with
/// the unit axis as for MaxNorm).
class UnitNorm final : public Constraint {
 public:
  /// Normalizes each slice along `dim`.
  explicit UnitNorm(std::int64_t dim = 0);
  void apply(const Tensor& param) const override;
  void pretty_print(std::ostream& os) const override;

 private:
  std::int64_t dim_;
};

/// Clamps the values at zero from below (Keras' NonNeg).
class NonNeg final : public Constraint {
 public:
  void apply(const Tensor& param) const override;
  void pretty_print(std::ostream& os) const override;
};

namespace detail {
/// A module given as a reference or as its LibTorch-style handle.
struct ModuleRef {
  ModuleRef(const nn::Module& m) : module(&m) {}  // NOLINT: implicit on purpose
  template <class Holder, class = decltype(std::declval<const Holder&>().ptr())>
  ModuleRef(const Holder& h) : module(&*h) {}  // NOLINT: implicit on purpose
  const nn::Module* module;
};
}  // namespace detail

/// Penalties and constraints attached to parameters — picked from a module by a name pattern, or
/// given as a list — composing with any optimizer: add penalty() to the loss, and call
/// apply_constraints() after every optimizer step.
///
/// A pattern matches a dotted parameter name ("fc1.weight", "encoder.0.bias") where `*` stands for
/// any run of characters (dots included) and `?` for one: "*.weight", "fc1.*", "*". A pattern that
/// matches nothing is a ValueError listing the names, so typos do not pass silently.
class Regularization {
 public:
  /// Attaches a penalty to the parameters of `module` whose names match `pattern`, or to `params`;
  /// returns *this for chaining: `reg.add(model, "*.weight", xg::optim::L2(1e-4))`.
  ///@{
  Regularization& add(detail::ModuleRef module, const std::string& pattern,
                      std::shared_ptr<const Regularizer> regularizer);
  Regularization& add(std::vector<Tensor> params, std::shared_ptr<const Regularizer> regularizer);
  template <class R, std::enable_if_t<std::is_base_of_v<Regularizer, R>, int> = 0>
  Regularization& add(detail::ModuleRef module, const std::string& pattern, R regularizer) {
    return add(module, pattern, std::make_shared<const R>(std::move(regularizer)));
  }
  template <class R, std::enable_if_t<std::is_base_of_v<Regularizer, R>, int> = 0>
  Regularization& add(std::vector<Tensor> params, R regularizer) {
    return add(std::move(params), std::make_shared<const R>(std::move(regularizer)));
  }
  ///@}

  /// Attaches a constraint to the parameters of `module` whose names match `pattern`, or to `params`;
  /// returns *this for chaining: `reg.constrain(model, "fc1.weight", xg::optim::MaxNorm(3.0))`.
  ///@{
  Regularization& constrain(detail::ModuleRef module, const std::string& pattern,
                            std::shared_ptr<const Constraint> constraint);
  Regularization& constrain(std::vector<Tensor> params, std::shared_ptr<const Constraint> constraint);
  template <class C, std::enable_if_t<std::is_base_of_v<Constraint, C>, int> = 0>
  Regularization& constrain(detail::ModuleRef module, const std::string& pattern, C constraint) {
    return constrain(module, pattern, std::make_shared<const C>(std::move(constraint)));
  }
  template <class C, std::enable_if_t<std::is_base_of_v<Constraint, C>, int> = 0>
  Regularization& constrain(std::vector<Tensor> params, C constraint) {
    return constrain(std::move(params), std::make_shared<const C>(std::move(constraint)));
  }
  ///@}

  /// The sum of every attached penalty (a differentiable 0-d tensor; 0 when none is attached).
  Tensor penalty() const;
  /// Projects every constrained parameter; call it after optimizer.step().
  void apply_constraints() const;
  /// The number of penalties attached.
  std::size_t num_regularizers() const { return penalties_.size(); }
  /// The number of constraints attached.
  std::size_t num_constraints() const { return constraints_.size(); }

  /// One line per rule: "L2(l2=0.0001) on fc1.weight, fc2.weight".
  friend std::ostream& operator<<(std::ostream& os, const Regularization& r);

 private:
  template <class T>
  struct Rule {
    std::shared_ptr<const T> rule;
    std::vector<Tensor> params;
    std::vector<std::string> names;
  };
  std::vector<Rule<Regularizer>> penalties_;
  std::vector<Rule<Constraint>> constraints_;
};

/// Whether `name` matches the glob `pattern` (`*` any run of characters, `?` one character).
bool glob_match(const std::string& pattern, const std::string& name);

}  // namespace xg::optim

XGRAD_API_END
