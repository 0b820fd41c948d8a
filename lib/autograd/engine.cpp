// The backward engine: counts dependencies from the roots, walks nodes in reverse topological
// order, sums incoming gradients per node, calls each node once, and accumulates into leaves.
#include <algorithm>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "xgrad/ops.hpp"

namespace xg::autograd {

namespace {

// Note [Broadcasting is undone by the engine]
// A rule may return a gradient with the broadcast (output) shape; the engine sums it back to the
// input's recorded shape with sum_to, and casts it to the input's dtype. Rules therefore never
// unbroadcast by hand, and a gradient whose shape cannot be reduced to the input's is a bug
// reported with the node's name.
Tensor validate_grad(const Node& node, std::size_t i, Tensor g) {
  const auto& meta = node.input_meta(i);
  if (g.sizes() != meta.shape) {
    const Shape& gs = g.sizes();
    bool ok = gs.size() >= meta.shape.size();
    for (std::size_t k = 0; ok && k < meta.shape.size(); ++k) {
      std::int64_t m = meta.shape[meta.shape.size() - 1 - k], s = gs[gs.size() - 1 - k];
      ok = (m == s || m == 1);
    }
    if (!ok)
      throw AutogradError(::xg::detail::concat("backward of '", node.name(), "' returned a gradient of shape ", gs,
                                         " for input ", i, ", which cannot be reduced to the input shape ",
                                         meta.shape));
    g = sum_to(g, meta.shape);
  }
  if (g.dtype() != meta.dtype) g = g.to(meta.dtype);
  return g;
}

void check_backward_anomaly(const Node& node, const TensorList& grads) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g.defined() || !g.is_floating_point() || g.numel() == 0) continue;
    NoGradGuard ng;
    if (!isfinite(g).all().item<bool>())
      throw AutogradError(::xg::detail::concat("anomaly detected: the backward of '", node.name(),
                                         "' produced NaN or Inf in the gradient of its input ", i,
                                         " (shape ", g.sizes(), ")"));
  }
}

struct ByNewest {
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

struct Capture {
  std::uint32_t output_nr;
  std::size_t index;
};

TensorList run(const TensorList& outputs, const TensorList& grad_outputs, bool keep_graph, bool create_graph,
               const TensorList& inputs, bool accumulate, bool allow_unused, const char* api) {
  XG_CHECK(!outputs.empty(), AutogradError, api, ": no output tensors were given");
  XG_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), AutogradError, api, ": got ",
           outputs.size(), " outputs but ", grad_outputs.size(), " gradients");

  // Roots and their gradients.
  std::vector<std::pair<Edge, Tensor>> roots;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& out = outputs[k];
    XG_CHECK(out.defined(), AutogradError, api, ": output ", k, " is an undefined tensor");
    XG_CHECK(out.requires_grad(), AutogradError, api, ": element ", k,
             " of the outputs does not require grad and has no grad_fn (was it computed under NoGradGuard, "
             "or from tensors that do not require grad?)");
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[k];
    if (!g.defined()) {
      XG_CHECK(out.numel() == 1, AutogradError, api,
               ": grad can be implicitly created only for scalar outputs, but output ", k, " has shape ",
               out.sizes(), "; pass a gradient of that shape");
      g = ones_like(out);
    } else {
      XG_CHECK(g.sizes() == out.sizes(), ShapeError, api, ": gradient ", k, " has shape ", g.sizes(),
               " but the output has shape ", out.sizes());
      if (g.dtype() != out.dtype()) g = g.to(out.dtype());
    }
    roots.emplace_back(gradient_edge(out), std::move(g));
  }

  // Inputs to capture (grad) or to accumulate into (backward with inputs).
  std::unordered_map<Node*, std::vector<Capture>> captures;
  std::unordered_set<Node*> targets;
  std::vector<std::shared_ptr<Node>> keep_alive;
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    const Tensor& in = inputs[j];
    XG_CHECK(in.defined() && in.requires_grad(), AutogradError, api, ": input ", j,
             " does not require grad; call requires_grad_() on it before computing the outputs");
    Edge e = gradient_edge(in);
    keep_alive.push_back(e.function);
    targets.insert(e.function.get());
    if (!accumulate) captures[e.function.get()].push_back(Capture{e.input_nr, j});
  }

  // Discover the graph. With targets, only nodes on a path to a target take part.
  std::unordered_map<Node*, bool> needed;  // also the visited set
  {
    std::vector<std::pair<Node*, std::size_t>> stack;
    for (auto& r : roots) {
      Node* n = r.first.function.get();
      if (needed.count(n)) continue;
      needed[n] = targets.empty() || targets.count(n);
      stack.emplace_back(n, 0);
      while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->num_inputs()) {
          Node* child = node->next_edge(next++).function.get();
          if (child && !needed.count(child)) {
            needed[child] = targets.empty() || targets.count(child);
            stack.emplace_back(child, 0);
          }
        } else {
          if (!targets.empty() && !needed[node]) {
            for (const auto& e : node->next_edges())
              if (e.function && needed[e.function.get()]) { needed[node] = true; break; }
          }
          stack.pop_back();
        }
      }
    }
  }
  std::unordered_map<Node*, int> deps;
  for (auto& [node, is_needed] : needed) {
    if (!is_needed) continue;
    for (const auto& e : node->next_edges())
      if (e.function && needed[e.function.get()]) ++deps[e.function.get()];
  }

  AutoGradMode mode(create_graph);
  std::unordered_map<Node*, TensorList> buffers;
  auto add_to_buffer = [&](Node* n, std::uint32_t slot, Tensor g) {
    TensorList& buf = buffers[n];
    if (buf.empty()) buf.resize(n->num_outputs());
    if (!buf[slot].defined()) buf[slot] = std::move(g);
    else buf[slot] = buf[slot] + g;
  };
  std::priority_queue<Node*, std::vector<Node*>, ByNewest> ready;
  std::unordered_set<Node*> queued;
  for (auto& [edge, g] : roots) {
    Node* n = edge.function.get();
    if (!needed[n]) continue;
    add_to_buffer(n, edge.input_nr, std::move(g));
  }
  for (auto& [edge, g] : roots) {
    Node* n = edge.function.get();
    if (needed[n] && deps[n] == 0 && queued.insert(n).second) ready.push(n);
  }

  TensorList results(inputs.size());
  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    TensorList grads = std::move(buffers[node]);
    buffers.erase(node);
    if (grads.empty()) grads.resize(node->num_outputs());
    if (node->has_pre_hooks()) node->call_pre_hooks(grads);

    bool execute = true;
    if (auto it = captures.find(node); it != captures.end()) {
      for (const auto& c : it->second) {
        Tensor g = grads[c.output_nr];
        results[c.index] = results[c.index].defined() && g.defined() ? results[c.index] + g : g;
      }
      // A captured node runs only if some other target lies below it.
      execute = false;
      for (const auto& e : node->next_edges())
        if (e.function && needed[e.function.get()]) execute = true;
    } else if (!targets.empty() && !accumulate && node->num_inputs() == 0) {
      execute = false;  // grad() never accumulates into leaves
    }

    TensorList in_grads;
    const bool any_grad = std::any_of(grads.begin(), grads.end(), [](const Tensor& t) { return t.defined(); });
    if (execute && any_grad) {
      {
        BackwardScope scope(node);
        in_grads = node->apply(std::move(grads));
      }
      if (AnomalyMode::is_enabled()) check_backward_anomaly(*node, in_grads);
      XG_CHECK(in_grads.empty() || in_grads.size() == node->num_inputs(), AutogradError, "backward of '",
               node->name(), "' returned ", in_grads.size(), " gradients for ", node->num_inputs(), " inputs");
    }
    if (!keep_graph) node->release_saved();

    for (std::size_t i = 0; i < node->num_inputs(); ++i) {
      const Edge& e = node->next_edge(i);
      Node* child = e.function.get();
      if (!child || !needed[child]) continue;
      if (i < in_grads.size() && in_grads[i].defined())
        add_to_buffer(child, e.input_nr, validate_grad(*node, i, std::move(in_grads[i])));
      if (--deps[child] == 0 && queued.insert(child).second) ready.push(child);
    }
  }

  if (!accumulate) {
    for (std::size_t j = 0; j < inputs.size(); ++j)
      XG_CHECK(results[j].defined() || allow_unused, AutogradError, api, ": input ", j, " (shape ",
               inputs[j].sizes(), ") was not used to compute the outputs; pass allow_unused=true to get an "
               "undefined gradient for it");
  }
  return results;
}

}  // namespace

void backward(const TensorList& tensors, const TensorList& grad_tensors, std::optional<bool> retain_graph,
              bool create_graph, const TensorList& inputs) {
  run(tensors, grad_tensors, retain_graph.value_or(create_graph), create_graph, inputs, /*accumulate=*/true,
      /*allow_unused=*/true, "backward");
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
                std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  XG_CHECK(!inputs.empty(), AutogradError, "grad: no input tensors were given");
  return run(outputs, grad_outputs, retain_graph.value_or(create_graph), create_graph, inputs,
             /*accumulate=*/false, allow_unused, "grad");
}

}  // namespace xg::autograd
