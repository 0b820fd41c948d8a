// A small self-contained SVG line plot for the examples: several named series over a shared x.
// (The training toolkit will bring richer plots; this keeps the examples dependency-free.)
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace example {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string color;
};

/// Writes a line chart of `series` to `path` with a title and axis labels; y may be log-scaled.
inline void write_svg_plot(const std::string& path, const std::string& title, const std::string& xlabel,
                           const std::string& ylabel, const std::vector<Series>& series, bool log_y = false) {
  const double W = 720, H = 440, L = 70, R = 170, T = 40, B = 50;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  auto ty = [&](double v) { return log_y ? std::log10(std::max(v, 1e-12)) : v; };
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]); x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, ty(s.y[i])); y1 = std::max(y1, ty(s.y[i]));
    }
  if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
  if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
  auto tick = [](double v) {  // three significant digits: 0.25, 1.88e+03
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return std::string(buf);
  };
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad; y1 += pad;
  auto px = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
  auto py = [&](double v) { return H - B - (ty(v) - y0) / (y1 - y0) * (H - T - B); };
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H << "' font-family='sans-serif' font-size='12'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n"
    << "<text x='" << W / 2 << "' y='22' text-anchor='middle' font-size='15'>" << title << "</text>\n";
  for (int k = 0; k <= 5; ++k) {  // grid and tick labels
    const double fy = y0 + (y1 - y0) * k / 5, gy = H - B - (H - T - B) * k / 5.0;
    const double fx = x0 + (x1 - x0) * k / 5, gx = L + (W - L - R) * k / 5.0;
    o << "<line x1='" << L << "' x2='" << W - R << "' y1='" << gy << "' y2='" << gy << "' stroke='#e5e5e5'/>\n"
      << "<text x='" << L - 6 << "' y='" << gy + 4 << "' text-anchor='end'>" << tick(log_y ? std::pow(10.0, fy) : fy) << "</text>\n"
      << "<text x='" << gx << "' y='" << H - B + 16 << "' text-anchor='middle'>" << tick(fx) << "</text>\n";
  }
  o << "<rect x='" << L << "' y='" << T << "' width='" << W - L - R << "' height='" << H - T - B
    << "' fill='none' stroke='#444'/>\n"
    << "<text x='" << (L + W - R) / 2 << "' y='" << H - 12 << "' text-anchor='middle'>" << xlabel << "</text>\n"
    << "<text transform='translate(16," << (T + H - B) / 2 << ") rotate(-90)' text-anchor='middle'>" << ylabel << "</text>\n";
  const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const std::string color = s.color.empty() ? palette[k % 10] : s.color;
    o << "<polyline fill='none' stroke='" << color << "' stroke-width='2' points='";
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.y[i])) o << px(s.x[i]) << ',' << py(s.y[i]) << ' ';
    o << "'/>\n";
    for (std::size_t i = 0; i < s.x.size() && s.x.size() <= 60; ++i)
      if (std::isfinite(s.y[i])) o << "<circle cx='" << px(s.x[i]) << "' cy='" << py(s.y[i]) << "' r='3' fill='" << color << "'/>\n";
    const double ly = T + 14 + 20.0 * k;
    o << "<line x1='" << W - R + 12 << "' x2='" << W - R + 36 << "' y1='" << ly << "' y2='" << ly << "' stroke='" << color
      << "' stroke-width='3'/><text x='" << W - R + 42 << "' y='" << ly + 4 << "'>" << s.name << "</text>\n";
  }
  o << "</svg>\n";
  std::ofstream(path) << o.str();
}

}  // namespace example
