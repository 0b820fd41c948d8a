// xgrad — what the training loop trains: a Model is a module (for its parameters, train/eval
// mode and state) plus how to call it, and a LossFn is any callable (prediction, target) → loss.
//
//   xg::train::Model model(net);                                  // calls net(x)
//   xg::train::Model custom(net.ptr(), [&](const xg::Tensor& x) { return net->forward(x, mask); });
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>

#include "xgrad/nn/module.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::train {

/// The model's forward: input batch → prediction.
using ForwardFn = std::function<Tensor(const Tensor& input)>;
/// A loss: (prediction, target) → a one-element tensor, e.g. xg::nn::CrossEntropyLoss() or a lambda.
using LossFn = std::function<Tensor(const Tensor& prediction, const Tensor& target)>;
/// Named numbers reported by fit and evaluate: "loss", "accuracy", "val_loss", "lr", …
using Logs = std::map<std::string, double>;

/// A module to train and how to call it. Converts implicitly from any module handle
/// (`xg::nn::Sequential`, your `Net`) or shared pointer, which is then called with its hooks as
/// `module(x)`; pass a ForwardFn for modules whose forward takes more than the input.
class Model {
 public:
  /// A module called as `(*module)(x)` (Module::operator(): hooks, then forward(x)).
  Model(nn::ModulePtr module);  // NOLINT: implicit on purpose
  /// A module called through `forward` (which should call the module).
  Model(nn::ModulePtr module, ForwardFn forward);
  /// A shared_ptr to a module implementation.
  template <class M>
  requires std::is_base_of_v<nn::Module, M> Model(std::shared_ptr<M> module)
      : Model(nn::ModulePtr(std::move(module))) {}  // NOLINT
  /// The module a holder points to.
  template <class Impl>
  Model(const nn::ModuleHolder<Impl>& holder) : Model(nn::ModulePtr(holder.ptr())) {}  // NOLINT
  /// The module a holder points to, called through `forward`.
  template <class Impl>
  Model(const nn::ModuleHolder<Impl>& holder, ForwardFn forward)
      : Model(nn::ModulePtr(holder.ptr()), std::move(forward)) {}

  /// The module trained.
  nn::Module& module() const { return *module_; }
  /// The module trained, as a shared pointer.
  const nn::ModulePtr& module_ptr() const { return module_; }
  /// The prediction for an input batch.
  Tensor operator()(const Tensor& input) const { return forward_(input); }

 private:
  nn::ModulePtr module_;
  ForwardFn forward_;
};

}  // namespace xg::train

XGRAD_API_END
