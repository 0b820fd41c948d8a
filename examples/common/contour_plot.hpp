// A contour plot for the examples (optimizer_race draws the paths of optimizers over the Rosenbrock
// function with it). Line charts come from the library: xg::train::write_line_chart in
// <xgrad/train/plot.hpp>, whose Series this plot takes for the paths.
#pragma once
#include <xgrad/train/plot.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace example {

/// Writes the contour lines of f over [x0, x1] × [y0, y1] at `levels` (marching squares on a
/// grid×grid lattice, grey lines), with `paths` drawn on top as polylines (x, y point lists) with a
/// legend, a dot at each start and a star at `mark` (e.g. the minimum).
template <class F>
void write_svg_contour(const std::string& path, const std::string& title, F f, double x0, double x1, double y0,
                       double y1, const std::vector<double>& levels, const std::vector<xg::train::Series>& paths,
                       std::pair<double, double> mark, int grid = 160) {
  const double W = 760, H = 560, L = 60, R = 170, T = 40, B = 45;
  auto px = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
  auto py = [&](double v) { return H - B - (v - y0) / (y1 - y0) * (H - T - B); };
  std::vector<double> val(static_cast<std::size_t>((grid + 1) * (grid + 1)));
  auto at = [&](int i, int j) -> double& { return val[static_cast<std::size_t>(j * (grid + 1) + i)]; };
  auto gx = [&](double i) { return x0 + (x1 - x0) * i / grid; };
  auto gy = [&](double j) { return y0 + (y1 - y0) * j / grid; };
  for (int j = 0; j <= grid; ++j)
    for (int i = 0; i <= grid; ++i) at(i, j) = f(gx(i), gy(j));
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H
    << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n"
    << "<text x='" << (L + W - R) / 2 << "' y='22' text-anchor='middle' font-size='15'>" << title << "</text>\n"
    << "<clipPath id='plot'><rect x='" << L << "' y='" << T << "' width='" << W - L - R << "' height='" << H - T - B
    << "'/></clipPath>\n<g clip-path='url(#plot)'>\n";
  // Marching squares: in each cell, each edge whose ends straddle the level holds one crossing
  // (linearly interpolated); the crossings pair up into segments (saddles pair arbitrarily).
  for (double level : levels) {
    o << "<path fill='none' stroke='#b8b8b8' stroke-width='0.8' d='";
    for (int j = 0; j < grid; ++j)
      for (int i = 0; i < grid; ++i) {
        const double c[4] = {at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)};
        const double cx[4] = {gx(i), gx(i + 1), gx(i + 1), gx(i)}, cy[4] = {gy(j), gy(j), gy(j + 1), gy(j + 1)};
        double ex[4], ey[4];
        int n = 0;
        for (int e = 0; e < 4; ++e) {
          const int a = e, b = (e + 1) % 4;
          if ((c[a] < level) == (c[b] < level)) continue;
          const double t = (level - c[a]) / (c[b] - c[a]);
          ex[n] = cx[a] + t * (cx[b] - cx[a]);
          ey[n] = cy[a] + t * (cy[b] - cy[a]);
          ++n;
        }
        for (int k = 0; k + 1 < n; k += 2)
          o << 'M' << px(ex[k]) << ',' << py(ey[k]) << 'L' << px(ex[k + 1]) << ',' << py(ey[k + 1]);
      }
    o << "'/>\n";
  }
  const char* palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                           "#8c564b", "#e377c2", "#17becf", "#000000"};
  for (std::size_t k = 0; k < paths.size(); ++k) {
    const auto& s = paths[k];
    const std::string color = s.color.empty() ? palette[k % 9] : s.color;
    o << "<polyline fill='none' stroke='" << color << "' stroke-width='1.6' stroke-opacity='0.9' points='";
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) o << px(s.x[i]) << ',' << py(s.y[i]) << ' ';
    o << "'/>\n";
  }
  o << "</g>\n";
  if (!paths.empty() && !paths[0].x.empty())
    o << "<circle cx='" << px(paths[0].x[0]) << "' cy='" << py(paths[0].y[0]) << "' r='4' fill='black'/>\n";
  o << "<text x='" << px(mark.first) << "' y='" << py(mark.second) + 5
    << "' text-anchor='middle' font-size='16'>&#9733;</text>\n";
  o << "<rect x='" << L << "' y='" << T << "' width='" << W - L - R << "' height='" << H - T - B
    << "' fill='none' stroke='#444'/>\n";
  for (int k = 0; k <= 4; ++k) {
    const double fx = x0 + (x1 - x0) * k / 4, fy = y0 + (y1 - y0) * k / 4;
    o << "<text x='" << px(fx) << "' y='" << H - B + 16 << "' text-anchor='middle'>" << fx << "</text>\n"
      << "<text x='" << L - 6 << "' y='" << py(fy) + 4 << "' text-anchor='end'>" << fy << "</text>\n";
  }
  for (std::size_t k = 0; k < paths.size(); ++k) {
    const std::string color = paths[k].color.empty() ? palette[k % 9] : paths[k].color;
    const double ly = T + 14 + 20.0 * static_cast<double>(k);
    o << "<line x1='" << W - R + 12 << "' x2='" << W - R + 36 << "' y1='" << ly << "' y2='" << ly << "' stroke='"
      << color << "' stroke-width='3'/><text x='" << W - R + 42 << "' y='" << ly + 4 << "'>" << paths[k].name
      << "</text>\n";
  }
  o << "</svg>\n";
  std::ofstream(path) << o.str();
}

}  // namespace example
