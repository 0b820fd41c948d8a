// xgrad — a number that is either integral, floating or boolean (LibTorch's c10::Scalar).
// Lets `x + 1`, `2.5 * x` and `x.masked_fill(m, 0)` work with the type-promotion rules of PyTorch:
// an int tensor plus 2.5 is float32, an int tensor plus 2 stays int64.
#pragma once
#include <cstdint>
#include <type_traits>

#include "xgrad/dtype.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// A number of one of three kinds (bool, int64, double) that converts implicitly from any C++
/// arithmetic value: what ops take for "a number", e.g. `x.add_(y, 0.5)`, `x.fill_(0)`.
class Scalar {
 public:
  Scalar() = default;
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  /// The value of a C++ bool, integer or floating-point number.
  Scalar(T v) {  // NOLINT: implicit on purpose
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = Dtype::Bool;
      i_ = v ? 1 : 0;
      d_ = static_cast<double>(i_);
    } else if constexpr (std::is_integral_v<T>) {
      kind_ = Dtype::Int64;
      i_ = static_cast<std::int64_t>(v);
      d_ = static_cast<double>(v);
    } else {
      kind_ = Dtype::Float64;
      d_ = static_cast<double>(v);
      i_ = static_cast<std::int64_t>(v);
    }
  }
  /// kBool, kInt64 or kFloat64: the category of the value.
  Dtype kind() const { return kind_; }
  /// True for a floating-point value.
  bool is_floating_point() const { return kind_ == Dtype::Float64; }
  /// True for an integer (not bool) value.
  bool is_integral() const { return kind_ == Dtype::Int64; }
  /// True for a bool value.
  bool is_bool() const { return kind_ == Dtype::Bool; }
  /// The value as a double.
  double to_double() const { return d_; }
  /// The value as an int64 (a floating value truncated).
  std::int64_t to_long() const { return i_; }
  /// The value converted to T (non-zero is true).
  template <class T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return kind_ == Dtype::Float64 ? d_ != 0.0 : i_ != 0;
    else if constexpr (std::is_integral_v<T>) return kind_ == Dtype::Float64 ? static_cast<T>(d_) : static_cast<T>(i_);
    else return static_cast<T>(d_);
  }

 private:
  Dtype kind_ = Dtype::Int64;
  double d_ = 0.0;
  std::int64_t i_ = 0;
};

}  // namespace xg

XGRAD_API_END
