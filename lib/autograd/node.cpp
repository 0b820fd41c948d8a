// Graph nodes, saved tensors, grad/anomaly mode and the leaf accumulator.
#include <atomic>
#include <cmath>
#include <mutex>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "xgrad/ops.hpp"

namespace xg {

namespace {
thread_local bool t_grad_enabled = true;
thread_local bool t_anomaly_enabled = false;
thread_local const autograd::Node* t_backward_node = nullptr;
std::atomic<std::uint64_t> g_sequence_nr{0};
std::atomic<unsigned> g_hook_handle{1};
}  // namespace

bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool enabled) { t_grad_enabled = enabled; }

namespace autograd {

bool AnomalyMode::is_enabled() { return t_anomaly_enabled; }
void AnomalyMode::set_enabled(bool enabled) { t_anomaly_enabled = enabled; }

// ---- op name registry --------------------------------------------------------------------------
namespace {
std::vector<std::string>& op_registry() {
  static std::vector<std::string> names;
  return names;
}
std::mutex& op_registry_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

OpName::OpName(const char* n) : name(n) {
  std::lock_guard<std::mutex> lock(op_registry_mutex());
  op_registry().emplace_back(n);
}
const std::vector<std::string>& registered_op_names() { return op_registry(); }

// ---- Node --------------------------------------------------------------------------------------
Node::Node() : sequence_nr_(g_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

// Note [Iterative graph teardown]
// A node owns the nodes of its inputs through its edges, so freeing the last reference to the
// root of a chain of n ops would run n nested destructors and overflow the stack for deep graphs
// (a recurrent net unrolled over 10^6 steps). Instead, a node's destructor moves each input node
// it holds the last reference to onto a list owned by the outermost destructor running on this
// thread, which frees the list in a loop: a nested destructor only appends to it. Graph depth is
// thus limited by memory only. (The engine's walks are iterative too: Note [Engine bookkeeping].)
namespace {
thread_local std::vector<std::shared_ptr<Node>>* t_teardown = nullptr;  // trivially destructible
}  // namespace

namespace {
// Moves the input nodes that `edges` hold the last reference to onto `list`. If the list cannot
// grow (out of memory), the rest stay in place and are freed the recursive way.
void defer_inputs(std::vector<Edge>& edges, std::vector<std::shared_ptr<Node>>& list) noexcept {
  try {
    for (auto& e : edges)
      if (e.function && e.function.use_count() == 1) list.push_back(std::move(e.function));
  } catch (...) {}
}
}  // namespace

Node::~Node() {
  if (next_edges_.empty()) return;
  if (t_teardown != nullptr) {
    defer_inputs(next_edges_, *t_teardown);
    return;
  }
  std::vector<std::shared_ptr<Node>> pending;
  defer_inputs(next_edges_, pending);
  if (pending.empty()) return;
  t_teardown = &pending;
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    n.reset();  // its destructor appends its own inputs to `pending`
  }
  t_teardown = nullptr;
}

void Node::add_input(Edge edge, Shape shape, Dtype dtype) {
  if (next_edges_.empty()) {  // most ops have one or two inputs: one allocation per vector, not two
    next_edges_.reserve(2);
    input_meta_.reserve(2);
  }
  next_edges_.push_back(std::move(edge));
  input_meta_.push_back(InputMeta{std::move(shape), dtype});
}

unsigned Node::add_pre_hook(std::uint32_t output_nr, TensorHook hook) {
  unsigned h = g_hook_handle.fetch_add(1);
  pre_hooks_.push_back(PreHook{h, output_nr, std::move(hook)});
  return h;
}

bool Node::remove_pre_hook(unsigned handle) {
  for (auto it = pre_hooks_.begin(); it != pre_hooks_.end(); ++it) {
    if (it->handle == handle) {
      pre_hooks_.erase(it);
      return true;
    }
  }
  return false;
}

namespace {
// A hook may replace a gradient, but not by one of another shape: the error names the hook (its
// handle, as returned by register_hook) and where it is registered, rather than letting a later
// op fail with shapes the user never wrote.
void check_hook_result(const Tensor& r, const Tensor& g, unsigned handle, const std::string& where) {
  if (r.sizes() == g.sizes()) return;
  throw AutogradError(::xg::detail::concat("tensor hook ", handle, " (registered on ", where,
                                           ") returned a gradient of shape ", r.sizes(), " for a gradient of shape ",
                                           g.sizes(),
                                           "; a hook must return a tensor of the same shape, or an "
                                           "undefined tensor to leave the gradient as it is"));
}
}  // namespace

void Node::call_pre_hooks(TensorList& grads) const {
  for (const auto& h : pre_hooks_) {
    Tensor& g = grads[h.output_nr];
    if (!g.defined()) continue;
    Tensor r = h.fn(g);
    if (!r.defined()) continue;
    if (r.sizes() != g.sizes())
      check_hook_result(r, g, h.handle, ::xg::detail::concat("output ", h.output_nr, " of '", name(), "'"));
    g = std::move(r);
  }
}

// ---- SavedVariable -----------------------------------------------------------------------------
SavedVariable::SavedVariable(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  was_defined_ = true;
  const TensorImpl& src = ::xg::detail::impl(t);
  version_ = src.version();
  requires_grad_ = src.requires_grad;
  is_output_ = is_output;
  output_nr_ = src.output_nr;
  if (is_output) {
    // Keep the data without the grad_fn (Note [Saved tensors and reference cycles]).
    auto copy = ::xg::detail::make_pooled<TensorImpl>();
    copy->storage = src.storage;
    copy->offset = src.offset;
    copy->shape = src.shape;
    copy->strides = src.strides;
    copy->numel = src.numel;
    copy->dtype = src.dtype;
    data_ = std::move(copy);
  } else {
    data_ = t.impl_ptr();
  }
}

void SavedVariable::reset() {
  data_.reset();
  released_ = true;
}

Tensor SavedVariable::unpack(const std::shared_ptr<Node>& owner, const char* op) const {
  if (!was_defined_) return Tensor();
  if (released_ || !data_)
    throw AutogradError(::xg::detail::concat(op,
                                             ": saved tensors were already freed; pass retain_graph=true "
                                             "to the first backward() to backward through the graph again"));
  if (data_->version() != version_)
    throw AutogradError(::xg::detail::concat(
        "one of the tensors needed for gradient computation has been modified by an in-place operation: "
        "the tensor of shape ",
        data_->shape, " and dtype ", data_->dtype, " saved by '", op, "' is at version ", data_->version(),
        "; expected version ", version_, ". Use an out-of-place op (or clone() before modifying it)."));
  if (!is_output_) return Tensor(data_);
  auto impl = ::xg::detail::make_pooled<TensorImpl>();
  impl->storage = data_->storage;
  impl->offset = data_->offset;
  impl->shape = data_->shape;
  impl->strides = data_->strides;
  impl->numel = data_->numel;
  impl->dtype = data_->dtype;
  if (requires_grad_) {
    impl->requires_grad = true;
    impl->grad_fn = owner;
    impl->output_nr = output_nr_;
  }
  return Tensor(std::move(impl));
}

// ---- the leaf accumulator ----------------------------------------------------------------------

// Note [Gradient accumulation into leaves]
// The first gradient a leaf receives is stored as it is when nothing else references it and it is
// contiguous; otherwise it is cloned, because engine buffers may alias (add's backward returns the
// same tensor for both inputs) or be expanded views whose in-place update would be wrong. Later
// gradients are added in place, or out of place under create_graph so that the sum stays
// differentiable.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  TensorList apply(TensorList&& grads) override {
    Tensor g = std::move(grads[0]);
    if (!g.defined()) return {};
    for (const auto& h : leaf_->hooks) {
      Tensor r = h.fn(g);
      if (!r.defined()) continue;
      if (r.sizes() != g.sizes())
        check_hook_result(r, g, h.handle, ::xg::detail::concat("a leaf tensor of shape ", leaf_->shape));
      g = std::move(r);
    }
    const bool create_graph = GradMode::is_enabled();
    Tensor& acc = leaf_->grad;
    if (!acc.defined()) {
      if (create_graph) {
        acc = g;
      } else {
        const bool unique = g.impl_ptr().use_count() == 1 && ::xg::detail::impl(g).storage.use_count() == 1;
        acc = (unique && g.is_contiguous()) ? g.detach() : g.detach().clone();
      }
    } else if (create_graph) {
      acc = acc + g;
    } else {
      NoGradGuard ng;
      acc.add_(g);
    }
    if (!leaf_->post_accumulate_hooks.empty()) {
      const Tensor self(leaf_);
      // Copied: a hook may remove itself (or others) while they run.
      const auto hooks = leaf_->post_accumulate_hooks;
      for (const auto& h : hooks) h.fn(self);
    }
    return {};
  }
  std::string name() const override { return "AccumulateGrad"; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

Edge gradient_edge(const Tensor& t) {
  TensorImpl& i = ::xg::detail::impl(t);
  if (i.grad_fn) return Edge{i.grad_fn, i.output_nr};
  if (!i.requires_grad) return Edge{};
  auto acc = i.grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    i.grad_accumulator = acc;
  }
  return Edge{std::move(acc), 0};
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node, std::uint32_t output_nr) {
  TensorImpl& i = ::xg::detail::impl(out);
  i.requires_grad = true;
  i.grad_fn = node;
  i.output_nr = output_nr;
}

namespace {
bool has_non_finite(const Tensor& t) {
  if (!t.defined() || !t.is_floating_point() || t.numel() == 0) return false;
  NoGradGuard ng;
  return !xg::isfinite(t).all().item<bool>();
}
}  // namespace

BackwardScope::BackwardScope(const Node* node) : prev_(t_backward_node) { t_backward_node = node; }
BackwardScope::~BackwardScope() { t_backward_node = prev_; }
const Node* BackwardScope::current() { return t_backward_node; }

void check_forward_anomaly(const char* op, const Tensor& out, const std::vector<const Tensor*>& inputs) {
  if (!has_non_finite(out)) return;
  for (const Tensor* t : inputs)
    if (has_non_finite(*t)) return;  // the bad value came from upstream, not from this op
  if (const Node* n = BackwardScope::current())
    throw AutogradError(::xg::detail::concat("anomaly detected: the backward of '", n->name(),
                                             "' produced NaN or Inf (in its '", op, "' step, output shape ",
                                             out.sizes(), ") from finite inputs"));
  throw AutogradError(::xg::detail::concat("anomaly detected: '", op, "' produced NaN or Inf in its output of shape ",
                                           out.sizes(), " from finite inputs"));
}

}  // namespace autograd
}  // namespace xg
