// Sequential, ModuleList and ModuleDict: ordered registries of children, kept in step with the
// Module registry (the children's names there are what parameter names are built from).
#include "xgrad/nn/container.hpp"

#include <algorithm>
#include <unordered_map>

#include "xgrad/autograd.hpp"

namespace xg::nn {

namespace container_detail {
void throw_bad_module_cast(const std::string& container, const std::string& where, const Module& found,
                           const std::type_info& wanted) {
  std::string w = autograd::detail::demangle(wanted.name());
  if (auto colon = w.rfind("::"); colon != std::string::npos) w = w.substr(colon + 2);
  throw ValueError(xg::detail::concat(container, ": the module at ", where, " is a ", found.name(), ", not a ", w));
}
}  // namespace container_detail

namespace {
/// Python indexing: i in [-n, n) → i mod n; anything else is an IndexError naming the container.
std::size_t wrap_index(std::int64_t index, std::size_t size, const std::string& who) {
  const auto n = static_cast<std::int64_t>(size);
  XG_CHECK(index >= -n && index < n, IndexError, who, ": index ", index, " is out of range for ", n,
           n == 1 ? " module" : " modules", n == 0 ? "" : xg::detail::concat(" (valid: ", -n, " to ", n - 1, ")"));
  return static_cast<std::size_t>(index < 0 ? index + n : index);
}

/// Python slice bounds: negative from the end, then clamped to [0, n].
std::pair<std::size_t, std::size_t> slice_bounds(std::int64_t start, std::int64_t end, std::size_t size) {
  const auto n = static_cast<std::int64_t>(size);
  auto fix = [n](std::int64_t i) { return std::clamp(i < 0 ? i + n : i, std::int64_t{0}, n); };
  const std::int64_t s = fix(start), e = std::max(fix(end), s);
  return {static_cast<std::size_t>(s), static_cast<std::size_t>(e)};
}

/// Clones `m` once per distinct module, so modules shared inside a container stay shared in the copy.
ModulePtr clone_once(const ModulePtr& m, std::unordered_map<const Module*, ModulePtr>& done) {
  auto it = done.find(m.get());
  if (it != done.end()) return it->second;
  ModulePtr c = m->clone();
  done.emplace(m.get(), c);
  return c;
}
}  // namespace

// ---- Sequential -----------------------------------------------------------------------------------

SequentialImpl::SequentialImpl(std::initializer_list<ModuleRef> modules) {
  for (const auto& m : modules) push_back(m);
}
SequentialImpl::SequentialImpl(std::initializer_list<NamedModule> modules) {
  for (const auto& m : modules) push_back(m.name, m.module);
}

void SequentialImpl::push_back(ModuleRef module) { push_back(std::to_string(modules_.size()), std::move(module)); }

void SequentialImpl::push_back(std::string n, ModuleRef module) {
  register_module(n, module.ptr());  // validates the name and the handle
  names_.push_back(std::move(n));
  modules_.push_back(module.ptr());
}

void SequentialImpl::extend(const SequentialImpl& other) {
  XG_CHECK(&other != this, ValueError, "Sequential: extend: a Sequential cannot extend itself");
  for (std::size_t i = 0; i < other.size(); ++i) push_back(other.names_[i], other.modules_[i]);
}

// Note [replace_module in a Sequential]
// Module::replace_module swaps the entry of the registry (what parameters(), state_dict() and
// named_children() see); Sequential also keeps its children in a list of its own, in registry
// order, for indexing and forward. Both re-read the registry so that a replaced child (e.g. by
// convert_sync_batchnorm) is the one that runs. The list is only a cache of the registry, so
// updating it from a const accessor does not change the module's observable state.
namespace {
void follow_registry(const Module& m, const std::vector<ModulePtr>& cached) {
  auto& list = const_cast<std::vector<ModulePtr>&>(cached);
  const auto current = m.children();
  for (std::size_t i = 0; i < list.size() && i < current.size(); ++i)
    if (list[i] != current[i]) list[i] = current[i];
}
}  // namespace

const ModulePtr& SequentialImpl::ptr(std::int64_t index) const {
  follow_registry(*this, modules_);
  return modules_[wrap_index(index, modules_.size(), name())];
}

Sequential SequentialImpl::slice(std::int64_t start, std::int64_t end) const {
  const auto [s, e] = slice_bounds(start, end, modules_.size());
  Sequential out;
  out->train(is_training());  // before adding children: train() recurses, and they are shared
  for (std::size_t i = s; i < e; ++i) out->push_back(names_[i], modules_[i]);
  return out;
}

Tensor SequentialImpl::forward(const Tensor& input) {
  follow_registry(*this, modules_);
  Tensor x = input;
  for (const auto& m : modules_) x = (*m)(x);
  return x;
}

ModulePtr SequentialImpl::clone() const {
  auto copy = std::make_shared<SequentialImpl>();
  copy->train(is_training());  // before adding children, which keep the modes their clone() copied
  std::unordered_map<const Module*, ModulePtr> done;
  for (std::size_t i = 0; i < modules_.size(); ++i) copy->push_back(names_[i], clone_once(modules_[i], done));
  return copy;
}

// ---- ModuleList -----------------------------------------------------------------------------------

ModuleListImpl::ModuleListImpl(std::initializer_list<ModuleRef> modules) {
  for (const auto& m : modules) push_back(m);
}

void ModuleListImpl::push_back(ModuleRef module) {
  register_module(std::to_string(modules_.size()), module.ptr());
  modules_.push_back(module.ptr());
}

void ModuleListImpl::extend(const ModuleListImpl& other) {
  XG_CHECK(&other != this, ValueError, "ModuleList: extend: a ModuleList cannot extend itself");
  for (const auto& m : other.modules_) push_back(m);
}

void ModuleListImpl::insert(std::int64_t index, ModuleRef module) {
  const auto n = static_cast<std::int64_t>(modules_.size());
  XG_CHECK(index >= -n && index <= n, IndexError, name(), ": insert: index ", index, " is out of range for ", n,
           " modules (valid: ", -n, " to ", n, ")");
  XG_CHECK(module.ptr() != nullptr, ValueError, name(), ": insert: the module handle is empty");
  const auto pos = static_cast<std::size_t>(index < 0 ? index + n : index);
  modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(pos), module.ptr());
  reregister();
}

void ModuleListImpl::reregister() {
  clear_registrations();
  for (std::size_t i = 0; i < modules_.size(); ++i) register_module(std::to_string(i), modules_[i]);
}

const ModulePtr& ModuleListImpl::ptr(std::int64_t index) const {
  return modules_[wrap_index(index, modules_.size(), name())];
}

ModuleList ModuleListImpl::slice(std::int64_t start, std::int64_t end) const {
  const auto [s, e] = slice_bounds(start, end, modules_.size());
  ModuleList out;
  out->train(is_training());  // before adding children: train() recurses, and they are shared
  for (std::size_t i = s; i < e; ++i) out->push_back(modules_[i]);
  return out;
}

ModulePtr ModuleListImpl::clone() const {
  auto copy = std::make_shared<ModuleListImpl>();
  copy->train(is_training());  // before adding children, which keep the modes their clone() copied
  std::unordered_map<const Module*, ModulePtr> done;
  for (const auto& m : modules_) copy->push_back(clone_once(m, done));
  return copy;
}

// ---- ModuleDict -----------------------------------------------------------------------------------

ModuleDictImpl::ModuleDictImpl(std::initializer_list<NamedModule> modules) { update(modules); }

void ModuleDictImpl::insert(const std::string& key, ModuleRef module) {
  if (modules_.contains(key)) {
    replace_module(key, module.ptr());  // validates the handle
    modules_[key] = module.ptr();
    return;
  }
  register_module(key, module.ptr());  // validates the key and the handle
  modules_.insert(key, module.ptr());
}

void ModuleDictImpl::update(std::initializer_list<NamedModule> modules) {
  for (const auto& m : modules) insert(m.name, m.module);
}

ModulePtr ModuleDictImpl::pop(const std::string& key) {
  ModulePtr m = ptr(key);
  modules_.erase(key);
  reregister();
  return m;
}

void ModuleDictImpl::clear() {
  modules_.clear();
  reregister();
}

void ModuleDictImpl::reregister() {
  clear_registrations();
  for (const auto& item : modules_) register_module(item.first, item.second);
}

const ModulePtr& ModuleDictImpl::ptr(const std::string& key) const {
  const ModulePtr* m = modules_.find(key);
  if (!m) {
    std::string known;
    for (const auto& item : modules_) known += (known.empty() ? "'" : ", '") + item.first + "'";
    throw IndexError(
        xg::detail::concat(name(), ": no module under key '", key, "' (keys: ", known.empty() ? "none" : known, ")"));
  }
  return *m;
}

ModulePtr ModuleDictImpl::clone() const {
  auto copy = std::make_shared<ModuleDictImpl>();
  copy->train(is_training());  // before adding children, which keep the modes their clone() copied
  std::unordered_map<const Module*, ModulePtr> done;
  for (const auto& item : modules_) copy->insert(item.first, clone_once(item.second, done));
  return copy;
}

}  // namespace xg::nn
