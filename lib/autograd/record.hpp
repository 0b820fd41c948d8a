// Internal: how an op records its derivative. Every op in lib/ops calls record() once.
#pragma once
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/allocator.hpp"
#include "core/tensor_impl.hpp"
#include "xgrad/autograd.hpp"

namespace xg::autograd {

// Note [Op names]
// Each op declares its node name once, at namespace scope in its family file:
//   XG_OP_NAME(tanh);        // defines `op_tanh`, registered in registered_op_names()
// record() takes that object. The op database test (tests/ops/test_op_db.cpp) fails when a
// registered name has no op-database entry, so a new op cannot go untested.
struct OpName {
  const char* name;
  explicit OpName(const char* n);
};
const std::vector<std::string>& registered_op_names();
#define XG_OP_NAME(ident) \
  static const ::xg::autograd::OpName op_##ident { #ident }

/// What a backward rule sees: the saved tensors (unpacked and version-checked) and which input
/// gradients are wanted (PyTorch's grad_input_mask).
struct BackwardCtx {
  const TensorList& saved;
  const Node& node;
  bool needs(std::size_t i) const { return node.needs_input_grad(i); }
};

/// Edge to the node that receives t's gradient: its grad_fn, its AccumulateGrad (leaves that
/// require grad), or an invalid edge.
Edge gradient_edge(const Tensor& t);
/// Makes `out` the output `output_nr` of `node` (requires_grad, grad_fn).
void set_history(const Tensor& out, const std::shared_ptr<Node>& node, std::uint32_t output_nr = 0);
/// Anomaly mode check of a forward result: throws naming `op` if out has NaN/Inf its inputs lacked.
/// Inside a backward rule (see BackwardScope) the error names the node being differentiated too.
void check_forward_anomaly(const char* op, const Tensor& out, const std::vector<const Tensor*>& inputs);

/// Marks, for this thread, the node whose backward rule is running, so that anomaly mode can say
/// "the backward of 'sqrt'" when an op inside that rule makes a NaN (engine.cpp sets it).
class BackwardScope {
 public:
  explicit BackwardScope(const Node* node);
  ~BackwardScope();
  BackwardScope(const BackwardScope&) = delete;
  BackwardScope& operator=(const BackwardScope&) = delete;
  static const Node* current();

 private:
  const Node* prev_;
};

// Note [Saved tensors and reference cycles]
// A rule never captures a Tensor in its lambda: a node that held its own output would form the
// cycle output → grad_fn → node → output and leak. Tensors the rule needs are passed as `saved`
// and kept as SavedVariable, which holds an output without its grad_fn and re-links it on unpack.
// Lambdas capture only plain values (dims, shapes, scalars).
template <class F>
class FnNode final : public Node {
 public:
  FnNode(const char* name, F fn) : name_(name), fn_(std::move(fn)) {}
  TensorList apply(TensorList&& grads) override {
    if (released_)
      throw AutogradError(
          ::xg::detail::concat(name_,
                               ": trying to backward through the graph a second time (its saved tensors were freed "
                               "by the first backward); pass retain_graph=true to the first backward() or grad()"));
    TensorList unpacked;
    unpacked.reserve(saved_.size());
    auto self = shared_from_this();
    for (const auto& s : saved_) unpacked.push_back(s.unpack(self, name_));
    // A single-output rule takes its gradient; a multi-output rule (record_multi) takes the list.
    if constexpr (std::is_invocable_v<F&, const Tensor&, const BackwardCtx&>)
      return fn_(grads[0], BackwardCtx{unpacked, *this});
    else return fn_(static_cast<const TensorList&>(grads), BackwardCtx{unpacked, *this});
  }
  std::string name() const override { return name_; }
  void release_saved() override {
    if (saved_.empty()) return;
    for (auto& s : saved_) s.reset();
    released_ = true;
  }
  std::vector<SavedVariable> saved_;

 private:
  const char* name_;
  F fn_;
  bool released_ = false;
};

namespace record_detail {
inline const Tensor* as_ptr(const Tensor* t) { return t; }
inline const Tensor* as_ptr(const Tensor& t) { return &t; }

template <class Inputs, class Saved, class F>
void record_node(const OpName& op, const Tensor& out, const Inputs& inputs, const Saved& saved, F&& fn) {
  if (AnomalyMode::is_enabled()) [[unlikely]] {
    std::vector<const Tensor*> in;
    for (const auto& t : inputs) in.push_back(as_ptr(t));
    check_forward_anomaly(op.name, out, in);
  }
  if (!GradMode::is_enabled()) return;
  bool any = false;
  for (const auto& t : inputs) any = any || (as_ptr(t)->defined() && as_ptr(t)->requires_grad());
  if (!any) return;
  // One pooled block for the node and its control block (Note [Object pool] in core/allocator.cpp).
  auto node = ::xg::detail::make_pooled<FnNode<std::decay_t<F>>>(op.name, std::forward<F>(fn));
  for (const auto& t : inputs) {
    const Tensor* p = as_ptr(t);
    if (p->defined()) node->add_input(gradient_edge(*p), p->sizes(), p->dtype());
    else node->add_input(Edge{}, Shape{}, kFloat32);
  }
  set_history(out, node, 0);
  node->saved_.reserve(saved.size());
  for (const auto& t : saved) node->saved_.emplace_back(*as_ptr(t), as_ptr(t)->is_same(out));
}
}  // namespace record_detail

/// Records `out = op(inputs...)` with backward rule `fn(g, ctx) -> TensorList` (one gradient per
/// input, undefined where ctx.needs(i) is false). `saved` lists the tensors the rule reads, in
/// the order it reads them from ctx.saved. Returns at once when nothing needs a gradient.
template <class F>
void record(const OpName& op, const Tensor& out, std::initializer_list<const Tensor*> inputs,
            std::initializer_list<const Tensor*> saved, F&& fn) {
  record_detail::record_node(op, out, inputs, saved, std::forward<F>(fn));
}

/// The same for ops over a list of tensors (cat, stack): one input per element of `inputs`.
template <class F>
void record(const OpName& op, const Tensor& out, const TensorList& inputs, const TensorList& saved, F&& fn) {
  record_detail::record_node(op, out, inputs, saved, std::forward<F>(fn));
}

/// Records an op with several outputs (split, unbind) as one node: `fn(grads, ctx)` receives one
/// gradient per output, undefined where an output got none, and returns one per input. The engine
/// sums each output's incoming gradients first, so the rule runs once however many outputs are used.
template <class F>
void record_multi(const OpName& op, const TensorList& outs, std::initializer_list<const Tensor*> inputs, F&& fn) {
  if (AnomalyMode::is_enabled()) [[unlikely]]
    for (const Tensor& o : outs) check_forward_anomaly(op.name, o, std::vector<const Tensor*>(inputs));
  if (!GradMode::is_enabled() || outs.empty()) return;
  bool any = false;
  for (const Tensor* t : inputs) any = any || (t->defined() && t->requires_grad());
  if (!any) return;
  auto node = ::xg::detail::make_pooled<FnNode<std::decay_t<F>>>(op.name, std::forward<F>(fn));
  for (const Tensor* p : inputs) {
    if (p->defined()) node->add_input(gradient_edge(*p), p->sizes(), p->dtype());
    else node->add_input(Edge{}, Shape{}, kFloat32);
  }
  node->set_num_outputs(static_cast<std::uint32_t>(outs.size()));
  for (std::size_t k = 0; k < outs.size(); ++k) set_history(outs[k], node, static_cast<std::uint32_t>(k));
}

}  // namespace xg::autograd
