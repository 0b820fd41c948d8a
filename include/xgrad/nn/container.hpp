// xgrad — containers of modules, as torch.nn: Sequential (a chain of layers whose forward feeds
// each output to the next), ModuleList (an indexed list), ModuleDict (modules by key). Children
// are named "0", "1", … (or by key), so parameter names match PyTorch's: "0.weight", "2.bias".
//
//   xg::nn::Sequential mlp({xg::nn::Linear(784, 256), xg::nn::Functional(xg::relu), xg::nn::Linear(256, 10)});
//   auto logits = mlp(x);
//   auto features = mlp->slice(0, -1);   // shares the first two layers with mlp
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "xgrad/nn/functional_layer.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

namespace container_detail {
/// Throws the ValueError of a failed at<T>/ptr<T> cast (kept out of the templates).
[[noreturn]] void throw_bad_module_cast(const std::string& container, const std::string& where, const Module& found,
                                        const std::type_info& wanted);
}  // namespace container_detail

class Sequential;
class ModuleList;

/// A chain of modules: forward(x) = m_n(…m_1(m_0(x))), each called through its operator() (so hooks
/// run). Build it from a list, variadically, or with push_back; index it like a Python list
/// (negative indices count from the end; out of range is an IndexError).
///
///   xg::nn::Sequential seq({xg::nn::Linear(4, 8), xg::nn::Functional("relu"), xg::nn::Linear(8, 2)});
///   seq->push_back(xg::nn::Functional("softmax"));
///   seq[0];                                   // ModulePtr to the first Linear
///   seq->at<xg::nn::LinearImpl>(2).weight;    // typed access
///   for (const auto& layer : *seq) std::cout << layer->name() << "\n";
class SequentialImpl : public Cloneable<SequentialImpl> {
 public:
  SequentialImpl() = default;
  /// The modules to run in order, named "0", "1", …: `{nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 1)}`.
  SequentialImpl(std::initializer_list<ModuleRef> modules);
  /// Children with names of one's own: `{{"encoder", enc}, {"head", head}}`.
  SequentialImpl(std::initializer_list<NamedModule> modules);
  /// The modules to run in order, named "0", "1", …
  template <class... Ms>
  requires(sizeof...(Ms) >= 1 &&
           (std::is_constructible_v<ModuleRef, const Ms&> && ...)) explicit SequentialImpl(const Ms&... modules) {
    (push_back(ModuleRef(modules)), ...);
  }

  /// Appends a module named by its position ("0", "1", …).
  void push_back(ModuleRef module);
  /// Appends a module under `name`.
  void push_back(std::string name, ModuleRef module);
  /// Appends every module of `other` (the same modules, shared, under their names).
  void extend(const SequentialImpl& other);

  /// The number of modules.
  std::size_t size() const { return modules_.size(); }
  /// True when there is no module.
  bool is_empty() const { return modules_.empty(); }
  /// The module at `index` (negative counts from the end); IndexError when out of range.
  const ModulePtr& ptr(std::int64_t index) const;
  /// The module at `index` (negative counts from the end); IndexError when out of range.
  ModulePtr operator[](std::int64_t index) const { return ptr(index); }
  /// The module at `index` as its implementation type; ValueError if it is another type.
  template <class T>
  std::shared_ptr<T> ptr(std::int64_t index) const {
    const ModulePtr& m = ptr(index);
    auto typed = std::dynamic_pointer_cast<T>(m);
    if (!typed) container_detail::throw_bad_module_cast(name(), "index " + std::to_string(index), *m, typeid(T));
    return typed;
  }
  /// ptr<T>(index), dereferenced.
  template <class T>
  T& at(std::int64_t index) const {
    return *ptr<T>(index);
  }
  /// The children's names, in order.
  const std::vector<std::string>& names() const { return names_; }
  /// Iterates over the modules in order.
  ///@{
  std::vector<ModulePtr>::const_iterator begin() const { return modules_.begin(); }
  std::vector<ModulePtr>::const_iterator end() const { return modules_.end(); }
  ///@}

  /// A new Sequential holding modules [start, end) of this one — the same module objects, not
  /// copies, under the same names, as PyTorch's `seq[start:end]`. Python slice rules: negative
  /// bounds count from the end, bounds are clamped, start >= end gives an empty Sequential.
  /// Training the slice trains these layers (the transfer-learning move: a feature extractor
  /// `seq->slice(0, -1)` and a new head).
  Sequential slice(std::int64_t start, std::int64_t end) const;

  /// Feeds the input through every module in order; an empty Sequential returns its input.
  Tensor forward(const Tensor& input) override;
  /// Sequential has nothing to reset: its children are reset by their own reset().
  void reset() override {}
  /// A deep copy: every child cloned (a module that appears twice is cloned once and shared).
  ModulePtr clone() const override;

 private:
  std::vector<std::string> names_;
  std::vector<ModulePtr> modules_;
};

/// The handle of SequentialImpl; also takes braced lists: `Sequential({Linear(2, 3), Functional(xg::relu)})`.
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  Sequential() : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>()) {}
  /// Makes a SequentialImpl from these arguments.
  Sequential(std::initializer_list<ModuleRef> modules)
      : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>(modules)) {}
  /// Makes a SequentialImpl from these arguments.
  Sequential(std::initializer_list<NamedModule> modules)
      : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>(modules)) {}
  /// `seq[i]`: the module at index i, as in PyTorch.
  ModulePtr operator[](std::int64_t index) const { return (*this)->ptr(index); }
};

/// An indexed list of modules that are registered (so their parameters are found, moved, saved)
/// but not called in any fixed order: the model's forward decides. Children are named "0", "1", ….
///
///   xg::nn::ModuleList blocks;
///   for (int i = 0; i < 4; ++i) blocks->push_back(xg::nn::Linear(64, 64));
///   for (const auto& b : *blocks) x = (*b)(x);
class ModuleListImpl : public Cloneable<ModuleListImpl> {
 public:
  ModuleListImpl() = default;
  /// The modules, named "0", "1", …
  ModuleListImpl(std::initializer_list<ModuleRef> modules);
  /// The modules, named "0", "1", …
  template <class... Ms>
  requires(sizeof...(Ms) >= 1 &&
           (std::is_constructible_v<ModuleRef, const Ms&> && ...)) explicit ModuleListImpl(const Ms&... modules) {
    (push_back(ModuleRef(modules)), ...);
  }

  /// Appends a module named by its position.
  void push_back(ModuleRef module);
  /// Appends every module of `other` (shared, not copied).
  void extend(const ModuleListImpl& other);
  /// Inserts before `index` (0…size(); negative counts from the end); later modules are renamed
  /// so that names stay "0", "1", … in order, as in PyTorch.
  void insert(std::int64_t index, ModuleRef module);

  /// The number of modules.
  std::size_t size() const { return modules_.size(); }
  /// True when there is no module.
  bool is_empty() const { return modules_.empty(); }
  /// The module at `index` (negative counts from the end); IndexError when out of range.
  const ModulePtr& ptr(std::int64_t index) const;
  /// The module at `index` (negative counts from the end); IndexError when out of range.
  ModulePtr operator[](std::int64_t index) const { return ptr(index); }
  /// The module at `index` as its implementation type; ValueError if it is another type.
  template <class T>
  std::shared_ptr<T> ptr(std::int64_t index) const {
    const ModulePtr& m = ptr(index);
    auto typed = std::dynamic_pointer_cast<T>(m);
    if (!typed) container_detail::throw_bad_module_cast(name(), "index " + std::to_string(index), *m, typeid(T));
    return typed;
  }
  /// ptr<T>(index), dereferenced.
  template <class T>
  T& at(std::int64_t index) const {
    return *ptr<T>(index);
  }
  /// Iterates over the modules in order.
  ///@{
  std::vector<ModulePtr>::const_iterator begin() const { return modules_.begin(); }
  std::vector<ModulePtr>::const_iterator end() const { return modules_.end(); }
  ///@}

  /// A new ModuleList sharing modules [start, end) (Python slice rules, renamed from "0").
  ModuleList slice(std::int64_t start, std::int64_t end) const;

  void reset() override {}
  ModulePtr clone() const override;

 private:
  void reregister();
  std::vector<ModulePtr> modules_;
};

/// The handle of ModuleListImpl; takes braced lists: `ModuleList({Linear(2, 2), Linear(2, 2)})`.
class ModuleList : public ModuleHolder<ModuleListImpl> {
 public:
  using ModuleHolder<ModuleListImpl>::ModuleHolder;
  ModuleList() : ModuleHolder<ModuleListImpl>(std::make_shared<ModuleListImpl>()) {}
  /// Makes a ModuleListImpl from these arguments.
  ModuleList(std::initializer_list<ModuleRef> modules)
      : ModuleHolder<ModuleListImpl>(std::make_shared<ModuleListImpl>(modules)) {}
  /// `list[i]`: the module at index i.
  ModulePtr operator[](std::int64_t index) const { return (*this)->ptr(index); }
};

/// Modules by key, in insertion order (torch.nn.ModuleDict). Keys are the children's names, so
/// parameters are named "<key>.weight"; a key must be non-empty and contain no '.'.
///
///   xg::nn::ModuleDict heads({{"class", xg::nn::Linear(64, 10)}, {"box", xg::nn::Linear(64, 4)}});
///   auto logits = (*heads["class"])(features);
class ModuleDictImpl : public Cloneable<ModuleDictImpl> {
 public:
  ModuleDictImpl() = default;
  /// The modules under their keys: `{{"conv", nn::Conv2d(1, 8, 3)}, {"act", nn::ReLU()}}`.
  ModuleDictImpl(std::initializer_list<NamedModule> modules);

  /// Adds `module` under `key`, replacing the module already there (PyTorch's `d[key] = m`).
  void insert(const std::string& key, ModuleRef module);
  /// insert() for each entry.
  void update(std::initializer_list<NamedModule> modules);
  /// Removes `key` and returns its module; IndexError if absent.
  ModulePtr pop(const std::string& key);
  /// Removes every module.
  void clear();

  /// The number of modules.
  std::size_t size() const { return modules_.size(); }
  /// True when there is no module.
  bool is_empty() const { return modules_.is_empty(); }
  /// True when a module is registered under `key`.
  bool contains(const std::string& key) const { return modules_.contains(key); }
  /// The keys in insertion order.
  std::vector<std::string> keys() const { return modules_.keys(); }
  /// The modules in insertion order.
  std::vector<ModulePtr> values() const { return modules_.values(); }
  /// The (key, module) entries in insertion order.
  const OrderedDict<std::string, ModulePtr>& items() const { return modules_; }
  /// The module under `key`; IndexError listing the keys when absent.
  const ModulePtr& ptr(const std::string& key) const;
  /// The module under `key`; IndexError listing the keys when absent.
  ModulePtr operator[](const std::string& key) const { return ptr(key); }
  /// The module under `key` as its implementation type; ValueError if it is another type.
  template <class T>
  std::shared_ptr<T> ptr(const std::string& key) const {
    const ModulePtr& m = ptr(key);
    auto typed = std::dynamic_pointer_cast<T>(m);
    if (!typed) container_detail::throw_bad_module_cast(name(), "key '" + key + "'", *m, typeid(T));
    return typed;
  }
  /// ptr<T>(key), dereferenced.
  template <class T>
  T& at(const std::string& key) const {
    return *ptr<T>(key);
  }
  /// Iterates over entries (`item.key()`, `item.value()`) in insertion order.
  OrderedDict<std::string, ModulePtr>::const_iterator begin() const { return modules_.begin(); }
  /// The end of the iteration begun by begin().
  OrderedDict<std::string, ModulePtr>::const_iterator end() const { return modules_.end(); }

  void reset() override {}
  ModulePtr clone() const override;

 private:
  void reregister();
  OrderedDict<std::string, ModulePtr> modules_;
};

/// The handle of ModuleDictImpl; takes braced `{key, module}` lists; `dict["key"]` is the module.
class ModuleDict : public ModuleHolder<ModuleDictImpl> {
 public:
  using ModuleHolder<ModuleDictImpl>::ModuleHolder;
  ModuleDict() : ModuleHolder<ModuleDictImpl>(std::make_shared<ModuleDictImpl>()) {}
  /// Makes a ModuleDictImpl from these arguments.
  ModuleDict(std::initializer_list<NamedModule> modules)
      : ModuleHolder<ModuleDictImpl>(std::make_shared<ModuleDictImpl>(modules)) {}
  /// `dict["key"]`: the module under key.
  ModulePtr operator[](const std::string& key) const { return (*this)->ptr(key); }
};

}  // namespace xg::nn

XGRAD_API_END
