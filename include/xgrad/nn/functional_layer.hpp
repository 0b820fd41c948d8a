// xgrad — functions as layers: `Functional` wraps any Tensor → Tensor function as a module (for
// Sequential), and `Activation` names an activation the way Keras users expect: by name ("relu"),
// by function (xg::tanh) or by module; layers take it in their options (`.activation = "relu"`).
//
//   xg::nn::Sequential net({xg::nn::Linear(784, 256), xg::nn::Functional(xg::relu), xg::nn::Linear(256, 10)});
//   xg::nn::Linear fc(784, 256, {.activation = "gelu"});
#pragma once
#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// A module handle (Linear, Sequential, any XG_MODULE type).
template <class T>
concept ModuleHandleLike = requires(const T& h) {
  { h.ptr() } -> std::convertible_to<ModulePtr>;
};
/// A shared_ptr to a module implementation.
template <class T>
concept ModulePointerLike = requires {
  typename std::decay_t<T>::element_type;
}
&&std::derived_from<typename std::decay_t<T>::element_type, Module>&& std::convertible_to<T, ModulePtr>;

/// Anything that refers to a module — a handle (`Linear(2, 3)`) or a shared_ptr to an
/// implementation — converted implicitly, so containers take mixed lists of layers.
class ModuleRef {
 public:
  /// A module handle (`Linear(2, 3)`).
  template <ModuleHandleLike H>
  ModuleRef(const H& handle) : ptr_(handle.ptr()) {}  // NOLINT: implicit on purpose
  /// A shared_ptr to a module implementation.
  template <class M>
  requires std::derived_from<M, Module> ModuleRef(std::shared_ptr<M> module)
      : ptr_(std::move(module)) {}  // NOLINT: implicit on purpose
  /// The module referred to.
  const ModulePtr& ptr() const { return ptr_; }

 private:
  ModulePtr ptr_;
};

/// A named entry of a container: `{"encoder", Linear(784, 64)}`.
struct NamedModule {
  /// `module_` under `name_`.
  NamedModule(std::string name_, ModuleRef module_) : name(std::move(name_)), module(module_.ptr()) {}
  /// the name of the entry
  std::string name;
  /// the module
  ModulePtr module;
};

/// The function type of Functional and Activation.
using TensorFunction = std::function<Tensor(const Tensor&)>;

/// A function as a layer (LibTorch's torch::nn::Functional, Keras's Lambda). It has no parameters;
/// clone() copies the function object (so a lambda that captures by reference shares its state).
///
///   xg::nn::Functional(xg::relu)
///   xg::nn::Functional([](const xg::Tensor& x) { return xg::leaky_relu(x, 0.2); }, "leaky_relu")
///   xg::nn::Functional("softmax")                    // a registered activation, by name
class FunctionalImpl : public Cloneable<FunctionalImpl> {
 public:
  /// Wraps `fn`; `name` is shown when printing: `Functional(leaky_relu)`.
  explicit FunctionalImpl(TensorFunction fn, std::string name = {});
  /// The activation registered under `activation_name` (see Activation).
  explicit FunctionalImpl(const std::string& activation_name);
  /// The activation registered under `activation_name`.
  explicit FunctionalImpl(const char* activation_name) : FunctionalImpl(std::string(activation_name)) {}
  void reset() override {}
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;
  /// The name shown when printing ("" when none was given).
  const std::string& function_name() const { return function_name_; }

 private:
  TensorFunction fn_;
  std::string function_name_;
};
XG_MODULE(Functional);

/// An activation, as layers take it: a registered name, a function, a module, or nothing
/// (identity, the default — the same as "linear").
///
///   {.activation = "relu"}                                  // by name (Keras)
///   {.activation = xg::tanh}                                // by function
///   {.activation = [](const xg::Tensor& x) { return xg::leaky_relu(x, 0.2); }}
///   {.activation = some_module}                             // a module handle (trained with the layer)
///
/// Names (see activation_names()): "linear" (identity), "relu", "tanh", "sigmoid", "elu", "selu",
/// "gelu", "silu" (alias "swish"), "softplus", "softsign", "leaky_relu" (slope 0.01), "hardtanh",
/// "exponential", and "softmax" / "log_softmax" along the last dimension. An unknown name is a
/// ValueError listing the known ones; register_activation adds names.
class Activation {
 public:
  /// The identity ("linear").
  Activation();
  /// A registered activation by name (ValueError listing the names when unknown).
  ///@{
  Activation(const char* name);         // NOLINT: implicit on purpose (`.activation = "relu"`)
  Activation(const std::string& name);  // NOLINT
  ///@}

  /// Any callable Tensor(const Tensor&): a free function, a lambda.
  template <class F>
  requires(!std::is_same_v<std::decay_t<F>, Activation> && !ModuleHandleLike<F> && !ModulePointerLike<F> &&
           !std::is_convertible_v<F, std::string> && std::is_invocable_r_v<Tensor, F&, const Tensor&>)
      Activation(F fn, std::string name = "function")  // NOLINT: implicit on purpose
      : fn_(std::move(fn)), name_(std::move(name)) {}
  /// A module: its single-tensor forward is the activation. A layer registers it as its submodule
  /// "activation", so its parameters train with the layer and it follows train()/eval().
  template <ModuleHandleLike H>
  Activation(const H& module) : Activation(ModuleRef(module)) {}  // NOLINT: implicit on purpose
  /// A shared_ptr to a module implementation, used as the module form above.
  template <ModulePointerLike P>
  Activation(P module) : Activation(ModuleRef(std::move(module))) {}  // NOLINT: implicit on purpose
  /// A module referred to by a ModuleRef, used as the module form above.
  Activation(ModuleRef module);  // NOLINT: implicit on purpose

  /// Applies the activation (the identity returns `x` itself).
  Tensor operator()(const Tensor& x) const;
  /// "relu", the name given with a function ("function" by default), or the module's type name.
  const std::string& name() const { return name_; }
  /// True for the identity ("linear", or nothing given).
  bool is_identity() const { return !fn_ && !module_; }
  /// The module this activation was made from, or null.
  const ModulePtr& module() const { return module_; }
  /// The activation as a module: its own module, or a new Functional wrapping the function.
  ModulePtr to_module() const;

 private:
  TensorFunction fn_;
  ModulePtr module_;
  std::string name_;
};

/// The names Activation accepts, sorted.
std::vector<std::string> activation_names();
/// Adds (or replaces) a named activation, e.g. at program start:
/// `xg::nn::register_activation("relu6", [](const xg::Tensor& x) { return xg::hardtanh(x, 0, 6); });`
/// Not thread-safe: register before building layers on other threads.
void register_activation(const std::string& name, TensorFunction fn);

}  // namespace xg::nn

XGRAD_API_END
