// Learning-rate schedulers. Each get_lr() is PyTorch 1.13's *chainable* form (new lr from the
// current lr), evaluated with the same floating-point operations in the same order, so that the
// sequences match PyTorch's to the last bit where libm agrees; closed_form_lr() is the direct
// formula that step(epoch) uses.
#include "xgrad/optim/lr_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <numbers>
#include <set>
#include <sstream>
#include <type_traits>

#include "xgrad/ops.hpp"

namespace xg::optim {

namespace {
constexpr double kPi = std::numbers::pi;          // == Python's math.pi
constexpr double kMaxEpoch = 9007199254740992.0;  // 2^53: epochs up to here are exact doubles and fit int64

void check_finite(double v, const std::string& owner, const char* what) {
  XG_CHECK(std::isfinite(v), ValueError, owner, ": ", what, " must be finite, got ", v);
}
}  // namespace

std::vector<double> PerGroup::resolve(std::size_t num_groups, const std::string& owner, const char* what) const {
  if (broadcast_) return std::vector<double>(num_groups, values_[0]);
  XG_CHECK(values_.size() == num_groups, ValueError, owner, ": expected ", num_groups, " values for ", what,
           " (one per parameter group), got ", values_.size());
  return values_;
}

// ---- SchedulerBase ------------------------------------------------------------------------------

SchedulerBase::SchedulerBase(Optimizer& optimizer, std::string name) : optimizer_(&optimizer), name_(std::move(name)) {}
SchedulerBase::~SchedulerBase() = default;

std::vector<double> SchedulerBase::group_lrs() const {
  std::vector<double> out(num_groups());
  for (std::size_t g = 0; g < out.size(); ++g) out[g] = optimizer_->get_option(g, "lr");
  return out;
}

void SchedulerBase::set_group_lrs(const std::vector<double>& lrs) {
  for (std::size_t g = 0; g < lrs.size(); ++g) optimizer_->set_option(g, "lr", lrs[g]);
  // As PyTorch, the last lrs are read back from the optimizer (what it will actually use).
  last_lr_ = group_lrs();
}

void SchedulerBase::state_fields(std::vector<SchedulerField>& out) {
  out.push_back({"last_epoch", &last_epoch_});
  out.push_back({"last_lr", &last_lr_});
}

StateDict SchedulerBase::state_dict() const {
  std::vector<SchedulerField> fields;
  const_cast<SchedulerBase*>(this)->state_fields(fields);
  StateDict out;
  for (const auto& f : fields) {
    Tensor t = std::visit(
        [](auto* p) -> Tensor {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<T, std::vector<double>>) return tensor(*p, kFloat64);
          else if constexpr (std::is_same_v<T, double>) return scalar_tensor(*p, kFloat64);
          else if constexpr (std::is_same_v<T, bool>) return scalar_tensor(*p, kBool);
          else return scalar_tensor(*p, kInt64);
        },
        f.ptr);
    out.insert(f.name, std::move(t));
  }
  return out;
}

void SchedulerBase::load_state_dict(const StateDict& state) {
  std::vector<SchedulerField> fields;
  state_fields(fields);
  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const auto& f : fields) {
    known.insert(f.name);
    const Tensor* t = state.find(f.name);
    if (!t) {
      problems.push_back("missing '" + f.name + "'");
      continue;
    }
    if (!t->defined()) {
      problems.push_back("'" + f.name + "' is an undefined tensor");
      continue;
    }
    if (auto* v = std::get_if<std::vector<double>*>(&f.ptr)) {
      if (t->dim() != 1 || t->numel() != static_cast<std::int64_t>((*v)->size()))
        problems.push_back(::xg::detail::concat("'", f.name, "' has shape ", t->sizes(), " but this scheduler has ",
                                                (*v)->size(), " values (one per parameter group)"));
    } else if (t->numel() != 1) {
      problems.push_back(::xg::detail::concat("'", f.name, "' should hold one value, got shape ", t->sizes()));
    }
  }
  for (const auto& item : state)
    if (!known.count(item.first)) problems.push_back("unexpected '" + item.first + "'");
  if (!problems.empty()) {
    std::ostringstream msg;
    msg << name_ << ": load_state_dict found " << problems.size() << " problem" << (problems.size() > 1 ? "s" : "")
        << ":";
    for (const auto& p : problems) msg << "\n  " << p;
    throw ValueError(msg.str());
  }
  for (auto& f : fields) {
    const Tensor& t = state[f.name];
    std::visit(
        [&](auto* p) {
          using T = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<T, std::vector<double>>) *p = t.to_vector<double>();
          else *p = t.item<T>();
        },
        f.ptr);
  }
}

// ---- LRScheduler --------------------------------------------------------------------------------

void LRScheduler::record_base_lrs() {
  base_lrs_.assign(num_groups(), 0.0);
  for (std::size_t g = 0; g < num_groups(); ++g) {
    // PyTorch: group.setdefault('initial_lr', group['lr']); the first scheduler of an optimizer
    // fixes the base learning rates of every later one.
    auto initial = optimizer_->group_attribute(g, "initial_lr");
    if (!initial) {
      initial = optimizer_->get_option(g, "lr");
      optimizer_->set_group_attribute(g, "initial_lr", *initial);
    }
    base_lrs_[g] = *initial;
  }
  started_ = true;
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::start() {
  record_base_lrs();
  initial_step();
}

void LRScheduler::check_ready() const {
  XG_CHECK(started_, ValueError, name_,
           ": the scheduler was never started (a scheduler's constructor must end with start())");
  XG_CHECK(num_groups() == base_lrs_.size(), ValueError, name_, ": the optimizer has ", num_groups(),
           " parameter groups but the scheduler was created for ", base_lrs_.size(),
           " (create schedulers after adding every parameter group)");
}

void LRScheduler::step() {
  check_ready();
  const auto saved_epoch = last_epoch_, saved_count = step_count_;
  try {
    ++step_count_;
    ++last_epoch_;
    set_group_lrs(get_lr());
  } catch (...) {  // a failed step (e.g. OneCycleLR past its end) leaves the scheduler as it was
    last_epoch_ = saved_epoch;
    step_count_ = saved_count;
    throw;
  }
}

void LRScheduler::step(double epoch) {
  check_ready();
  XG_CHECK(std::isfinite(epoch) && epoch >= 0 && epoch <= kMaxEpoch && epoch == std::floor(epoch), ValueError, name_,
           ".step(epoch): expected a non-negative integer epoch (at most 2^53), got ", epoch);
  const auto saved_epoch = last_epoch_, saved_count = step_count_;
  try {
    ++step_count_;
    last_epoch_ = static_cast<std::int64_t>(epoch);
    auto closed = closed_form_lr();
    set_group_lrs(closed ? *closed : get_lr());
  } catch (...) {
    last_epoch_ = saved_epoch;
    step_count_ = saved_count;
    throw;
  }
}

void LRScheduler::state_fields(std::vector<SchedulerField>& out) {
  SchedulerBase::state_fields(out);
  out.push_back({"step_count", &step_count_});
  out.push_back({"base_lrs", &base_lrs_});
}

// ---- LambdaLR, MultiplicativeLR -------------------------------------------------------------------

namespace {
std::vector<LRLambda> check_lambdas(std::vector<LRLambda> fns, std::size_t groups, const std::string& owner) {
  XG_CHECK(fns.size() == groups, ValueError, owner, ": expected ", groups,
           " lr_lambdas (one per parameter group), got ", fns.size());
  for (std::size_t g = 0; g < fns.size(); ++g)
    XG_CHECK(static_cast<bool>(fns[g]), ValueError, owner, ": lr_lambda ", g, " is an empty function");
  return fns;
}
}  // namespace

LambdaLR::LambdaLR(Optimizer& optimizer, LRLambda lr_lambda)
    : LambdaLR(optimizer, std::vector<LRLambda>(optimizer.num_param_groups(), lr_lambda)) {}
LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas) : LRScheduler(optimizer, "LambdaLR") {
  lambdas_ = check_lambdas(std::move(lr_lambdas), num_groups(), name_);
  start();
}
std::vector<double> LambdaLR::get_lr() {
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g) out[g] = base_lrs_[g] * lambdas_[g](last_epoch_);
  return out;
}

MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, LRLambda lr_lambda)
    : MultiplicativeLR(optimizer, std::vector<LRLambda>(optimizer.num_param_groups(), lr_lambda)) {}
MultiplicativeLR::MultiplicativeLR(Optimizer& optimizer, std::vector<LRLambda> lr_lambdas)
    : LRScheduler(optimizer, "MultiplicativeLR") {
  lambdas_ = check_lambdas(std::move(lr_lambdas), num_groups(), name_);
  start();
}
std::vector<double> MultiplicativeLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ > 0)
    for (std::size_t g = 0; g < lrs.size(); ++g) lrs[g] = lrs[g] * lambdas_[g](last_epoch_);
  return lrs;
}

// ---- StepLR, MultiStepLR --------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  XG_CHECK(step_size >= 1, ValueError, name_, ": step_size must be a positive integer, got ", step_size);
  XG_CHECK(std::isfinite(gamma) && gamma > 0, ValueError, name_, ": gamma must be positive and finite, got ", gamma);
  start();
}
std::vector<double> StepLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (auto& lr : lrs) lr = lr * gamma_;
  return lrs;
}
std::optional<std::vector<double>> StepLR::closed_form_lr() {
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g)
    out[g] = base_lrs_[g] * std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_));
  return out;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma)
    : LRScheduler(optimizer, "MultiStepLR"), milestones_(std::move(milestones)), gamma_(gamma) {
  for (auto m : milestones_) XG_CHECK(m >= 0, ValueError, name_, ": milestones must be non-negative epochs, got ", m);
  XG_CHECK(std::isfinite(gamma) && gamma > 0, ValueError, name_, ": gamma must be positive and finite, got ", gamma);
  std::sort(milestones_.begin(), milestones_.end());
  start();
}
std::vector<double> MultiStepLR::get_lr() {
  auto lrs = group_lrs();
  // A milestone listed k times multiplies by gamma^k (PyTorch keeps them in a Counter).
  const auto k = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (k == 0) return lrs;
  for (auto& lr : lrs) lr = lr * std::pow(gamma_, static_cast<double>(k));
  return lrs;
}
std::optional<std::vector<double>> MultiStepLR::closed_form_lr() {
  // gamma^(number of milestones <= epoch): bisect_right.
  const auto k = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g) out[g] = base_lrs_[g] * std::pow(gamma_, static_cast<double>(k));
  return out;
}

// ---- ConstantLR, LinearLR, ExponentialLR, PolynomialLR ------------------------------------------

ConstantLR::ConstantLR(Optimizer& optimizer, ConstantLROptions options)
    : LRScheduler(optimizer, "ConstantLR"), o_(options) {
  // PyTorch accepts factor = 0 and then divides by it when the warm-up ends; we refuse it here.
  XG_CHECK(o_.factor > 0 && o_.factor <= 1, ValueError, name_, ": factor must be in (0, 1], got ", o_.factor);
  XG_CHECK(o_.total_iters >= 1, ValueError, name_, ": total_iters must be a positive integer, got ", o_.total_iters);
  start();
}
std::vector<double> ConstantLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (auto& lr : lrs) lr = lr * o_.factor;
  } else if (last_epoch_ == o_.total_iters) {
    for (auto& lr : lrs) lr = lr * (1.0 / o_.factor);  // undo the factor, as PyTorch: lr * (1 / factor)
  }
  return lrs;
}
std::optional<std::vector<double>> ConstantLR::closed_form_lr() {
  const double done = last_epoch_ >= o_.total_iters ? 1.0 : 0.0;
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g) out[g] = base_lrs_[g] * (o_.factor + done * (1 - o_.factor));
  return out;
}

LinearLR::LinearLR(Optimizer& optimizer, LinearLROptions options) : LRScheduler(optimizer, "LinearLR"), o_(options) {
  // start_factor = 0 would divide by zero at epoch 1 (PyTorch ≥ 2.0 refuses it too).
  XG_CHECK(o_.start_factor > 0 && o_.start_factor <= 1, ValueError, name_, ": start_factor must be in (0, 1], got ",
           o_.start_factor);
  XG_CHECK(o_.end_factor >= 0 && o_.end_factor <= 1, ValueError, name_, ": end_factor must be in [0, 1], got ",
           o_.end_factor);
  XG_CHECK(o_.total_iters >= 1, ValueError, name_, ": total_iters must be a positive integer, got ", o_.total_iters);
  start();
}
std::vector<double> LinearLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (auto& lr : lrs) lr = lr * o_.start_factor;
    return lrs;
  }
  if (last_epoch_ > o_.total_iters) return lrs;
  // Ratio of consecutive factors f(e) / f(e-1), f(e) = start + (end - start) e / total.
  const double d = o_.end_factor - o_.start_factor;
  const double ratio =
      1.0 + d / (static_cast<double>(o_.total_iters) * o_.start_factor + static_cast<double>(last_epoch_ - 1) * d);
  for (auto& lr : lrs) lr = lr * ratio;
  return lrs;
}
std::optional<std::vector<double>> LinearLR::closed_form_lr() {
  const double e = static_cast<double>(std::min(o_.total_iters, last_epoch_));
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g)
    out[g] =
        base_lrs_[g] * (o_.start_factor + (o_.end_factor - o_.start_factor) * e / static_cast<double>(o_.total_iters));
  return out;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer, "ExponentialLR"), gamma_(gamma) {
  XG_CHECK(std::isfinite(gamma) && gamma > 0, ValueError, name_, ": gamma must be positive and finite, got ", gamma);
  start();
}
std::vector<double> ExponentialLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (auto& lr : lrs) lr = lr * gamma_;
  return lrs;
}
std::optional<std::vector<double>> ExponentialLR::closed_form_lr() {
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g)
    out[g] = base_lrs_[g] * std::pow(gamma_, static_cast<double>(last_epoch_));
  return out;
}

PolynomialLR::PolynomialLR(Optimizer& optimizer, PolynomialLROptions options)
    : LRScheduler(optimizer, "PolynomialLR"), o_(options) {
  XG_CHECK(o_.total_iters >= 1, ValueError, name_, ": total_iters must be a positive integer, got ", o_.total_iters);
  XG_CHECK(std::isfinite(o_.power) && o_.power >= 0, ValueError, name_, ": power must be non-negative, got ", o_.power);
  start();
}
std::vector<double> PolynomialLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ > o_.total_iters) return lrs;
  // ((1 - e/T) / (1 - (e-1)/T))^power: the ratio of consecutive closed-form values.
  const double T = static_cast<double>(o_.total_iters);
  const double decay = std::pow(
      (1.0 - static_cast<double>(last_epoch_) / T) / (1.0 - static_cast<double>(last_epoch_ - 1) / T), o_.power);
  for (auto& lr : lrs) lr = lr * decay;
  return lrs;
}
std::optional<std::vector<double>> PolynomialLR::closed_form_lr() {
  const double T = static_cast<double>(o_.total_iters);
  const double f = std::pow(1.0 - static_cast<double>(std::min(o_.total_iters, last_epoch_)) / T, o_.power);
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g) out[g] = base_lrs_[g] * f;
  return out;
}

// ---- CosineAnnealingLR ----------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR"), T_max_(T_max), eta_min_(eta_min) {
  XG_CHECK(T_max >= 1, ValueError, name_, ": T_max must be a positive integer, got ", T_max);
  check_finite(eta_min, name_, "eta_min");
  XG_CHECK(eta_min >= 0, ValueError, name_, ": eta_min must be non-negative, got ", eta_min);
  start();
}
std::vector<double> CosineAnnealingLR::get_lr() {
  auto lrs = group_lrs();
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  if (last_epoch_ == 0) return lrs;
  if (step_count_ == 1 && last_epoch_ > 0) {  // first step after a jump: the closed form
    for (std::size_t g = 0; g < lrs.size(); ++g)
      lrs[g] = eta_min_ + (base_lrs_[g] - eta_min_) * (1 + std::cos(e * kPi / T)) / 2;
    return lrs;
  }
  if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
    // At e = (2k+1) T_max + 1 the ratio below would divide by 1 + cos(pi) = 0: PyTorch adds the
    // closed form's increment from the minimum instead.
    for (std::size_t g = 0; g < lrs.size(); ++g)
      lrs[g] = lrs[g] + (base_lrs_[g] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    return lrs;
  }
  // lr_e - eta_min = (lr_{e-1} - eta_min) * (1 + cos(pi e / T)) / (1 + cos(pi (e-1) / T)).
  const double ratio = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T));
  for (auto& lr : lrs) lr = ratio * (lr - eta_min_) + eta_min_;
  return lrs;
}
std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() {
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g)
    out[g] = eta_min_ + (base_lrs_[g] - eta_min_) * (1 + std::cos(kPi * e / T)) / 2;
  return out;
}

// ---- CosineAnnealingWarmRestarts ------------------------------------------------------------------

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0,
                                                         CosineAnnealingWarmRestartsOptions options)
    : LRScheduler(optimizer, "CosineAnnealingWarmRestarts"), T_0_(T_0), o_(options), T_i_(T_0) {
  XG_CHECK(T_0 >= 1, ValueError, name_, ": T_0 must be a positive integer, got ", T_0);
  XG_CHECK(o_.T_mult >= 1, ValueError, name_, ": T_mult must be an integer >= 1, got ", o_.T_mult);
  check_finite(o_.eta_min, name_, "eta_min");
  XG_CHECK(o_.eta_min >= 0, ValueError, name_, ": eta_min must be non-negative, got ", o_.eta_min);
  start();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> out(base_lrs_.size());
  for (std::size_t g = 0; g < out.size(); ++g)
    out[g] = o_.eta_min + (base_lrs_[g] - o_.eta_min) * (1 + std::cos(kPi * T_cur_ / static_cast<double>(T_i_))) / 2;
  return out;
}

void CosineAnnealingWarmRestarts::step() {
  check_ready();
  if (last_epoch_ < 0) return step(0.0);  // the initial step
  T_cur_ = T_cur_ + 1;
  if (T_cur_ >= static_cast<double>(T_i_)) {
    T_cur_ = T_cur_ - static_cast<double>(T_i_);
    T_i_ = T_i_ * o_.T_mult;
  }
  last_epoch_ = last_epoch_ + 1;
  set_group_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::step(double epoch) {
  check_ready();
  XG_CHECK(std::isfinite(epoch) && epoch >= 0 && epoch <= kMaxEpoch, ValueError, name_,
           ".step(epoch): expected a non-negative epoch (at most 2^53), got ", epoch);
  const double T0 = static_cast<double>(T_0_);
  if (epoch >= T0) {
    if (o_.T_mult == 1) {
      T_cur_ = std::fmod(epoch, T0);
    } else {
      // The restart n before `epoch` solves T_0 (T_mult^n - 1) / (T_mult - 1) <= epoch.
      const double m = static_cast<double>(o_.T_mult);
      const auto n = static_cast<std::int64_t>(std::log(epoch / T0 * (m - 1) + 1) / std::log(m));
      std::int64_t pow_n = 1;
      for (std::int64_t k = 0; k < n; ++k) {
        XG_CHECK(pow_n <= std::numeric_limits<std::int64_t>::max() / o_.T_mult / T_0_, ValueError, name_,
                 ".step(epoch): the period at epoch ", epoch, " (T_0 * T_mult^", n, ") does not fit in 64 bits");
        pow_n *= o_.T_mult;
      }
      T_cur_ = epoch - static_cast<double>(T_0_ * (pow_n - 1)) / static_cast<double>(o_.T_mult - 1);
      T_i_ = T_0_ * pow_n;
    }
  } else {
    T_i_ = T_0_;
    T_cur_ = epoch;
  }
  last_epoch_ = static_cast<std::int64_t>(std::floor(epoch));
  set_group_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::state_fields(std::vector<SchedulerField>& out) {
  LRScheduler::state_fields(out);
  out.push_back({"T_i", &T_i_});
  out.push_back({"T_cur", &T_cur_});
}

// ---- CyclicLR --------------------------------------------------------------------------------------

namespace {
/// The hyper-parameter that plays momentum's role: "betas.0" (Adam-like) or "momentum" (SGD-like).
std::string momentum_option(const Optimizer& opt, const std::string& owner) {
  if (opt.has_option("betas.0")) return "betas.0";
  if (opt.has_option("momentum")) return "momentum";
  throw ValueError(::xg::detail::concat(owner, ": cycle_momentum needs an optimizer with 'momentum' or 'betas' (",
                                        opt.name(), " has none); pass cycle_momentum = false"));
}
}  // namespace

CyclicLR::CyclicLR(Optimizer& optimizer, PerGroup base_lr, PerGroup max_lr, CyclicLROptions options)
    : LRScheduler(optimizer, "CyclicLR"), o_(std::move(options)) {
  const auto base_lrs = base_lr.resolve(num_groups(), name_, "base_lr");
  max_lrs_ = max_lr.resolve(num_groups(), name_, "max_lr");
  for (std::size_t g = 0; g < num_groups(); ++g) {
    check_finite(base_lrs[g], name_, "base_lr");
    check_finite(max_lrs_[g], name_, "max_lr");
    XG_CHECK(base_lrs[g] >= 0 && max_lrs_[g] >= 0, ValueError, name_,
             ": learning rates must be non-negative, got base_lr ", base_lrs[g], " and max_lr ", max_lrs_[g],
             " for group ", g);
  }
  const double up = o_.step_size_up, down = o_.step_size_down.value_or(up);
  XG_CHECK(std::isfinite(up) && up > 0, ValueError, name_, ": step_size_up must be positive, got ", up);
  XG_CHECK(std::isfinite(down) && down >= 0, ValueError, name_, ": step_size_down must be non-negative, got ", down);
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  if (o_.scale_fn) {
    XG_CHECK(o_.scale_mode == "cycle" || o_.scale_mode == "iterations", ValueError, name_,
             ": scale_mode must be 'cycle' or 'iterations', got '", o_.scale_mode, "'");
    scale_by_cycle_ = o_.scale_mode == "cycle";
  } else {
    XG_CHECK(o_.mode == "triangular" || o_.mode == "triangular2" || o_.mode == "exp_range", ValueError, name_,
             ": mode must be 'triangular', 'triangular2' or 'exp_range' (or give a scale_fn), got '", o_.mode, "'");
    scale_by_cycle_ = o_.mode != "exp_range";
    if (o_.mode == "exp_range")
      XG_CHECK(std::isfinite(o_.gamma) && o_.gamma > 0, ValueError, name_, ": gamma must be positive, got ", o_.gamma);
  }
  std::vector<double> base_m;
  if (o_.cycle_momentum) {
    momentum_name_ = momentum_option(optimizer, name_);
    base_m = o_.base_momentum.resolve(num_groups(), name_, "base_momentum");
    max_momentums_ = o_.max_momentum.resolve(num_groups(), name_, "max_momentum");
  }
  // Every check is done: from here on the optimizer is modified.
  for (std::size_t g = 0; g < num_groups(); ++g) optimizer_->set_option(g, "lr", base_lrs[g]);
  if (o_.cycle_momentum) {
    for (std::size_t g = 0; g < num_groups(); ++g) optimizer_->set_option(g, momentum_name_, base_m[g]);
    base_momentums_.resize(num_groups());
    for (std::size_t g = 0; g < num_groups(); ++g) base_momentums_[g] = optimizer_->get_option(g, momentum_name_);
  }
  // As PyTorch, the initial step runs with base_lrs = initial_lr, then base_lr takes over.
  start();
  base_lrs_ = base_lrs;
}

double CyclicLR::scale(double x) const {
  if (o_.scale_fn) return o_.scale_fn(x);
  if (o_.mode == "triangular") return 1.0;
  if (o_.mode == "triangular2") return 1 / std::pow(2.0, x - 1);  // halves the amplitude each cycle
  return std::pow(o_.gamma, x);                                   // exp_range
}

std::vector<double> CyclicLR::get_lr() {
  const double e = static_cast<double>(last_epoch_);
  // cycle = 1-based cycle index; x = position in the cycle, in [0, 1).
  const double cycle = std::floor(1 + e / total_size_);
  const double x = 1. + e / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double s = scale(scale_by_cycle_ ? cycle : e);
  std::vector<double> lrs(base_lrs_.size());
  for (std::size_t g = 0; g < lrs.size(); ++g) {
    const double base_height = (max_lrs_[g] - base_lrs_[g]) * scale_factor;
    lrs[g] = base_lrs_[g] + base_height * s;
  }
  if (!momentum_name_.empty())
    for (std::size_t g = 0; g < lrs.size(); ++g) {
      const double base_height = (max_momentums_[g] - base_momentums_[g]) * scale_factor;
      optimizer_->set_option(g, momentum_name_, max_momentums_[g] - base_height * s);
    }
  return lrs;
}

// ---- OneCycleLR ------------------------------------------------------------------------------------

OneCycleLR::OneCycleLR(Optimizer& optimizer, PerGroup max_lr, OneCycleLROptions options)
    : LRScheduler(optimizer, "OneCycleLR"), o_(std::move(options)) {
  if (o_.total_steps) {
    XG_CHECK(*o_.total_steps > 0, ValueError, name_, ": expected a positive total_steps, got ", *o_.total_steps);
    total_steps_ = *o_.total_steps;
  } else {
    XG_CHECK(o_.epochs && o_.steps_per_epoch, ValueError, name_,
             ": give either total_steps or both epochs and steps_per_epoch");
    XG_CHECK(*o_.epochs > 0, ValueError, name_, ": expected a positive epochs, got ", *o_.epochs);
    XG_CHECK(*o_.steps_per_epoch > 0, ValueError, name_, ": expected a positive steps_per_epoch, got ",
             *o_.steps_per_epoch);
    total_steps_ = *o_.epochs * *o_.steps_per_epoch;
  }
  XG_CHECK(o_.pct_start >= 0 && o_.pct_start <= 1, ValueError, name_, ": pct_start must be in [0, 1], got ",
           o_.pct_start);
  XG_CHECK(o_.anneal_strategy == "cos" || o_.anneal_strategy == "linear", ValueError, name_,
           ": anneal_strategy must be 'cos' or 'linear', got '", o_.anneal_strategy, "'");
  XG_CHECK(std::isfinite(o_.div_factor) && o_.div_factor > 0, ValueError, name_, ": div_factor must be positive, got ",
           o_.div_factor);
  XG_CHECK(std::isfinite(o_.final_div_factor) && o_.final_div_factor > 0, ValueError, name_,
           ": final_div_factor must be positive, got ", o_.final_div_factor);
  const double T = static_cast<double>(total_steps_);
  // Phase boundaries as PyTorch computes them (float step indices; the last phase ends at T - 1).
  if (o_.three_phase)
    phases_ = {{o_.pct_start * T - 1, 0, 1, 0, 1}, {2 * o_.pct_start * T - 2, 1, 0, 1, 0}, {T - 1, 0, 2, 0, 0}};
  else phases_ = {{o_.pct_start * T - 1, 0, 1, 0, 1}, {T - 1, 1, 2, 1, 0}};
  double start_step = 0;
  for (std::size_t i = 0; i < phases_.size(); ++i) {
    // PyTorch divides by the phase length: a zero-length phase is a division by zero there.
    XG_CHECK(phases_[i].end_step != start_step, ValueError, name_, ": with total_steps=", total_steps_,
             " and pct_start=", o_.pct_start, " phase ", i,
             " of the cycle has no length; change pct_start or total_steps");
    start_step = phases_[i].end_step;
  }
  max_lrs_ = max_lr.resolve(num_groups(), name_, "max_lr");
  initial_lrs_.resize(num_groups());
  min_lrs_.resize(num_groups());
  for (std::size_t g = 0; g < num_groups(); ++g) {
    check_finite(max_lrs_[g], name_, "max_lr");
    XG_CHECK(max_lrs_[g] >= 0, ValueError, name_, ": max_lr must be non-negative, got ", max_lrs_[g]);
    initial_lrs_[g] = max_lrs_[g] / o_.div_factor;
    min_lrs_[g] = initial_lrs_[g] / o_.final_div_factor;
  }
  if (o_.cycle_momentum) {
    momentum_name_ = momentum_option(optimizer, name_);
    max_momentums_ = o_.max_momentum.resolve(num_groups(), name_, "max_momentum");
    base_momentums_ = o_.base_momentum.resolve(num_groups(), name_, "base_momentum");
  }
  // Every check is done: from here on the optimizer is modified. OneCycleLR overwrites initial_lr
  // (later schedulers take it as their base lr).
  for (std::size_t g = 0; g < num_groups(); ++g) {
    optimizer_->set_group_attribute(g, "initial_lr", initial_lrs_[g]);
    if (o_.cycle_momentum) optimizer_->set_option(g, momentum_name_, max_momentums_[g]);
  }
  start();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (o_.anneal_strategy == "cos") {
    const double cos_out = std::cos(kPi * pct) + 1;  // 2 → 0 as pct goes 0 → 1
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  XG_CHECK(last_epoch_ <= total_steps_, ValueError, name_, ": tried to step ", last_epoch_ + 1,
           " times; the specified number of total steps is ", total_steps_);
  const double step_num = static_cast<double>(last_epoch_);
  std::vector<double> lrs(num_groups());
  for (std::size_t g = 0; g < lrs.size(); ++g) {
    const double lr_at[3] = {initial_lrs_[g], max_lrs_[g], min_lrs_[g]};
    double start_step = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (step_num <= ph.end_step || i + 1 == phases_.size()) {
        double pct = (step_num - start_step) / (ph.end_step - start_step);
        // PyTorch allows one step past the cycle (step_num == total_steps, so that a loop of
        // total_steps batches can step after each) and extrapolates the last phase there, which
        // in linear mode can make the lr negative. That lr is never trained with; we hold the
        // final values instead.
        if (i + 1 == phases_.size()) pct = std::min(pct, 1.0);
        lrs[g] = anneal(lr_at[ph.start], lr_at[ph.end], pct);
        if (!momentum_name_.empty()) {
          const double m_at[2] = {max_momentums_[g], base_momentums_[g]};
          optimizer_->set_option(g, momentum_name_, anneal(m_at[ph.start_m], m_at[ph.end_m], pct));
        }
        break;
      }
      start_step = ph.end_step;
    }
  }
  return lrs;
}

// ---- ReduceLROnPlateau -----------------------------------------------------------------------------

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : SchedulerBase(optimizer, "ReduceLROnPlateau"), o_(std::move(options)) {
  XG_CHECK(o_.mode == "min" || o_.mode == "max", ValueError, name_, ": mode must be 'min' or 'max', got '", o_.mode,
           "'");
  XG_CHECK(o_.threshold_mode == "rel" || o_.threshold_mode == "abs", ValueError, name_,
           ": threshold_mode must be 'rel' or 'abs', got '", o_.threshold_mode, "'");
  XG_CHECK(o_.factor >= 0 && o_.factor < 1, ValueError, name_, ": factor must be in [0, 1), got ", o_.factor);
  XG_CHECK(o_.patience >= 0, ValueError, name_, ": patience must be non-negative, got ", o_.patience);
  XG_CHECK(o_.cooldown >= 0, ValueError, name_, ": cooldown must be non-negative, got ", o_.cooldown);
  XG_CHECK(std::isfinite(o_.threshold) && o_.threshold >= 0, ValueError, name_,
           ": threshold must be non-negative, got ", o_.threshold);
  XG_CHECK(std::isfinite(o_.eps) && o_.eps >= 0, ValueError, name_, ": eps must be non-negative, got ", o_.eps);
  min_lrs_ = o_.min_lr.resolve(num_groups(), name_, "min_lr");
  for (double m : min_lrs_)
    XG_CHECK(std::isfinite(m) && m >= 0, ValueError, name_, ": min_lr must be non-negative, got ", m);
  best_ = o_.mode == "min" ? INFINITY : -INFINITY;
  last_epoch_ = 0;
  last_lr_ = group_lrs();
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (o_.mode == "min") return o_.threshold_mode == "rel" ? a < best * (1. - o_.threshold) : a < best - o_.threshold;
  return o_.threshold_mode == "rel" ? a > best * (o_.threshold + 1.) : a > best + o_.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  XG_CHECK(num_groups() == min_lrs_.size(), ValueError, name_, ": the optimizer has ", num_groups(),
           " parameter groups but the scheduler was created for ", min_lrs_.size());
  last_epoch_ += 1;
  // A NaN metric is never better, so it counts as a bad epoch (as in PyTorch), with a warning, as
  // EarlyStopping does: a diverged loss then lowers the learning rate after `patience` epochs.
  if (std::isnan(metric))
    std::cerr << name_ << ": the metric is NaN at step " << last_epoch_
              << "; it counts as an epoch without improvement\n";
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs during the cooldown do not count
  }
  if (num_bad_epochs_ > o_.patience) {
    for (std::size_t g = 0; g < num_groups(); ++g) {
      const double old_lr = optimizer_->get_option(g, "lr");
      const double new_lr = std::max(old_lr * o_.factor, min_lrs_[g]);
      if (old_lr - new_lr > o_.eps) optimizer_->set_option(g, "lr", new_lr);
    }
    cooldown_counter_ = o_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_ = group_lrs();
}

void ReduceLROnPlateau::step(const Tensor& metric) {
  XG_CHECK(metric.defined() && metric.numel() == 1, ValueError, name_,
           ".step: the metric must be a one-element tensor, got ",
           metric.defined() ? ::xg::detail::concat("shape ", metric.sizes()) : std::string("an undefined tensor"));
  step(metric.item<double>());
}

void ReduceLROnPlateau::state_fields(std::vector<SchedulerField>& out) {
  SchedulerBase::state_fields(out);
  out.push_back({"best", &best_});
  out.push_back({"num_bad_epochs", &num_bad_epochs_});
  out.push_back({"cooldown_counter", &cooldown_counter_});
}

// ---- SequentialLR, ChainedScheduler ----------------------------------------------------------------

namespace {
void check_children(const std::vector<std::shared_ptr<LRScheduler>>& s, const Optimizer& opt,
                    const std::string& owner) {
  XG_CHECK(!s.empty(), ValueError, owner, ": got an empty list of schedulers");
  for (std::size_t i = 0; i < s.size(); ++i) {
    XG_CHECK(s[i] != nullptr, ValueError, owner, ": scheduler ", i, " is null");
    XG_CHECK(&s[i]->optimizer() == &opt, ValueError, owner,
             ": every scheduler must drive the same optimizer, but scheduler ", i, " (", s[i]->name(),
             ") drives another one");
  }
}

Optimizer& first_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& s) {
  XG_CHECK(!s.empty(), ValueError, "ChainedScheduler: got an empty list of schedulers");
  XG_CHECK(s[0] != nullptr, ValueError, "ChainedScheduler: scheduler 0 is null");
  return s[0]->optimizer();
}
}  // namespace

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<std::int64_t> milestones)
    : LRScheduler(optimizer, "SequentialLR"), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  check_children(schedulers_, optimizer, name_);
  XG_CHECK(milestones_.size() + 1 == schedulers_.size(), ValueError, name_, ": expected ", schedulers_.size() - 1,
           " milestones (one fewer than the ", schedulers_.size(), " schedulers), got ", milestones_.size());
  for (std::size_t i = 0; i < milestones_.size(); ++i)
    XG_CHECK(milestones_[i] >= 1 && (i == 0 || milestones_[i] > milestones_[i - 1]), ValueError, name_,
             ": milestones must be positive and increasing, got ", milestones_[i], " at position ", i);
  record_base_lrs();
  last_epoch_ = 0;
  // Undo what the schedulers' own construction did, then start only the first one.
  for (std::size_t g = 0; g < num_groups(); ++g) optimizer_->set_option(g, "lr", base_lrs_[g]);
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  check_ready();
  last_epoch_ += 1;
  ++step_count_;
  const auto idx = static_cast<std::size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) -
                                            milestones_.begin());
  auto& s = schedulers_[idx];
  // At its milestone a scheduler restarts from epoch 0 (its closed form when it has one).
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) s->step(0.0);
  else s->step();
  last_lr_ = s->get_last_lr();
}

void SequentialLR::step(double epoch) {
  throw ValueError(
      ::xg::detail::concat(name_, ".step(epoch): SequentialLR has no step(epoch) (got ", epoch, "); call step()"));
}

void SequentialLR::state_fields(std::vector<SchedulerField>& out) {
  LRScheduler::state_fields(out);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    std::vector<SchedulerField> child;
    schedulers_[i]->state_fields(child);
    for (auto& f : child) out.push_back({"schedulers." + std::to_string(i) + "." + f.name, f.ptr});
  }
}

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(first_optimizer(schedulers), "ChainedScheduler"), schedulers_(std::move(schedulers)) {
  check_children(schedulers_, *optimizer_, name_);
  record_base_lrs();
  last_epoch_ = 0;
  last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
  check_ready();
  for (auto& s : schedulers_) s->step();
  last_epoch_ += 1;
  ++step_count_;
  last_lr_ = group_lrs();
}

void ChainedScheduler::step(double epoch) {
  throw ValueError(
      ::xg::detail::concat(name_, ".step(epoch): ChainedScheduler has no step(epoch) (got ", epoch, "); call step()"));
}

void ChainedScheduler::state_fields(std::vector<SchedulerField>& out) {
  LRScheduler::state_fields(out);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    std::vector<SchedulerField> child;
    schedulers_[i]->state_fields(child);
    for (auto& f : child) out.push_back({"schedulers." + std::to_string(i) + "." + f.name, f.ptr});
  }
}

}  // namespace xg::optim
