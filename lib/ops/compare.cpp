// Comparisons, logic and classification of elements (isnan, …), with broadcasting; their results
// are bool tensors and record no gradient.
#include <cmath>

#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "ops/kernel_views.hpp"
#include "ops/binary_kernel.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using detail::impl;
using binary_detail::binary_kernel;
using binary_detail::check_args;

// ---- comparisons and logic -----------------------------------------------------------------------
// The kernels (kernels/elementwise_binary.cpp, elementwise.cpp) run on the result dtype of the
// two operands, every dtype allowed.
#define XG_COMPARE(name, op)                                                            \
  Tensor name(const Tensor& a, const Tensor& b) {                                       \
    check_args(#name, a, b);                                                            \
    return binary_kernel(kernels::BinaryOp::op, result_type(a, b), kBool, #name, a, b); \
  }
XG_COMPARE(eq, Eq)
XG_COMPARE(ne, Ne)
XG_COMPARE(lt, Lt)
XG_COMPARE(le, Le)
XG_COMPARE(gt, Gt)
XG_COMPARE(ge, Ge)
#undef XG_COMPARE

#define XG_LOGICAL(name, op)                                                  \
  Tensor name(const Tensor& a, const Tensor& b) {                             \
    check_args(#name, a, b);                                                  \
    const Tensor ab = a.dtype() == kBool ? a : ne(a, wrap_scalar(0, a));      \
    const Tensor bb = b.dtype() == kBool ? b : ne(b, wrap_scalar(0, b));      \
    return binary_kernel(kernels::BinaryOp::op, kBool, kBool, #name, ab, bb); \
  }
XG_LOGICAL(logical_and, LogicalAnd)
XG_LOGICAL(logical_or, LogicalOr)
XG_LOGICAL(logical_xor, LogicalXor)
#undef XG_LOGICAL

namespace {
/// op(x) into a bool tensor of x's shape, any dtype.
Tensor classify(const Tensor& x, const char* name, kernels::MapOp op) {
  detail::check_defined(x, name);
  Tensor out = detail::make_tensor(x.sizes(), kBool);
  kernels::map(op, x.dtype(), {}, kernels::input_view(impl(x)), kernels::output_view(impl(out)));
  return out;
}
}  // namespace

Tensor logical_not(const Tensor& x) { return classify(x, "logical_not", kernels::MapOp::LogicalNot); }
Tensor isnan(const Tensor& x) { return classify(x, "isnan", kernels::MapOp::IsNan); }
Tensor isinf(const Tensor& x) { return classify(x, "isinf", kernels::MapOp::IsInf); }
Tensor isfinite(const Tensor& x) { return classify(x, "isfinite", kernels::MapOp::IsFinite); }

namespace {
Tensor bool_reduce(const Tensor& x, const char* op, bool all) {
  detail::check_defined(x, op);
  const Tensor c = x.contiguous();
  bool r = all;
  kernels::dispatch_all(c.dtype(), op, [&]<class T>() {
    const T* p = impl(c).ptr<T>();
    for (std::int64_t i = 0; i < c.numel(); ++i) {
      const bool v = static_cast<bool>(p[i]);
      if (all && !v) {
        r = false;
        break;
      }
      if (!all && v) {
        r = true;
        break;
      }
    }
  });
  Tensor out = detail::make_tensor({}, kBool);
  *impl(out).ptr<bool>() = r;
  return out;
}
}  // namespace
Tensor all(const Tensor& x) { return bool_reduce(x, "all", true); }
Tensor any(const Tensor& x) { return bool_reduce(x, "any", false); }

bool equal(const Tensor& a, const Tensor& b) {
  check_args("equal", a, b);
  if (a.sizes() != b.sizes()) return false;
  return eq(a, b).all().item<bool>();
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  check_args("allclose", a, b);
  XG_CHECK(broadcast_shapes(a.sizes(), b.sizes(), "allclose") == a.sizes(), ShapeError, "allclose: shapes ", a.sizes(),
           " and ", b.sizes(), " differ");
  NoGradGuard ng;
  const Tensor ad = a.to(kFloat64), bd = b.to(kFloat64);
  return le(abs(ad - bd), atol + rtol * abs(bd)).all().item<bool>();
}

// ---- operators -----------------------------------------------------------------------------------
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return eq(a, wrap_scalar(b, a)); }
Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, wrap_scalar(b, a)); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, wrap_scalar(b, a)); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, wrap_scalar(b, a)); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, wrap_scalar(b, a)); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, wrap_scalar(b, a)); }
Tensor operator&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
Tensor operator^(const Tensor& a, const Tensor& b) { return logical_xor(a, b); }
Tensor operator~(const Tensor& x) { return logical_not(x); }

}  // namespace xg
