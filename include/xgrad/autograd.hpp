// xgrad — reverse-mode automatic differentiation.
// Grad mode and anomaly mode, backward() / grad() over the recorded graph, graph nodes, custom
// autograd functions written by users (LibTorch's torch::autograd::Function), gradient checking,
// and Jacobian / Hessian / Hessian-vector-product helpers built on double backward.
//
//   auto x = xg::tensor({1.0, 2.0}, xg::kFloat64).requires_grad_();
//   auto g = xg::autograd::grad({(x * x * x).sum()}, {x}, {}, {}, /*create_graph=*/true)[0];  // 3x²
//   auto h = xg::autograd::grad({g.sum()}, {x})[0];                                            // 6x
#pragma once
#include <any>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// Grad mode is thread-local and on by default; ops record graph nodes only while it is on.
struct GradMode {
  /// Whether ops record graph nodes on this thread.
  static bool is_enabled();
  /// Turns recording on or off for this thread (prefer the scoped guards).
  static void set_enabled(bool enabled);
};

/// Sets grad mode for a scope and restores it after (LibTorch's torch::AutoGradMode).
class AutoGradMode {
 public:
  /// Sets grad mode to `enabled` until the end of the scope.
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};
/// `{ xg::NoGradGuard g; ... }` runs ops without recording (evaluation, optimizer updates).
struct NoGradGuard : AutoGradMode {
  NoGradGuard() : AutoGradMode(false) {}
};
/// `{ xg::EnableGradGuard g; ... }` records ops again inside a no-grad scope (closures, double backward).
struct EnableGradGuard : AutoGradMode {
  EnableGradGuard() : AutoGradMode(true) {}
};

namespace autograd {

class Node;

/// Where a gradient goes: input `input_nr` of node `function` (null for inputs that need none).
struct Edge {
  /// The node that receives the gradient, or null.
  std::shared_ptr<Node> function;
  /// Which of its inputs.
  std::uint32_t input_nr = 0;
  /// False for an input that needs no gradient.
  bool is_valid() const { return function != nullptr; }
};

/// A tensor kept for backward, with the version it had when saved.
/// See Note [Saved tensors and reference cycles] in lib/autograd/record.hpp.
class SavedVariable {
 public:
  SavedVariable() = default;
  /// Saves `t`; `is_output` when t is an output of the saving node (then it is kept without a reference cycle).
  SavedVariable(const Tensor& t, bool is_output);
  /// The tensor, reconnected to the graph; AutogradError if it was modified in place since it was
  /// saved or if the graph has been freed. `owner` is the node that saved it.
  Tensor unpack(const std::shared_ptr<Node>& owner, const char* op) const;
  /// Frees the saved tensor (unpack() then fails saying the graph was freed).
  void reset();
  /// Whether a defined tensor was saved.
  bool defined() const { return was_defined_; }

 private:
  std::shared_ptr<TensorImpl> data_;
  std::uint32_t version_ = 0;
  std::uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool was_defined_ = false;
  bool released_ = false;
};

/// A node of the backward graph: the derivative of one recorded op.
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Gradients w.r.t. this node's outputs (undefined = zero) → gradients w.r.t. its inputs,
  /// one per next edge (undefined where not needed).
  virtual TensorList apply(TensorList&& grad_outputs) = 0;
  /// The op's name, as in errors and anomaly reports: "tanh", "mm", "AccumulateGrad".
  virtual std::string name() const = 0;
  /// Frees saved tensors (after backward without retain_graph).
  virtual void release_saved() {}

  /// The node's wiring: its next edges (one per input of the op, toward the nodes that produced them),
  /// whether input i needs a gradient, its number of outputs and its creation order (later nodes run
  /// first among ready ones).
  ///@{
  std::size_t num_inputs() const { return next_edges_.size(); }
  const Edge& next_edge(std::size_t i) const { return next_edges_[i]; }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  bool needs_input_grad(std::size_t i) const { return i < next_edges_.size() && next_edges_[i].is_valid(); }
  std::uint32_t num_outputs() const { return num_outputs_; }
  std::uint64_t sequence_nr() const { return sequence_nr_; }
  ///@}

  /// Shape and dtype of input i at record time: the engine sums broadcast gradients back to this
  /// shape and casts them to this dtype (Note [Broadcasting is undone by the engine]).
  struct InputMeta {
    Shape shape;
    Dtype dtype = kFloat32;
  };
  /// @var InputMeta::shape
  /// the input's shape
  /// @var InputMeta::dtype
  /// the input's dtype

  /// The shape and dtype input i had when recorded.
  const InputMeta& input_meta(std::size_t i) const { return input_meta_[i]; }

  /// Hooks on the gradient of output `output_nr` (tensor hooks of non-leaf tensors).
  unsigned add_pre_hook(std::uint32_t output_nr, TensorHook hook);
  /// Removes a hook added by add_pre_hook; false if the handle is unknown.
  bool remove_pre_hook(unsigned handle);
  /// Applies the pre-hooks in registration order to grads[output_nr].
  void call_pre_hooks(TensorList& grads) const;
  /// True when some gradient hook is registered on this node.
  bool has_pre_hooks() const { return !pre_hooks_.empty(); }

  /// Wiring used by record(): adds an input edge with its metadata.
  void add_input(Edge edge, Shape shape, Dtype dtype);
  /// Sets the number of outputs of the recorded op.
  void set_num_outputs(std::uint32_t n) { num_outputs_ = n; }

 private:
  struct PreHook {
    unsigned handle;
    std::uint32_t output_nr;
    TensorHook fn;
  };
  std::vector<Edge> next_edges_;
  std::vector<InputMeta> input_meta_;
  std::vector<PreHook> pre_hooks_;
  std::uint64_t sequence_nr_;
  std::uint32_t num_outputs_ = 1;
};

/// Anomaly mode (thread-local, off by default): every op checks its result for NaN/Inf that its
/// inputs did not have, and backward checks every gradient; the error names the op.
struct AnomalyMode {
  /// Whether anomaly mode is on for this thread.
  static bool is_enabled();
  /// Turns anomaly mode on or off for this thread (prefer DetectAnomalyGuard).
  static void set_enabled(bool enabled);
};
/// `{ xg::autograd::DetectAnomalyGuard g; ... }` turns anomaly mode on for a scope (PyTorch's detect_anomaly).
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

/// Accumulates d(sum_i <grad_tensors[i], tensors[i]>)/d(leaf) into every leaf's .grad().
/// retain_graph defaults to create_graph. With `inputs`, only those leaves accumulate.
void backward(const TensorList& tensors, const TensorList& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const TensorList& inputs = {});

/// Returns d(sum_i <grad_outputs[i], outputs[i]>)/d(inputs[j]) without touching .grad().
/// With create_graph the results are themselves differentiable (higher-order gradients).
/// An input the outputs do not depend on is an error unless allow_unused (then undefined).
TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs = {},
                std::optional<bool> retain_graph = std::nullopt, bool create_graph = false, bool allow_unused = false);

/// Queues `callback` to run once when the backward pass running on this thread (backward() or
/// grad()) has finished walking the graph, before that call returns (PyTorch's
/// Variable._execution_engine.queue_callback). Callbacks run in the order they were queued, with
/// the grad mode of the pass; a callback may queue further callbacks, which run after it. An
/// exception thrown by a callback propagates out of backward() unchanged (its type is kept), and the
/// callbacks after it are dropped; a backward that fails drops its queued callbacks. Meant for
/// hooks and custom backward functions, e.g. to wait for communication started by
/// post-accumulate-grad hooks:
///   w.register_post_accumulate_grad_hook([&](const xg::Tensor&) {
///     xg::autograd::queue_callback([&] { finish_all_reduces(); });
///   });
/// AutogradError when no backward pass is running on this thread.
void queue_callback(std::function<void()> callback);

// ---- custom autograd functions ----------------------------------------------------------------

/// What a custom Function's forward leaves for its backward (LibTorch's AutogradContext).
class AutogradContext {
 public:
  /// Tensors the backward needs; they are checked for in-place modification at backward.
  void save_for_backward(TensorList tensors) { to_save_ = std::move(tensors); }
  /// The tensors given to save_for_backward, checked for in-place modification since.
  TensorList get_saved_variables() const;
  /// Outputs that have no gradient (e.g. indices); backward gets undefined grads for them.
  void mark_non_differentiable(const TensorList& outputs);
  /// Whether forward argument i (counting every argument, tensor or not) needs a gradient.
  bool needs_input_grad(std::size_t arg_index) const;
  /// Any other value the backward needs: shapes, flags, scalars.
  std::unordered_map<std::string, std::any> saved_data;

 private:
  friend struct CustomFunctionAccess;
  TensorList to_save_;
  std::vector<SavedVariable> saved_;
  std::vector<bool> needs_input_grad_;
  std::vector<TensorImpl*> non_differentiable_;
  std::weak_ptr<Node> node_;
};

namespace detail {
/// Non-template core of Function<T>::apply (lib/autograd/function.cpp).
struct CustomFunctionCall {
  std::vector<int> arg_to_input;  // per forward argument: index into inputs, or -1 if not a tensor
  TensorList inputs;
  std::function<TensorList(AutogradContext*, TensorList)> backward;
  std::string name;
};
std::shared_ptr<AutogradContext> begin_custom_function(const CustomFunctionCall& call, bool& record);
void finish_custom_function(CustomFunctionCall&& call, std::shared_ptr<AutogradContext> ctx, TensorList& outputs);
std::string demangle(const char* name);

template <class A>
void collect_arg(CustomFunctionCall& call, A&& a) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same_v<D, Tensor>) {
    call.arg_to_input.push_back(static_cast<int>(call.inputs.size()));
    call.inputs.push_back(a);
  } else {
    call.arg_to_input.push_back(-1);
  }
}
}  // namespace detail

/// Base for user-defined differentiable functions, in LibTorch's form:
///
///   struct Cube : xg::autograd::Function<Cube> {
///     static xg::Tensor forward(xg::autograd::AutogradContext* ctx, xg::Tensor x) {
///       ctx->save_for_backward({x});
///       return x * x * x;
///     }
///     static xg::TensorList backward(xg::autograd::AutogradContext* ctx, xg::TensorList g) {
///       auto x = ctx->get_saved_variables()[0];
///       return {g[0] * 3 * x * x};   // one entry per forward argument
///     }
///   };
///   auto y = Cube::apply(x);
///
/// forward runs without recording; backward is written with xgrad ops, so it is differentiable
/// again when called under create_graph.
template <class T>
struct Function {
  template <class... Args>
  /// Runs T::forward on `args` without recording, and records T::backward as the outputs' grad_fn.
  static auto apply(Args&&... args) {
    detail::CustomFunctionCall call;
    (detail::collect_arg(call, args), ...);
    call.backward = [](AutogradContext* ctx, TensorList g) { return T::backward(ctx, std::move(g)); };
    call.name = detail::demangle(typeid(T).name());
    bool record = false;
    auto ctx = detail::begin_custom_function(call, record);
    using Out = decltype(T::forward(ctx.get(), std::forward<Args>(args)...));
    TensorList outputs;
    Out result;
    {
      AutoGradMode mode(false);
      result = T::forward(ctx.get(), std::forward<Args>(args)...);
    }
    if constexpr (std::is_same_v<Out, Tensor>) outputs = {result};
    else outputs = result;
    detail::finish_custom_function(std::move(call), std::move(ctx), outputs);
    if constexpr (std::is_same_v<Out, Tensor>) return outputs[0];
    else return outputs;
  }
};

// ---- gradient checking ------------------------------------------------------------------------

/// Options of gradcheck and gradgradcheck (PyTorch's defaults).
struct GradcheckOptions {
  double eps = 1e-6;  ///< central-difference step
  /// absolute tolerance
  double atol = 1e-5;
  /// relative tolerance
  double rtol = 1e-3;
  /// Up to this many (input elements × output elements) the full Jacobian is compared; above it,
  /// `num_projections` random projections <u, J v> are compared instead.
  std::int64_t max_full_jacobian = 4096;
  /// random projections compared above max_full_jacobian
  int num_projections = 6;
  /// seed of the projections' random vectors
  std::uint64_t seed = 0;
  bool raise_exception = true;  ///< throw GradcheckError with the worst element, or return false
};

/// A function of tensors to one tensor, as gradcheck takes it.
using Fn = std::function<Tensor(const TensorList&)>;

/// Compares the analytical gradients of f (by backward) with float64 central differences,
/// w.r.t. every input that requires grad. Inputs should be float64.
bool gradcheck(const Fn& f, const TensorList& inputs, const GradcheckOptions& options = {});
/// gradcheck of (inputs, v) ↦ vjp(f, inputs, v) with create_graph: checks second derivatives.
bool gradgradcheck(const Fn& f, const TensorList& inputs, const GradcheckOptions& options = {});

namespace functional {
/// d f(x) / d x with shape f(x).shape + x.shape.
Tensor jacobian(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, bool create_graph = false);
/// Hessian of a scalar function: shape x.shape + x.shape.
Tensor hessian(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, bool create_graph = false);
/// (f(x), vᵀ J): vector-Jacobian product.
std::pair<Tensor, Tensor> vjp(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, const Tensor& v,
                              bool create_graph = false);
/// (f(x), J v): Jacobian-vector product, by the double-vjp trick.
std::pair<Tensor, Tensor> jvp(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, const Tensor& v,
                              bool create_graph = false);
/// (f(x), H v) for a scalar f, without forming H (double backward).
std::pair<Tensor, Tensor> hvp(const std::function<Tensor(const Tensor&)>& f, const Tensor& x, const Tensor& v,
                              bool create_graph = false);
}  // namespace functional

}  // namespace autograd
}  // namespace xg

XGRAD_API_END
