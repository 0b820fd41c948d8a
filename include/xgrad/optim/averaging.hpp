// xgrad — model averaging: an exponential moving average of parameters (evaluate with smoothed
// weights), and stochastic weight averaging (torch.optim.swa_utils: AveragedModel, SWALR).
//
//   xg::optim::ExponentialMovingAverage ema(model, /*decay=*/0.999);
//   for (...) { opt.step(); ema.update(); }
//   { auto averaged = ema.average_parameters();  evaluate(model); }   // restored on scope exit
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {
class BatchNormImplBase;
}

namespace xg::optim {

/// Options of ExponentialMovingAverage.
struct ExponentialMovingAverageOptions {
  /// decay_t = min(decay, (1 + t) / (10 + t)) at the t-th update (t = 1, 2, …): a short memory while
  /// the model changes fast (TensorFlow's num_updates, torch_ema's use_num_updates).
  bool use_num_updates = false;
  /// decay_t = min(decay, 1 - (1 + t / warmup_gamma)^-warmup_power) (timm's EMA warm-up; exclusive
  /// with use_num_updates).
  bool warmup = false;
  /// γ of the warm-up
  double warmup_gamma = 1.0;
  /// the power of the warm-up
  double warmup_power = 2.0 / 3;
  /// For a module: also average its floating-point buffers (BatchNorm's running statistics) and
  /// copy its integer ones.
  bool include_buffers = false;
};

/// A shadow copy of parameters that follows them as an exponential moving average:
/// shadow ← shadow − (1 − decay_t) (shadow − param) at every update(), starting from the values at
/// construction. After k updates with a constant decay d and parameter values p_1…p_k,
/// shadow = d^k p_0 + (1 − d) Σ_i d^(k−i) p_i.
///
/// To evaluate with the averages: average_parameters() (a scope guard), store() / copy_to() /
/// restore(), swap() twice, or apply_to(other_module) to fill an evaluation copy.
class ExponentialMovingAverage {
 public:
  /// Tracks `params` with `decay` in [0, 1].
  ExponentialMovingAverage(std::vector<Tensor> params, double decay, ExponentialMovingAverageOptions options = {});
  /// Tracks the module's parameters (and buffers with include_buffers), by dotted name.
  ExponentialMovingAverage(const nn::Module& module, double decay, ExponentialMovingAverageOptions options = {});
  /// Tracks the parameters of the module a holder points to.
  template <class Holder, class = decltype(std::declval<const Holder&>().ptr())>
  ExponentialMovingAverage(const Holder& module, double decay, ExponentialMovingAverageOptions options = {})
      : ExponentialMovingAverage(static_cast<const nn::Module&>(*module), decay, options) {}

  /// Moves the averages toward the tracked tensors' current values.
  void update();
  /// Writes the averages into the tracked tensors.
  void copy_to();
  /// Writes the averages into another module with the same parameter names and shapes (an
  /// evaluation copy); a tensor list is matched by position with module.parameters().
  void apply_to(nn::Module& module) const;
  /// Writes the averages into the module a holder points to.
  template <class Holder, class = decltype(std::declval<const Holder&>().ptr())>
  void apply_to(const Holder& module) const {
    apply_to(static_cast<nn::Module&>(*module));
  }
  /// Saves the tracked tensors' current values (for restore()).
  void store();
  /// Puts back the values saved by store(); ValueError when nothing was stored.
  void restore();
  /// Exchanges the averages and the tracked values (call again to undo).
  void swap();

  /// A guard that stores the tracked values and copies the averages in, and restores them when it
  /// goes out of scope.
  class Scope {
   public:
    /// Stores `ema`'s tracked values and copies the averages in.
    explicit Scope(ExponentialMovingAverage& ema);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    ExponentialMovingAverage* ema_;
  };
  /// A guard under which the tracked tensors hold the averages: `{ auto s = ema.average_parameters(); evaluate(); }`.
  [[nodiscard]] Scope average_parameters() { return Scope(*this); }

  /// The decay given to the constructor.
  double decay() const { return decay_; }
  /// The number of update() calls so far.
  std::int64_t num_updates() const { return num_updates_; }
  /// The decay the t-th update uses (see the options).
  double decay_at(std::int64_t t) const;
  /// The averaged tensors, in the order of names().
  const std::vector<Tensor>& shadow() const { return shadow_; }
  /// Dotted names for a module ("fc1.weight"), "0", "1", … for a tensor list.
  const std::vector<std::string>& names() const { return names_; }

  /// "decay", "num_updates" and "shadow.<name>" for every tracked tensor.
  StateDict state_dict() const;
  /// Restores a state_dict() over tensors of the same names and shapes; every mismatch is reported
  /// at once in one ValueError, and a failed load changes nothing.
  void load_state_dict(const StateDict& state);

 private:
  void init(double decay);
  std::vector<Tensor> tracked_;
  std::vector<Tensor> shadow_;
  std::vector<Tensor> stored_;
  std::vector<std::string> names_;
  std::vector<bool> averaged_;  // false: an integer buffer, copied rather than averaged
  bool by_name_ = false;
  ExponentialMovingAverageOptions options_;
  double decay_ = 0;
  std::int64_t num_updates_ = 0;
};

/// Options of AveragedModel.
struct AveragedModelOptions {
  /// avg_fn(averaged, current, n_averaged) → the new average. Default: the equal average
  /// averaged + (current − averaged) / (n_averaged + 1).
  std::function<Tensor(const Tensor& averaged, const Tensor& current, std::int64_t n_averaged)> avg_fn = nullptr;
  /// Also average the floating-point buffers (BatchNorm's running statistics) instead of
  /// re-estimating them; integer buffers are copied.
  bool use_buffers = false;
};

/// Stochastic weight averaging (torch.optim.swa_utils.AveragedModel): a deep copy of a model whose
/// parameters are the running average of the model's parameters at every update_parameters().
/// It is a module: the copy is its child "module", "n_averaged" is a buffer, so its state dict has
/// PyTorch's keys ("n_averaged", "module.fc1.weight", …) and forward runs the averaged model.
/// The first update copies the model; the n-th makes each parameter the mean of the n snapshots.
///
///   xg::optim::AveragedModel swa_model(model);
///   xg::optim::SWALR swa_sched(opt, /*swa_lr=*/0.05);
///   for (int epoch = 0; epoch < 100; ++epoch) {
///     train_one_epoch(model, opt);
///     if (epoch >= 75) { swa_model->update_parameters(model); swa_sched.step(); }
///   }
///   auto y = swa_model(x);
///
/// Models with BatchNorm need their running statistics re-estimated for the averaged weights (or
/// use_buffers): a pass over the training data through swa_model in training mode after
/// resetting the statistics: update_bn(loader, swa_model).
class AveragedModelImpl : public nn::Module {
 public:
  /// The model must support clone() (derive from nn::Cloneable, as every built-in layer does).
  explicit AveragedModelImpl(const nn::Module& model, AveragedModelOptions options = {});
  /// Averages the model a holder points to.
  template <class Holder, class = decltype(std::declval<const Holder&>().ptr())>
  explicit AveragedModelImpl(const Holder& model, AveragedModelOptions options = {})
      : AveragedModelImpl(static_cast<const nn::Module&>(*model), std::move(options)) {}

  /// Runs the averaged model.
  Tensor forward(const Tensor& input) override;
  /// Folds the current parameters of `model` (same names and shapes as the copy) into the average.
  void update_parameters(const nn::Module& model);
  /// Folds in the parameters of the model a holder points to.
  template <class Holder, class = decltype(std::declval<const Holder&>().ptr())>
  void update_parameters(const Holder& model) {
    update_parameters(static_cast<const nn::Module&>(*model));
  }
  /// Exchanges the averaged values with the model's (parameters, and buffers with use_buffers):
  /// evaluate the training model with the averaged weights, then swap back.
  void swap(nn::Module& model);
  /// Exchanges the averaged values with those of the model a holder points to.
  template <class Holder, class = decltype(std::declval<const Holder&>().ptr())>
  void swap(const Holder& model) {
    swap(static_cast<nn::Module&>(*model));
  }

  /// How many snapshots are in the average.
  std::int64_t n_averaged() const;
  /// The averaged copy of the model.
  nn::Module& module() const { return *module_; }
  /// The averaged copy, as a shared pointer.
  const nn::ModulePtr& module_ptr() const { return module_; }

 private:
  /// The (averaged, model) tensor pairs, matched by name; ValueError listing every mismatch.
  std::vector<std::pair<Tensor, Tensor>> pairs(const nn::Module& model, const char* op) const;
  nn::ModulePtr module_;
  Tensor n_averaged_;
  AveragedModelOptions options_;
};
/// The handle to an AveragedModelImpl (as XG_MODULE makes), plus constructors that take the options
/// as a braced list: `AveragedModel swa(model, {.use_buffers = true})`.
class AveragedModel : public nn::ModuleHolder<AveragedModelImpl> {
 public:
  using nn::ModuleHolder<AveragedModelImpl>::ModuleHolder;
  /// Averages `model` with `options`.
  AveragedModel(const nn::Module& model, AveragedModelOptions options)
      : ModuleHolder(std::make_shared<AveragedModelImpl>(model, std::move(options))) {}
  /// Averages the model a holder points to, with `options`.
  template <class Holder, class = decltype(std::declval<const Holder&>().ptr())>
  AveragedModel(const Holder& model, AveragedModelOptions options)
      : AveragedModel(static_cast<const nn::Module&>(*model), std::move(options)) {}
};

/// Options of SWALR (PyTorch's arguments of the same names and defaults).
struct SWALROptions {
  std::int64_t anneal_epochs = 10;      ///< epochs to go from the current lr to swa_lr (>= 0)
  std::string anneal_strategy = "cos";  ///< "cos" or "linear"
};
/// Anneals each group's learning rate from its current value to swa_lr over anneal_epochs steps,
/// then holds it (torch.optim.swa_utils.SWALR, with PyTorch's numbers). Chainable: it starts from
/// whatever lr the optimizer has when it takes over from another scheduler.
///
///   xg::optim::SWALR swa_sched(opt, /*swa_lr=*/0.05, {.anneal_epochs = 5, .anneal_strategy = "linear"});
class SWALR final : public LRScheduler {
 public:
  /// Anneals `optimizer`'s learning rates to `swa_lr` (one value, or one per group).
  SWALR(Optimizer& optimizer, PerGroup swa_lr, SWALROptions options = {});
  /// The target learning rate of each group.
  const std::vector<double>& swa_lrs() const { return swa_lrs_; }

 protected:
  std::vector<double> get_lr() override;

 private:
  double anneal(double t) const;
  std::vector<double> swa_lrs_;
  SWALROptions o_;
};

namespace detail {
/// What update_bn changes and puts back. The constructor resets every BatchNorm's running
/// statistics, sets its momentum to std::nullopt (a cumulative average) and puts the model in
/// training mode; the destructor restores the momenta and every module's own training flag.
class UpdateBnScope {
 public:
  explicit UpdateBnScope(nn::Module& model);
  ~UpdateBnScope();
  UpdateBnScope(const UpdateBnScope&) = delete;
  UpdateBnScope& operator=(const UpdateBnScope&) = delete;
  /// False when the model has no BatchNorm layer (update_bn then does nothing).
  bool has_batch_norm() const { return !momenta_.empty(); }
  /// One forward pass of the model under no-grad.
  void forward(const Tensor& input);

 private:
  nn::Module* model_;
  std::vector<std::pair<nn::BatchNormImplBase*, std::optional<double>>> momenta_;
  std::vector<std::pair<nn::Module*, bool>> modes_;
};

/// The input of a batch: the tensor itself, an Example's `.data`, or the first element of a pair
/// or tuple (PyTorch's update_bn takes input[0] of a list or tuple).
template <class Batch>
const Tensor& batch_input(const Batch& batch) {
  if constexpr (requires { batch.data; }) return batch.data;
  else if constexpr (requires { std::get<0>(batch); }) return std::get<0>(batch);
  else return batch;
}
}  // namespace detail

/// Re-estimates the running statistics of every BatchNorm layer of `model` with one pass over
/// `loader`, as torch.optim.swa_utils.update_bn: the statistics are reset, momentum is set to
/// std::nullopt so that running_mean / running_var become the plain average of the batches'
/// means / unbiased variances, the model runs in training mode under no-grad, and afterwards the
/// momenta and the training modes are put back (also when the forward throws). Models without
/// BatchNorm are left untouched and the loader is not iterated.
///
/// `loader` is anything a range-for walks: a data::DataLoader (its batches' `.data` are fed), a
/// std::vector<Tensor> of input batches, or a range of pairs/tuples whose first element is the input.
///
///   xg::optim::update_bn(train_loader, swa_model);     // after the last update_parameters()
template <class Loader>
void update_bn(Loader&& loader, nn::Module& model) {
  detail::UpdateBnScope scope(model);
  if (!scope.has_batch_norm()) return;
  for (auto&& batch : loader) scope.forward(detail::batch_input(batch));
}
/// update_bn for the module a holder points to.
template <class Loader, class Holder, class = decltype(std::declval<const Holder&>().ptr())>
void update_bn(Loader&& loader, const Holder& model) {
  update_bn(std::forward<Loader>(loader), static_cast<nn::Module&>(*model));
}

}  // namespace xg::optim

XGRAD_API_END
