// xgrad — element types.
// A tensor carries its dtype at run time: float32 (the default), float64, int64 or bool,
// named as in LibTorch (xg::kFloat32, xg::kFloat64, xg::kInt64, xg::kBool).
#pragma once
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// The element types: bool, int64, float32, float64 (ordered by promotion).
enum class ScalarType : std::int8_t { Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3 };
/// xgrad's name for ScalarType.
using Dtype = ScalarType;

/// bool elements.
inline constexpr Dtype kBool = Dtype::Bool;
/// 64-bit signed integers (kLong is LibTorch's alias).
///@{
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kLong = Dtype::Int64;
///@}

/// 32-bit floats, the default (kFloat is LibTorch's alias).
///@{
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat = Dtype::Float32;
///@}

/// 64-bit floats (kDouble is LibTorch's alias).
///@{
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kDouble = Dtype::Float64;
///@}

/// Size in bytes of one element: `element_size(xg::kFloat64) == 8`.
constexpr std::size_t element_size(Dtype t) {
  switch (t) {
    case Dtype::Bool:
      return 1;
    case Dtype::Int64:
      return 8;
    case Dtype::Float32:
      return 4;
    case Dtype::Float64:
      return 8;
  }
  return 0;
}
/// True for float32 and float64.
constexpr bool is_floating_point(Dtype t) { return t == Dtype::Float32 || t == Dtype::Float64; }
/// True for int64 (and bool with include_bool).
constexpr bool is_integral(Dtype t, bool include_bool = false) {
  return t == Dtype::Int64 || (include_bool && t == Dtype::Bool);
}
/// The PyTorch spelling: "float32", "float64", "int64", "bool".
std::string_view dtype_name(Dtype t);
/// Writes dtype_name(t).
std::ostream& operator<<(std::ostream& os, Dtype t);

/// Type promotion between two tensors, by category then width: bool < int64 < float32 < float64.
constexpr Dtype promote_types(Dtype a, Dtype b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

/// The C++ type of a dtype and back: `CppType<kFloat64>` is double, `dtype_of<float>` is kFloat32.
template <Dtype D>
struct cpp_type_of;
/// kBool is bool.
template <>
struct cpp_type_of<Dtype::Bool> {
  using type = bool;
};
/// @typedef cpp_type_of< Dtype::Bool >::type
/// bool

/// kInt64 is std::int64_t.
template <>
struct cpp_type_of<Dtype::Int64> {
  using type = std::int64_t;
};
/// @typedef cpp_type_of< Dtype::Int64 >::type
/// std::int64_t

/// kFloat32 is float.
template <>
struct cpp_type_of<Dtype::Float32> {
  using type = float;
};
/// @typedef cpp_type_of< Dtype::Float32 >::type
/// float

/// kFloat64 is double.
template <>
struct cpp_type_of<Dtype::Float64> {
  using type = double;
};
/// @typedef cpp_type_of< Dtype::Float64 >::type
/// double

/// The C++ type of dtype D: `CppType<kFloat64>` is double.
template <Dtype D>
using CppType = typename cpp_type_of<D>::type;

/// The dtype of C++ type T: `dtype_of<double>` is kFloat64.
///@{
template <class T>
inline constexpr Dtype dtype_of = Dtype::Float32;
template <>
inline constexpr Dtype dtype_of<bool> = Dtype::Bool;
template <>
inline constexpr Dtype dtype_of<std::int64_t> = Dtype::Int64;
template <>
inline constexpr Dtype dtype_of<float> = Dtype::Float32;
template <>
inline constexpr Dtype dtype_of<double> = Dtype::Float64;
///@}

}  // namespace xg

XGRAD_API_END
