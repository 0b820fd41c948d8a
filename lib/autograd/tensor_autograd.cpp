// The Tensor methods of autograd: requires_grad, .grad(), grad_fn, backward(), hooks,
// retain_grad, detach and set_data. They live with the engine rather than in core/tensor.cpp
// because they reach the graph's nodes.
#include <atomic>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg {

#define XG_REQUIRE_DEFINED(what) XG_CHECK(impl_ != nullptr, ValueError, what, ": called on an undefined tensor")

// ---- autograd accessors --------------------------------------------------------------------------
bool Tensor::requires_grad() const {
  XG_REQUIRE_DEFINED("requires_grad");
  return impl_->requires_grad;
}

Tensor& Tensor::requires_grad_(bool r) {
  XG_REQUIRE_DEFINED("requires_grad_");
  XG_CHECK(!impl_->grad_fn || r, AutogradError,
           "requires_grad_: requires_grad can only be turned off on leaf tensors; this tensor was computed by '",
           impl_->grad_fn ? impl_->grad_fn->name() : "", "' (use detach())");
  XG_CHECK(!r || xg::is_floating_point(impl_->dtype), DtypeError,
           "requires_grad_: only floating-point tensors can require gradients, got dtype ", impl_->dtype);
  impl_->requires_grad = r;
  return *this;
}

const Tensor& Tensor::grad() const {
  XG_REQUIRE_DEFINED("grad");
  return impl_->grad;
}
Tensor& Tensor::mutable_grad() {
  XG_REQUIRE_DEFINED("mutable_grad");
  return impl_->grad;
}
void Tensor::set_grad(const Tensor& g) {
  XG_REQUIRE_DEFINED("set_grad");
  XG_CHECK(!g.defined() || g.sizes() == sizes(), ShapeError, "set_grad: gradient of shape ", g.sizes(),
           " assigned to a tensor of shape ", sizes());
  impl_->grad = g;
}
bool Tensor::is_leaf() const {
  XG_REQUIRE_DEFINED("is_leaf");
  return impl_->grad_fn == nullptr;
}
const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  XG_REQUIRE_DEFINED("grad_fn");
  return impl_->grad_fn;
}
std::uint32_t Tensor::output_nr() const {
  XG_REQUIRE_DEFINED("output_nr");
  return impl_->output_nr;
}
std::uint32_t Tensor::_version() const {
  XG_REQUIRE_DEFINED("_version");
  return impl_->version();
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const TensorList& inputs) const {
  XG_REQUIRE_DEFINED("backward");
  autograd::backward({*this}, gradient.defined() ? TensorList{gradient} : TensorList{}, retain_graph, create_graph,
                     inputs);
}

namespace {
// Leaf hook handles start at 2^30 so that they never collide with a node's pre-hook handles.
unsigned next_leaf_hook_handle() {
  static std::atomic<unsigned> next{1u << 30};
  return next.fetch_add(1);
}
}  // namespace

unsigned Tensor::register_hook(TensorHook hook) const {
  XG_REQUIRE_DEFINED("register_hook");
  XG_CHECK(impl_->requires_grad, AutogradError,
           "register_hook: cannot register a hook on a tensor that does not require gradient");
  if (impl_->grad_fn) return impl_->grad_fn->add_pre_hook(impl_->output_nr, std::move(hook));
  unsigned h = next_leaf_hook_handle();
  impl_->hooks.push_back(TensorImpl::Hook{h, std::move(hook)});
  return h;
}

unsigned Tensor::register_post_accumulate_grad_hook(PostAccumulateGradHook hook) const {
  XG_REQUIRE_DEFINED("register_post_accumulate_grad_hook");
  XG_CHECK(impl_->requires_grad, AutogradError,
           "register_post_accumulate_grad_hook: cannot register a hook on a tensor that does not require gradient");
  XG_CHECK(!impl_->grad_fn, AutogradError,
           "register_post_accumulate_grad_hook: only leaf tensors accumulate a gradient, but this tensor of shape ",
           impl_->shape, " was computed by '", impl_->grad_fn->name(), "'; use register_hook for non-leaf tensors");
  XG_CHECK(hook != nullptr, ValueError, "register_post_accumulate_grad_hook: the hook is empty");
  unsigned h = next_leaf_hook_handle();
  impl_->post_accumulate_hooks.push_back(TensorImpl::PostAccumulateHook{h, std::move(hook)});
  return h;
}

void Tensor::remove_hook(unsigned handle) const {
  XG_REQUIRE_DEFINED("remove_hook");
  if (impl_->grad_fn && impl_->grad_fn->remove_pre_hook(handle)) return;
  auto& hs = impl_->hooks;
  for (auto it = hs.begin(); it != hs.end(); ++it)
    if (it->handle == handle) {
      hs.erase(it);
      return;
    }
  auto& ps = impl_->post_accumulate_hooks;
  for (auto it = ps.begin(); it != ps.end(); ++it)
    if (it->handle == handle) {
      ps.erase(it);
      return;
    }
  throw ValueError(detail::concat("remove_hook: no hook with handle ", handle, " on this tensor"));
}

void Tensor::retain_grad() const {
  XG_REQUIRE_DEFINED("retain_grad");
  XG_CHECK(impl_->requires_grad, AutogradError,
           "retain_grad: cannot retain the gradient of a tensor that does not require grad");
  if (!impl_->grad_fn || impl_->retains_grad) return;  // leaves keep their grad anyway
  impl_->retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_;
  impl_->grad_fn->add_pre_hook(impl_->output_nr, [weak](const Tensor& g) {
    if (auto self = weak.lock()) {
      if (!self->grad.defined()) self->grad = g.detach().clone();
      else self->grad = self->grad + g.detach();
    }
    return Tensor();
  });
}
bool Tensor::retains_grad() const {
  XG_REQUIRE_DEFINED("retains_grad");
  return impl_->retains_grad;
}

// ---- copies and conversions ----------------------------------------------------------------------
Tensor Tensor::detach() const {
  XG_REQUIRE_DEFINED("detach");
  return detail::make_view(*this, impl_->shape, impl_->strides, impl_->offset);
}

void Tensor::set_data(const Tensor& new_data) {
  XG_REQUIRE_DEFINED("set_data");
  XG_CHECK(new_data.defined(), ValueError, "set_data: the new data is an undefined tensor");
  XG_CHECK(impl_->grad_fn == nullptr, AutogradError,
           "set_data: only leaf tensors can have their data replaced; this "
           "tensor was computed by '",
           impl_->grad_fn ? impl_->grad_fn->name() : "", "'");
  XG_CHECK(!impl_->requires_grad || xg::is_floating_point(new_data.dtype()), DtypeError,
           "set_data: a tensor that requires grad needs floating-point data, got ", new_data.dtype());
  const TensorImpl& src = *new_data.impl_;
  if (impl_->grad.defined() && (src.shape != impl_->shape || src.dtype != impl_->dtype)) impl_->grad = Tensor();
  impl_->storage = src.storage;
  impl_->offset = src.offset;
  impl_->shape = src.shape;
  impl_->strides = src.strides;
  impl_->numel = src.numel;
  impl_->dtype = src.dtype;
  impl_->is_view = true;
}

Tensor& Tensor::detach_() {
  XG_REQUIRE_DEFINED("detach_");
  impl_->grad_fn.reset();
  impl_->requires_grad = false;
  impl_->output_nr = 0;
  return *this;
}

}  // namespace xg
