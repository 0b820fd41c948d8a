// SVG line charts (the examples draw theirs with these too) and the training plots built on them.
#include "xgrad/train/plot.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>
#include <utility>

#include "xgrad/error.hpp"
#include "xgrad/train/health.hpp"

namespace xg::train {

namespace {

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  std::ostringstream os;
  os << std::setprecision(6) << v;
  return os.str();
}

// Coordinates with two decimals: enough for a drawing, and short.
std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Ticks (position in plotted units, label): multiples of 1, 2 or 5 × 10^k, about five of them, on
// a linear axis; whole decades on a log one (every few decades when the range is wide).
std::vector<std::pair<double, std::string>> ticks(double lo, double hi, bool log, bool integer = false) {
  std::vector<std::pair<double, std::string>> out;
  if (!log) {
    const double raw = (hi - lo) / 5, mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
    if (integer) step = std::max(step, 1.0);
    for (double k = std::ceil(lo / step); k * step <= hi + 1e-9 * step; k += 1) {
      const double v = k * step;
      out.emplace_back(v, num(std::abs(v) < 1e-9 * step ? 0.0 : v));
    }
    return out;
  }
  const int first = static_cast<int>(std::ceil(lo - 1e-9)), last = static_cast<int>(std::floor(hi + 1e-9));
  const int stride = std::max(1, (last - first + 7) / 8);
  for (int e = first; e <= last; e += stride)
    out.emplace_back(double(e), e >= 0 && e <= 4 ? num(std::pow(10.0, e)) : "1e" + std::to_string(e));
  if (out.empty()) {  // less than a decade: label the ends
    out.emplace_back(lo, num(std::pow(10.0, lo)));
    out.emplace_back(hi, num(std::pow(10.0, hi)));
  }
  return out;
}

// A chart's geometry: its top-left corner (ox, oy), size W × H and margins L, T, B, R around the
// plot area pw × ph, and the data range [x0, x1] × [y0, y1] it shows, in plotted units (log10 of
// the data on a log axis).
struct Frame {
  double ox, oy, W, H, L = 64, T = 34, B = 44, R = 0, pw = 0, ph = 0;
  bool lx, ly;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  bool any = false;  // some point is drawn

  double tx(double v) const { return lx ? std::log10(v) : v; }
  double ty(double v) const { return ly ? std::log10(v) : v; }
  // pixel coordinates of a plotted value (gx, gy) and of a data value (px, py)
  double gx(double f) const { return ox + L + (f - x0) / (x1 - x0) * pw; }
  double gy(double f) const { return oy + T + ph - (f - y0) / (y1 - y0) * ph; }
  double px(double v) const { return gx(tx(v)); }
  double py(double v) const { return gy(ty(v)); }
  // point i of s can be drawn: finite, and positive on a log axis
  bool shown(const Series& s, std::size_t i) const {
    return i < s.y.size() && std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!lx || s.x[i] > 0) &&
           (!ly || s.y[i] > 0);
  }
};

// The frame of a chart at (ox, oy): the legend's width, then the range of the points shown,
// widened when it is empty or a single value, padded 5 % vertically, or opt.y_range when given.
Frame make_frame(const std::vector<Series>& series, const ChartOptions& opt, double ox, double oy) {
  Frame f{.ox = ox, .oy = oy, .W = double(opt.width), .H = double(opt.height), .lx = opt.log_x, .ly = opt.log_y};
  // The legend column is as wide as its longest name needs (about 6.5 px per character at
  // font-size 11, after the 38 px swatch), at least 150 px and at most 40 % of the chart.
  std::size_t longest = 0;
  for (const auto& s : series) longest = std::max(longest, s.name.size());
  f.R = series.empty() ? 20 : std::clamp(48 + 6.5 * static_cast<double>(longest), 150.0, std::max(150.0, 0.4 * f.W));
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!f.shown(s, i)) continue;
      f.x0 = std::min(f.x0, f.tx(s.x[i])), f.x1 = std::max(f.x1, f.tx(s.x[i]));
      f.y0 = std::min(f.y0, f.ty(s.y[i])), f.y1 = std::max(f.y1, f.ty(s.y[i]));
    }
  f.any = std::isfinite(f.x0);
  if (!f.any) f.x0 = 0, f.x1 = 1, f.y0 = 0, f.y1 = 1;
  if (!(f.x1 > f.x0)) f.x0 -= 0.5, f.x1 += 0.5;
  if (!(f.y1 > f.y0)) {
    const double d = std::max(std::abs(f.y0) * 0.1, 0.5);
    f.y0 -= d, f.y1 += d;
  }
  const double pad = 0.05 * (f.y1 - f.y0);
  f.y0 -= pad, f.y1 += pad;
  if (opt.y_range && opt.y_range->second > opt.y_range->first && (!f.ly || opt.y_range->first > 0))
    f.y0 = f.ty(opt.y_range->first), f.y1 = f.ty(opt.y_range->second);
  f.pw = f.W - f.L - f.R, f.ph = f.H - f.T - f.B;
  return f;
}

// The background, title, grid with tick labels, plot border and axis labels.
void draw_axes(std::ostream& o, const Frame& f, const ChartOptions& opt) {
  const double ox = f.ox, oy = f.oy, L = f.L, T = f.T, pw = f.pw, ph = f.ph;
  o << "<rect x='" << coord(ox) << "' y='" << coord(oy) << "' width='" << f.W << "' height='" << f.H
    << "' fill='white'/>\n";
  if (!opt.title.empty())
    o << "<text x='" << coord(ox + L + pw / 2) << "' y='" << coord(oy + 20) << "' text-anchor='middle' font-size='14'>"
      << escape(opt.title) << "</text>\n";
  for (const auto& [v, label] : ticks(f.y0, f.y1, f.ly)) {
    const double y = f.gy(v);
    o << "<line x1='" << coord(ox + L) << "' x2='" << coord(ox + L + pw) << "' y1='" << coord(y) << "' y2='" << coord(y)
      << "' stroke='#e5e5e5'/><text x='" << coord(ox + L - 6) << "' y='" << coord(y + 4) << "' text-anchor='end'>"
      << escape(label) << "</text>\n";
  }
  for (const auto& [v, label] : ticks(f.x0, f.x1, f.lx, opt.integer_x)) {
    const double x = f.gx(v);
    o << "<line x1='" << coord(x) << "' x2='" << coord(x) << "' y1='" << coord(oy + T) << "' y2='" << coord(oy + T + ph)
      << "' stroke='#f0f0f0'/><text x='" << coord(x) << "' y='" << coord(oy + T + ph + 16) << "' text-anchor='middle'>"
      << escape(label) << "</text>\n";
  }
  o << "<rect x='" << coord(ox + L) << "' y='" << coord(oy + T) << "' width='" << coord(pw) << "' height='" << coord(ph)
    << "' fill='none' stroke='#444'/>\n";
  if (!opt.xlabel.empty())
    o << "<text x='" << coord(ox + L + pw / 2) << "' y='" << coord(oy + f.H - 8) << "' text-anchor='middle'>"
      << escape(opt.xlabel) << "</text>\n";
  if (!opt.ylabel.empty())
    o << "<text transform='translate(" << coord(ox + 14) << "," << coord(oy + T + ph / 2)
      << ") rotate(-90)' text-anchor='middle'>" << escape(opt.ylabel) << "</text>\n";
  if (!f.any)
    o << "<text x='" << coord(ox + L + pw / 2) << "' y='" << coord(oy + T + ph / 2)
      << "' text-anchor='middle' fill='#888'>no data</text>\n";
}

// The x markers and the series (lines, and dots on short series), clipped to the plot area.
void draw_series(std::ostream& o, const Frame& f, const std::vector<Series>& series, const ChartOptions& opt,
                 int clip_id) {
  const double ox = f.ox, oy = f.oy, L = f.L, T = f.T, pw = f.pw, ph = f.ph;
  o << "<clipPath id='clip" << clip_id << "'><rect x='" << coord(ox + L) << "' y='" << coord(oy + T) << "' width='"
    << coord(pw) << "' height='" << coord(ph) << "'/></clipPath>\n<g clip-path='url(#clip" << clip_id << ")'>\n";
  for (double m : opt.x_markers)
    if (std::isfinite(m) && (!f.lx || m > 0))
      o << "<line class='marker' x1='" << coord(f.px(m)) << "' x2='" << coord(f.px(m)) << "' y1='" << coord(oy + T)
        << "' y2='" << coord(oy + T + ph) << "' stroke='#555' stroke-dasharray='5,4'/>\n";
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const std::string color = s.color.empty() ? kPalette[k % 10] : s.color;
    o << "<polyline fill='none' stroke='" << color << "' stroke-width='2'"
      << (s.dashed ? " stroke-dasharray='6,4'" : "") << " points='";
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (f.shown(s, i)) o << coord(f.px(s.x[i])) << ',' << coord(f.py(s.y[i])) << ' ';
    o << "'/>\n";
    if (s.markers && s.x.size() <= 60)
      for (std::size_t i = 0; i < s.x.size(); ++i)
        if (f.shown(s, i))
          o << "<circle cx='" << coord(f.px(s.x[i])) << "' cy='" << coord(f.py(s.y[i])) << "' r='2.5' fill='" << color
            << "'/>\n";
  }
  o << "</g>\n";
}

// The legend beside the plot: as many entries as fit; the last line then says how many are left out.
void draw_legend(std::ostream& o, const Frame& f, const std::vector<Series>& series) {
  const double ox = f.ox, oy = f.oy, W = f.W, T = f.T, R = f.R;
  const auto fit_rows = static_cast<std::size_t>(std::max(1.0, std::floor((f.ph - 4) / 18.0)));
  const std::size_t shown_entries = series.size() <= fit_rows ? series.size() : fit_rows - 1;
  if (shown_entries < series.size())
    o << "<text class='legend-more' x='" << coord(ox + W - R + 10) << "' y='"
      << coord(oy + T + 16 + 18.0 * double(shown_entries)) << "' fill='#666'>+" << series.size() - shown_entries
      << " more</text>\n";
  for (std::size_t k = 0; k < shown_entries; ++k) {
    const std::string color = series[k].color.empty() ? kPalette[k % 10] : series[k].color;
    const double y = oy + T + 12 + 18.0 * double(k);
    o << "<line x1='" << coord(ox + W - R + 10) << "' x2='" << coord(ox + W - R + 32) << "' y1='" << coord(y)
      << "' y2='" << coord(y) << "' stroke='" << color << "' stroke-width='3'"
      << (series[k].dashed ? " stroke-dasharray='6,4'" : "") << "/><text class='legend' x='" << coord(ox + W - R + 38)
      << "' y='" << coord(y + 4) << "'>" << escape(series[k].name) << "</text>\n";
  }
}

// Draws one chart with its top-left corner at (ox, oy).
void draw_chart(std::ostream& o, const std::vector<Series>& series, const ChartOptions& opt, double ox, double oy,
                int clip_id) {
  const Frame frame = make_frame(series, opt, ox, oy);
  o << "<g class='chart'>\n";
  draw_axes(o, frame, opt);
  draw_series(o, frame, series, opt, clip_id);
  draw_legend(o, frame, series);
  o << "</g>\n";
}

std::string svg_open(double w, double h) {
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "' viewBox='0 0 " << w << ' ' << h
    << "' font-family='sans-serif' font-size='11'>\n";
  return o.str();
}

std::vector<double> epoch_axis(const History& h) {
  std::vector<double> x;
  for (auto e : h.epochs()) x.push_back(double(e + 1));
  return x;
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& options) {
  return panels_svg({Panel{series, options}}, 1);
}

std::string panels_svg(const std::vector<Panel>& panels, int columns) {
  XG_CHECK(columns >= 1, ValueError, "panels_svg: columns must be >= 1, got ", columns);
  for (const auto& p : panels) {
    XG_CHECK(p.options.width > 0 && p.options.height > 0, ValueError, "panels_svg: chart size ", p.options.width, " x ",
             p.options.height, " must be positive");
    for (const auto& s : p.series)
      XG_CHECK(s.x.size() == s.y.size(), ShapeError, "line chart: series '", s.name, "' has ", s.x.size(),
               " x values and ", s.y.size(), " y values");
  }
  // Rows are as tall as their tallest chart; columns as wide as their widest.
  const std::size_t cols = std::min<std::size_t>(std::size_t(columns), std::max<std::size_t>(panels.size(), 1));
  const std::size_t rows = (panels.size() + cols - 1) / cols;
  std::vector<double> cw(cols, 0), rh(rows, 0);
  for (std::size_t i = 0; i < panels.size(); ++i) {
    cw[i % cols] = std::max(cw[i % cols], panels[i].options.width);
    rh[i / cols] = std::max(rh[i / cols], panels[i].options.height);
  }
  double W = 0, H = 0;
  for (double w : cw) W += w;
  for (double h : rh) H += h;
  if (panels.empty()) W = H = 10;
  std::ostringstream o;
  o << svg_open(W, H) << "<rect width='100%' height='100%' fill='white'/>\n";
  static std::atomic<int> next_clip{0};  // unique clip ids, so several SVGs can share one HTML page
  for (std::size_t i = 0; i < panels.size(); ++i) {
    double ox = 0, oy = 0;
    for (std::size_t c = 0; c < i % cols; ++c) ox += cw[c];
    for (std::size_t r = 0; r < i / cols; ++r) oy += rh[r];
    draw_chart(o, panels[i].series, panels[i].options, ox, oy, ++next_clip);
  }
  o << "</svg>\n";
  return o.str();
}

void write_file_atomic(const std::string& path, const std::string& text) {
  XG_CHECK(!path.empty(), ValueError, "write_file_atomic: empty path");
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    XG_CHECK(f.is_open(), IoError, "cannot open '", tmp, "' for writing");
    f << text;
    f.flush();
    XG_CHECK(f.good(), IoError, "writing '", tmp, "' failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw IoError("cannot rename '" + tmp + "' to '" + path + "'");
  }
}

void write_line_chart(const std::string& path, const std::vector<Series>& series, const ChartOptions& options) {
  write_file_atomic(path, line_chart_svg(series, options));
}

std::vector<Panel> history_panels(const History& history, const PlotHistoryOptions& options) {
  const auto x = epoch_axis(history);
  std::vector<std::string> names = options.metrics;
  if (names.empty())
    for (const auto& k : history.keys())
      if (k != "loss" && k != "lr" && k.rfind("val_", 0) != 0) names.push_back(k);
  std::vector<Panel> panels;
  auto panel = [&](const std::string& key, const std::string& title) {
    Panel p;
    p.options = {.title = options.title_prefix + title, .xlabel = "epoch", .ylabel = key, .integer_x = true};
    if (history.contains(key))
      p.series.push_back({.name = "train " + key, .x = x, .y = history[key], .color = kPalette[0]});
    if (history.contains("val_" + key))
      p.series.push_back({.name = "validation " + key, .x = x, .y = history["val_" + key], .color = kPalette[1]});
    panels.push_back(std::move(p));
  };
  panel("loss", "Loss");
  for (const auto& m : names) {
    XG_CHECK(history.contains(m) || history.contains("val_" + m), ValueError, "plot_history: no metric '", m,
             "' in the history");
    panel(m, m);
  }
  if (options.learning_rate && history.contains("lr")) {
    const auto& lr = history["lr"];
    if (std::set<double>(lr.begin(), lr.end()).size() > 1)
      panels.push_back({{{.name = "lr", .x = x, .y = lr, .color = kPalette[2]}},
                        {.title = options.title_prefix + "Learning rate",
                         .xlabel = "epoch",
                         .ylabel = "lr",
                         .log_y = true,
                         .integer_x = true}});
  }
  return panels;
}

void plot_history(const History& history, const std::string& path, const PlotHistoryOptions& options) {
  write_file_atomic(path, panels_svg(history_panels(history, options), 2));
}

void write_report_html(const History& history, const HealthReport* health, const std::string& path,
                       const std::string& title) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>" << escape(title)
    << "</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;"
       "font-size:12px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}h2{margin-top:28px}</style>"
       "</head>\n<body>\n<h1>"
    << escape(title) << "</h1>\n<h2>Learning curves</h2>\n"
    << panels_svg(history_panels(history), 2);
  o << "<h2>Per-epoch values</h2>\n<table>\n<tr><th>epoch</th>";
  const auto keys = history.keys();
  for (const auto& k : keys) o << "<th>" << escape(k) << "</th>";
  o << "</tr>\n";
  for (std::size_t i = 0; i < history.size(); ++i) {
    o << "<tr><td>" << history.epochs()[i] + 1 << "</td>";
    for (const auto& k : keys) {
      const double v = history[k][i];
      o << "<td>" << (std::isfinite(v) ? num(v) : std::string("–")) << "</td>";
    }
    o << "</tr>\n";
  }
  o << "</table>\n";
  if (health) o << "<h2>Training health</h2>\n" << health_svg(*health);
  o << "</body></html>\n";
  write_file_atomic(path, o.str());
}

void write_report_html(const History& history, const HealthReport& health, const std::string& path,
                       const std::string& title) {
  write_report_html(history, &health, path, title);
}

}  // namespace xg::train
