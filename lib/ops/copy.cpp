// Copies, dtype conversion and the in-place ops.
#include "ops/inplace.hpp"
#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "ops/kernel_views.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;

XG_OP_NAME(clone);
XG_OP_NAME(to);

Tensor Tensor::clone() const {
  detail::check_defined(*this, "clone");
  Tensor out = detail::make_tensor(sizes(), dtype());
  kernels::copy_into(impl(*this), impl(out));
  // d clone = identity
  autograd::record(op_clone, out, {this}, {}, [](const Tensor& g, const BackwardCtx&) -> TensorList { return {g}; });
  return out;
}

Tensor Tensor::contiguous() const {
  detail::check_defined(*this, "contiguous");
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::to(Dtype d) const {
  detail::check_defined(*this, "to");
  if (d == dtype()) return *this;
  XG_CHECK(!requires_grad() || xg::is_floating_point(d) || !GradMode::is_enabled(), DtypeError,
           "to: cannot convert a tensor that requires grad to the non-differentiable dtype ", d,
           " (detach() it first)");
  Tensor out = detail::make_tensor(sizes(), d);
  kernels::copy_into(impl(*this), impl(out));
  // d to = identity, cast back to the input dtype (the engine casts to the recorded input dtype)
  autograd::record(op_to, out, {this}, {}, [](const Tensor& g, const BackwardCtx&) -> TensorList { return {g}; });
  return out;
}

// Note [In-place ops and saved tensors]
// An in-place op writes into the tensor's storage and bumps the storage's version counter, so
// any node that saved this tensor (or a view of it) fails at backward with a clear error instead
// of silently using the new values. When the op itself must be recorded, the old value is first
// cloned (a differentiable clone), the op is computed out of place from that clone, the result is
// written back, and the tensor's history is replaced by the result's: the graph stays correct
// and no saved tensor aliases the memory being overwritten.
namespace detail {
void check_inplace_allowed(const Tensor& self, const char* op) {
  XG_CHECK(!(GradMode::is_enabled() && self.requires_grad() && self.is_leaf()), AutogradError, op,
           ": a leaf tensor that requires grad is being used in an in-place operation (modify it under "
           "xg::NoGradGuard, or work on a clone)");
  XG_CHECK(!(GradMode::is_enabled() && impl(self).is_view && self.grad_fn()), AutogradError, op,
           ": in-place modification of a view of a tensor that requires grad is not supported (the base "
           "tensor's history would not see it); clone() the view first, or modify it under xg::NoGradGuard");
}

/// Writes `result` into self; takes over its history when it was recorded.
void commit_inplace(Tensor& self, const Tensor& result) {
  {
    TensorImpl& s = impl(self);
    kernels::copy_into(impl(result), s);
    s.bump_version();
  }
  if (result.grad_fn()) {
    TensorImpl& s = impl(self);
    s.grad_fn = result.grad_fn();
    s.output_nr = result.output_nr();
    s.requires_grad = true;
  }
}
}  // namespace detail

namespace {
using detail::check_inplace_allowed;
using detail::commit_inplace;

template <class F>
Tensor& inplace(Tensor& self, const char* op, const Tensor* other, F compute) {
  detail::check_defined(self, op, "self");
  check_inplace_allowed(self, op);
  const bool track = GradMode::is_enabled() && (self.requires_grad() || (other && other->requires_grad()));
  Tensor result = compute(track ? self.clone() : self);
  XG_CHECK(result.sizes() == self.sizes(), ShapeError, op, ": the result of shape ", result.sizes(),
           " does not fit in the tensor of shape ", self.sizes(), " being modified in place");
  XG_CHECK(promote_types(result.dtype(), self.dtype()) == self.dtype(), DtypeError, op, ": result dtype ",
           result.dtype(), " cannot be cast to the in-place tensor's dtype ", self.dtype());
  commit_inplace(self, track ? result : result.detach());
  return self;
}
}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
  detail::check_defined(*this, "copy_", "self");
  detail::check_defined(src, "copy_", "src");
  broadcast_shapes(src.sizes(), sizes(), "copy_");
  XG_CHECK(broadcast_shapes(src.sizes(), sizes(), "copy_") == sizes(), ShapeError, "copy_: source of shape ",
           src.sizes(), " cannot be broadcast to the destination shape ", sizes());
  check_inplace_allowed(*this, "copy_");
  if (GradMode::is_enabled() && src.requires_grad()) {
    // self = src (expanded): the gradient goes to src only (then cast back by the engine).
    Tensor result = src.to(dtype()).expand(sizes()).contiguous();
    if (!result.grad_fn()) result = result.clone();
    commit_inplace(*this, result);
    return *this;
  }
  {
    Tensor s = src;
    kernels::copy_into(impl(s), impl(*this));
    impl(*this).bump_version();
  }
  if (requires_grad() && GradMode::is_enabled()) {
    // the old history no longer describes the values: the tensor is now a constant
    impl(*this).grad_fn.reset();
    impl(*this).requires_grad = false;
  }
  return *this;
}

Tensor& Tensor::add_(const Tensor& o, Scalar alpha) {
  return inplace(*this, "add_", &o, [&](const Tensor& s) { return xg::add(s, o, alpha); });
}
Tensor& Tensor::add_(Scalar o) { return add_(wrap_scalar(o, *this)); }
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) {
  return inplace(*this, "sub_", &o, [&](const Tensor& s) { return xg::sub(s, o, alpha); });
}
Tensor& Tensor::sub_(Scalar o) { return sub_(wrap_scalar(o, *this)); }
Tensor& Tensor::mul_(const Tensor& o) {
  return inplace(*this, "mul_", &o, [&](const Tensor& s) { return xg::mul(s, o); });
}
Tensor& Tensor::mul_(Scalar o) { return mul_(wrap_scalar(o, *this)); }
Tensor& Tensor::div_(const Tensor& o) {
  return inplace(*this, "div_", &o, [&](const Tensor& s) { return xg::div(s, o); });
}
Tensor& Tensor::div_(Scalar o) { return div_(wrap_scalar(o, *this)); }
Tensor& Tensor::clamp_(std::optional<Scalar> mn, std::optional<Scalar> mx) {
  return inplace(*this, "clamp_", nullptr, [&](const Tensor& s) { return xg::clamp(s, mn, mx); });
}
Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  return inplace(*this, "masked_fill_", nullptr, [&](const Tensor& s) { return xg::masked_fill(s, mask, value); });
}

Tensor& Tensor::fill_(Scalar value) {
  detail::check_defined(*this, "fill_", "self");
  check_inplace_allowed(*this, "fill_");
  TensorImpl& s = impl(*this);
  kernels::dispatch_all(s.dtype, "fill_", [&]<class T>() {
    const T v = value.to<T>();
    const Shape none(s.shape.size(), 0);
    kernels::for_each_row<1>(s.shape, {&s.strides}, [&](std::int64_t n, const auto& off, const auto& st) {
      T* p = s.ptr<T>() + off[0];
      for (std::int64_t i = 0; i < n; ++i) p[i * st[0]] = v;
    });
  });
  s.bump_version();
  if (GradMode::is_enabled() && s.grad_fn) {
    s.grad_fn.reset();
    s.requires_grad = false;
  }
  return *this;
}
Tensor& Tensor::zero_() { return fill_(0); }

namespace {
template <class Draw>
Tensor& fill_random(Tensor& self, const char* op, Draw draw) {
  detail::check_defined(self, op, "self");
  check_inplace_allowed(self, op);
  TensorImpl& s = impl(self);
  kernels::dispatch_floating(s.dtype, op, [&]<class T>() {
    kernels::for_each_row<1>(s.shape, {&s.strides}, [&](std::int64_t n, const auto& off, const auto& st) {
      T* p = s.ptr<T>() + off[0];
      for (std::int64_t i = 0; i < n; ++i) p[i * st[0]] = static_cast<T>(draw());
    });
  });
  s.bump_version();
  return self;
}
}  // namespace

Tensor& Tensor::uniform_(double from, double to) {
  XG_CHECK(from <= to, ValueError, "uniform_: expected from <= to, got from=", from, " to=", to);
  auto& gen = default_generator();
  return fill_random(*this, "uniform_", [&] { return from + (to - from) * gen.next_double(); });
}

Tensor& Tensor::normal_(double mean, double std) {
  XG_CHECK(std >= 0, ValueError, "normal_: expected std >= 0, got ", std);
  auto& gen = default_generator();
  return fill_random(*this, "normal_", [&] { return mean + std * gen.next_normal(); });
}

}  // namespace xg
