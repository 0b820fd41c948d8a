// xgrad — interop with xtensor (the only public header that includes it).
// Views an xtensor container as an xg::Tensor without copying (and back, as an xt::adapt view),
// or copies either way with dtype conversion:
//
//   xt::xarray<float> a = {{1, 2}, {3, 4}};
//   xg::Tensor t = xg::from_xtensor(a);          // shares a's memory: a must outlive t
//   t.mul_(2);                                   // a is now {{2, 4}, {6, 8}}
//   xt::xarray<double> b = xg::to_xarray<double>(t.t());   // a copy, transposed, as double
#pragma once
#include <cstdint>
#include <type_traits>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xstrided_view.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

namespace xtensor_detail {

template <class T>
inline constexpr bool is_tensor_element =
    std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, bool>;

/// The dtype whose elements are T, for views that share memory (no conversion possible).
template <class T>
constexpr Dtype exact_dtype() {
  static_assert(is_tensor_element<T>,
                "xg::from_xtensor / as_xtensor_view: the element type must be float, double, std::int64_t or "
                "bool (use from_xtensor_copy / to_xarray to convert other types)");
  return dtype_of<T>;
}

/// The dtype a copy of T elements gets: bool, any integer → int64, float → float32, wider → float64.
template <class T>
constexpr Dtype copy_dtype() {
  static_assert(std::is_arithmetic_v<T>, "xg::from_xtensor_copy: the expression must hold numbers or bools");
  if constexpr (std::is_same_v<T, bool>) return kBool;
  else if constexpr (std::is_integral_v<T>) return kInt64;
  else if constexpr (std::is_same_v<T, float>) return kFloat32;
  else return kFloat64;
}

/// Wraps `data` (the first element) with xtensor's shape and strides (both in elements).
template <class T, class S, class St>
Tensor wrap(T* data, const S& shape, const St& strides, const char* op) {
  constexpr Dtype d = exact_dtype<std::remove_const_t<T>>();
  Shape sizes(shape.begin(), shape.end());
  Shape steps(strides.begin(), strides.end());
  for (std::int64_t s : steps)
    XG_CHECK(s >= 0, ValueError, op, ": negative strides ", steps, " (shape ", sizes,
             ") cannot be viewed without a copy; use from_xtensor_copy");
  return from_blob(const_cast<std::remove_const_t<T>*>(data), sizes, steps, d);
}

}  // namespace xtensor_detail

/// A tensor that views the memory of an xtensor container without copying (like from_blob): writes
/// through either are seen by the other. The container must outlive the tensor and every view of
/// it, and must not be resized meanwhile. Element type: float, double, std::int64_t or bool.
///   xt::xarray<double> a = {1., 2.};  auto t = xg::from_xtensor(a);   // t.dtype() == kFloat64
template <class T, xt::layout_type L>
Tensor from_xtensor(xt::xarray<T, L>& a) {
  return xtensor_detail::wrap(a.data(), a.shape(), a.strides(), "from_xtensor");
}
/// from_xtensor for a fixed-rank xt::xtensor.
template <class T, std::size_t N, xt::layout_type L>
Tensor from_xtensor(xt::xtensor<T, N, L>& a) {
  return xtensor_detail::wrap(a.data(), a.shape(), a.strides(), "from_xtensor");
}
/// A strided view of a container (`xt::transpose(a)`, `xt::strided_view(a, ...)`) keeps its
/// strides and offset: `from_xtensor(xt::transpose(a))` is the transpose, sharing a's memory.
/// The viewed container must be an lvalue that outlives the tensor.
template <class CT, class S, xt::layout_type L, class FST>
Tensor from_xtensor(xt::xstrided_view<CT, S, L, FST> v) {
  static_assert(std::is_lvalue_reference_v<CT> && !std::is_const_v<std::remove_reference_t<CT>>,
                "xg::from_xtensor: the view must refer to a non-const container that lives elsewhere");
  return xtensor_detail::wrap(v.data() + v.data_offset(), v.shape(), v.strides(), "from_xtensor");
}
/// `xt::view(a, xt::range(...), ...)` with integer and range slices: same as above.
template <class CT, class... S>
Tensor from_xtensor(xt::xview<CT, S...> v) {
  static_assert(std::is_lvalue_reference_v<CT> && !std::is_const_v<std::remove_reference_t<CT>>,
                "xg::from_xtensor: the view must refer to a non-const container that lives elsewhere");
  static_assert(xt::has_data_interface<xt::xview<CT, S...>>::value,
                "xg::from_xtensor: only strided views (integer and range slices) can be shared without a copy");
  return xtensor_detail::wrap(v.data() + v.data_offset(), v.shape(), v.strides(), "from_xtensor");
}

/// A new tensor holding the values of any xtensor expression (evaluated once). Its dtype follows
/// the element type: bool → kBool, integers → kInt64, float → kFloat32, double → kFloat64.
///   auto t = xg::from_xtensor_copy(xt::arange<int>(6) * 2);   // int64 [0, 2, 4, 6, 8, 10]
template <class E>
Tensor from_xtensor_copy(const xt::xexpression<E>& expr) {
  const E& e = expr.derived_cast();
  using T = CppType<xtensor_detail::copy_dtype<std::decay_t<typename E::value_type>>()>;
  const auto& shape = e.shape();
  Tensor out = empty(Shape(shape.begin(), shape.end()), dtype_of<T>);
  const std::vector<std::size_t> sizes(shape.begin(), shape.end());
  auto dst = xt::adapt(out.data_ptr<T>(), static_cast<std::size_t>(out.numel()), xt::no_ownership(), sizes);
  dst = xt::cast<T>(e);
  return out;
}

/// A copy of t as an xt::xarray<T> (row-major, T converted from t's dtype; any strides).
///   xt::xarray<float> a = xg::to_xarray<float>(xg::eye(3));
template <class T>
xt::xarray<T> to_xarray(const Tensor& t) {
  XG_CHECK(t.defined(), ValueError, "to_xarray: the tensor is undefined");
  using S = CppType<xtensor_detail::copy_dtype<T>()>;
  const Tensor c = t.detach().to(dtype_of<S>).contiguous();
  const Shape& shape = c.sizes();
  xt::xarray<T> out = xt::xarray<T>::from_shape(std::vector<std::size_t>(shape.begin(), shape.end()));
  const S* p = c.data_ptr<S>();
  for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] = static_cast<T>(p[i]);
  return out;
}

/// An xtensor view (xt::adapt) of t's memory, with t's shape and strides: no copy, writes go to t
/// (they do not bump t's version counter, so do not modify tensors autograd has saved).
/// T must be t's element type (DtypeError otherwise); t's storage must outlive the view.
///   auto v = xg::as_xtensor_view<float>(t);  double s = xt::sum(v)();
template <class T>
auto as_xtensor_view(const Tensor& t) {
  constexpr Dtype d = xtensor_detail::exact_dtype<T>();
  XG_CHECK(t.defined(), ValueError, "as_xtensor_view: the tensor is undefined");
  XG_CHECK(t.dtype() == d, DtypeError, "as_xtensor_view: the tensor has dtype ", t.dtype(), " but a view of ", d,
           " elements was asked for (convert with .to(", d, ") first)");
  const Shape& sizes = t.sizes();
  std::vector<std::size_t> shape(sizes.begin(), sizes.end());
  std::vector<std::ptrdiff_t> strides(t.strides().begin(), t.strides().end());
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1) strides[i] = 0;  // xtensor's convention, which its broadcasting relies on
  // An adaptor with explicit strides wants its buffer size to be the element count (it would try
  // to resize the buffer otherwise); elements are reached through the strides, not linearly.
  const auto n = static_cast<std::size_t>(t.numel());
  return xt::adapt(t.data_ptr<T>(), n, xt::no_ownership(), std::move(shape), std::move(strides));
}

}  // namespace xg

XGRAD_API_END
