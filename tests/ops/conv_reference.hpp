// Naive float64 references for convolution and pooling, written from the definitions with plain
// loops over std::vector (no xgrad op is used to compute them): the op database and
// tests/ops/test_conv.cpp compare the ops against these.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "xgrad/xgrad.hpp"

namespace xg::testing {

using P2 = std::array<std::int64_t, 2>;

struct NaiveConv {
  P2 stride{1, 1}, padding{0, 0}, dilation{1, 1}, output_padding{0, 0};
  std::int64_t groups = 1;
};

namespace naive_detail {
inline std::vector<double> values(const Tensor& t) { return t.to(kFloat64).contiguous().to_vector<double>(); }
/// Output size of one pooling dimension, from PyTorch's documented formula.
inline std::int64_t pool_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t d,
                              bool ceil_mode) {
  const double span = static_cast<double>(in + 2 * p - d * (k - 1) - 1) / static_cast<double>(s);
  std::int64_t out = static_cast<std::int64_t>(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
  // "the last pooling starts inside the image" (PyTorch's ceil_mode rule)
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}
}  // namespace naive_detail

/// y[n, o, oh, ow] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x[n, g·Cg + c, oh·s − p + i·d, ow·s − p + j·d].
inline Tensor naive_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const NaiveConv& a) {
  const auto xv = naive_detail::values(x), wv = naive_detail::values(w);
  const std::vector<double> bv = b.defined() ? naive_detail::values(b) : std::vector<double>();
  const std::int64_t n_n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
  const std::int64_t cout = w.size(0), cg = w.size(1), kh = w.size(2), kw = w.size(3);
  const std::int64_t oh_n = (h + 2 * a.padding[0] - a.dilation[0] * (kh - 1) - 1) / a.stride[0] + 1;
  const std::int64_t ow_n = (wd + 2 * a.padding[1] - a.dilation[1] * (kw - 1) - 1) / a.stride[1] + 1;
  const std::int64_t og = cout / a.groups;
  std::vector<double> y(static_cast<std::size_t>(n_n * cout * oh_n * ow_n));
  for (std::int64_t n = 0; n < n_n; ++n)
    for (std::int64_t o = 0; o < cout; ++o)
      for (std::int64_t oh = 0; oh < oh_n; ++oh)
        for (std::int64_t ow = 0; ow < ow_n; ++ow) {
          double s = bv.empty() ? 0.0 : bv[static_cast<std::size_t>(o)];
          for (std::int64_t c = 0; c < cg; ++c)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t ih = oh * a.stride[0] - a.padding[0] + i * a.dilation[0];
                const std::int64_t iw = ow * a.stride[1] - a.padding[1] + j * a.dilation[1];
                if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                const std::int64_t ci = (o / og) * cg + c;
                s += wv[static_cast<std::size_t>(((o * cg + c) * kh + i) * kw + j)] *
                     xv[static_cast<std::size_t>(((n * cin + ci) * h + ih) * wd + iw)];
              }
          y[static_cast<std::size_t>(((n * cout + o) * oh_n + oh) * ow_n + ow)] = s;
        }
  return from_vector(y, {n_n, cout, oh_n, ow_n}, kFloat64);
}

/// The transposed convolution by scattering: every x[n, c, h, w] adds x · w[c, o, i, j] to
/// y[n, g·Og + o, h·s − p + i·d, w·s − p + j·d], for weight [Cin, Og, KH, KW].
inline Tensor naive_conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const NaiveConv& a) {
  const auto xv = naive_detail::values(x), wv = naive_detail::values(w);
  const std::int64_t n_n = x.size(0), cin = x.size(1), h = x.size(2), wd = x.size(3);
  const std::int64_t og = w.size(1), kh = w.size(2), kw = w.size(3), cout = og * a.groups, cg = cin / a.groups;
  const std::int64_t oh_n =
      (h - 1) * a.stride[0] - 2 * a.padding[0] + a.dilation[0] * (kh - 1) + a.output_padding[0] + 1;
  const std::int64_t ow_n =
      (wd - 1) * a.stride[1] - 2 * a.padding[1] + a.dilation[1] * (kw - 1) + a.output_padding[1] + 1;
  std::vector<double> y(static_cast<std::size_t>(n_n * cout * oh_n * ow_n), 0.0);
  for (std::int64_t n = 0; n < n_n; ++n)
    for (std::int64_t c = 0; c < cin; ++c)
      for (std::int64_t ih = 0; ih < h; ++ih)
        for (std::int64_t iw = 0; iw < wd; ++iw)
          for (std::int64_t o = 0; o < og; ++o)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t oh = ih * a.stride[0] - a.padding[0] + i * a.dilation[0];
                const std::int64_t ow = iw * a.stride[1] - a.padding[1] + j * a.dilation[1];
                if (oh < 0 || oh >= oh_n || ow < 0 || ow >= ow_n) continue;
                const std::int64_t oc = (c / cg) * og + o;
                y[static_cast<std::size_t>(((n * cout + oc) * oh_n + oh) * ow_n + ow)] +=
                    xv[static_cast<std::size_t>(((n * cin + c) * h + ih) * wd + iw)] *
                    wv[static_cast<std::size_t>(((c * og + o) * kh + i) * kw + j)];
              }
  Tensor r = from_vector(y, {n_n, cout, oh_n, ow_n}, kFloat64);
  return b.defined() ? r + b.to(kFloat64).reshape({1, cout, 1, 1}) : r;
}

/// Max over each window of the −∞-padded input; `indices` receives h·W + w of the maximum (the
/// first in window order, or the last NaN).
inline Tensor naive_max_pool2d(const Tensor& x, P2 k, P2 s, P2 p, P2 d, bool ceil_mode,
                               Tensor* indices = nullptr) {
  const auto xv = naive_detail::values(x);
  const std::int64_t planes = x.size(0) * x.size(1), h = x.size(2), wd = x.size(3);
  const std::int64_t oh_n = naive_detail::pool_size(h, k[0], s[0], p[0], d[0], ceil_mode);
  const std::int64_t ow_n = naive_detail::pool_size(wd, k[1], s[1], p[1], d[1], ceil_mode);
  std::vector<double> y;
  std::vector<std::int64_t> idx;
  for (std::int64_t q = 0; q < planes; ++q)
    for (std::int64_t oh = 0; oh < oh_n; ++oh)
      for (std::int64_t ow = 0; ow < ow_n; ++ow) {
        double best = -std::numeric_limits<double>::infinity();
        std::int64_t at = -1;
        for (std::int64_t i = 0; i < k[0]; ++i)
          for (std::int64_t j = 0; j < k[1]; ++j) {
            const std::int64_t ih = oh * s[0] - p[0] + i * d[0], iw = ow * s[1] - p[1] + j * d[1];
            if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
            const double v = xv[static_cast<std::size_t>((q * h + ih) * wd + iw)];
            if (at < 0 || v > best || std::isnan(v)) {
              best = v;
              at = ih * wd + iw;
            }
          }
        y.push_back(best);
        idx.push_back(at);
      }
  const Shape shape{x.size(0), x.size(1), oh_n, ow_n};
  if (indices != nullptr) *indices = from_vector(idx, shape, kInt64);
  return from_vector(y, shape, kFloat64);
}

/// Mean over each window; the divisor counts the zero padding (count_include_pad) or only the
/// input cells, unless divisor_override is given.
inline Tensor naive_avg_pool2d(const Tensor& x, P2 k, P2 s, P2 p, bool ceil_mode, bool count_include_pad,
                               std::optional<std::int64_t> divisor_override = std::nullopt) {
  const auto xv = naive_detail::values(x);
  const std::int64_t planes = x.size(0) * x.size(1), h = x.size(2), wd = x.size(3);
  const std::int64_t oh_n = naive_detail::pool_size(h, k[0], s[0], p[0], 1, ceil_mode);
  const std::int64_t ow_n = naive_detail::pool_size(wd, k[1], s[1], p[1], 1, ceil_mode);
  std::vector<double> y;
  for (std::int64_t q = 0; q < planes; ++q)
    for (std::int64_t oh = 0; oh < oh_n; ++oh)
      for (std::int64_t ow = 0; ow < ow_n; ++ow) {
        double sum = 0;
        std::int64_t inside = 0, padded = 0;
        for (std::int64_t i = 0; i < k[0]; ++i)
          for (std::int64_t j = 0; j < k[1]; ++j) {
            const std::int64_t ih = oh * s[0] - p[0] + i, iw = ow * s[1] - p[1] + j;
            // Cells of the window inside the zero-padded image (a ceil_mode window may hang out
            // past the padding; those cells count nowhere).
            if (ih >= h + p[0] || iw >= wd + p[1]) continue;
            ++padded;
            if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
            ++inside;
            sum += xv[static_cast<std::size_t>((q * h + ih) * wd + iw)];
          }
        const double div = divisor_override ? static_cast<double>(*divisor_override)
                                            : static_cast<double>(count_include_pad ? padded : inside);
        y.push_back(sum / div);
      }
  return from_vector(y, {x.size(0), x.size(1), oh_n, ow_n}, kFloat64);
}

/// Output cell (i, j) averages input rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) × columns likewise.
inline Tensor naive_adaptive_avg_pool2d(const Tensor& x, std::int64_t oh_n, std::int64_t ow_n) {
  const auto xv = naive_detail::values(x);
  const std::int64_t planes = x.size(0) * x.size(1), h = x.size(2), wd = x.size(3);
  std::vector<double> y;
  for (std::int64_t q = 0; q < planes; ++q)
    for (std::int64_t i = 0; i < oh_n; ++i)
      for (std::int64_t j = 0; j < ow_n; ++j) {
        const auto h0 = static_cast<std::int64_t>(std::floor(static_cast<double>(i * h) / static_cast<double>(oh_n)));
        const auto h1 =
            static_cast<std::int64_t>(std::ceil(static_cast<double>((i + 1) * h) / static_cast<double>(oh_n)));
        const auto w0 = static_cast<std::int64_t>(std::floor(static_cast<double>(j * wd) / static_cast<double>(ow_n)));
        const auto w1 =
            static_cast<std::int64_t>(std::ceil(static_cast<double>((j + 1) * wd) / static_cast<double>(ow_n)));
        double sum = 0;
        for (std::int64_t a = h0; a < h1; ++a)
          for (std::int64_t b = w0; b < w1; ++b) sum += xv[static_cast<std::size_t>((q * h + a) * wd + b)];
        y.push_back(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
      }
  return from_vector(y, {x.size(0), x.size(1), oh_n, ow_n}, kFloat64);
}

}  // namespace xg::testing
