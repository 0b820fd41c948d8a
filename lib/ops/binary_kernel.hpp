// Internal: the elementwise kernel shared by the binary op families (binary.cpp, compare.cpp).
#pragma once
#include <type_traits>

#include "core/tensor_impl.hpp"
#include "kernels/loops.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::binary_detail {

inline Tensor cast(const Tensor& t, Dtype d) {
  if (t.dtype() == d) return t;
  NoGradGuard ng;  // the op's own node carries the gradient; the engine casts it back
  return t.to(d);
}

/// Runs f over a and b (both converted to T's dtype), broadcast, into a new tensor of R's dtype.
/// The caller has already turned the runtime dtype into T, so each op instantiates the loops
/// once per dtype it supports (a runtime dispatch here would instantiate every compute × result
/// pair for every caller: Note [One instantiation per dtype]). A functor taking `auto` arguments
/// also runs on xsimd batches (Note [Vectorized elementwise functors] in kernels/loops.hpp); one
/// taking `T` stays scalar.
template <class T, class R = T, class F>
Tensor binary_kernel(const char* op, const Tensor& a, const Tensor& b, F f) {
  const Dtype compute = dtype_of<T>, out_dtype = dtype_of<R>;
  Tensor out = detail::make_tensor(broadcast_shapes(a.sizes(), b.sizes(), op), out_dtype);
  const Tensor ac = cast(a, compute), bc = cast(b, compute);
  kernels::binary_map<T, T, R>(detail::impl(ac), detail::impl(bc), detail::impl(out), f);
  return out;
}

inline void check_args(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_defined(a, op, "first argument");
  detail::check_defined(b, op, "second argument");
}

inline void check_not_bool(const char* op, Dtype d) {
  XG_CHECK(d != kBool, DtypeError, op, ": arithmetic on bool tensors is not supported; convert with to(xg::kInt64) "
                                       "or use logical_and / logical_or");
}
}  // namespace xg::binary_detail
