// Custom autograd functions written by users (LibTorch's torch::autograd::Function): the node
// that calls the user's backward, and the wiring Function<T>::apply does around the forward.
#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "xgrad/ops.hpp"

namespace xg::autograd {

/// The parts of AutogradContext that only the custom-function machinery may touch.
struct CustomFunctionAccess {
  static TensorList& to_save(AutogradContext& c) { return c.to_save_; }
  static std::vector<SavedVariable>& saved(AutogradContext& c) { return c.saved_; }
  static std::vector<bool>& needs_input_grad(AutogradContext& c) { return c.needs_input_grad_; }
  static std::vector<TensorImpl*>& non_differentiable(AutogradContext& c) { return c.non_differentiable_; }
  static std::weak_ptr<Node>& node(AutogradContext& c) { return c.node_; }
};

namespace {

// Note [Custom function ownership]
// node → ctx (shared) → saved_ (SavedVariable, outputs kept without their grad_fn) and
// ctx → node only weakly, so the graph stays acyclic. ctx->to_save_ is emptied once converted:
// it holds the outputs with their grad_fn and would close the cycle output → node → ctx → output.

/// The graph node of one call of a custom Function: one output slot per forward output, one
/// input edge per tensor argument.
class CppFunctionNode final : public Node {
 public:
  CppFunctionNode(detail::CustomFunctionCall&& call, std::shared_ptr<AutogradContext> ctx)
      : name_(std::move(call.name)),
        backward_(std::move(call.backward)),
        arg_to_input_(std::move(call.arg_to_input)),
        ctx_(std::move(ctx)) {}

  TensorList apply(TensorList&& grads) override {
    if (released_)
      throw AutogradError(
          ::xg::detail::concat(name_,
                               ": trying to backward through the graph a second time (its saved tensors were freed "
                               "by the first backward); pass retain_graph=true to the first backward() or grad()"));
    // Undefined gradients (outputs that did not reach the loss) become zeros, as PyTorch's
    // materialize_grads does, so the user's backward can use them in arithmetic; outputs marked
    // non-differentiable keep undefined gradients.
    for (std::size_t k = 0; k < grads.size() && k < outputs_.size(); ++k)
      if (!grads[k].defined() && outputs_[k].differentiable) grads[k] = zeros(outputs_[k].shape, outputs_[k].dtype);

    TensorList r = backward_(ctx_.get(), std::move(grads));
    XG_CHECK(r.size() == arg_to_input_.size(), AutogradError, name_, ": backward returned ", r.size(),
             " gradients but forward took ", arg_to_input_.size(),
             " arguments; return one entry per forward argument (an undefined Tensor for arguments "
             "that are not tensors or need no gradient)");
    TensorList in_grads(num_inputs());
    for (std::size_t a = 0; a < r.size(); ++a) {
      const int idx = arg_to_input_[a];
      if (idx < 0) {
        XG_CHECK(!r[a].defined(), AutogradError, name_, ": backward returned a gradient for argument ", a,
                 ", which is not a tensor; return an undefined Tensor() there");
        continue;
      }
      if (needs_input_grad(static_cast<std::size_t>(idx))) in_grads[idx] = std::move(r[a]);
    }
    return in_grads;
  }

  std::string name() const override { return name_; }

  void release_saved() override {
    auto& saved = CustomFunctionAccess::saved(*ctx_);
    if (saved.empty()) return;
    for (auto& s : saved) s.reset();
    released_ = true;
  }

  struct OutputMeta {
    Shape shape;
    Dtype dtype;
    bool differentiable;
  };
  std::vector<OutputMeta> outputs_;

 private:
  std::string name_;
  std::function<TensorList(AutogradContext*, TensorList)> backward_;
  std::vector<int> arg_to_input_;
  std::shared_ptr<AutogradContext> ctx_;
  bool released_ = false;
};

bool contains(const std::vector<TensorImpl*>& v, const TensorImpl* p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}

}  // namespace

TensorList AutogradContext::get_saved_variables() const {
  auto node = node_.lock();
  // Before the node exists (inside forward) or when nothing was recorded, the tensors are as given.
  if (!node) return to_save_;
  const std::string name = node->name();
  TensorList r;
  r.reserve(saved_.size());
  for (const auto& s : saved_) r.push_back(s.unpack(node, name.c_str()));
  return r;
}

void AutogradContext::mark_non_differentiable(const TensorList& outputs) {
  for (const auto& t : outputs)
    if (t.defined()) non_differentiable_.push_back(t.unsafe_impl());
}

bool AutogradContext::needs_input_grad(std::size_t arg_index) const {
  XG_CHECK(arg_index < needs_input_grad_.size(), IndexError, "needs_input_grad: argument index ", arg_index,
           " is out of range for a forward with ", needs_input_grad_.size(), " arguments");
  return needs_input_grad_[arg_index];
}

namespace detail {

std::string demangle(const char* name) {
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || !d) return name;
  std::string r(d);
  std::free(d);
  return r;
}

std::shared_ptr<AutogradContext> begin_custom_function(const CustomFunctionCall& call, bool& record) {
  auto ctx = std::make_shared<AutogradContext>();
  auto& needs = CustomFunctionAccess::needs_input_grad(*ctx);
  const bool grad_mode = GradMode::is_enabled();
  record = false;
  needs.reserve(call.arg_to_input.size());
  for (int idx : call.arg_to_input) {
    const bool n = grad_mode && idx >= 0 && call.inputs[static_cast<std::size_t>(idx)].defined() &&
                   call.inputs[static_cast<std::size_t>(idx)].requires_grad();
    needs.push_back(n);
    record = record || n;
  }
  return ctx;
}

void finish_custom_function(CustomFunctionCall&& call, std::shared_ptr<AutogradContext> ctx, TensorList& outputs) {
  const bool recording = std::any_of(CustomFunctionAccess::needs_input_grad(*ctx).begin(),
                                     CustomFunctionAccess::needs_input_grad(*ctx).end(), [](bool b) { return b; });
  // An input returned as it is must not have its own history overwritten: the output becomes
  // an alias (a view sharing the storage) that carries this function's history instead. The same
  // holds for a tensor returned twice, which needs one history per output slot.
  auto& non_diff = CustomFunctionAccess::non_differentiable(*ctx);
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    Tensor& out = outputs[k];
    if (!out.defined()) continue;
    bool alias = out.requires_grad();
    for (const auto& in : call.inputs) alias = alias || out.is_same(in);
    for (std::size_t m = 0; m < k; ++m) alias = alias || out.is_same(outputs[m]);
    if (!alias) continue;
    Tensor view = out.detach();
    if (contains(non_diff, out.unsafe_impl())) non_diff.push_back(view.unsafe_impl());
    out = view;
  }
  if (AnomalyMode::is_enabled()) {
    std::vector<const Tensor*> in;
    for (const auto& t : call.inputs)
      if (t.defined()) in.push_back(&t);
    for (const auto& out : outputs)
      if (out.defined()) check_forward_anomaly(call.name.c_str(), out, in);
  }
  if (!recording) {
    CustomFunctionAccess::to_save(*ctx).clear();
    return;
  }

  const TensorList inputs = call.inputs;
  auto node = std::make_shared<CppFunctionNode>(std::move(call), ctx);
  for (const auto& in : inputs) {
    if (in.defined()) node->add_input(gradient_edge(in), in.sizes(), in.dtype());
    else node->add_input(Edge{}, Shape{}, kFloat32);
  }
  node->set_num_outputs(static_cast<std::uint32_t>(outputs.size()));
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& out = outputs[k];
    const bool differentiable = out.defined() && out.is_floating_point() && !contains(non_diff, out.unsafe_impl());
    node->outputs_.push_back(
        {out.defined() ? out.sizes() : Shape{}, out.defined() ? out.dtype() : kFloat32, differentiable});
    if (differentiable) set_history(out, node, static_cast<std::uint32_t>(k));
  }
  // Saved tensors become SavedVariables now that the outputs have their history
  // (Note [Saved tensors and reference cycles]).
  auto& to_save = CustomFunctionAccess::to_save(*ctx);
  auto& saved = CustomFunctionAccess::saved(*ctx);
  saved.reserve(to_save.size());
  for (const auto& t : to_save) {
    bool is_output = false;
    for (const auto& out : outputs) is_output = is_output || (t.defined() && out.is_same(t));
    saved.emplace_back(t, is_output);
  }
  to_save.clear();
  CustomFunctionAccess::node(*ctx) = node;
}

}  // namespace detail
}  // namespace xg::autograd
