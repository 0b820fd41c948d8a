// Small pieces shared by the sequence layers (rnn.cpp, attention.cpp, embedding.cpp): option
// checks. Internal to the library. (Their dropout is xg::nn::functional::dropout.)
#pragma once
#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>

#include "xgrad/error.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/tensor.hpp"

namespace xg::nn::detail {

/// Dropout probabilities of the sequence layers must lie in [0, 1].
inline void check_dropout(const char* who, double p) {
  XG_CHECK(p >= 0.0 && p <= 1.0, ValueError, who, ": dropout probability has to be between 0 and 1, but got ", p);
}

/// Sizes of layers must be positive.
inline void check_positive(const char* who, const char* what, std::int64_t value) {
  XG_CHECK(value > 0, ValueError, who, ": ", what, " must be greater than zero, got ", value);
}

/// A float as Python prints it in a module's repr: 2.0, 0.5, 1e-05.
inline std::string python_float(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  std::string s = os.str();
  if (s.find_first_of(".eE") == std::string::npos && std::isfinite(v)) s += ".0";
  return s;
}

}  // namespace xg::nn::detail
