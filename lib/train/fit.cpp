// fit / evaluate / predict, the Callback base and History.
#include "xgrad/train/fit.hpp"

#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>
#include <utility>

#include "xgrad/autograd.hpp"
#include "xgrad/error.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/train/progress.hpp"

namespace xg::train {

// ---- Model --------------------------------------------------------------------------------------

Model::Model(nn::ModulePtr module) : module_(std::move(module)) {
  XG_CHECK(module_ != nullptr, ValueError, "train::Model: the module handle is empty");
  forward_ = [m = module_.get()](const Tensor& x) { return (*m)(x); };
}

Model::Model(nn::ModulePtr module, ForwardFn forward) : module_(std::move(module)), forward_(std::move(forward)) {
  XG_CHECK(module_ != nullptr, ValueError, "train::Model: the module handle is empty");
  XG_CHECK(forward_ != nullptr, ValueError, "train::Model: the forward function is empty");
}

// ---- Callback and History -------------------------------------------------------------------------

Callback::~Callback() = default;
void Callback::on_train_begin(Logs&) {}
void Callback::on_train_end(Logs&) {}
void Callback::on_epoch_begin(std::int64_t, Logs&) {}
void Callback::on_epoch_end(std::int64_t, Logs&) {}
void Callback::on_batch_begin(std::int64_t, Logs&) {}
void Callback::on_batch_end(std::int64_t, Logs&) {}

TrainContext& Callback::context() const {
  XG_CHECK(context_ != nullptr, ValueError, "Callback::context: only available while fit() runs");
  return *context_;
}

void History::on_train_begin(Logs&) {
  epochs_.clear();
  values_.clear();
}

void History::on_epoch_end(std::int64_t epoch, Logs& logs) { record(epoch, logs); }

void History::record(std::int64_t epoch, const Logs& logs) {
  const std::size_t n = epochs_.size();
  for (const auto& [key, value] : logs) {
    auto& v = values_[key];
    v.resize(n, std::numeric_limits<double>::quiet_NaN());
    v.push_back(value);
  }
  epochs_.push_back(epoch);
  for (auto& [key, v] : values_) v.resize(n + 1, std::numeric_limits<double>::quiet_NaN());
}

const std::vector<double>& History::operator[](const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    std::string known;
    for (const auto& [k, v] : values_) known += (known.empty() ? "" : ", ") + k;
    throw IndexError("History: no key '" + key + "' (recorded: " + (known.empty() ? "none" : known) + ")");
  }
  return it->second;
}

std::vector<std::string> History::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : values_) out.push_back(k);
  return out;
}

// ---- the loops ------------------------------------------------------------------------------------

namespace {

double loss_value(const Tensor& loss, const char* where) {
  XG_CHECK(loss.defined() && loss.numel() == 1, ValueError, where,
           ": the loss function must return a one-element tensor, got ", loss.defined() ? loss.shape() : Shape{},
           " (use a mean or sum reduction)");
  return loss.item<double>();
}

std::int64_t batch_size_of(const data::Batch& b) { return b.data.defined() && b.data.dim() > 0 ? b.data.size(0) : 1; }

// Puts the module in eval mode for the scope and restores its mode (and grad mode) afterwards.
struct EvalScope {
  explicit EvalScope(nn::Module& m) : module(m), was_training(m.is_training()) { module.eval(); }
  ~EvalScope() { module.train(was_training); }
  nn::Module& module;
  bool was_training;
  NoGradGuard no_grad;
};

std::vector<std::shared_ptr<metrics::Metric>> make_all(const std::vector<metrics::MetricSpec>& specs) {
  std::vector<std::shared_ptr<metrics::Metric>> out;
  for (const auto& s : specs) out.push_back(s.make());
  return out;
}

bool several(const World* world) { return world != nullptr && world->size() > 1; }

/// "loss" (when with_loss) and the metrics over the samples of every rank (Note [fit across ranks]).
/// Each rank contributes [loss_sum, count, then per metric: compute(), state length, state…]; the
/// gathered contributions are combined in rank order on every rank, so every rank gets the same bits.
Logs combine(World* world, bool with_loss, double loss_sum, std::int64_t count,
             const std::vector<std::shared_ptr<metrics::Metric>>& ms) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  Logs logs;
  if (!several(world)) {
    if (with_loss) logs["loss"] = count > 0 ? loss_sum / double(count) : nan;
    for (auto& m : ms) logs[m->name()] = m->compute();
    return logs;
  }
  std::vector<double> mine{loss_sum, double(count)};
  for (auto& m : ms) {
    const auto st = m->state();
    mine.push_back(m->compute());
    mine.push_back(double(st.size()));
    mine.insert(mine.end(), st.begin(), st.end());
  }
  const auto all = all_gather(*world, mine);
  double total_loss = 0, total_count = 0;
  for (const auto& r : all) total_loss += r[0], total_count += r[1];
  if (with_loss) logs["loss"] = total_count > 0 ? total_loss / total_count : nan;
  std::vector<std::size_t> pos(all.size(), 2);
  for (const auto& m : ms) {
    bool mergeable = true;
    double weighted = 0, values = 0;
    std::vector<std::vector<double>> states;
    for (std::size_t r = 0; r < all.size(); ++r) {
      const auto& v = all[r];
      const auto len = static_cast<std::size_t>(v[pos[r] + 1]);
      weighted += v[pos[r]] * v[1];
      values += v[pos[r]];
      states.emplace_back(v.begin() + static_cast<std::ptrdiff_t>(pos[r] + 2),
                          v.begin() + static_cast<std::ptrdiff_t>(pos[r] + 2 + len));
      mergeable = mergeable && len > 0;
      pos[r] += 2 + len;
    }
    if (mergeable) {
      auto merged = m->clone();
      merged->reset();
      for (const auto& st : states) merged->merge_state(st);
      logs[m->name()] = merged->compute();
    } else {
      logs[m->name()] = total_count > 0 ? weighted / total_count : values / double(all.size());
    }
  }
  return logs;
}

/// Every rank's logs become rank 0's (same keys everywhere, by construction).
void broadcast_logs(World* world, Logs& logs) {
  if (!several(world)) return;
  std::vector<double> v;
  for (const auto& [k, x] : logs) v.push_back(x);
  world->broadcast(v, 0);
  std::size_t i = 0;
  for (auto& [k, x] : logs) x = v[i++];
}

/// True on every rank when any rank asked to stop.
bool any_rank(World* world, bool flag) {
  if (!several(world)) return flag;
  std::vector<double> v{flag ? 1.0 : 0.0};
  world->all_reduce_sum(v);
  return v[0] > 0;
}

std::ostream& null_stream() {
  static std::ostream sink(nullptr);  // no buffer: every write is dropped
  return sink;
}

}  // namespace

Logs evaluate(const Model& model, const LossFn& loss_fn, data::DataLoader& loader,
              const std::vector<metrics::MetricSpec>& metric_specs) {
  return evaluate(model, loss_fn, loader, EvaluateOptions{.metrics = metric_specs});
}

Logs evaluate(const Model& model, const LossFn& loss_fn, data::DataLoader& loader, const EvaluateOptions& options) {
  auto ms = make_all(options.metrics);
  EvalScope scope(model.module());
  double loss_sum = 0;
  std::int64_t count = 0;
  for (auto& batch : loader) {
    Tensor out = model(batch.data);
    const std::int64_t b = batch_size_of(batch);
    if (loss_fn) loss_sum += loss_value(loss_fn(out, batch.target), "evaluate") * double(b);
    count += b;
    for (auto& m : ms) m->update(out, batch.target);
  }
  Logs logs = combine(options.world.get(), static_cast<bool>(loss_fn), loss_sum, count, ms);
  broadcast_logs(options.world.get(), logs);
  return logs;
}

Tensor predict(const Model& model, data::DataLoader& loader) {
  EvalScope scope(model.module());
  TensorList outs;
  for (auto& batch : loader) outs.push_back(model(batch.data));
  XG_CHECK(!outs.empty(), ValueError, "predict: the loader yielded no batch");
  return outs.size() == 1 ? outs[0] : cat(outs, 0);
}

Tensor predict(const Model& model, const Tensor& input, std::int64_t batch_size) {
  XG_CHECK(input.defined(), ValueError, "predict: the input is undefined");
  XG_CHECK(batch_size >= 0, ValueError, "predict: batch_size must be >= 0, got ", batch_size);
  EvalScope scope(model.module());
  if (batch_size == 0 || input.dim() == 0 || input.size(0) <= batch_size) return model(input);
  TensorList outs;
  for (std::int64_t s = 0; s < input.size(0); s += batch_size)
    outs.push_back(model(input.slice(0, s, std::min(s + batch_size, input.size(0)))));
  return cat(outs, 0);
}

namespace {

using Callbacks = std::vector<std::shared_ptr<Callback>>;

void check_fit_options(const LossFn& loss_fn, const FitOptions& options) {
  XG_CHECK(loss_fn != nullptr, ValueError, "fit: the loss function is empty");
  XG_CHECK(options.epochs >= 0 && options.initial_epoch >= 0, ValueError, "fit: epochs (", options.epochs,
           ") and initial_epoch (", options.initial_epoch, ") must be >= 0");
  XG_CHECK(options.verbose >= 0 && options.verbose <= 2, ValueError, "fit: verbose must be 0, 1 or 2, got ",
           options.verbose);
}

/// Every rank takes the same number of steps per epoch (each step's collectives pair up across ranks).
void check_same_steps(World& world, const data::DataLoader& train) {
  const auto steps = all_gather(world, {double(train.size())});
  bool same = true;
  std::ostringstream counts;
  for (std::size_t r = 0; r < steps.size(); ++r) {
    same = same && steps[r][0] == steps[0][0];
    counts << (r ? ", " : "") << "rank " << r << ": " << static_cast<std::int64_t>(steps[r][0]);
  }
  XG_CHECK(same, ValueError, "fit: the ranks' training loaders yield different numbers of batches per epoch (",
           counts.str(), "); every rank must take the same number of steps (use a DistributedSampler)");
}

/// The callbacks in the order they are called: the progress bar (when verbose, on rank 0), the
/// user's (off rank 0 only those not rank_zero_only), and the history last.
Callbacks make_callbacks(const FitOptions& options, bool lead, std::ostream& out, std::shared_ptr<History> history) {
  Callbacks callbacks;
  if (options.verbose > 0 && lead)
    callbacks.push_back(
        std::make_shared<ProgressBar>(ProgressBarOptions{.out = &out, .tty = options.verbose == 2 ? 0 : -1}));
  for (const auto& cb : options.callbacks) {
    XG_CHECK(cb != nullptr, ValueError, "fit: a null callback in options.callbacks");
    if (lead || !cb->rank_zero_only()) callbacks.push_back(cb);
  }
  callbacks.push_back(std::move(history));
  return callbacks;
}

/// The summed loss (weighted by batch size) and the sample count of one epoch's training steps.
struct EpochTotals {
  double loss_sum = 0;
  std::int64_t count = 0;
};

/// One epoch of optimizer steps over `train`, with the batch callbacks around each; stops early
/// when a callback (on any rank) sets stop_training.
EpochTotals train_epoch(const Model& model, const LossFn& loss_fn, optim::Optimizer& optimizer, data::DataLoader& train,
                        TrainContext& ctx, const Callbacks& callbacks,
                        const std::vector<std::shared_ptr<metrics::Metric>>& train_metrics) {
  EpochTotals totals;
  std::int64_t b = 0;
  for (auto& batch : train) {
    Logs batch_logs{{"size", double(batch_size_of(batch))}};
    ctx.batch = &batch;
    for (auto& cb : callbacks) cb->on_batch_begin(b, batch_logs);
    Tensor first_output;
    bool first = true;
    Tensor loss = optimizer.step([&] {
      optimizer.zero_grad();
      Tensor output = model(batch.data);
      Tensor l = loss_fn(output, batch.target);
      loss_value(l, "fit");
      l.backward();
      if (first) first_output = output.detach(), first = false;
      return l;
    });
    const double lv = loss_value(loss, "fit");
    const std::int64_t n = batch_size_of(batch);
    totals.loss_sum += lv * double(n);
    totals.count += n;
    {
      NoGradGuard no_grad;
      for (auto& m : train_metrics) m->update(first_output, batch.target);
    }
    ctx.output = first_output;
    ctx.loss = loss.detach();
    ++ctx.global_step;
    batch_logs["batch_loss"] = lv;
    batch_logs["loss"] = totals.loss_sum / double(totals.count);
    for (auto& m : train_metrics) batch_logs[m->name()] = m->compute();
    for (auto& cb : callbacks) cb->on_batch_end(b, batch_logs);
    ctx.batch = nullptr;
    ctx.output = Tensor();
    ctx.loss = Tensor();
    ++b;
    ctx.stop_training = any_rank(ctx.world, ctx.stop_training);
    if (ctx.stop_training) break;
  }
  return totals;
}

}  // namespace

History fit(const Model& model, const LossFn& loss_fn, optim::Optimizer& optimizer, data::DataLoader& train,
            FitOptions options) {
  check_fit_options(loss_fn, options);
  World* world = options.world.get();
  const bool lead = is_rank_zero(world);
  // Off rank 0 nothing is printed (Note [fit across ranks]).
  std::ostream& out = !lead ? null_stream() : options.out ? *options.out : std::cout;
  if (several(world)) check_same_steps(*world, train);

  TrainContext ctx;
  ctx.model = &model;
  ctx.optimizer = &optimizer;
  ctx.epochs = options.epochs;
  ctx.initial_epoch = options.initial_epoch;
  ctx.steps_per_epoch = train.size();
  ctx.verbose = lead ? options.verbose : 0;
  ctx.out = &out;
  ctx.world = world;

  auto history = std::make_shared<History>();
  Callbacks callbacks = make_callbacks(options, lead, out, history);
  for (auto& cb : callbacks) cb->set_context(&ctx);
  struct ClearContext {
    Callbacks& cbs;
    ~ClearContext() {
      for (auto& cb : cbs) cb->set_context(nullptr);
    }
  } clear{callbacks};

  auto train_metrics = make_all(options.metrics);
  nn::Module& module = model.module();

  Logs train_logs;
  for (auto& cb : callbacks) cb->on_train_begin(train_logs);
  for (std::int64_t epoch = options.initial_epoch; epoch < options.epochs && !ctx.stop_training; ++epoch) {
    ctx.epoch = epoch;
    Logs epoch_logs;
    for (auto& cb : callbacks) cb->on_epoch_begin(epoch, epoch_logs);
    module.train();
    for (auto& m : train_metrics) m->reset();
    const EpochTotals totals = train_epoch(model, loss_fn, optimizer, train, ctx, callbacks, train_metrics);
    // Only what fit computes is broadcast: callbacks may have added keys on some ranks only.
    Logs computed = combine(world, true, totals.loss_sum, totals.count, train_metrics);
    if (options.validation) {
      for (const auto& [k, v] :
           evaluate(model, loss_fn, *options.validation, {.metrics = options.metrics, .world = options.world}))
        computed["val_" + k] = v;
      module.train();
    }
    computed["lr"] = optimizer.has_option("lr") ? optimizer.lr(0) : std::numeric_limits<double>::quiet_NaN();
    broadcast_logs(world, computed);
    for (const auto& [k, v] : computed) epoch_logs[k] = v;
    for (auto& cb : callbacks) cb->on_epoch_end(epoch, epoch_logs);
    ctx.stop_training = any_rank(world, ctx.stop_training);
  }
  Logs end_logs;
  for (auto& cb : callbacks) cb->on_train_end(end_logs);
  History result = *history;
  result.set_context(nullptr);
  return result;
}

}  // namespace xg::train
