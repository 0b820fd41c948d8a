// xgrad — learning-rate schedulers (torch.optim.lr_scheduler, with PyTorch 1.13's names, defaults
// and numbers). A scheduler rewrites the "lr" of every parameter group of an optimizer as training
// goes on; call its step() once per epoch (per batch for CyclicLR and OneCycleLR), after the
// optimizer's step():
//
//   xg::optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
//   xg::optim::CosineAnnealingLR sched(opt, /*T_max=*/100);
//   for (int epoch = 0; epoch < 100; ++epoch) { train_one_epoch(opt); sched.step(); }
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

/// One value for every parameter group, or a list with one value per group (PyTorch's "float or
/// list" arguments): `0.1` or `{0.1, 0.01}`.
class PerGroup {
 public:
  /// One value for every group.
  PerGroup(double value) : values_{value}, broadcast_(true) {}  // NOLINT: implicit on purpose
  /// One value per group.
  PerGroup(std::vector<double> values) : values_(std::move(values)) {}  // NOLINT: implicit on purpose
  /// One value per group: `{0.1, 0.01}`.
  PerGroup(std::initializer_list<double> values) : values_(values) {}
  /// The value of each of `num_groups` groups; ValueError naming `owner` and `what` when a list
  /// has the wrong length.
  std::vector<double> resolve(std::size_t num_groups, const std::string& owner, const char* what) const;

 private:
  std::vector<double> values_;
  bool broadcast_ = false;
};

/// A named field of a scheduler's state (what state_dict() saves and load_state_dict() restores).
struct SchedulerField {
  /// The field's name in the state dict.
  std::string name;
  /// Where the field lives.
  std::variant<double*, std::int64_t*, bool*, std::vector<double>*> ptr;
};

class SequentialLR;
class ChainedScheduler;

/// What every scheduler shares: the optimizer it drives, the last learning rates it set, its
/// step counter and a flat state dict. The optimizer must outlive the scheduler.
class SchedulerBase {
 public:
  virtual ~SchedulerBase();
  SchedulerBase(const SchedulerBase&) = delete;
  SchedulerBase& operator=(const SchedulerBase&) = delete;

  /// The scheduler's name as in errors ("StepLR").
  const std::string& name() const { return name_; }
  /// The optimizer this scheduler drives.
  Optimizer& optimizer() const { return *optimizer_; }
  /// The learning rate of each group after the last step (PyTorch's get_last_lr()).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  /// The index of the last step taken: 0 right after construction, as in PyTorch.
  std::int64_t last_epoch() const { return last_epoch_; }

  /// The scheduler's progress as flat named tensors: "last_epoch" (0-d int64), "last_lr" (1-d
  /// float64, one entry per group) and the fields of the concrete scheduler ("base_lrs", "T_cur",
  /// "best", "schedulers.<i>.<field>" for the schedulers SequentialLR and ChainedScheduler hold…).
  /// Hyper-parameters and functions are not saved: construct the scheduler with the same arguments,
  /// then load.
  StateDict state_dict() const;
  /// Restores a state_dict() of the same kind of scheduler over an optimizer with as many groups;
  /// every mismatch is reported at once in one ValueError, and a failed load changes nothing.
  void load_state_dict(const StateDict& state);

 protected:
  /// A scheduler named `name` driving `optimizer`.
  SchedulerBase(Optimizer& optimizer, std::string name);
  /// Appends the fields of the state dict; overriders call their base's version first.
  virtual void state_fields(std::vector<SchedulerField>& out);
  /// The optimizer's number of parameter groups.
  std::size_t num_groups() const { return optimizer_->num_param_groups(); }
  /// The current "lr" of every group.
  std::vector<double> group_lrs() const;
  /// Writes one "lr" per group and records them as the last learning rates.
  void set_group_lrs(const std::vector<double>& lrs);

  /// The optimizer driven (not owned).
  Optimizer* optimizer_;
  /// What name() returns.
  std::string name_;
  /// What last_epoch() returns.
  std::int64_t last_epoch_ = -1;
  /// What get_last_lr() returns.
  std::vector<double> last_lr_;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

/// The base of the epoch-driven schedulers (PyTorch's _LRScheduler). A scheduler is a function of
/// the step: a concrete one writes get_lr(), the *chainable* form that computes the new rates from
/// the current ones (so several schedulers can drive one optimizer, each applying its own factor),
/// and, when the schedule has one, closed_form_lr() for step(epoch).
///
/// Its constructor checks its arguments and ends with start(), which records base_lrs from each
/// group's "initial_lr" (set from "lr" by the first scheduler of an optimizer) and takes the
/// initial step (last_epoch -1 → 0), exactly as PyTorch's constructor does:
///
///   class HalvingLR : public xg::optim::LRScheduler {
///    public:
///     explicit HalvingLR(xg::optim::Optimizer& opt) : LRScheduler(opt, "HalvingLR") { start(); }
///    protected:
///     std::vector<double> get_lr() override {          // halves every lr after epoch 0
///       auto lrs = group_lrs();
///       if (last_epoch() > 0) for (auto& lr : lrs) lr *= 0.5;
///       return lrs;
///     }
///   };
///
/// Deliberate differences from PyTorch: there is no `last_epoch` constructor argument (resume with
/// load_state_dict), and adding a parameter group after creating a scheduler is a ValueError at
/// the next step rather than a group the scheduler silently ignores.
class LRScheduler : public SchedulerBase {
 public:
  /// Advances by one step and writes the new learning rates into the optimizer.
  virtual void step();
  /// Jumps to `epoch` (PyTorch's deprecated step(epoch)): the closed form of the schedule when it
  /// has one, else the chainable form evaluated at that epoch. `epoch` must be a non-negative
  /// integer, except for CosineAnnealingWarmRestarts, which takes fractional epochs.
  virtual void step(double epoch);
  /// The learning rates the schedule starts from (each group's "initial_lr").
  const std::vector<double>& base_lrs() const { return base_lrs_; }

 protected:
  /// A scheduler named `name` driving `optimizer`; the concrete constructor ends with start().
  LRScheduler(Optimizer& optimizer, std::string name) : SchedulerBase(optimizer, std::move(name)) {}
  /// record_base_lrs() then initial_step(); the last call of a concrete scheduler's constructor.
  void start();
  /// base_lrs = each group's "initial_lr", which is first set to the group's current "lr".
  void record_base_lrs();
  /// Resets the step counter and takes the first step (PyTorch's _initial_step).
  void initial_step();
  /// The chainable form: the new learning rates, from the current ones and last_epoch() (already
  /// advanced). May also write other hyper-parameters (CyclicLR's momentum).
  virtual std::vector<double> get_lr() = 0;
  /// The closed form at last_epoch(), when the schedule has one.
  virtual std::optional<std::vector<double>> closed_form_lr() { return std::nullopt; }
  void state_fields(std::vector<SchedulerField>& out) override;
  /// ValueError unless start() ran and the optimizer still has one group per base lr.
  void check_ready() const;

  std::int64_t step_count_ = 0;  ///< steps taken since the initial one (PyTorch's _step_count)
  /// What base_lrs() returns.
  std::vector<double> base_lrs_;
  /// True once start() ran.
  bool started_ = false;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

/// A factor of the epoch, for LambdaLR and MultiplicativeLR.
using LRLambda = std::function<double(std::int64_t epoch)>;

/// lr = base_lr * lr_lambda(epoch), with one function for all groups or one per group.
///
///   xg::optim::LambdaLR sched(opt, [](std::int64_t epoch) { return std::pow(0.95, epoch); });
class LambdaLR final : public LRScheduler {
 public:
  /// One function for every group.
  LambdaLR(Optimizer& optimizer, LRLambda lr_lambda);
  /// One function per group.
  LambdaLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<LRLambda> lambdas_;
};

/// lr = lr * lr_lambda(epoch) at every step after the first (the factor compounds).
///
///   xg::optim::MultiplicativeLR sched(opt, [](std::int64_t) { return 0.95; });
class MultiplicativeLR final : public LRScheduler {
 public:
  /// One function for every group.
  MultiplicativeLR(Optimizer& optimizer, LRLambda lr_lambda);
  /// One function per group.
  MultiplicativeLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<LRLambda> lambdas_;
};

/// Multiplies the learning rate by gamma every step_size epochs: lr = base_lr * gamma^(epoch / step_size).
///
///   xg::optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
class StepLR final : public LRScheduler {
 public:
  /// Multiplies the lr by `gamma` every `step_size` epochs.
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

/// Multiplies the learning rate by gamma at each milestone (a milestone listed twice counts twice).
///
///   xg::optim::MultiStepLR sched(opt, {30, 80}, 0.1);
class MultiStepLR final : public LRScheduler {
 public:
  /// Multiplies the lr by `gamma` at each epoch in `milestones`.
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  std::vector<std::int64_t> milestones_;  // sorted
  double gamma_;
};

/// ConstantLR's options.
struct ConstantLROptions {
  double factor = 1.0 / 3;       ///< in (0, 1]
  std::int64_t total_iters = 5;  ///< >= 1
};
/// lr = base_lr * factor for the first total_iters epochs, then base_lr.
///
///   xg::optim::ConstantLR warmup(opt, {.factor = 0.5, .total_iters = 4});
class ConstantLR final : public LRScheduler {
 public:
  /// Scales `optimizer`'s learning rates as the options say (ValueError for values out of range).
  explicit ConstantLR(Optimizer& optimizer, ConstantLROptions options = {});

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  ConstantLROptions o_;
};

/// LinearLR's options.
struct LinearLROptions {
  double start_factor = 1.0 / 3;  ///< in (0, 1]
  double end_factor = 1.0;        ///< in [0, 1]
  std::int64_t total_iters = 5;   ///< >= 1
};
/// The factor on base_lr goes linearly from start_factor to end_factor over total_iters epochs.
///
///   xg::optim::LinearLR warmup(opt, {.start_factor = 0.1, .total_iters = 10});
class LinearLR final : public LRScheduler {
 public:
  /// Scales `optimizer`'s learning rates as the options say (ValueError for values out of range).
  explicit LinearLR(Optimizer& optimizer, LinearLROptions options = {});

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  LinearLROptions o_;
};

/// lr = base_lr * gamma^epoch.
///
///   xg::optim::ExponentialLR sched(opt, /*gamma=*/0.9);
class ExponentialLR final : public LRScheduler {
 public:
  /// Multiplies the lr by `gamma` every epoch.
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  double gamma_;
};

/// PolynomialLR's options.
struct PolynomialLROptions {
  std::int64_t total_iters = 5;  ///< >= 1
  double power = 1.0;            ///< >= 0
};
/// lr = base_lr * (1 - min(epoch, total_iters) / total_iters)^power.
///
///   xg::optim::PolynomialLR sched(opt, {.total_iters = 100, .power = 2.0});
class PolynomialLR final : public LRScheduler {
 public:
  /// Decays `optimizer`'s learning rates as the options say (ValueError for values out of range).
  explicit PolynomialLR(Optimizer& optimizer, PolynomialLROptions options = {});

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  PolynomialLROptions o_;
};

/// Cosine annealing from base_lr to eta_min over T_max epochs (then back up, as a cosine):
/// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, computed with PyTorch's
/// recursive form so that it chains with other schedulers and matches PyTorch's numbers.
///
///   xg::optim::CosineAnnealingLR sched(opt, /*T_max=*/50, /*eta_min=*/1e-5);
class CosineAnnealingLR final : public LRScheduler {
 public:
  /// Anneals from each group's lr to `eta_min` over `T_max` epochs.
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0.0);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;

 private:
  std::int64_t T_max_;
  double eta_min_;
};

/// CosineAnnealingWarmRestarts' options.
struct CosineAnnealingWarmRestartsOptions {
  std::int64_t T_mult = 1;  ///< period growth factor after each restart, >= 1
  /// the smallest learning rate
  double eta_min = 0.0;
};
/// SGDR: cosine annealing that restarts at base_lr after T_0 epochs, then T_0 T_mult, T_0 T_mult²…
/// step(epoch) accepts fractional epochs (e.g. epoch + batch / batches, stepped every batch).
///
///   xg::optim::CosineAnnealingWarmRestarts sched(opt, /*T_0=*/10, {.T_mult = 2});
class CosineAnnealingWarmRestarts final : public LRScheduler {
 public:
  /// Restarts every `T_0` epochs at first (a period that grows by T_mult).
  CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, CosineAnnealingWarmRestartsOptions options = {});
  void step() override;
  void step(double epoch) override;
  /// Epochs since the last restart (fractional after step(epoch)), and the current period.
  double T_cur() const { return T_cur_; }
  /// The length of the current period.
  std::int64_t T_i() const { return T_i_; }

 protected:
  std::vector<double> get_lr() override;
  void state_fields(std::vector<SchedulerField>& out) override;

 private:
  std::int64_t T_0_;
  CosineAnnealingWarmRestartsOptions o_;
  std::int64_t T_i_;
  double T_cur_ = -1;
};

/// CyclicLR's options.
struct CyclicLROptions {
  double step_size_up = 2000;                           ///< steps in the rising half of a cycle, > 0
  std::optional<double> step_size_down = std::nullopt;  ///< steps in the falling half (default: step_size_up)
  std::string mode = "triangular";                      ///< "triangular", "triangular2" or "exp_range"
  double gamma = 1.0;                                   ///< exp_range's factor per step
  /// A custom amplitude scaling in [0, 1] (then `mode` is ignored), of the cycle number or of the
  /// step count as scale_mode says.
  std::function<double(double)> scale_fn = nullptr;
  std::string scale_mode = "cycle";  ///< "cycle" or "iterations", for scale_fn
  /// Cycle the momentum ("momentum", or "betas.0" for Adam-like optimizers) inversely to the lr.
  bool cycle_momentum = true;
  /// the momentum at the top of the lr cycle
  PerGroup base_momentum = 0.8;
  /// the momentum at the bottom of the lr cycle
  PerGroup max_momentum = 0.9;
};
/// The cyclical learning-rate policy (Smith, 2017): the lr goes between base_lr and max_lr in
/// triangles, every step (batch). The momentum moves the other way, from max_momentum down to
/// base_momentum. Cycling "betas.0" follows PyTorch ≥ 2.0 (1.13 cycles only "momentum").
///
///   xg::optim::CyclicLR sched(opt, /*base_lr=*/1e-3, /*max_lr=*/1e-2, {.step_size_up = 500});
class CyclicLR final : public LRScheduler {
 public:
  /// Cycles each group's lr between `base_lr` and `max_lr` (one value, or one per group).
  CyclicLR(Optimizer& optimizer, PerGroup base_lr, PerGroup max_lr, CyclicLROptions options = {});

 protected:
  std::vector<double> get_lr() override;

 private:
  double scale(double x) const;
  CyclicLROptions o_;
  std::vector<double> max_lrs_, base_momentums_, max_momentums_;
  double total_size_, step_ratio_;
  bool scale_by_cycle_;
  std::string momentum_name_;  // "momentum", "betas.0", or empty when not cycling
};

/// OneCycleLR's options.
struct OneCycleLROptions {
  /// The number of steps of the cycle: total_steps, or epochs * steps_per_epoch.
  std::optional<std::int64_t> total_steps = std::nullopt;
  /// with steps_per_epoch, the cycle's length when total_steps is not given
  std::optional<std::int64_t> epochs = std::nullopt;
  /// with epochs, the cycle's length when total_steps is not given
  std::optional<std::int64_t> steps_per_epoch = std::nullopt;
  double pct_start = 0.3;               ///< fraction of the cycle spent raising the lr, in [0, 1]
  std::string anneal_strategy = "cos";  ///< "cos" or "linear"
  /// Cycle "momentum" (or "betas.0" when the optimizer has betas) inversely to the lr.
  bool cycle_momentum = true;
  /// the momentum at the lr's peak
  PerGroup base_momentum = 0.85;
  /// the momentum at the start and end of the cycle
  PerGroup max_momentum = 0.95;
  double div_factor = 25.0;       ///< initial_lr = max_lr / div_factor
  double final_div_factor = 1e4;  ///< min_lr = initial_lr / final_div_factor
  /// Three phases (up, down to initial_lr, annihilate to min_lr) instead of fastai's two.
  bool three_phase = false;
};
/// The 1cycle policy (Smith & Topin, 2018): the lr rises from max_lr / div_factor to max_lr, then
/// anneals to a far smaller min_lr, stepped every batch; not chainable.
///
///   xg::optim::OneCycleLR sched(opt, /*max_lr=*/0.1, {.epochs = 10, .steps_per_epoch = 100});
class OneCycleLR final : public LRScheduler {
 public:
  /// One cycle up to `max_lr` (one value, or one per group) and down, over the options' number of steps.
  OneCycleLR(Optimizer& optimizer, PerGroup max_lr, OneCycleLROptions options);
  /// The number of steps of the cycle.
  std::int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;

 private:
  struct Phase {
    double end_step;
    int start, end;  // 0 initial, 1 max, 2 min (for the lr); the momentum uses 0 max, 1 base
    int start_m, end_m;
  };
  double anneal(double start, double end, double pct) const;
  OneCycleLROptions o_;
  std::int64_t total_steps_ = 0;
  std::vector<Phase> phases_;
  std::vector<double> initial_lrs_, max_lrs_, min_lrs_, max_momentums_, base_momentums_;
  std::string momentum_name_;
};

/// ReduceLROnPlateau's options.
struct ReduceLROnPlateauOptions {
  std::string mode = "min";            ///< "min": the metric should fall; "max": rise
  double factor = 0.1;                 ///< new_lr = lr * factor, in [0, 1)
  std::int64_t patience = 10;          ///< bad epochs tolerated before reducing
  double threshold = 1e-4;             ///< how much better counts as better
  std::string threshold_mode = "rel";  ///< "rel": best * (1 ∓ threshold); "abs": best ∓ threshold
  std::int64_t cooldown = 0;           ///< epochs to wait after a reduction before counting again
  PerGroup min_lr = 0.0;               ///< lower bound of each group's lr
  double eps = 1e-8;                   ///< reductions smaller than eps are skipped
};
/// Reduces the learning rate by `factor` when a metric has stopped improving for more than
/// `patience` epochs. step() takes the metric:
///
///   xg::optim::ReduceLROnPlateau sched(opt, {.mode = "min", .factor = 0.5, .patience = 3});
///   for (...) { train(); sched.step(validation_loss); }
class ReduceLROnPlateau final : public SchedulerBase {
 public:
  /// Watches a metric and reduces `optimizer`'s learning rates as the options say.
  explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});
  /// Records one epoch's metric, and reduces the learning rates after too many bad epochs.
  void step(double metric);
  /// A one-element tensor (a loss); its value as a double.
  void step(const Tensor& metric);
  /// The best metric so far (inf / -inf before the first step), the bad epochs counted and the
  /// cooldown epochs left.
  double best() const { return best_; }
  /// The epochs without improvement counted so far.
  std::int64_t num_bad_epochs() const { return num_bad_epochs_; }
  /// The cooldown epochs left.
  std::int64_t cooldown_counter() const { return cooldown_counter_; }
  /// True while cooling down after a reduction.
  bool in_cooldown() const { return cooldown_counter_ > 0; }

 protected:
  void state_fields(std::vector<SchedulerField>& out) override;

 private:
  bool is_better(double a, double best) const;
  ReduceLROnPlateauOptions o_;
  std::vector<double> min_lrs_;
  double best_;
  std::int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0;
};

/// Runs one scheduler after another: schedulers[i] drives the optimizer from milestones[i-1] on
/// (restarted at its epoch 0 there). The usual warm-up then decay:
///
///   auto warmup = std::make_shared<xg::optim::LinearLR>(opt, xg::optim::LinearLROptions{.start_factor = 0.1});
///   auto decay = std::make_shared<xg::optim::CosineAnnealingLR>(opt, 95);
///   xg::optim::SequentialLR sched(opt, {warmup, decay}, /*milestones=*/{5});
class SequentialLR final : public LRScheduler {
 public:
  /// Runs `schedulers` (all on `optimizer`) one after the other, switching at `milestones`.
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<std::int64_t> milestones);
  void step() override;
  /// Not supported (nor in PyTorch): ValueError.
  void step(double epoch) override;
  /// The schedulers run.
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

 protected:
  /// The current learning rates (step() delegates to the active scheduler instead).
  std::vector<double> get_lr() override { return group_lrs(); }
  void state_fields(std::vector<SchedulerField>& out) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<std::int64_t> milestones_;
};

/// Steps several schedulers together: each applies its factor to the lr the previous one left
/// (their chainable forms compose), e.g. a warm-up factor on top of an exponential decay:
///
///   xg::optim::ChainedScheduler sched({std::make_shared<xg::optim::ConstantLR>(opt),
///                                      std::make_shared<xg::optim::ExponentialLR>(opt, 0.9)});
class ChainedScheduler final : public LRScheduler {
 public:
  /// Steps `schedulers` (all on one optimizer) together.
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step() override;
  /// Not supported (nor in PyTorch): ValueError.
  void step(double epoch) override;
  /// The schedulers stepped.
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

 protected:
  /// The current learning rates (step() steps every scheduler instead).
  std::vector<double> get_lr() override { return group_lrs(); }
  void state_fields(std::vector<SchedulerField>& out) override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

}  // namespace xg::optim

XGRAD_API_END
