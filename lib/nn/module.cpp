// The module registry and everything derived from it (names, modes, dtype moves, state dicts,
// deep copies, hooks, printing).
#include "xgrad/nn/module.hpp"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <ostream>
#include <sstream>
#include <unordered_set>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {
std::atomic<HookHandle> g_next_hook{1};

/// Identity whose output is a new tensor: a hook on it sees exactly this module's share of the
/// gradient, even when the module's input is used elsewhere too (see Module::operator()).
struct HookIdentity : autograd::Function<HookIdentity> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& x) { return x.detach(); }
  static TensorList backward(autograd::AutogradContext*, TensorList g) { return {g[0]}; }
};

/// An owning pointer when the module is held by a shared_ptr, else a non-owning alias (modules
/// may live on the stack or as plain members).
ModulePtr self_ptr(const Module& m) {
  auto& mm = const_cast<Module&>(m);
  if (auto sp = mm.weak_from_this().lock()) return sp;
  return ModulePtr(ModulePtr(), &mm);
}

std::string type_name(const Module& m) {
  std::string n = autograd::detail::demangle(typeid(m).name());
  if (auto lt = n.find('<'); lt != std::string::npos) n = n.substr(0, lt);
  if (auto colon = n.rfind("::"); colon != std::string::npos) n = n.substr(colon + 2);
  if (n.size() > 4 && n.compare(n.size() - 4, 4, "Impl") == 0) n.resize(n.size() - 4);
  return n;
}
}  // namespace

struct Module::Hooks {
  std::vector<std::pair<HookHandle, ForwardPreHook>> pre;
  std::vector<std::pair<HookHandle, ForwardHook>> post;
  std::vector<std::pair<HookHandle, BackwardHook>> backward;
  bool empty() const { return pre.empty() && post.empty() && backward.empty(); }
};

Module::Module() = default;
Module::Module(std::string name) : name_(std::move(name)) {}
Module::~Module() = default;
// A copy keeps the name and mode only: Cloneable::clone rebuilds the registrations with reset(),
// and hooks (which usually capture the original) are not copied.
Module::Module(const Module& other)
    : std::enable_shared_from_this<Module>(), name_(other.name_), training_(other.training_) {}

const std::string& Module::name() const {
  if (name_.empty()) name_ = type_name(*this);
  return name_;
}

// ---- forward --------------------------------------------------------------------------------

Tensor Module::forward(const Tensor&) {
  throw ValueError(detail::concat(name(),
                                  ": this module has no single-tensor forward(); call its own forward(...) "
                                  "with the arguments it takes"));
}

// Note [Module backward hooks]
// When backward hooks are registered, the input and the output go through HookIdentity: the hook
// on the output's identity records grad_output; the hook on the input's identity then has
// grad_input and calls the user hooks with both. If the input does not require grad, the hooks
// run from the output side with an undefined grad_input.
Tensor Module::operator()(const Tensor& input) {
  if (!hooks_ || hooks_->empty()) return forward(input);
  const auto hooks = hooks_;  // a hook may remove itself
  Tensor x = input;
  for (const auto& [h, fn] : hooks->pre) {
    Tensor r = fn(*this, x);
    if (r.defined()) x = std::move(r);
  }
  const bool hook_backward = !hooks->backward.empty() && GradMode::is_enabled();
  auto grad_output = std::make_shared<Tensor>();
  const bool input_side = hook_backward && x.defined() && x.requires_grad();
  if (input_side) {
    x = HookIdentity::apply(x);
    x.register_hook([this, hooks, grad_output](const Tensor& g) {
      for (const auto& [h, fn] : hooks->backward) fn(*this, g, *grad_output);
      return Tensor();
    });
  }
  Tensor out = forward(x);
  for (const auto& [h, fn] : hooks->post) {
    Tensor r = fn(*this, x, out);
    if (r.defined()) out = std::move(r);
  }
  if (hook_backward && out.defined() && out.requires_grad()) {
    out = HookIdentity::apply(out);
    out.register_hook([this, hooks, grad_output, input_side](const Tensor& g) {
      *grad_output = g;
      if (!input_side)
        for (const auto& [h, fn] : hooks->backward) fn(*this, Tensor(), g);
      return Tensor();
    });
  }
  return out;
}

HookHandle Module::register_forward_pre_hook(ForwardPreHook hook) {
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  const HookHandle h = g_next_hook++;
  hooks_->pre.emplace_back(h, std::move(hook));
  return h;
}
HookHandle Module::register_forward_hook(ForwardHook hook) {
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  const HookHandle h = g_next_hook++;
  hooks_->post.emplace_back(h, std::move(hook));
  return h;
}
HookHandle Module::register_full_backward_hook(BackwardHook hook) {
  if (!hooks_) hooks_ = std::make_shared<Hooks>();
  const HookHandle h = g_next_hook++;
  hooks_->backward.emplace_back(h, std::move(hook));
  return h;
}
bool Module::remove_hook(HookHandle handle) {
  if (!hooks_) return false;
  // Copy-on-write: a backward pass in flight keeps the hook list it started with.
  auto next = std::make_shared<Hooks>(*hooks_);
  auto drop = [handle](auto& v) {
    const auto n = v.size();
    v.erase(std::remove_if(v.begin(), v.end(), [handle](const auto& p) { return p.first == handle; }), v.end());
    return v.size() != n;
  };
  const bool found = drop(next->pre) | drop(next->post) | drop(next->backward);
  hooks_ = std::move(next);
  return found;
}

// ---- registration ---------------------------------------------------------------------------

void Module::check_new_name(const std::string& n, const char* what) const {
  XG_CHECK(!n.empty(), ValueError, name(), ": ", what, " name must not be empty");
  XG_CHECK(n.find('.') == std::string::npos, ValueError, name(), ": ", what, " name '", n,
           "' must not contain '.' (dots separate submodule names)");
  XG_CHECK(!parameters_.contains(n) && !buffers_.contains(n) && !children_.contains(n), ValueError, name(), ": a ",
           parameters_.contains(n) ? "parameter"
           : buffers_.contains(n)  ? "buffer"
                                   : "submodule",
           " named '", n, "' is already registered");
}

Tensor Module::register_parameter(std::string n, Tensor tensor, bool requires_grad) {
  check_new_name(n, "parameter");
  XG_CHECK(tensor.defined(), ValueError, name(), ": parameter '", n, "' is an undefined tensor");
  XG_CHECK(tensor.is_floating_point(), DtypeError, name(), ": parameter '", n,
           "' must be floating point to be trained, got ", tensor.dtype());
  Tensor p = tensor.is_leaf() ? tensor : tensor.detach();
  p.requires_grad_(requires_grad);
  parameters_.insert(std::move(n), p);
  return p;
}

Tensor Module::register_buffer(std::string n, Tensor tensor, bool persistent) {
  check_new_name(n, "buffer");
  XG_CHECK(tensor.defined(), ValueError, name(), ": buffer '", n, "' is an undefined tensor");
  Tensor b = tensor.requires_grad() ? tensor.detach() : tensor;
  if (!persistent) non_persistent_.push_back(n);
  buffers_.insert(std::move(n), b);
  return b;
}

void Module::add_child(std::string n, ModulePtr module) {
  check_new_name(n, "submodule");
  XG_CHECK(module != nullptr, ValueError, name(), ": submodule '", n, "' is an empty module handle");
  XG_CHECK(module.get() != this, ValueError, name(), ": a module cannot be its own submodule ('", n, "')");
  children_.insert(std::move(n), std::move(module));
}

void Module::set_child(const std::string& n, ModulePtr module) {
  XG_CHECK(children_.contains(n), IndexError, name(), ": replace_module: no submodule named '", n, "'");
  XG_CHECK(module != nullptr, ValueError, name(), ": replace_module: '", n, "' would be an empty module handle");
  children_[n] = std::move(module);
}

void Module::set_tensor(const std::string& n, const Tensor& value) {
  Tensor* t = parameters_.find(n);
  if (!t) t = buffers_.find(n);
  XG_CHECK(t != nullptr, IndexError, name(), ": set_tensor: no parameter or buffer named '", n, "'");
  t->set_data(value.detach());
}

void Module::clear_registrations() {
  parameters_.clear();
  buffers_.clear();
  non_persistent_.clear();
  children_.clear();
}

// ---- what is registered ---------------------------------------------------------------------

// Walks parameters/buffers of this module and its descendants with dotted names; each module is
// visited once even if it is registered twice (shared layers).
template <class F>
void Module::visit_named(const std::string& prefix, F&& f) const {
  std::unordered_set<const Module*> seen;
  auto rec = [&](auto&& self, const Module& m, const std::string& pre) -> void {
    if (!seen.insert(&m).second) return;
    f(m, pre);
    for (const auto& item : m.children_) self(self, *item.second, pre + item.first + ".");
  };
  rec(rec, *this, prefix);
}

OrderedDict<std::string, Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<std::string, Tensor> out;
  std::unordered_set<const TensorImpl*> seen;
  auto add = [&](const Module& m, const std::string& pre) {
    for (const auto& item : m.parameters_)
      if (seen.insert(item.second.unsafe_impl()).second) out.insert(pre + item.first, item.second);
  };
  if (recurse) visit_named("", add);
  else add(*this, "");
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }

OrderedDict<std::string, Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<std::string, Tensor> out;
  std::unordered_set<const TensorImpl*> seen;
  auto add = [&](const Module& m, const std::string& pre) {
    for (const auto& item : m.buffers_)
      if (seen.insert(item.second.unsafe_impl()).second) out.insert(pre + item.first, item.second);
  };
  if (recurse) visit_named("", add);
  else add(*this, "");
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

std::vector<ModulePtr> Module::children() const { return children_.values(); }
OrderedDict<std::string, ModulePtr> Module::named_children() const { return children_; }

OrderedDict<std::string, ModulePtr> Module::named_modules(const std::string& prefix, bool include_self) {
  OrderedDict<std::string, ModulePtr> out;
  std::unordered_set<const Module*> seen;
  auto rec = [&](auto&& self, const ModulePtr& m, const std::string& n) -> void {
    if (!seen.insert(m.get()).second) return;
    out.insert(n, m);
    for (const auto& item : m->children_) self(self, item.second, n.empty() ? item.first : n + "." + item.first);
  };
  if (include_self) {
    rec(rec, self_ptr(*this), prefix);
  } else {
    seen.insert(this);
    for (const auto& item : children_) rec(rec, item.second, prefix.empty() ? item.first : prefix + "." + item.first);
  }
  return out;
}

std::vector<ModulePtr> Module::modules(bool include_self) { return named_modules("", include_self).values(); }

std::int64_t Module::num_parameters(bool trainable_only) const {
  std::int64_t n = 0;
  for (const auto& p : parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

// ---- modes and bulk operations ----------------------------------------------------------------

void Module::train(bool on) {
  training_ = on;
  for (const auto& item : children_) item.second->train(on);
}

void Module::to(Dtype dtype) {
  XG_CHECK(is_floating_point(dtype), DtypeError, name(),
           ": to: modules can only be converted to a floating-point "
           "dtype, got ",
           dtype);
  NoGradGuard ng;
  auto convert = [dtype](Tensor& t) {
    if (!t.is_floating_point() || t.dtype() == dtype) return;
    Tensor g = t.grad().defined() ? t.grad().to(dtype) : Tensor();
    t.set_data(t.to(dtype));
    if (g.defined()) t.set_grad(g);
  };
  visit_named("", [&](const Module& m, const std::string&) {
    auto& mm = const_cast<Module&>(m);
    for (auto& item : mm.parameters_) convert(item.second);
    for (auto& item : mm.buffers_) convert(item.second);
  });
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard ng;
  for (auto& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) p.mutable_grad() = Tensor();
    else p.mutable_grad().zero_();
  }
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (const auto& item : children_) item.second->apply(fn);
  fn(*this);
}

void Module::freeze() {
  for (auto& p : parameters()) p.requires_grad_(false);
}
void Module::unfreeze() {
  for (auto& p : parameters()) p.requires_grad_(true);
}

// ---- state ------------------------------------------------------------------------------------

StateDict Module::state_dict() const {
  StateDict out;
  visit_named("", [&](const Module& m, const std::string& pre) {
    for (const auto& item : m.parameters_) out.insert_or_assign(pre + item.first, item.second.detach());
    for (const auto& item : m.buffers_) {
      if (std::find(m.non_persistent_.begin(), m.non_persistent_.end(), item.first) != m.non_persistent_.end())
        continue;
      out.insert_or_assign(pre + item.first, item.second.detach());
    }
  });
  return out;
}

LoadStateDictResult Module::load_state_dict(const StateDict& state, bool strict) {
  return load_state_dict(state, LoadStateDictOptions{.strict = strict});
}

LoadStateDictResult Module::load_state_dict(const StateDict& state, const LoadStateDictOptions& options) {
  const bool strict = options.strict;
  std::vector<std::string> casts;
  StateDict own = state_dict();
  LoadStateDictResult result;
  std::vector<std::string> problems;
  for (const auto& item : own) {
    const Tensor* src = state.find(item.first);
    if (!src) {
      result.missing_keys.push_back(item.first);
      continue;
    }
    XG_CHECK(src->defined(), ValueError, name(), ": load_state_dict: '", item.first, "' is an undefined tensor");
    if (src->sizes() != item.second.sizes())
      problems.push_back(detail::concat("size mismatch for '", item.first, "': the module has shape ",
                                        item.second.sizes(), ", the state dict has ", src->sizes()));
    else if (src->dtype() != item.second.dtype()) {
      if (options.on_dtype_mismatch == DtypeMismatch::Error)
        problems.push_back(detail::concat("dtype mismatch for '", item.first, "': the module has ", item.second.dtype(),
                                          ", the state dict has ", src->dtype()));
      else if (options.on_dtype_mismatch == DtypeMismatch::Warn)
        casts.push_back(detail::concat("'", item.first, "' from ", src->dtype(), " to ", item.second.dtype()));
    }
  }
  for (const auto& item : state)
    if (!own.contains(item.first)) result.unexpected_keys.push_back(item.first);
  if (strict) {
    if (!result.missing_keys.empty()) {
      std::string keys;
      for (const auto& k : result.missing_keys) keys += (keys.empty() ? "'" : ", '") + k + "'";
      problems.push_back("missing keys: " + keys);
    }
    if (!result.unexpected_keys.empty()) {
      std::string keys;
      for (const auto& k : result.unexpected_keys) keys += (keys.empty() ? "'" : ", '") + k + "'";
      problems.push_back("unexpected keys: " + keys);
    }
  }
  if (!problems.empty()) {
    std::ostringstream msg;
    msg << name() << ": load_state_dict found " << problems.size() << " problem" << (problems.size() > 1 ? "s" : "")
        << ":";
    for (const auto& p : problems) msg << "\n  " << p;
    throw ValueError(msg.str());
  }
  for (const auto& c : casts) std::cerr << "xgrad warning: " << name() << ": load_state_dict: casting " << c << "\n";
  NoGradGuard ng;
  for (auto& item : own)
    if (const Tensor* src = state.find(item.first)) item.second.copy_(*src);
  return result;
}

ModulePtr Module::clone() const {
  throw ValueError(detail::concat(
      name(), ": clone: this module type does not support deep copies; derive it from xg::nn::Cloneable<", name(),
      "Impl> (or the class itself) and create its parameters and submodules in reset()"));
}

void Module::copy_state_from(const Module& other) {
  const auto mine = named_parameters(), theirs = other.named_parameters();
  const auto my_buffers = named_buffers(), their_buffers = other.named_buffers();
  XG_CHECK(mine.size() == theirs.size() && my_buffers.size() == their_buffers.size(), ValueError, name(),
           ": clone: reset() created ", mine.size(), " parameters and ", my_buffers.size(),
           " buffers but the original has ", theirs.size(), " and ", their_buffers.size(),
           "; reset() must recreate the module's whole structure");
  NoGradGuard ng;
  auto copy_all = [&](const OrderedDict<std::string, Tensor>& dst, const OrderedDict<std::string, Tensor>& src) {
    for (const auto& item : dst) {
      const Tensor* s = src.find(item.first);
      XG_CHECK(s != nullptr, ValueError, name(), ": clone: the copy has '", item.first, "' which the original lacks");
      Tensor t = item.second;
      t.set_data(s->detach().clone());
      if (s->is_floating_point()) t.requires_grad_(s->requires_grad());
    }
  };
  copy_all(mine, theirs);
  copy_all(my_buffers, their_buffers);
  // Modes: the same relative names in both trees.
  auto& self = const_cast<Module&>(*this);
  auto& orig = const_cast<Module&>(other);
  OrderedDict<std::string, ModulePtr> their_modules;
  orig.visit_named("",
                   [&](const Module& m, const std::string& pre) { their_modules.insert_or_assign(pre, self_ptr(m)); });
  self.visit_named("", [&](const Module& m, const std::string& pre) {
    if (const ModulePtr* o = their_modules.find(pre)) const_cast<Module&>(m).training_ = (*o)->training_;
  });
}

// ---- printing ---------------------------------------------------------------------------------

void Module::pretty_print(std::ostream& os) const { os << name() << "()"; }

namespace {
// PyTorch's layout: a leaf prints on one line; a module with children prints its own arguments
// (if any) and then one "(name): child" line per child, indented.
void print_tree(std::ostream& os, const Module& m, int indent) {
  const auto children = m.named_children();
  if (children.is_empty()) {
    m.pretty_print(os);
    return;
  }
  std::ostringstream head;
  m.pretty_print(head);
  const std::string h = head.str();
  const auto open = h.find('('), close = h.rfind(')');
  const bool has_args = open != std::string::npos && close != std::string::npos && close > open + 1;
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  os << (open == std::string::npos ? h : h.substr(0, open)) << "(\n";
  if (has_args) os << pad << h.substr(open + 1, close - open - 1) << "\n";
  for (const auto& item : children) {
    os << pad << "(" << item.first << "): ";
    print_tree(os, *item.second, indent + 2);
    os << "\n";
  }
  os << std::string(static_cast<std::size_t>(indent), ' ') << ")";
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Module& module) {
  print_tree(os, module, 0);
  return os;
}

}  // namespace xg::nn
