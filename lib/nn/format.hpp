// Internal: how layers print their hyper-parameters, so that a module prints as PyTorch's repr
// (`LeakyReLU(negative_slope=0.01)`, `BatchNorm2d(16, eps=1e-05, momentum=0.1, ...)`).
#pragma once
#include <charconv>
#include <cmath>
#include <string>

namespace xg::nn::detail {

/// A double as Python's repr writes it: the shortest text that reads back exactly, with ".0" on
/// integral values (1.0, 0.25, 1e-05, 0.3333333333333333).
inline std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // The shortest round-trip digits d.ddd and exponent e, then Python's layout: positional when
  // -4 <= e < 16, else d.ddde±XX.
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  const bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  const auto epos = sci.find('e');
  const int e = std::stoi(sci.substr(epos + 1));
  std::string digits = sci.substr(0, epos);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  std::string out;
  if (e >= -4 && e < 16) {
    if (e < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-e - 1), '0') + digits;
    } else if (static_cast<std::size_t>(e) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<std::size_t>(e) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<std::size_t>(e) + 1) + "." + digits.substr(static_cast<std::size_t>(e) + 1);
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    const int a = e < 0 ? -e : e;
    out += std::string("e") + (e < 0 ? "-" : "+") + (a < 10 ? "0" : "") + std::to_string(a);
  }
  return neg ? "-" + out : out;
}

/// A number as written in PyTorch's default arguments: integers without ".0" (Softplus(beta=1)).
inline std::string py_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return py_float(v);
}

}  // namespace xg::nn::detail
