// The optimizer base: parameter groups, hyper-parameters by name, and the flat state dict.
#include "xgrad/optim/optimizer.hpp"

#include <set>
#include <sstream>
#include <unordered_set>

#include "xgrad/ops.hpp"

namespace xg::optim {

Optimizer::~Optimizer() = default;

std::string detail::class_name(const char* mangled) {
  std::string n = autograd::detail::demangle(mangled);
  if (auto lt = n.find('<'); lt != std::string::npos) n = n.substr(0, lt);
  if (auto colon = n.rfind("::"); colon != std::string::npos) n = n.substr(colon + 2);
  return n;
}

Tensor Optimizer::step(const LossClosure& closure) {
  XG_CHECK(static_cast<bool>(closure), ValueError, name(), ".step: the closure is empty");
  Tensor loss;
  {
    EnableGradGuard grad_on;
    loss = closure();
  }
  step();
  return loss;
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard ng;
  for (auto& group : groups_)
    for (auto& p : group) {
      if (!p.grad().defined()) continue;
      if (set_to_none) p.mutable_grad() = Tensor();
      else p.mutable_grad().zero_();
    }
}

std::size_t Optimizer::add_params(std::vector<Tensor> params) {
  XG_CHECK(!params.empty(), ValueError, name(),
           ": got an empty parameter list (does the model have parameters, and "
           "are they all frozen?)");
  std::unordered_set<const TensorImpl*> seen;
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (const auto& p : groups_[g]) seen.insert(p.unsafe_impl());
  std::unordered_set<const TensorImpl*> mine;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const Tensor& p = params[k];
    XG_CHECK(p.defined(), ValueError, name(), ": parameter ", k, " of the new group is an undefined tensor");
    XG_CHECK(p.is_floating_point(), DtypeError, name(), ": parameter ", k, " (shape ", p.sizes(),
             ") must be floating point to be optimized, got ", p.dtype());
    XG_CHECK(p.is_leaf(), ValueError, name(), ": parameter ", k, " (shape ", p.sizes(),
             ") is not a leaf tensor (it was computed by '", p.grad_fn() ? p.grad_fn()->name() : "",
             "'); optimize leaves, e.g. its detach().requires_grad_()");
    XG_CHECK(!seen.count(p.unsafe_impl()), ValueError, name(), ": parameter ", k, " (shape ", p.sizes(),
             ") of the new group already belongs to another parameter group");
    XG_CHECK(mine.insert(p.unsafe_impl()).second, ValueError, name(), ": parameter ", k, " (shape ", p.sizes(),
             ") appears twice in the same group");
  }
  const std::size_t first = num_params_;
  offsets_.push_back(first);
  num_params_ += params.size();
  groups_.push_back(std::move(params));
  attributes_.emplace_back();
  return first;
}

const std::vector<Tensor>& Optimizer::params(std::size_t group) const {
  XG_CHECK(group < groups_.size(), IndexError, name(), ": parameter group ", group, " does not exist (there are ",
           groups_.size(), ")");
  return groups_[group];
}

std::vector<Tensor> Optimizer::all_params() const {
  std::vector<Tensor> out;
  out.reserve(num_params_);
  for (const auto& g : groups_) out.insert(out.end(), g.begin(), g.end());
  return out;
}

namespace {
double read(const FieldRef& f) {
  return std::visit(
      [&](auto* p) -> double {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          return p->defined() ? p->template item<double>() : 0.0;
        } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
          throw ValueError(::xg::detail::concat("'", f.name, "' is a list of tensors, not a number"));
        } else {
          return static_cast<double>(*p);
        }
      },
      f.ptr);
}

std::string names_of(const std::vector<FieldRef>& fields) {
  std::string s;
  for (const auto& f : fields) s += (s.empty() ? "'" : ", '") + f.name + "'";
  return s;
}
}  // namespace

double Optimizer::get_option(std::size_t group, const std::string& opt) const {
  (void)params(group);
  auto fields = const_cast<Optimizer*>(this)->option_fields(group);
  for (const auto& f : fields)
    if (f.name == opt) return read(f);
  throw IndexError(
      ::xg::detail::concat(name(), ": no hyper-parameter named '", opt, "' (it has ", names_of(fields), ")"));
}

void Optimizer::set_option(std::size_t group, const std::string& opt, double value) {
  (void)params(group);
  auto fields = option_fields(group);
  for (auto& f : fields) {
    if (f.name != opt) continue;
    const double old = read(f);
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<T, Tensor>) *p = scalar_tensor(value, kFloat64);
          else if constexpr (std::is_same_v<T, std::vector<Tensor>>)
            throw ValueError(::xg::detail::concat(name(), ": '", opt, "' is a list of tensors, not a number"));
          else if constexpr (std::is_same_v<T, bool>) *p = value != 0.0;
          else *p = static_cast<T>(value);
        },
        f.ptr);
    try {
      validate_group(group);
    } catch (...) {  // a rejected value leaves the option as it was
      std::visit(
          [&](auto* p) {
            using T = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_arithmetic_v<T>) *p = static_cast<T>(old);
          },
          f.ptr);
      throw;
    }
    return;
  }
  throw IndexError(
      ::xg::detail::concat(name(), ": no hyper-parameter named '", opt, "' (it has ", names_of(fields), ")"));
}

bool Optimizer::has_option(const std::string& opt) const {
  if (groups_.empty()) return false;
  for (const auto& f : const_cast<Optimizer*>(this)->option_fields(0))
    if (f.name == opt) return true;
  return false;
}

std::vector<std::string> Optimizer::option_names() const {
  std::vector<std::string> out;
  if (groups_.empty()) return out;
  for (const auto& f : const_cast<Optimizer*>(this)->option_fields(0)) out.push_back(f.name);
  return out;
}

void Optimizer::set_lr(double lr) {
  for (std::size_t g = 0; g < groups_.size(); ++g) set_option(g, "lr", lr);
}

std::optional<double> Optimizer::group_attribute(std::size_t group, const std::string& attr) const {
  (void)params(group);
  const auto& m = attributes_[group];
  if (auto it = m.find(attr); it != m.end()) return it->second;
  return std::nullopt;
}

void Optimizer::set_group_attribute(std::size_t group, const std::string& attr, double value) {
  (void)params(group);
  attributes_[group][attr] = value;
}

// ---- state dict ---------------------------------------------------------------------------------

namespace {
// Note [Optimizer state dict layout]
// Numbers (double / int64 / bool fields) are 0-d float64 / int64 / bool tensors and always
// present. A tensor field is present only when defined; a list field is "<name>.0", "<name>.1", …
// (absent when empty). Loading replaces the state entirely: a tensor or list the dict does not
// hold becomes undefined / empty, and a parameter without "state.<i>.*" keys loses its state.
bool is_scalar_field(const FieldRef& f) {
  return !std::holds_alternative<Tensor*>(f.ptr) && !std::holds_alternative<std::vector<Tensor>*>(f.ptr);
}

void put_fields(StateDict& out, const std::string& prefix, const std::vector<FieldRef>& fields) {
  for (const auto& f : fields) {
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          const std::string key = prefix + f.name;
          if constexpr (std::is_same_v<T, Tensor>) {
            if (p->defined()) out.insert(key, p->detach().clone());
          } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
            for (std::size_t k = 0; k < p->size(); ++k)
              out.insert(key + "." + std::to_string(k), (*p)[k].detach().clone());
          } else if constexpr (std::is_same_v<T, double>) {
            out.insert(key, scalar_tensor(*p, kFloat64));
          } else if constexpr (std::is_same_v<T, bool>) {
            out.insert(key, scalar_tensor(*p, kBool));
          } else {
            out.insert(key, scalar_tensor(*p, kInt64));
          }
        },
        f.ptr);
  }
}

/// The number of consecutive entries "<key>.0", "<key>.1", … in `state`.
std::size_t list_length(const StateDict& state, const std::string& key) {
  std::size_t n = 0;
  while (state.contains(key + "." + std::to_string(n))) ++n;
  return n;
}

/// Assigns field `f` from the entries of `state` under `key` (see the Note above).
void load_field(const StateDict& state, const std::string& key, FieldRef& f) {
  std::visit(
      [&](auto* p) {
        using T = std::remove_pointer_t<decltype(p)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          const Tensor* t = state.find(key);
          *p = t ? t->detach().clone() : Tensor();
        } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
          p->clear();
          for (std::size_t k = 0, n = list_length(state, key); k < n; ++k)
            p->push_back(state[key + "." + std::to_string(k)].detach().clone());
        } else {
          *p = state[key].template item<T>();
        }
      },
      f.ptr);
}

/// The checks of Optimizer::load_state_dict: every key it reads is marked used, every problem is
/// collected, and all of them are reported in one ValueError (a load that fails changes nothing).
class StateDictCheck {
 public:
  explicit StateDictCheck(const StateDict& state) : state_(state) {}

  const Tensor* take(const std::string& key) {
    const Tensor* t = state_.find(key);
    if (t) used_.insert(key);
    return t;
  }
  void take_list(const std::string& key) {
    for (std::size_t k = 0, n = list_length(state_, key); k < n; ++k) used_.insert(key + "." + std::to_string(k));
  }
  void problem(std::string p) { problems_.push_back(std::move(p)); }
  bool ok() const { return problems_.empty(); }

  /// Group `g` was saved with `size` parameters and with every option in `options`.
  void check_group(std::size_t g, std::size_t size, const std::vector<FieldRef>& options) {
    const std::string pre = "param_groups." + std::to_string(g) + ".";
    const Tensor* ids = take(pre + "params");
    if (!ids) problem("missing '" + pre + "params' (the saved optimizer has fewer parameter groups)");
    else if (ids->numel() != static_cast<std::int64_t>(size))
      problem(::xg::detail::concat("group ", g, " has ", size, " parameters but the saved group has ", ids->numel()));
    for (const auto& f : options)
      if (!take(pre + f.name)) problem("missing '" + pre + f.name + "'");
  }
  /// Called after check_group for every group: saved groups or options this optimizer lacks.
  void check_no_other_groups() {
    for (const auto& item : state_)
      if (item.first.rfind("param_groups.", 0) == 0 && !used_.count(item.first))
        problem("unexpected '" + item.first + "' (the saved optimizer has more groups or other options)");
  }
  /// Which of the `num_params` parameters have per-parameter state: those with any "state.<i>." key.
  std::vector<bool> parameters_with_state(std::size_t num_params) {
    std::vector<bool> has_state(num_params, false);
    for (const auto& item : state_) {
      if (item.first.rfind("state.", 0) != 0 || item.first.rfind("state.global.", 0) == 0) continue;
      const auto dot = item.first.find('.', 6);
      std::size_t i = 0;
      bool ok = dot != std::string::npos;
      try {
        if (ok) i = std::stoul(item.first.substr(6, dot - 6));
      } catch (const std::exception&) { ok = false; }
      if (!ok || i >= num_params) problem("unexpected '" + item.first + "' (no such parameter)");
      else has_state[i] = true;
    }
    return has_state;
  }
  /// The saved state of parameter `i` has every field of `layout`, with tensors shaped like `param`.
  void check_param_state(std::size_t i, const Tensor& param,
                         const std::vector<std::pair<std::string, FieldKind>>& layout) {
    const std::string pre = "state." + std::to_string(i) + ".";
    for (const auto& [field, kind] : layout) {
      if (kind == FieldKind::List) {
        take_list(pre + field);
        continue;
      }
      const Tensor* t = take(pre + field);
      if (kind == FieldKind::Tensor) {
        if (!t) continue;  // a tensor field may legitimately be absent (e.g. no momentum buffer yet)
        // State shaped like its parameter (moments, buffers) must match it; other tensors
        // (scalars, histories) have shapes of their own.
        if (t->dim() > 0 && t->dim() == param.dim() && t->sizes() != param.sizes())
          problem(::xg::detail::concat("'", pre + field, "' has shape ", t->sizes(), " but parameter ", i,
                                       " has shape ", param.sizes()));
      } else if (!t) {
        problem("missing '" + pre + field + "'");
      }
    }
  }
  /// The optimizer-wide state: its scalar fields must be present.
  void check_global_state(const std::vector<FieldRef>& fields) {
    for (const auto& f : fields) {
      const std::string key = "state.global." + f.name;
      if (std::holds_alternative<std::vector<Tensor>*>(f.ptr)) take_list(key);
      else if (!take(key) && is_scalar_field(f)) problem("missing '" + key + "'");
    }
  }
  /// Called after the state checks: saved state this optimizer has no field for.
  void check_no_other_state() {
    for (const auto& item : state_)
      if (!used_.count(item.first) && item.first.rfind("state.", 0) == 0) problem("unexpected '" + item.first + "'");
  }
  void throw_if_problems(const std::string& optimizer) const {
    if (problems_.empty()) return;
    std::ostringstream msg;
    msg << optimizer << ": load_state_dict found " << problems_.size() << " problem"
        << (problems_.size() > 1 ? "s" : "") << ":";
    for (const auto& p : problems_) msg << "\n  " << p;
    throw ValueError(msg.str());
  }

 private:
  const StateDict& state_;
  std::set<std::string> used_;
  std::vector<std::string> problems_;
};
}  // namespace

StateDict Optimizer::state_dict() const {
  auto& self = const_cast<Optimizer&>(*this);
  StateDict out;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string pre = "param_groups." + std::to_string(g) + ".";
    put_fields(out, pre, self.option_fields(g));
    out.insert(pre + "params", arange(static_cast<std::int64_t>(offsets_[g]),
                                      static_cast<std::int64_t>(offsets_[g] + groups_[g].size())));
  }
  for (std::size_t i = 0; i < num_params_; ++i)
    put_fields(out, "state." + std::to_string(i) + ".", self.state_fields(i, false));
  put_fields(out, "state.global.", self.global_state_fields());
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  // Check everything first, then assign, so that a failed load leaves the optimizer untouched.
  StateDictCheck check(state);
  for (std::size_t g = 0; g < groups_.size(); ++g) check.check_group(g, groups_[g].size(), option_fields(g));
  check.check_no_other_groups();
  const std::vector<bool> has_state = check.parameters_with_state(num_params_);
  if (check.ok()) {
    const auto all = all_params();
    const auto layout = state_layout();
    for (std::size_t i = 0; i < num_params_; ++i)
      if (has_state[i]) check.check_param_state(i, all[i], layout);
    check.check_global_state(global_state_fields());
    check.check_no_other_state();
  }
  check.throw_if_problems(name());

  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string pre = "param_groups." + std::to_string(g) + ".";
    for (auto& f : option_fields(g)) load_field(state, pre + f.name, f);
  }
  for (std::size_t i = 0; i < num_params_; ++i) {
    if (!has_state[i]) {
      clear_state(i);
      continue;
    }
    const std::string pre = "state." + std::to_string(i) + ".";
    for (auto& f : state_fields(i, true)) load_field(state, pre + f.name, f);
  }
  for (auto& f : global_state_fields()) load_field(state, "state.global." + f.name, f);
}

}  // namespace xg::optim
