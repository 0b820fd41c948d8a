// xgrad — the module system (LibTorch's torch::nn::Module).
// A module registers its parameters, buffers and submodules by name; everything else — dotted
// names, parameters(), train/eval, dtype moves, freezing, state dicts, deep copies, hooks and
// printing — is derived from that registry here, once, for every layer and every user model.
//
//   struct NetImpl : xg::nn::Module {
//     NetImpl() {
//       fc1 = register_module("fc1", xg::nn::Linear(784, 256));
//       fc2 = register_module("fc2", xg::nn::Linear(256, 10));
//     }
//     xg::Tensor forward(const xg::Tensor& x) override { return fc2(xg::relu(fc1(x))); }
//     xg::nn::Linear fc1{nullptr}, fc2{nullptr};
//   };
//   XG_MODULE(Net);                       // Net is a shared handle to a NetImpl, as in LibTorch
//   Net net;  auto y = net(x);  net->named_parameters();   // "fc1.weight", "fc1.bias", ...
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/ordered_dict.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

class Module;
/// A shared pointer to a module (what children(), modules() and the containers hold).
using ModulePtr = std::shared_ptr<Module>;
/// Named tensors: what state_dict() returns and load_state_dict() takes.
using StateDict = OrderedDict<std::string, Tensor>;

/// What a non-strict load_state_dict found (a strict load throws instead).
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;     ///< in the module, not in the dict
  std::vector<std::string> unexpected_keys;  ///< in the dict, not in the module
};

/// What load_state_dict does with a tensor whose dtype differs from the module's: cast it to the
/// module's dtype (PyTorch's behaviour, the default), cast it and write one warning line per
/// tensor to std::cerr, or report it as an error.
enum class DtypeMismatch { Cast, Warn, Error };

/// Options of load_state_dict (field order: strict, on_dtype_mismatch):
/// `model.load_state_dict(sd, {.on_dtype_mismatch = xg::nn::DtypeMismatch::Warn})`.
struct LoadStateDictOptions {
  /// Missing or unexpected keys are an error (otherwise they are returned).
  bool strict = true;
  /// What a tensor of another dtype than the module's does.
  DtypeMismatch on_dtype_mismatch = DtypeMismatch::Cast;
};

/// Handle returned by the register_*_hook functions, for Module::remove_hook.
using HookHandle = std::uint64_t;

/// The base of every layer and model: registers parameters, buffers and submodules by name and
/// derives from that registry names, parameters(), train/eval, dtype moves, freezing, state dicts,
/// deep copies, hooks and printing (LibTorch's torch::nn::Module).
class Module : public std::enable_shared_from_this<Module> {
 public:
  /// A hook run before forward; may return a replacement input (or an undefined tensor to keep it).
  using ForwardPreHook = std::function<Tensor(Module&, const Tensor& input)>;
  /// A hook run after forward; may return a replacement output (or an undefined tensor to keep it).
  using ForwardHook = std::function<Tensor(Module&, const Tensor& input, const Tensor& output)>;
  /// A hook run during backward with the gradients w.r.t. the module's input (undefined when the
  /// input does not require grad) and output (PyTorch's register_full_backward_hook).
  using BackwardHook = std::function<void(Module&, const Tensor& grad_input, const Tensor& grad_output)>;

  Module();
  /// `name` overrides the type name shown by name() and when printing.
  explicit Module(std::string name);
  virtual ~Module();
  /// Copies the registry: the copy shares the same parameter tensors (clone() makes independent ones).
  Module(const Module&);
  Module& operator=(const Module&) = delete;

  /// The type name ("Linear", "Sequential", the user's class name without a trailing "Impl").
  const std::string& name() const;

  // ---- forward --------------------------------------------------------------------------------
  /// The single-tensor forward that most layers and containers use. Modules whose forward takes
  /// other arguments define their own `forward(...)` as well (and may leave this one undefined, in
  /// which case it throws a ValueError naming the module).
  virtual Tensor forward(const Tensor& input);
  /// forward() wrapped in the module's hooks: pre-hooks, forward, forward hooks, backward hooks.
  Tensor operator()(const Tensor& input);

  // ---- registration (call from the constructor or reset()) ------------------------------------
  /// Registers a parameter (a leaf tensor; requires_grad as given) and returns it, so that a layer
  /// keeps a handle: `weight = register_parameter("weight", xg::empty({out, in}));`.
  Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Registers a buffer: state that is not trained (BatchNorm's running mean). Persistent buffers
  /// are part of the state dict.
  Tensor register_buffer(std::string name, Tensor tensor, bool persistent = true);
  /// Registers a submodule; its parameters are then named "<name>.<param>".
  template <class M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "register_module: not an xg::nn::Module");
    add_child(std::move(name), module);
    return module;
  }
  template <class Holder, class = decltype(std::declval<Holder>().ptr())>
  /// Registers the module a holder (`xg::nn::Linear`, ...) points to and returns the holder.
  Holder register_module(std::string name, Holder holder) {
    add_child(std::move(name), holder.ptr());
    return holder;
  }
  /// Replaces the registered submodule `name` (e.g. a new classification head) and returns it.
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    set_child(name, module);
    return module;
  }
  template <class Holder, class = decltype(std::declval<Holder>().ptr())>
  /// Replaces the registered submodule `name` with the module a holder points to; returns the holder.
  Holder replace_module(const std::string& name, Holder holder) {
    set_child(name, holder.ptr());
    return holder;
  }
  /// Replaces the data of a registered parameter or buffer (keeps the handle's identity).
  void set_tensor(const std::string& name, const Tensor& value);

  // ---- what is registered -------------------------------------------------------------------
  /// Every parameter of this module and (with recurse) its descendants, each once.
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// Dotted names as in PyTorch: "0.weight", "features.3.bias", "lstm.weight_ih_l0".
  OrderedDict<std::string, Tensor> named_parameters(bool recurse = true) const;
  /// Every buffer (running statistics and other non-trained state) of this module and (with recurse) its descendants.
  std::vector<Tensor> buffers(bool recurse = true) const;
  /// The buffers by dotted name: "bn.running_mean".
  OrderedDict<std::string, Tensor> named_buffers(bool recurse = true) const;
  /// Direct submodules.
  std::vector<ModulePtr> children() const;
  /// Direct submodules by their registered name.
  OrderedDict<std::string, ModulePtr> named_children() const;
  /// This module (first) and every descendant, each once, depth first.
  std::vector<ModulePtr> modules(bool include_self = true);
  /// This module (named `prefix`, first) and every descendant by dotted name, each once, depth first.
  OrderedDict<std::string, ModulePtr> named_modules(const std::string& prefix = "", bool include_self = true);
  /// Number of parameter elements (only those that require grad when trainable_only).
  std::int64_t num_parameters(bool trainable_only = false) const;

  // ---- modes and bulk operations ------------------------------------------------------------
  /// Training mode (the default) or evaluation mode, for this module and its descendants.
  virtual void train(bool on = true);
  /// Evaluation mode: train(false).
  void eval() { train(false); }
  /// True in training mode.
  bool is_training() const { return training_; }
  /// Converts every floating-point parameter and buffer (and gradient) to `dtype`, in place: the
  /// handles layers and optimizers hold see the new data.
  void to(Dtype dtype);
  /// Clears the gradients of all parameters (set_to_none) or zeroes them.
  void zero_grad(bool set_to_none = true);
  /// Calls fn on every descendant, then on this module (as torch.nn.Module.apply).
  void apply(const std::function<void(Module&)>& fn);
  /// Stops (freeze) or resumes (unfreeze) training every parameter of this module and its
  /// descendants; one parameter: `named_parameters()["fc.weight"].requires_grad_(false)`.
  void freeze();
  /// Makes every parameter of this module and its descendants require grad again.
  void unfreeze();

  // ---- state ----------------------------------------------------------------------------------
  /// Parameters and persistent buffers by dotted name (detached aliases, not copies).
  StateDict state_dict() const;
  /// Copies values from `state` into the registered parameters and buffers. Strict: missing and
  /// unexpected keys are an error; shape mismatches always are. All problems are reported at once
  /// in one ValueError. Non-strict: matching keys are loaded and the missing/unexpected keys are
  /// returned. A tensor of another dtype is cast to the module's (as PyTorch's copy_ does), or
  /// per `options.on_dtype_mismatch` also warned about or refused.
  LoadStateDictResult load_state_dict(const StateDict& state, bool strict = true);
  /// load_state_dict with options: `{.strict = false, .on_dtype_mismatch = DtypeMismatch::Error}`.
  LoadStateDictResult load_state_dict(const StateDict& state, const LoadStateDictOptions& options);

  /// A deep copy: new parameters and buffers with the same values, requires_grad and mode.
  /// Modules derived from Cloneable<T> (all built-in layers) support it; see Cloneable.
  virtual ModulePtr clone() const;

  // ---- hooks --------------------------------------------------------------------------------
  /// Registers a hook run before forward (see ForwardPreHook); returns its handle.
  HookHandle register_forward_pre_hook(ForwardPreHook hook);
  /// Registers a hook run after forward (see ForwardHook); returns its handle.
  HookHandle register_forward_hook(ForwardHook hook);
  /// Registers a hook run during backward with the input and output gradients (see BackwardHook).
  HookHandle register_full_backward_hook(BackwardHook hook);
  /// Removes a hook of any kind; false if the handle is unknown.
  bool remove_hook(HookHandle handle);

  // ---- printing -------------------------------------------------------------------------------
  /// One line describing this module alone, e.g. "Linear(in_features=784, out_features=256,
  /// bias=true)". Layers override it; the default is "Name()".
  virtual void pretty_print(std::ostream& os) const;

 protected:
  /// Removes every registration (Cloneable::clone calls this on the copy before reset()).
  void clear_registrations();
  /// Copies parameter/buffer values, requires_grad flags and training modes from `other`, whose
  /// structure must match (after reset(), a clone has the same structure as its original).
  void copy_state_from(const Module& other);

 private:
  void add_child(std::string name, ModulePtr module);
  void set_child(const std::string& name, ModulePtr module);
  void check_new_name(const std::string& name, const char* what) const;
  template <class F>
  void visit_named(const std::string& prefix, F&& f) const;

  mutable std::string name_;
  bool training_ = true;
  OrderedDict<std::string, Tensor> parameters_;
  OrderedDict<std::string, Tensor> buffers_;
  std::vector<std::string> non_persistent_;
  OrderedDict<std::string, ModulePtr> children_;
  struct Hooks;
  std::shared_ptr<Hooks> hooks_;
};

/// Prints the module tree as PyTorch does:
///   Sequential(
///     (0): Linear(in_features=784, out_features=256, bias=true)
///     (1): ReLU()
///   )
std::ostream& operator<<(std::ostream& os, const Module& module);

/// Base of modules that support clone() (LibTorch's torch::nn::Cloneable): the module creates its
/// parameters and submodules in `reset()` (its constructor calls reset()), and clone() copies the
/// object, calls reset() on the copy to give it fresh tensors of its own, then copies the values.
///
///   struct MlpImpl : xg::nn::Cloneable<MlpImpl> {
///     explicit MlpImpl(int hidden) : hidden(hidden) { reset(); }
///     void reset() override { fc = register_module("fc", xg::nn::Linear(4, hidden)); }
///     xg::Tensor forward(const xg::Tensor& x) override { return fc(x); }
///     int hidden;
///     xg::nn::Linear fc{nullptr};
///   };
template <class Derived>
class Cloneable : public Module {
 public:
  /// The constructors of Module.
  using Module::Module;
  /// (Re)creates the parameters, buffers and submodules; also re-initializes them.
  virtual void reset() = 0;
  /// A deep copy: a copy of Derived whose reset() makes fresh parameters, then filled with this module's values.
  ModulePtr clone() const override {
    auto copy = std::make_shared<Derived>(static_cast<const Derived&>(*this));
    copy->clear_registrations();
    copy->reset();
    copy->copy_state_from(*this);
    return copy;
  }
};

/// A shared handle to a module implementation (LibTorch's ModuleHolder): `Linear fc(784, 256)`
/// makes a LinearImpl; `fc->weight`, `fc(x)`, `fc.ptr()`. `Linear fc{nullptr}` is empty, to be
/// assigned later (usually from register_module).
template <class Impl>
class ModuleHolder {
 public:
  /// The implementation class.
  using ContainedType = Impl;
  /// Default-constructs the implementation when it can be.
  ModuleHolder() requires std::is_default_constructible_v<Impl> : impl_(std::make_shared<Impl>()) {}
  /// An empty handle, to be assigned later.
  ModuleHolder(std::nullptr_t) {}  // NOLINT: implicit on purpose, as in LibTorch
  /// A handle to an existing implementation.
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}  // NOLINT: implicit on purpose
  /// Makes the implementation from these constructor arguments: `Linear(784, 256)`.
  template <class Head, class... Tail>
  requires(!(std::is_same_v<std::decay_t<Head>, std::nullptr_t> && sizeof...(Tail) == 0) &&
           !std::is_same_v<std::decay_t<Head>, std::shared_ptr<Impl>> &&
           !std::is_base_of_v<ModuleHolder, std::decay_t<Head>> &&
           std::is_constructible_v<Impl, Head, Tail...>) explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(std::make_shared<Impl>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}

  /// The implementation (ValueError when empty): `fc->weight`.
  Impl* operator->() const { return checked(); }
  /// The implementation (ValueError when empty).
  Impl& operator*() const { return *checked(); }
  /// Pointer to the implementation (ValueError when empty).
  Impl* get() const { return checked(); }
  /// The shared pointer to the implementation (null when empty).
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  /// True for a handle made from nullptr and not assigned since.
  bool is_empty() const { return impl_ == nullptr; }
  /// True when the handle holds an implementation.
  explicit operator bool() const { return impl_ != nullptr; }

  /// Calls the module: one tensor goes through Module::operator() (with hooks); other argument
  /// lists go to the implementation's own forward(...).
  template <class... Args>
  decltype(auto) operator()(Args&&... args) const {
    if constexpr (sizeof...(Args) == 1 && (std::is_convertible_v<Args, const Tensor&> && ...))
      return static_cast<Module&>(*checked())(std::forward<Args>(args)...);
    else return checked()->forward(std::forward<Args>(args)...);
  }

 private:
  Impl* checked() const {
    XG_CHECK(impl_ != nullptr, ValueError, "module handle is empty (constructed from nullptr and never assigned)");
    return impl_.get();
  }
  std::shared_ptr<Impl> impl_;
};

/// Prints the module a holder points to.
template <class Impl>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Impl>& m) {
  return os << static_cast<const Module&>(*m);
}

}  // namespace xg::nn

/// XG_MODULE(Linear) declares `Linear`, a ModuleHolder of `LinearImpl` (LibTorch's TORCH_MODULE).
#define XG_MODULE(Name)                                     \
  class Name : public ::xg::nn::ModuleHolder<Name##Impl> {  \
   public:                                                  \
    using ::xg::nn::ModuleHolder<Name##Impl>::ModuleHolder; \
  }

/// XG_MODULE_OPTIONS(LeakyReLU, LeakyReLUOptions) is XG_MODULE(LeakyReLU) plus a constructor from
/// the layer's options struct, so that `LeakyReLU({.negative_slope = 0.2})` and `LeakyReLU()` work
/// (a braced list cannot be forwarded through the variadic constructor of XG_MODULE).
#define XG_MODULE_OPTIONS(Name, Options)                                                          \
  class Name : public ::xg::nn::ModuleHolder<Name##Impl> {                                        \
   public:                                                                                        \
    using ::xg::nn::ModuleHolder<Name##Impl>::ModuleHolder;                                       \
    Name(Options options = {}) /* NOLINT: implicit on purpose */                                  \
        : ::xg::nn::ModuleHolder<Name##Impl>(std::make_shared<Name##Impl>(std::move(options))) {} \
  }

XGRAD_API_END
