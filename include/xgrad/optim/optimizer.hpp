// xgrad — the optimizer framework (LibTorch's torch::optim::Optimizer).
// The base owns parameter groups, their hyper-parameters, the per-parameter state and the state
// dict; a concrete optimizer writes only how a parameter's state starts and its update.
//
//   xg::optim::Adam opt(model->parameters(), {.lr = 1e-3, .weight_decay = 1e-4});
//   opt.zero_grad();  loss.backward();  opt.step();
//   opt.add_param_group(head->parameters(), {.lr = 1e-2});   // per-group hyper-parameters
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "xgrad/autograd.hpp"
#include "xgrad/ordered_dict.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

/// Named tensors, as in xg::nn::StateDict.
using StateDict = OrderedDict<std::string, Tensor>;

/// Re-evaluates the model for methods that need several evaluations per step (LBFGS, line
/// searches): clears the gradients, computes the loss, calls backward, returns the loss.
using LossClosure = std::function<Tensor()>;

/// A named reference to one field of an options or state struct. Options and state structs list
/// their fields with `visit`, which lets the base read and write them by name (schedulers,
/// state dicts) without knowing the concrete type. XG_OPTIM_FIELDS writes the fields and their
/// `visit` from one list, so a field cannot be declared and then forgotten by state dicts and
/// schedulers (Note [Optimizer field lists]):
///
/// @code
///   #define MY_SGD_OPTIONS(X) X(double, lr, 1e-3) X(double, momentum, 0) X(bool, nesterov, false)
///   struct MySGDOptions {
///     XG_OPTIM_FIELDS(MY_SGD_OPTIONS)
///     void validate() const;   // ValueError for bad values
/// @endcode
///   };
///
/// A `std::vector<Tensor>` field is a list of tensors of varying length (LBFGS's curvature
/// history); the state dict holds it as "<name>.0", "<name>.1", ….
struct FieldRef {
  /// The field's name ("lr", "betas.0", "exp_avg").
  std::string name;
  /// Where the field lives.
  std::variant<double*, bool*, std::int64_t*, Tensor*, std::vector<Tensor>*> ptr;
};

/// A pair of numbers (Adam's betas, Rprop's etas): two fields, "<name>.0" and "<name>.1".
using DoublePair = std::pair<double, double>;

/// How a state field appears in a state dict: a number (always present) or a tensor / list of
/// tensors (may be absent: an undefined tensor, an empty list).
enum class FieldKind { Scalar, Tensor, List };

// Note [Optimizer field lists]
// Every options and state struct of an optimizer declares its fields through one list macro,
// LIST(X, args...), which calls X(type, name, default...) once per field in declaration order.
// XG_OPTIM_FIELDS(LIST, args...) expands it twice: into the member declarations (so designated
// initializers `{.lr = 1e-3}` work as for any aggregate) and into `visit`, which hands each field
// to the visitor under its own name. Fields that are not numbers or tensors (LBFGS's
// line_search_fn, CG's beta) are in the list too; the state-dict visitor skips them (they are
// configuration, not state). The extra args let two structs share one list: AdamOptions and
// AdamWOptions differ only in weight_decay's default. tests/optim/test_option_fields.cpp checks
// that every member of every optimizer's options and state is visited.
#define XG_OPTIM_FIELD_DECLARE_(type, name, ...) type name{__VA_ARGS__};
#define XG_OPTIM_FIELD_VISIT_(type, name, ...) v(#name, name);
#define XG_OPTIM_FIELDS(LIST, ...)                         \
  LIST(XG_OPTIM_FIELD_DECLARE_ __VA_OPT__(, ) __VA_ARGS__) \
  template <class V>                                       \
  void visit(V&& v) {                                      \
    LIST(XG_OPTIM_FIELD_VISIT_ __VA_OPT__(, ) __VA_ARGS__) \
  }

namespace detail {
/// "xg::optim::Adam" → "Adam".
std::string class_name(const char* mangled);

struct FieldCollector {
  std::vector<FieldRef>* out;
  void operator()(const char* name, double& v) const { out->push_back({name, &v}); }
  void operator()(const char* name, bool& v) const { out->push_back({name, &v}); }
  void operator()(const char* name, std::int64_t& v) const { out->push_back({name, &v}); }
  void operator()(const char* name, Tensor& v) const { out->push_back({name, &v}); }
  void operator()(const char* name, std::vector<Tensor>& v) const { out->push_back({name, &v}); }
  /// A pair (Adam's betas) is two fields, "<name>.0" and "<name>.1".
  void operator()(const char* name, std::pair<double, double>& v) const {
    out->push_back({std::string(name) + ".0", &v.first});
    out->push_back({std::string(name) + ".1", &v.second});
  }
  /// Configuration that is not a number (a line-search name, an enum choice) is not state:
  /// state dicts and schedulers leave it alone (Note [Optimizer field lists]).
  void operator()(const char*, std::optional<std::string>&) const {}
  template <class E>
  requires std::is_enum_v<E>
  void operator()(const char*, E&) const {}
};
template <class T>
std::vector<FieldRef> fields_of(T& value) {
  std::vector<FieldRef> out;
  value.visit(FieldCollector{&out});
  return out;
}
}  // namespace detail

/// The state an optimizer without per-parameter state keeps (none).
struct NoState {
  /// Visits no field.
  template <class V>
  void visit(V&&) {}
};

/// The base of every optimizer: parameter groups, per-group hyper-parameters by name, per-parameter
/// state and state dicts (LibTorch's torch::optim::Optimizer). Concrete optimizers derive from
/// OptimizerBase.
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// The optimizer's name as in errors and logs ("Adam"): its class name.
  const std::string& name() const { return name_; }
  /// One update of every parameter that has a gradient (under no-grad).
  virtual void step() = 0;
  /// Calls `closure` (with grad mode on) to get the loss and gradients, then updates. Methods that
  /// need several evaluations (LBFGS, CG, Newton-CG) call it as often as they need. Returns the
  /// loss of the first evaluation.
  virtual Tensor step(const LossClosure& closure);
  /// Clears the gradients of every parameter: to none (the default, as PyTorch ≥ 2.0) or zero.
  void zero_grad(bool set_to_none = true);

  // ---- groups and hyper-parameters ------------------------------------------------------------
  /// The number of parameter groups.
  std::size_t num_param_groups() const { return groups_.size(); }
  /// The parameters of group `group`.
  const std::vector<Tensor>& params(std::size_t group = 0) const;
  /// Every parameter of every group, in order (the numbering of the state dict).
  std::vector<Tensor> all_params() const;
  /// A hyper-parameter of a group by name ("lr", "momentum", "betas.0", "weight_decay", …);
  /// IndexError listing the names the optimizer has.
  double get_option(std::size_t group, const std::string& name) const;
  /// Sets a hyper-parameter of a group by name (what schedulers do); IndexError for an unknown name.
  void set_option(std::size_t group, const std::string& name, double value);
  /// True when the optimizer has a hyper-parameter of this name.
  bool has_option(const std::string& name) const;
  /// The names get_option accepts.
  std::vector<std::string> option_names() const;
  /// The learning rate of a group.
  double lr(std::size_t group = 0) const { return get_option(group, "lr"); }
  /// Sets the learning rate of every group.
  void set_lr(double lr);

  /// Per-group values that are not hyper-parameters of the update, kept beside the group as
  /// PyTorch keeps extra keys in a param_group dict. Learning-rate schedulers record each group's
  /// "initial_lr" here, so that several schedulers on one optimizer share their base learning
  /// rates. Not part of state_dict(): each scheduler saves what it needs in its own state dict.
  std::optional<double> group_attribute(std::size_t group, const std::string& name) const;
  /// Sets a per-group attribute (see group_attribute).
  void set_group_attribute(std::size_t group, const std::string& name, double value);

  // ---- state ----------------------------------------------------------------------------------
  /// Everything needed to resume bit for bit, as flat named tensors (so it can be saved like a
  /// module's state): "param_groups.<g>.<option>" (0-d float64 / int64 / bool),
  /// "param_groups.<g>.params" (int64 indices into all_params()), "state.<i>.<field>" per
  /// parameter that has state, and "state.global.<field>" for optimizer-wide state.
  StateDict state_dict() const;
  /// Restores a state_dict() of an optimizer of the same type over parameters of the same
  /// shapes and grouping; every mismatch is reported at once in one ValueError.
  void load_state_dict(const StateDict& state);

 protected:
  /// `name` is what name() returns.
  explicit Optimizer(std::string name) : name_(std::move(name)) {}
  /// Checks and adds a group's parameters (non-empty, defined, floating point, leaves, not in
  /// another group); returns the index of the first one in all_params().
  std::size_t add_params(std::vector<Tensor> params);
  /// The fields of group g's options / of parameter i's state (empty if it has none yet), and the
  /// optimizer-wide state; implemented by OptimizerBase.
  virtual std::vector<FieldRef> option_fields(std::size_t group) = 0;
  /// The fields of parameter i's state, created first when `create` (empty when it has none).
  virtual std::vector<FieldRef> state_fields(std::size_t param_index, bool create) = 0;
  /// The field names of a parameter's state and their kinds.
  virtual std::vector<std::pair<std::string, FieldKind>> state_layout() const = 0;
  /// Forgets parameter i's state (as before its first update); load_state_dict calls it for
  /// parameters the loaded dict has no state for.
  virtual void clear_state(std::size_t param_index) = 0;
  /// Optimizer-wide state (LBFGS's history, CG's previous direction): saved as "state.global.*".
  virtual std::vector<FieldRef> global_state_fields() { return {}; }
  /// Checks group g's options (ValueError for bad values).
  virtual void validate_group(std::size_t group) const = 0;
  /// The index in all_params() of group g's first parameter.
  std::size_t group_offset(std::size_t group) const { return offsets_[group]; }
  /// The number of parameters over all groups.
  std::size_t num_params() const { return num_params_; }

 private:
  std::string name_;
  std::vector<std::vector<Tensor>> groups_;
  std::vector<std::size_t> offsets_;
  std::size_t num_params_ = 0;
  std::vector<std::map<std::string, double>> attributes_;
};

/// The generic part of a concrete optimizer: typed options per group and typed state per
/// parameter, created lazily on the parameter's first update. The concrete class writes
///
///   void init_state(const Tensor& param, State& state, const Options& options);
///   void update(Tensor& param, const Tensor& grad, State& state, const Options& options);
///
/// and step() runs update() over every parameter that has a gradient, under no-grad.
///
/// Methods that only work with a closure (LBFGS, CG, Newton-CG) write no update(); they override
/// step(closure), and step() without one is a ValueError. A concrete class that declares
/// `static constexpr bool single_param_group = true;` refuses a second parameter group.
template <class Derived, class Options, class State = NoState>
class OptimizerBase : public Optimizer {
 public:
  /// The options struct.
  using OptionsType = Options;
  /// The per-parameter state struct.
  using StateType = State;

  /// One group of `params` with options `defaults` (ValueError for bad values or parameters).
  explicit OptimizerBase(std::vector<Tensor> params, Options defaults = {})
      : Optimizer(detail::class_name(typeid(Derived).name())), defaults_(defaults) {
    add_param_group(std::move(params), defaults_);
  }
  /// A new group with its own options (`{.lr = 1e-4}`: unnamed fields take the struct's defaults).
  void add_param_group(std::vector<Tensor> params, Options options) {
    if constexpr (requires { requires Derived::single_param_group; })
      XG_CHECK(num_param_groups() == 0, ValueError, name(),
               " doesn't support per-parameter options (parameter groups): it optimizes all its parameters as "
               "one vector");
    options.validate();
    const std::size_t first = add_params(std::move(params));
    options_.push_back(options);
    state_.resize(num_params());
    (void)first;
  }
  /// A new group with the optimizer's default options.
  void add_param_group(std::vector<Tensor> params) { add_param_group(std::move(params), defaults_); }

  /// The options of a group (writable: changes apply from the next step).
  Options& options(std::size_t group = 0) { return options_.at(group); }
  /// The options of a group.
  const Options& options(std::size_t group = 0) const { return options_.at(group); }
  /// The options given to the constructor (used by add_param_group without options).
  const Options& defaults() const { return defaults_; }

  using Optimizer::step;
  /// One update of every parameter that has a gradient (ValueError for closure-only methods).
  void step() override {
    if constexpr (!requires(Derived & d, Tensor & p, State & s, const Options& o) { d.update(p, p, s, o); }) {
      throw ValueError(name() +
                       ".step() needs a closure that re-evaluates the model: step([&] { "
                       "opt.zero_grad(); auto loss = ...; loss.backward(); return loss; })");
    } else {
      step_each();
    }
  }

  /// The state of parameter `param_index` (in all_params() order), or nullptr before its first
  /// update.
  State* state(std::size_t param_index) { return state_.at(param_index).get(); }

 protected:
  /// The fields of group g's options.
  std::vector<FieldRef> option_fields(std::size_t group) override { return detail::fields_of(options_.at(group)); }
  /// The fields of parameter i's state (created first when `create`; empty when it has none).
  std::vector<FieldRef> state_fields(std::size_t i, bool create) override {
    auto& st = state_.at(i);
    if (!st) {
      if (!create) return {};
      st = std::make_unique<State>();
    }
    return detail::fields_of(*st);
  }
  /// The names and kinds of the State fields.
  std::vector<std::pair<std::string, FieldKind>> state_layout() const override {
    State probe;
    std::vector<std::pair<std::string, FieldKind>> out;
    for (const auto& f : detail::fields_of(probe))
      out.emplace_back(f.name, std::holds_alternative<Tensor*>(f.ptr)                ? FieldKind::Tensor
                               : std::holds_alternative<std::vector<Tensor>*>(f.ptr) ? FieldKind::List
                                                                                     : FieldKind::Scalar);
    return out;
  }
  /// Forgets parameter i's state.
  void clear_state(std::size_t i) override { state_.at(i).reset(); }
  /// Calls the group's options' validate().
  void validate_group(std::size_t group) const override { options_.at(group).validate(); }

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
  void step_each() {
    NoGradGuard no_grad;
    for (std::size_t g = 0; g < num_param_groups(); ++g) {
      const auto& ps = params(g);
      for (std::size_t k = 0; k < ps.size(); ++k) {
        Tensor p = ps[k];
        if (!p.grad().defined()) continue;
        auto& st = state_[group_offset(g) + k];
        if (!st) {
          st = std::make_unique<State>();
          self().init_state(p, *st, options_[g]);
        }
        self().update(p, p.grad(), *st, options_[g]);
      }
    }
  }

  Options defaults_;
  std::vector<Options> options_;
  std::vector<std::unique_ptr<State>> state_;
};

}  // namespace xg::optim

XGRAD_API_END
