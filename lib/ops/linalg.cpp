// Linear algebra: mm, bmm, dot (each with its own node, computed by the kernels of gemm.hpp),
// and matmul, outer, linear composed from them so their first and second derivatives come from
// the pieces.
#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "kernels/gemm.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;

XG_OP_NAME(mm);
XG_OP_NAME(bmm);
XG_OP_NAME(dot);
XG_OP_NAME(linear);

namespace {

/// PyTorch's products take no mixed or integer dtypes: both operands must share one floating dtype.
void check_product_dtypes(const char* op, const Tensor& a, const Tensor& b) {
  XG_CHECK(a.dtype() == b.dtype(), DtypeError, op, ": expected both tensors to have the same dtype, got ", a.dtype(),
           " and ", b.dtype(), " (convert one with to())");
  XG_CHECK(a.is_floating_point(), DtypeError, op, ": expected floating-point tensors (float32 or float64), got ",
           a.dtype(), " and ", b.dtype());
}

void check_args(const char* op, const Tensor& a, const Tensor& b) {
  detail::check_defined(a, op, "first argument");
  detail::check_defined(b, op, "second argument");
}

template <class T>
kernels::MatrixRef<T> matrix(const Tensor& t, std::int64_t row_dim, std::int64_t col_dim) {
  const TensorImpl& m = impl(t);
  return {m.ptr<T>(), m.strides[row_dim], m.strides[col_dim]};
}

/// The tensor a rule saves only when the gradient that reads it is wanted: a product's gradient
/// w.r.t. one operand reads only the other, so an operand that does not require grad lets the
/// node drop its partner.
const Tensor& saved_if(bool wanted, const Tensor& t) {
  static const Tensor none;
  return wanted ? t : none;
}

bool wants_grad(const Tensor& t) { return GradMode::is_enabled() && t.requires_grad(); }

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_args("mm", a, b);
  XG_CHECK(a.dim() == 2 && b.dim() == 2, ShapeError, "mm: expected 2-D tensors, got shapes ", a.sizes(), " and ",
           b.sizes());
  XG_CHECK(a.size(1) == b.size(0), ShapeError, "mm: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
           a.size(1), " != ", b.size(0), ")");
  check_product_dtypes("mm", a, b);
  const std::int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  Tensor out = detail::make_tensor({m, n}, a.dtype());
  kernels::dispatch_floating(a.dtype(), "mm", [&]<class T>() {
    kernels::gemm<T>(m, n, k, matrix<T>(a, 0, 1), matrix<T>(b, 0, 1), impl(out).ptr<T>(), n);
  });
  const Tensor& sa = saved_if(wants_grad(b), a);
  const Tensor& sb = saved_if(wants_grad(a), b);
  // d(AB) = (G Bᵀ, Aᵀ G)
  autograd::record(op_mm, out, {&a, &b}, {&sa, &sb}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {c.needs(0) ? g.mm(c.saved[1].t()) : Tensor(), c.needs(1) ? c.saved[0].t().mm(g) : Tensor()};
  });
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_args("bmm", a, b);
  XG_CHECK(a.dim() == 3 && b.dim() == 3, ShapeError, "bmm: expected 3-D tensors, got shapes ", a.sizes(), " and ",
           b.sizes());
  XG_CHECK(a.size(0) == b.size(0), ShapeError, "bmm: shapes ", a.sizes(), " and ", b.sizes(),
           " have different batch sizes (", a.size(0), " != ", b.size(0), ")");
  XG_CHECK(a.size(2) == b.size(1), ShapeError, "bmm: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (",
           a.size(2), " != ", b.size(1), ")");
  check_product_dtypes("bmm", a, b);
  const std::int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  Tensor out = detail::make_tensor({batch, m, n}, a.dtype());
  kernels::dispatch_floating(a.dtype(), "bmm", [&]<class T>() {
    kernels::gemm_batched<T>(batch, m, n, k, T(1), matrix<T>(a, 1, 2), impl(a).strides[0], matrix<T>(b, 1, 2),
                             impl(b).strides[0], T(0), {impl(out).ptr<T>(), n, 1}, m * n);
  });
  const Tensor& sa = saved_if(wants_grad(b), a);
  const Tensor& sb = saved_if(wants_grad(a), b);
  // d(AₚBₚ) = (Gₚ Bₚᵀ, Aₚᵀ Gₚ) for every batch entry p
  autograd::record(op_bmm, out, {&a, &b}, {&sa, &sb}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {c.needs(0) ? g.bmm(c.saved[1].transpose(1, 2)) : Tensor(),
            c.needs(1) ? c.saved[0].transpose(1, 2).bmm(g) : Tensor()};
  });
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_args("dot", a, b);
  XG_CHECK(a.dim() == 1 && b.dim() == 1, ShapeError, "dot: expected 1-D tensors, got shapes ", a.sizes(), " and ",
           b.sizes());
  XG_CHECK(a.size(0) == b.size(0), ShapeError, "dot: tensors of shapes ", a.sizes(), " and ", b.sizes(),
           " have different lengths (", a.size(0), " != ", b.size(0), ")");
  check_product_dtypes("dot", a, b);
  Tensor out = detail::make_tensor({}, a.dtype());
  kernels::dispatch_floating(a.dtype(), "dot", [&]<class T>() {
    *impl(out).ptr<T>() =
        kernels::dot<T>(a.size(0), impl(a).ptr<T>(), impl(a).strides[0], impl(b).ptr<T>(), impl(b).strides[0]);
  });
  const Tensor& sa = saved_if(wants_grad(b), a);
  const Tensor& sb = saved_if(wants_grad(a), b);
  // d(a·b) = (g b, g a)
  autograd::record(op_dot, out, {&a, &b}, {&sa, &sb}, [](const Tensor& g, const BackwardCtx& c) -> TensorList {
    return {c.needs(0) ? g * c.saved[1] : Tensor(), c.needs(1) ? g * c.saved[0] : Tensor()};
  });
  return out;
}

// torch.matmul. The 2-D and folded cases go to mm, the batched case to bmm after broadcasting the
// batch dims; 1-D operands get a unit dim that is removed from the result. Everything here is a
// differentiable op, so matmul records no node of its own.
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_args("matmul", a, b);
  const std::int64_t da = a.dim(), db = b.dim();
  XG_CHECK(da >= 1 && db >= 1, ShapeError, "matmul: both arguments need to be at least 1-D, got shapes ", a.sizes(),
           " and ", b.sizes());
  // Contracted sizes: a's last dim with b's second-to-last (its only one when 1-D).
  const std::int64_t ka = a.size(-1), kb = db == 1 ? b.size(0) : b.size(-2);
  XG_CHECK(ka == kb, ShapeError, "matmul: shapes ", a.sizes(), " and ", b.sizes(), " cannot be multiplied (", ka,
           " != ", kb, ")");
  check_product_dtypes("matmul", a, b);

  if (da == 1 && db == 1) return dot(a, b);
  if (da == 2 && db == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
  if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (da == 2 && db == 2) return mm(a, b);
  if (da >= 3 && db <= 2) {
    // Fold a's batch dims into its rows: [..., n, k] → [(...)·n, k], one mm, unfold.
    Shape out_shape(a.sizes().begin(), a.sizes().end() - 1);
    const Tensor b2 = db == 1 ? b.unsqueeze(1) : b;
    if (db == 2) out_shape.push_back(b.size(1));
    return mm(a.reshape({-1, ka}), b2).reshape(out_shape);
  }

  // Batched: [batch_a..., n, k] · [batch_b..., k, p] with batch_a and batch_b broadcast.
  const Tensor a3 = da == 1 ? a.unsqueeze(0) : a;
  const Tensor b3 = db == 1 ? b.unsqueeze(1) : b;
  const Shape batch_a(a3.sizes().begin(), a3.sizes().end() - 2);
  const Shape batch_b(b3.sizes().begin(), b3.sizes().end() - 2);
  const Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  const std::int64_t n = a3.size(-2), p = b3.size(-1), nb = numel_of(batch);
  Shape ea = batch, eb = batch, out_shape = batch;
  ea.push_back(n);
  ea.push_back(ka);
  eb.push_back(ka);
  eb.push_back(p);
  Tensor out = bmm(a3.expand(ea).reshape({nb, n, ka}), b3.expand(eb).reshape({nb, ka, p}));
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(p);
  return out.reshape(out_shape);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  check_args("outer", a, b);
  XG_CHECK(a.dim() == 1 && b.dim() == 1, ShapeError, "outer: expected 1-D tensors, got shapes ", a.sizes(), " and ",
           b.sizes());
  // (a ⊗ b)ᵢⱼ = aᵢ bⱼ: the product of a column and a row (k = 1), differentiated by mm's rule;
  // integer or mixed dtypes (which mm does not take) as a broadcast product, promoted as mul does.
  if (a.dtype() == b.dtype() && a.is_floating_point()) return mm(a.unsqueeze(1), b.unsqueeze(0));
  return a.unsqueeze(1) * b.unsqueeze(0);
}

namespace {
// Note [Fused linear]
// y = x Wᵀ + b is one GEMM into rows pre-filled with b (beta = 1) and one node, instead of a
// transpose, a matmul and a broadcast add with three nodes. The rule hands back dW = gᵀ x as a
// contiguous [out, in] product, so the leaf accumulator stores it as it is — the unfused graph
// returned the transpose of xᵀ g, a strided view that had to be copied on every step. Inputs of
// more than two dimensions are flattened to [rows, in] (a recorded reshape) and unflattened after.
Tensor linear_2d(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const std::int64_t in = weight.size(1), out_features = weight.size(0);
  if (x.dim() != 2) {
    Shape out_shape = x.sizes();
    out_shape.back() = out_features;
    return linear_2d(x.reshape({x.numel() / std::max<std::int64_t>(in, 1), in}), weight, bias).reshape(out_shape);
  }
  const std::int64_t m = x.size(0);
  Tensor out = detail::make_tensor({m, out_features}, x.dtype());
  kernels::dispatch_floating(x.dtype(), "linear", [&]<class T>() {
    T* y = impl(out).ptr<T>();
    T beta = T(0);
    if (bias.defined()) {
      const Tensor b = bias.contiguous();
      const T* pb = impl(b).ptr<T>();
      for (std::int64_t i = 0; i < m; ++i) std::copy(pb, pb + out_features, y + i * out_features);
      beta = T(1);
    }
    kernels::gemm<T>(m, out_features, in, T(1), matrix<T>(x, 0, 1), matrix<T>(weight, 1, 0), beta,
                     kernels::OutMatrixRef<T>{y, out_features, 1});
  });
  const Tensor& sx = saved_if(wants_grad(weight), x);
  const Tensor& sw = saved_if(wants_grad(x), weight);
  // d(x Wᵀ + b) = (G W, Gᵀ x, Σ_rows G)
  autograd::record(op_linear, out, {&x, &weight, &bias}, {&sx, &sw},
                   [](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {c.needs(0) ? g.mm(c.saved[1]) : Tensor(), c.needs(1) ? g.t().mm(c.saved[0]) : Tensor(),
                             c.needs(2) ? g.sum({0}) : Tensor()};
                   });
  return out;
}
}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  detail::check_defined(x, "linear", "input");
  detail::check_defined(weight, "linear", "weight");
  XG_CHECK(x.dim() >= 1, ShapeError, "linear: the input must be at least 1-D, got shape ", x.sizes());
  XG_CHECK(weight.dim() == 1 || weight.dim() == 2, ShapeError,
           "linear: the weight must be 1-D or 2-D ([out_features, in_features]), got shape ", weight.sizes());
  XG_CHECK(x.size(-1) == weight.size(-1), ShapeError, "linear: input of shape ", x.sizes(), " and weight of shape ",
           weight.sizes(), " do not fit (in_features ", x.size(-1), " != ", weight.size(-1), ")");
  XG_CHECK(x.dtype() == weight.dtype(), DtypeError, "linear: input (", x.dtype(), ") and weight (", weight.dtype(),
           ") must have the same dtype");
  if (weight.dim() == 2 && weight.size(1) > 0 &&
      (!bias.defined() || (bias.dtype() == x.dtype() && bias.dim() == 1 && bias.size(0) == weight.size(0))))
    return linear_2d(x, weight, bias);
  Tensor y = matmul(x, weight.t());
  if (!bias.defined()) return y;
  XG_CHECK(bias.dtype() == x.dtype(), DtypeError, "linear: bias (", bias.dtype(), ") and input (", x.dtype(),
           ") must have the same dtype");
  return y + bias;
}

}  // namespace xg
