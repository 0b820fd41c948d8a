// TrainingHealth: gradient norms, update ratios and dead ReLUs, and their SVG report.
#include "xgrad/train/health.hpp"
#include "xgrad/train/world.hpp"

#include <cmath>
#include <limits>

#include "xgrad/autograd.hpp"
#include "xgrad/error.hpp"
#include "xgrad/nn/conv.hpp"
#include "xgrad/nn/functional_layer.hpp"
#include "xgrad/nn/linear.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/train/plot.hpp"

namespace xg::train {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string layer_of(const std::string& param) {
  const auto dot = param.rfind('.');
  return dot == std::string::npos ? std::string("(root)") : param.substr(0, dot);
}

double sumsq(const Tensor& t) {
  double s = 0;
  for (double v : t.to_vector<double>()) s += v * v;
  return s;
}

// Whether a module's output is a ReLU's: an nn::ReLU, a Functional("relu"), or a Linear / Conv
// layer built with `.activation = "relu"` (a ReLU given as a module is its own submodule and
// matches the first case).
bool outputs_relu(const nn::Module& m) {
  if (m.name() == "ReLU") return true;
  if (const auto* f = dynamic_cast<const nn::FunctionalImpl*>(&m)) return f->function_name() == "relu";
  if (const auto* l = dynamic_cast<const nn::LinearImpl*>(&m)) return l->options.activation.name() == "relu";
  if (const auto* c = dynamic_cast<const nn::ConvImplBase*>(&m)) return c->activation().name() == "relu";
  return false;
}

// Fraction of units of a ReLU output [B, F] or [B, C, ...] that are zero for every sample (and
// every position): a unit is dim 1, the batch is dim 0.
double dead_fraction(const Tensor& out) {
  if (!out.defined() || out.dim() < 2 || out.numel() == 0) return kNaN;
  const std::int64_t b = out.size(0), c = out.size(1), inner = out.numel() / (b * c);
  const auto v = out.to_vector<double>();
  std::int64_t dead = 0;
  for (std::int64_t u = 0; u < c; ++u) {
    bool alive = false;
    for (std::int64_t i = 0; i < b && !alive; ++i)
      for (std::int64_t k = 0; k < inner && !alive; ++k) alive = v[std::size_t((i * c + u) * inner + k)] > 0;
    dead += !alive;
  }
  return double(dead) / double(c);
}

std::vector<Series> to_series(const std::vector<HealthSeries>& hs, const std::vector<double>& x) {
  std::vector<Series> out;
  for (const auto& s : hs) out.push_back({.name = s.name, .x = x, .y = s.values});
  return out;
}
}  // namespace

std::string health_svg(const HealthReport& report) {
  std::vector<double> x;
  for (auto e : report.epochs) x.push_back(double(e + 1));
  std::vector<Series> ratio;
  if (!x.empty())
    ratio.push_back({.name = "1e-3 guide",
                     .x = {x.front(), x.back()},
                     .y = {1e-3, 1e-3},
                     .color = "#999",
                     .dashed = true,
                     .markers = false});
  for (auto& s : to_series(report.update_ratio, x)) ratio.push_back(std::move(s));
  std::vector<Panel> panels = {
      {to_series(report.grad_norm, x),
       {.title = "Gradient norm per layer (mean over the epoch)",
        .xlabel = "epoch",
        .ylabel = "||grad||",
        .log_y = true,
        .integer_x = true}},
      {ratio,
       {.title = "Update / weight ratio (last step of the epoch)",
        .xlabel = "epoch",
        .ylabel = "||dw|| / ||w||",
        .log_y = true,
        .integer_x = true}},
      {to_series(report.dead_relu, x),
       {.title = "Dead ReLU units (probe batch)",
        .xlabel = "epoch",
        .ylabel = "fraction dead",
        .integer_x = true,
        .y_range = std::pair{0.0, 1.0}}},
  };
  return panels_svg(panels, 2);
}

void write_health_svg(const HealthReport& report, const std::string& path) {
  write_file_atomic(path, health_svg(report));
}

TrainingHealth::TrainingHealth(TrainingHealthOptions options) : o_(std::move(options)) {}

void TrainingHealth::on_train_begin(Logs&) {
  report_ = HealthReport();
  probe_ = o_.probe.defined() ? o_.probe : Tensor();
  layers_.clear();
  params_.clear();
  const nn::Module& m = context().model->module();
  for (const auto& item : m.named_parameters()) {
    params_.push_back(item.key());
    const auto layer = layer_of(item.key());
    if (layers_.empty() || layers_.back() != layer) {
      bool seen = false;
      for (const auto& l : layers_) seen = seen || l == layer;
      if (!seen) layers_.push_back(layer);
    }
  }
  for (const auto& l : layers_) report_.grad_norm.push_back({l, {}});
  for (const auto& p : params_) report_.update_ratio.push_back({p, {}});
  for (const auto& item : context().model->module().named_modules())
    if (outputs_relu(*item.value())) report_.dead_relu.push_back({item.key().empty() ? "(root)" : item.key(), {}});
}

void TrainingHealth::on_batch_begin(std::int64_t batch, Logs&) {
  TrainContext& ctx = context();
  if (batch == 0) {
    grad_sum_.assign(layers_.size(), 0.0);
    steps_ = 0;
    ratio_.assign(params_.size(), kNaN);
    if (!probe_.defined() && ctx.batch) probe_ = ctx.batch->data.detach().clone();
  }
  before_.clear();
  if (batch == ctx.steps_per_epoch - 1) {
    NoGradGuard no_grad;
    for (const auto& item : ctx.model->module().named_parameters()) before_.push_back(item.value().detach().clone());
  }
}

void TrainingHealth::on_batch_end(std::int64_t, Logs&) {
  const nn::Module& m = context().model->module();
  std::vector<double> sq(layers_.size(), 0.0);
  std::size_t i = 0;
  for (const auto& item : m.named_parameters()) {
    const Tensor& g = item.value().grad();
    if (g.defined()) {
      const auto layer = layer_of(item.key());
      for (std::size_t l = 0; l < layers_.size(); ++l)
        if (layers_[l] == layer) sq[l] += sumsq(g);
    }
    if (!before_.empty() && i < before_.size()) {
      NoGradGuard no_grad;
      const double w = std::sqrt(sumsq(before_[i]));
      const double dw = std::sqrt(sumsq(item.value().detach() - before_[i]));
      ratio_[i] = w > 0 ? dw / w : (dw > 0 ? INFINITY : 0.0);
    }
    ++i;
  }
  for (std::size_t l = 0; l < layers_.size(); ++l) grad_sum_[l] += std::sqrt(sq[l]);
  ++steps_;
  before_.clear();
}

void TrainingHealth::on_epoch_end(std::int64_t epoch, Logs&) {
  report_.epochs.push_back(epoch);
  for (std::size_t l = 0; l < layers_.size(); ++l)
    report_.grad_norm[l].values.push_back(steps_ > 0 ? grad_sum_[l] / double(steps_) : kNaN);
  for (std::size_t p = 0; p < params_.size(); ++p)
    report_.update_ratio[p].values.push_back(p < ratio_.size() ? ratio_[p] : kNaN);
  if (report_.dead_relu.empty()) return;
  // One probe forward in eval mode with hooks on every ReLU output, recording the dead fraction.
  nn::Module& module = context().model->module();
  std::vector<double> dead(report_.dead_relu.size(), kNaN);
  std::vector<std::pair<nn::ModulePtr, nn::HookHandle>> hooks;
  std::size_t k = 0;
  for (const auto& item : module.named_modules()) {
    if (!outputs_relu(*item.value())) continue;
    const std::size_t slot = k++;
    hooks.emplace_back(
        item.value(), item.value()->register_forward_hook([&dead, slot](nn::Module&, const Tensor&, const Tensor& out) {
          dead[slot] = dead_fraction(out);
          return Tensor();
        }));
  }
  const bool was_training = module.is_training();
  try {
    NoGradGuard no_grad;
    module.eval();
    if (probe_.defined()) (*context().model)(probe_);
  } catch (...) {
    module.train(was_training);
    for (auto& [m, h] : hooks) m->remove_hook(h);
    throw;
  }
  module.train(was_training);
  for (auto& [m, h] : hooks) m->remove_hook(h);
  for (std::size_t r = 0; r < dead.size(); ++r) report_.dead_relu[r].values.push_back(dead[r]);
}

void TrainingHealth::on_train_end(Logs&) {
  if (!o_.svg_path.empty() && is_rank_zero(context().world))
    write_health_svg(report_, o_.svg_path);  // files on rank 0 only
}

}  // namespace xg::train
