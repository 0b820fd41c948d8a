// xgrad — SVG line charts with axes, round ticks, legends and log scales, and the training plots
// built on them: plot_history (loss and metrics per epoch, training vs validation), the training
// health report, the LR-finder curve, and an HTML report embedding them. No dependencies: plain
// SVG text that any browser shows.
//
//   xg::train::plot_history(history, "curves.svg");
//   xg::train::write_line_chart("lr.svg", {{.name = "lr", .x = steps, .y = lrs}}, {.title = "LR", .log_y = true});
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xgrad/train/callback.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::train {

struct HealthReport;

/// One line of a chart: points (x[i], y[i]); non-finite points (and x <= 0 on a log x axis,
/// y <= 0 on a log y axis) are left out. An empty color takes the next palette color.
struct Series {
  /// the legend entry
  std::string name;
  /// the points' coordinates
  ///@{
  std::vector<double> x, y;
  ///@}

  /// an SVG color ("#d62728", "red"); empty: the palette's next
  std::string color = "";
  /// draw the line dashed
  bool dashed = false;
  /// Draw a dot at each point (when there are at most 60).
  bool markers = true;
};

/// How line_chart_svg draws a chart.
struct ChartOptions {
  /// above the chart (empty: none)
  std::string title = "";
  /// below the x axis (empty: none)
  std::string xlabel = "";
  /// beside the y axis (empty: none)
  std::string ylabel = "";
  /// logarithmic x axis
  bool log_x = false;
  /// logarithmic y axis
  bool log_y = false;
  /// width in pixels, legend included
  double width = 560;
  /// height in pixels
  double height = 360;
  /// Vertical dashed lines at these x values (e.g. a suggested learning rate).
  std::vector<double> x_markers = {};
  /// Ticks on whole numbers only on the x axis (epochs).
  bool integer_x = false;
  /// A fixed y range (in data units) instead of one fitted to the data.
  std::optional<std::pair<double, double>> y_range = std::nullopt;
};

/// One chart of a multi-panel figure.
struct Panel {
  /// the lines
  std::vector<Series> series;
  /// how the chart is drawn
  ChartOptions options;
};

/// A standalone `<svg>` element drawing one line chart: frame, grid, round ticks (1, 2, 5 × 10^k on
/// linear axes, decades on log axes), axis labels, title, and a legend with each series' name
/// (as many as fit beside the chart, then "+N more").
std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& options = {});
/// Several charts in one `<svg>`, `columns` per row.
std::string panels_svg(const std::vector<Panel>& panels, int columns = 2);

/// Writes `text` to `path` atomically: to "<path>.tmp" first, then renamed over `path` (readers
/// never see a half-written file). IoError when it cannot.
void write_file_atomic(const std::string& path, const std::string& text);
/// line_chart_svg written to `path`.
void write_line_chart(const std::string& path, const std::vector<Series>& series, const ChartOptions& options = {});

/// Options of plot_history and history_panels.
struct PlotHistoryOptions {
  /// The metrics to plot (keys without "val_"); empty: every metric in the history.
  std::vector<std::string> metrics = {};
  /// Add a panel with the learning rate per epoch (log scale) when it changed during training.
  bool learning_rate = true;
  /// put before each panel's title (e.g. the run's name)
  std::string title_prefix = "";
};
/// The panels of plot_history: "loss" (training and validation) and one per metric, epochs 1-based.
std::vector<Panel> history_panels(const History& history, const PlotHistoryOptions& options = {});
/// Loss and metric curves per epoch, training against validation, one panel each, into an SVG.
void plot_history(const History& history, const std::string& path, const PlotHistoryOptions& options = {});

/// An HTML page with the history's curves, a table of the per-epoch values and (when `health` is
/// given) the training-health panels, all SVGs inline (one self-contained file).
void write_report_html(const History& history, const HealthReport* health, const std::string& path,
                       const std::string& title = "Training report");
/// The same with a health report.
void write_report_html(const History& history, const HealthReport& health, const std::string& path,
                       const std::string& title = "Training report");

}  // namespace xg::train

XGRAD_API_END
