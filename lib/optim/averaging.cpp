// Exponential moving averages of parameters, stochastic weight averaging and its lr schedule.
#include "xgrad/optim/averaging.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <sstream>

#include "xgrad/autograd.hpp"
#include "xgrad/nn/normalization.hpp"
#include "xgrad/ops.hpp"

namespace xg::optim {

namespace {
[[noreturn]] void report(const std::string& owner, const std::string& what, const std::vector<std::string>& problems) {
  std::ostringstream msg;
  msg << owner << ": " << what << " found " << problems.size() << " problem" << (problems.size() > 1 ? "s" : "") << ":";
  for (const auto& p : problems) msg << "\n  " << p;
  throw ValueError(msg.str());
}
}  // namespace

// ---- ExponentialMovingAverage ---------------------------------------------------------------------

ExponentialMovingAverage::ExponentialMovingAverage(std::vector<Tensor> params, double decay,
                                                   ExponentialMovingAverageOptions options)
    : tracked_(std::move(params)), options_(options) {
  XG_CHECK(!tracked_.empty(), ValueError, "ExponentialMovingAverage: got an empty parameter list");
  XG_CHECK(!options_.include_buffers, ValueError,
           "ExponentialMovingAverage: include_buffers needs a module (a tensor list has no buffers)");
  for (std::size_t i = 0; i < tracked_.size(); ++i) {
    XG_CHECK(tracked_[i].defined(), ValueError, "ExponentialMovingAverage: tensor ", i, " is undefined");
    XG_CHECK(tracked_[i].is_floating_point(), DtypeError, "ExponentialMovingAverage: tensor ", i,
             " must be floating point to be averaged, got ", tracked_[i].dtype());
    names_.push_back(std::to_string(i));
  }
  init(decay);
}

ExponentialMovingAverage::ExponentialMovingAverage(const nn::Module& module, double decay,
                                                   ExponentialMovingAverageOptions options)
    : by_name_(true), options_(options) {
  for (const auto& item : module.named_parameters()) {
    tracked_.push_back(item.second);
    names_.push_back(item.first);
  }
  if (options_.include_buffers)
    for (const auto& item : module.named_buffers()) {
      tracked_.push_back(item.second);
      names_.push_back(item.first);
    }
  XG_CHECK(!tracked_.empty(), ValueError, "ExponentialMovingAverage: ", module.name(), " has no parameters to average");
  init(decay);
}

void ExponentialMovingAverage::init(double decay) {
  XG_CHECK(decay >= 0 && decay <= 1, ValueError, "ExponentialMovingAverage: decay must be in [0, 1], got ", decay);
  XG_CHECK(!(options_.use_num_updates && options_.warmup), ValueError,
           "ExponentialMovingAverage: use_num_updates and warmup are two different warm-ups; choose one");
  if (options_.warmup) {
    XG_CHECK(std::isfinite(options_.warmup_gamma) && options_.warmup_gamma > 0, ValueError,
             "ExponentialMovingAverage: warmup_gamma must be positive, got ", options_.warmup_gamma);
    XG_CHECK(std::isfinite(options_.warmup_power) && options_.warmup_power > 0, ValueError,
             "ExponentialMovingAverage: warmup_power must be positive, got ", options_.warmup_power);
  }
  decay_ = decay;
  NoGradGuard ng;
  for (const auto& t : tracked_) {
    shadow_.push_back(t.detach().clone());
    averaged_.push_back(t.is_floating_point());
  }
}

double ExponentialMovingAverage::decay_at(std::int64_t t) const {
  const double n = static_cast<double>(t);
  if (options_.use_num_updates) return std::min(decay_, (1 + n) / (10 + n));
  if (options_.warmup)
    return std::max(0.0, std::min(decay_, 1 - std::pow(1 + n / options_.warmup_gamma, -options_.warmup_power)));
  return decay_;
}

void ExponentialMovingAverage::update() {
  NoGradGuard ng;
  const double d = decay_at(num_updates_ + 1);
  for (std::size_t i = 0; i < tracked_.size(); ++i) {
    XG_CHECK(tracked_[i].sizes() == shadow_[i].sizes(), ShapeError, "ExponentialMovingAverage.update: '", names_[i],
             "' now has shape ", tracked_[i].sizes(), " but its average has shape ", shadow_[i].sizes());
    if (!averaged_[i]) {
      shadow_[i].copy_(tracked_[i]);
      continue;
    }
    // shadow ← shadow − (1 − d)(shadow − param): the same as d·shadow + (1 − d)·param, written so
    // that d = 1 leaves the shadow bit-for-bit unchanged.
    shadow_[i].sub_((shadow_[i] - tracked_[i].detach()) * (1.0 - d));
  }
  ++num_updates_;
}

void ExponentialMovingAverage::copy_to() {
  NoGradGuard ng;
  for (std::size_t i = 0; i < tracked_.size(); ++i) tracked_[i].copy_(shadow_[i]);
}

void ExponentialMovingAverage::apply_to(nn::Module& module) const {
  NoGradGuard ng;
  std::vector<std::string> problems;
  std::vector<Tensor> targets(shadow_.size());  // undefined where the module lacks the tensor
  if (by_name_) {
    auto params = module.named_parameters();
    auto buffers = module.named_buffers();
    for (std::size_t i = 0; i < names_.size(); ++i) {
      const Tensor* t = params.find(names_[i]);
      if (!t && options_.include_buffers) t = buffers.find(names_[i]);
      if (!t) problems.push_back("'" + names_[i] + "' is missing from " + module.name());
      else targets[i] = *t;
    }
  } else {
    auto params = module.parameters();
    if (params.size() != shadow_.size())
      problems.push_back(::xg::detail::concat(module.name(), " has ", params.size(), " parameters but ", shadow_.size(),
                                              " tensors are averaged"));
    else targets = params;
  }
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (targets[i].defined() && targets[i].sizes() != shadow_[i].sizes())
      problems.push_back(::xg::detail::concat("'", names_[i], "' has shape ", targets[i].sizes(), " in ", module.name(),
                                              " but ", shadow_[i].sizes(), " in the average"));
  if (!problems.empty()) report("ExponentialMovingAverage", "apply_to", problems);
  for (std::size_t i = 0; i < targets.size(); ++i) targets[i].copy_(shadow_[i]);
}

void ExponentialMovingAverage::store() {
  NoGradGuard ng;
  stored_.clear();
  for (const auto& t : tracked_) stored_.push_back(t.detach().clone());
}

void ExponentialMovingAverage::restore() {
  XG_CHECK(!stored_.empty(), ValueError, "ExponentialMovingAverage.restore: nothing was stored (call store() first)");
  NoGradGuard ng;
  for (std::size_t i = 0; i < tracked_.size(); ++i) tracked_[i].copy_(stored_[i]);
  stored_.clear();
}

void ExponentialMovingAverage::swap() {
  NoGradGuard ng;
  for (std::size_t i = 0; i < tracked_.size(); ++i) {
    Tensor current = tracked_[i].detach().clone();
    tracked_[i].copy_(shadow_[i]);
    shadow_[i].copy_(current);
  }
}

ExponentialMovingAverage::Scope::Scope(ExponentialMovingAverage& ema) : ema_(&ema) {
  ema_->store();
  ema_->copy_to();
}
ExponentialMovingAverage::Scope::~Scope() { ema_->restore(); }

StateDict ExponentialMovingAverage::state_dict() const {
  StateDict out;
  out.insert("decay", scalar_tensor(decay_, kFloat64));
  out.insert("num_updates", scalar_tensor(num_updates_, kInt64));
  for (std::size_t i = 0; i < shadow_.size(); ++i) out.insert("shadow." + names_[i], shadow_[i].detach().clone());
  return out;
}

void ExponentialMovingAverage::load_state_dict(const StateDict& state) {
  std::vector<std::string> problems;
  std::set<std::string> known{"decay", "num_updates"};
  for (const char* key : {"decay", "num_updates"}) {
    const Tensor* t = state.find(key);
    if (!t) problems.push_back(std::string("missing '") + key + "'");
    else if (!t->defined() || t->numel() != 1) problems.push_back(std::string("'") + key + "' should hold one value");
  }
  if (const Tensor* d = state.find("decay"); d && d->defined() && d->numel() == 1) {
    const double v = d->item<double>();
    if (!(v >= 0 && v <= 1)) problems.push_back(::xg::detail::concat("'decay' must be in [0, 1], got ", v));
  }
  for (std::size_t i = 0; i < shadow_.size(); ++i) {
    const std::string key = "shadow." + names_[i];
    known.insert(key);
    const Tensor* t = state.find(key);
    if (!t || !t->defined()) problems.push_back("missing '" + key + "'");
    else if (t->sizes() != shadow_[i].sizes())
      problems.push_back(::xg::detail::concat("'", key, "' has shape ", t->sizes(), " but the average has shape ",
                                              shadow_[i].sizes()));
  }
  for (const auto& item : state)
    if (!known.count(item.first)) problems.push_back("unexpected '" + item.first + "'");
  if (!problems.empty()) report("ExponentialMovingAverage", "load_state_dict", problems);
  NoGradGuard ng;
  decay_ = state["decay"].item<double>();
  num_updates_ = state["num_updates"].item<std::int64_t>();
  for (std::size_t i = 0; i < shadow_.size(); ++i) shadow_[i].copy_(state["shadow." + names_[i]]);
}

// ---- AveragedModel ----------------------------------------------------------------------------------

AveragedModelImpl::AveragedModelImpl(const nn::Module& model, AveragedModelOptions options)
    : nn::Module("AveragedModel"), options_(std::move(options)) {
  module_ = register_module("module", model.clone());
  n_averaged_ = register_buffer("n_averaged", zeros({}, kInt64));
}

Tensor AveragedModelImpl::forward(const Tensor& input) { return (*module_)(input); }

std::int64_t AveragedModelImpl::n_averaged() const { return n_averaged_.item<std::int64_t>(); }

std::vector<std::pair<Tensor, Tensor>> AveragedModelImpl::pairs(const nn::Module& model, const char* op) const {
  std::vector<std::string> problems;
  std::vector<std::pair<Tensor, Tensor>> out;
  auto match = [&](const OrderedDict<std::string, Tensor>& mine, const OrderedDict<std::string, Tensor>& theirs) {
    for (const auto& item : mine) {
      const Tensor* t = theirs.find(item.first);
      if (!t) problems.push_back("'" + item.first + "' is missing from " + model.name());
      else if (t->sizes() != item.second.sizes())
        problems.push_back(::xg::detail::concat("'", item.first, "' has shape ", t->sizes(), " in ", model.name(),
                                                " but ", item.second.sizes(), " in the average"));
      else out.emplace_back(item.second, *t);
    }
    for (const auto& item : theirs)
      if (!mine.contains(item.first)) problems.push_back("unexpected '" + item.first + "' in " + model.name());
  };
  match(module_->named_parameters(), model.named_parameters());
  if (options_.use_buffers) match(module_->named_buffers(), model.named_buffers());
  if (!problems.empty()) report("AveragedModel", op, problems);
  return out;
}

void AveragedModelImpl::update_parameters(const nn::Module& model) {
  const auto ps = pairs(model, "update_parameters");
  NoGradGuard ng;
  const std::int64_t n = n_averaged();
  for (auto [avg, cur] : ps) {
    const Tensor current = cur.detach();
    if (n == 0 || !avg.is_floating_point()) {
      avg.copy_(current);  // the first snapshot, and integer buffers (counters), are copied
    } else if (options_.avg_fn) {
      avg.copy_(options_.avg_fn(avg.detach(), current, n));
    } else {
      // Running mean of n + 1 snapshots: a + (x − a) / (n + 1).
      avg.copy_(avg + (current - avg) / static_cast<double>(n + 1));
    }
  }
  n_averaged_.add_(1);
}

void AveragedModelImpl::swap(nn::Module& model) {
  const auto ps = pairs(model, "swap");
  NoGradGuard ng;
  for (auto [avg, cur] : ps) {
    Tensor held = cur.detach().clone();
    cur.copy_(avg);
    avg.copy_(held);
  }
}

// ---- SWALR ------------------------------------------------------------------------------------------

SWALR::SWALR(Optimizer& optimizer, PerGroup swa_lr, SWALROptions options)
    : LRScheduler(optimizer, "SWALR"), o_(std::move(options)) {
  swa_lrs_ = swa_lr.resolve(num_groups(), name_, "swa_lr");
  for (double v : swa_lrs_)
    XG_CHECK(std::isfinite(v) && v >= 0, ValueError, name_, ": swa_lr must be non-negative and finite, got ", v);
  XG_CHECK(o_.anneal_strategy == "cos" || o_.anneal_strategy == "linear", ValueError, name_,
           ": anneal_strategy must be 'cos' or 'linear', got '", o_.anneal_strategy, "'");
  XG_CHECK(o_.anneal_epochs >= 0, ValueError, name_, ": anneal_epochs must be >= 0, got ", o_.anneal_epochs);
  start();
}

double SWALR::anneal(double t) const {
  return o_.anneal_strategy == "cos" ? (1 - std::cos(std::numbers::pi * t)) / 2 : t;
}

std::vector<double> SWALR::get_lr() {
  // lr_t = swa_lr α(t) + lr_0 (1 − α(t)), t = step / anneal_epochs clipped to [0, 1]. lr_0 is not
  // stored: it is recovered from the current lr and the previous step's α, which keeps the
  // schedule chainable after another scheduler.
  std::int64_t step = step_count_ - 1;
  if (o_.anneal_epochs == 0) step = std::max<std::int64_t>(1, step);
  const double span = static_cast<double>(std::max<std::int64_t>(1, o_.anneal_epochs));
  const double prev_alpha = anneal(std::max(0.0, std::min(1.0, static_cast<double>(step - 1) / span)));
  const double alpha = anneal(std::max(0.0, std::min(1.0, static_cast<double>(step) / span)));
  auto lrs = group_lrs();
  for (std::size_t g = 0; g < lrs.size(); ++g) {
    const double lr0 = prev_alpha == 1 ? swa_lrs_[g] : (lrs[g] - prev_alpha * swa_lrs_[g]) / (1 - prev_alpha);
    lrs[g] = swa_lrs_[g] * alpha + lr0 * (1 - alpha);
  }
  return lrs;
}

// ---- update_bn -------------------------------------------------------------------------------------

namespace detail {

UpdateBnScope::UpdateBnScope(nn::Module& model) : model_(&model) {
  model.apply([this](nn::Module& m) {
    modes_.emplace_back(&m, m.is_training());
    if (auto* bn = dynamic_cast<nn::BatchNormImplBase*>(&m)) { momenta_.emplace_back(bn, bn->options.momentum); }
  });
  if (momenta_.empty()) return;
  // torch.optim.swa_utils.update_bn: zero statistics, momentum None (the k-th batch gets weight
  // 1/k, so the result is the plain average over the pass), the whole model in training mode.
  for (auto& [bn, momentum] : momenta_) {
    bn->reset_running_stats();
    bn->options.momentum = std::nullopt;
  }
  model.train(true);
}

UpdateBnScope::~UpdateBnScope() {
  for (auto& [bn, momentum] : momenta_) bn->options.momentum = momentum;
  if (momenta_.empty()) return;
  // Each module's own flag, not model.train(was_training): a submodule kept in eval mode stays so.
  // apply() visits children before parents, so walking backwards sets every parent before its
  // descendants, and each descendant's own flag is the last one written.
  for (auto it = modes_.rbegin(); it != modes_.rend(); ++it) it->first->train(it->second);
}

void UpdateBnScope::forward(const Tensor& input) {
  NoGradGuard no_grad;
  (*model_)(input);
}

}  // namespace detail

}  // namespace xg::optim
