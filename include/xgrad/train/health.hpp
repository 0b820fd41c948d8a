// xgrad — training-health diagnostics, recorded per epoch by the TrainingHealth callback:
// gradient norms per layer, update-to-weight ratios per parameter tensor, and the fraction of
// dead ReLU units on a probe batch; written as an SVG report (see docs/training.md for how to read it).
//
//   auto health = std::make_shared<xg::train::TrainingHealth>(xg::train::TrainingHealthOptions{.svg_path =
//   "health.svg"}); xg::train::fit(net, ce, opt, loader, {.epochs = 10, .callbacks = {health}});
//   health->report().dead_relu;   // per ReLU module, one fraction per epoch
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "xgrad/train/callback.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::train {

/// One named quantity, one value per recorded epoch (NaN when it could not be measured).
struct HealthSeries {
  /// the layer or parameter name
  std::string name;
  /// one value per epoch
  std::vector<double> values;
};

/// What TrainingHealth measured, epoch by epoch.
struct HealthReport {
  /// the epochs recorded (0-based)
  std::vector<std::int64_t> epochs;
  /// Per layer (the module path owning the parameters, e.g. "0" or "features.3"): the L2 norm of
  /// all its parameters' gradients together, averaged over the epoch's steps.
  std::vector<HealthSeries> grad_norm;
  /// Per parameter tensor ("0.weight"): ‖w_after − w_before‖ / ‖w_before‖ over the epoch's last step.
  std::vector<HealthSeries> update_ratio;
  /// Per module whose output is a ReLU's (nn::ReLU, Functional("relu"), a Linear / Conv layer with
  /// activation "relu"): the fraction of its units whose output is 0 for every sample of the probe
  /// batch (a unit is a feature of a [B, F] output, a channel of a [B, C, …] one).
  std::vector<HealthSeries> dead_relu;
};

/// The report as an SVG of three panels (gradient norms and update ratios on log scales with a
/// 1e-3 guide, dead-ReLU fractions in [0, 1]).
std::string health_svg(const HealthReport& report);
/// health_svg written to `path` (atomically).
void write_health_svg(const HealthReport& report, const std::string& path);

/// Options of TrainingHealth.
struct TrainingHealthOptions {
  /// The probe input for the dead-ReLU count; undefined: the first training batch fit yields.
  Tensor probe = {};
  /// Written at the end of training when not empty.
  std::string svg_path = "";
};

/// Records a HealthReport during fit. Costs per step: one gradient norm per parameter; per epoch:
/// a copy of the parameters before the last step and one forward pass of the probe batch (eval
/// mode, no grad) with forward hooks on the modules whose output is a ReLU's.
class TrainingHealth : public Callback {
 public:
  /// A recorder with `options`.
  explicit TrainingHealth(TrainingHealthOptions options = {});
  void on_train_begin(Logs& logs) override;
  void on_batch_begin(std::int64_t batch, Logs& logs) override;
  void on_batch_end(std::int64_t batch, Logs& logs) override;
  void on_epoch_end(std::int64_t epoch, Logs& logs) override;
  void on_train_end(Logs& logs) override;
  /// What was measured so far.
  const HealthReport& report() const { return report_; }

 private:
  TrainingHealthOptions o_;
  HealthReport report_;
  Tensor probe_;
  std::vector<std::string> layers_, params_;
  std::vector<double> grad_sum_;
  std::int64_t steps_ = 0;
  std::vector<Tensor> before_;
  std::vector<double> ratio_;
};

}  // namespace xg::train

XGRAD_API_END
