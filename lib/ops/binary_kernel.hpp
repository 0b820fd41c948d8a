// Internal: the elementwise kernel shared by the binary op families (binary.cpp, compare.cpp).
#pragma once
#include "core/tensor_impl.hpp"
#include "ops/kernel_views.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::binary_detail {

inline Tensor cast(const Tensor& t, Dtype d) {
  if (t.dtype() == d) return t;
  NoGradGuard ng;  // the op's own node carries the gradient; the engine casts it back
  return t.to(d);
}

/// Runs the dispatched kernel `k` over a and b (both converted to `compute`), broadcast, into a
/// new tensor of dtype `result` (Note [Kernels per instruction set] in kernels/isa.hpp). The caller
/// has checked that `compute` is one the op accepts; the kernel file instantiates each op once per
/// such dtype (Note [One instantiation per dtype]).
inline Tensor binary_kernel(kernels::BinaryOp k, Dtype compute, Dtype result, const char* op, const Tensor& a,
                            const Tensor& b, const kernels::BinaryArgs& args = {}) {
  Tensor out = detail::make_tensor(broadcast_shapes(a.sizes(), b.sizes(), op), result);
  const Tensor ac = cast(a, compute), bc = cast(b, compute);
  const kernels::BroadcastView av(detail::impl(ac), detail::impl(out)), bv(detail::impl(bc), detail::impl(out));
  kernels::binary(k, compute, args, av, bv, kernels::output_view(detail::impl(out)));
  return out;
}

inline void check_args(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_defined(a, op, "first argument");
  detail::check_defined(b, op, "second argument");
}

inline void check_not_bool(const char* op, Dtype d) {
  XG_CHECK(d != kBool, DtypeError, op,
           ": arithmetic on bool tensors is not supported; convert with to(xg::kInt64) "
           "or use logical_and / logical_or");
}
}  // namespace xg::binary_detail
