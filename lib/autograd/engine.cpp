// The backward engine: counts dependencies from the roots, walks nodes in reverse topological
// order, sums incoming gradients per node, calls each node once, and accumulates into leaves.
#include <algorithm>
#include <functional>
#include <memory>
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
                                               "' produced NaN or Inf in the gradient of its input ", i, " (shape ",
                                               g.sizes(), ")"));
  }
}

struct Capture {
  std::uint32_t output_nr;
  std::size_t index;
};

// Note [Engine bookkeeping]
// The per-op cost of backward is dominated by bookkeeping when tensors are small, so the engine
// keeps everything it knows about a node in one Task, found through an open-addressing table
// keyed by the node's address, and reuses the task vector, the table, the DFS stack and the ready
// heap from one backward to the next on the same thread (a nested backward, e.g. from a hook,
// gets fresh ones). A task's gradient buffer holds output 0 inline; only nodes with several
// outputs allocate a list. Buffers are moved out when the node runs, so each gradient is freed
// as soon as its consumer has used it, and tasks are cleared (tensors released) before run returns.
struct Task {
  Node* node = nullptr;
  std::int32_t deps = 0;
  bool needed = false;
  bool queued = false;
  Tensor grad0;     // gradient buffer of output 0
  TensorList rest;  // outputs 1… (nodes with several outputs only)
};

class NodeTable {
 public:
  void reset(std::size_t expected) {
    std::size_t cap = 64;
    while (cap < expected * 2) cap <<= 1;
    // Sized from the previous backward on this thread; a table left large by one big graph
    // shrinks again rather than being cleared in full for every small one.
    if (slots_.size() < cap || slots_.size() > 4 * cap) slots_.assign(cap, Slot{});
    else std::fill(slots_.begin(), slots_.end(), Slot{});
    size_ = 0;
  }
  /// Index of n, or -1.
  std::int64_t find(const Node* n) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash(n) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == n) return slots_[i].value;
      if (!slots_[i].key) return -1;
    }
  }
  void insert(const Node* n, std::uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(n, value);
    ++size_;
  }

 private:
  struct Slot {
    const Node* key = nullptr;
    std::uint32_t value = 0;
  };
  static std::size_t hash(const Node* n) {
    return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ull >> 16);
  }
  void place(const Node* n, std::uint32_t value) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash(n) & mask;
    while (slots_[i].key) i = (i + 1) & mask;
    slots_[i] = Slot{n, value};
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.key) place(s.key, s.value);
  }
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

constexpr std::size_t kKeepTasks = std::size_t{1} << 16;  // about 4 MB of tasks kept between calls

struct Scratch {
  std::vector<Task> tasks;
  NodeTable table;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> stack;  // (task, next edge)
  std::vector<std::uint32_t> ready;                            // heap, newest node on top
  std::size_t last_size = 64;
  bool busy = false;
};

/// The thread's reusable scratch, or a fresh one when a backward runs inside a backward.
class ScratchLease {
 public:
  ScratchLease() {
    thread_local Scratch cached;
    if (!cached.busy) {
      s_ = &cached;
    } else {
      own_ = std::make_unique<Scratch>();
      s_ = own_.get();
    }
    s_->busy = true;
  }
  ~ScratchLease() {
    s_->last_size = std::max<std::size_t>(64, s_->tasks.size());
    s_->tasks.clear();                        // releases every buffered gradient
    if (s_->tasks.capacity() > kKeepTasks) {  // a huge graph: do not hold its bookkeeping forever
      std::vector<Task>().swap(s_->tasks);
      s_->last_size = 64;
    }
    s_->stack.clear();
    s_->ready.clear();
    s_->busy = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  Scratch& operator*() const { return *s_; }

 private:
  Scratch* s_ = nullptr;
  std::unique_ptr<Scratch> own_;
};

// Note [Callbacks at the end of backward]
// queue_callback appends to the list of the innermost backward running on this thread (a backward
// started from a hook has its own list). The list is run after the graph walk, in queue order,
// by index so that callbacks may queue more; an exception leaves the rest unrun.
thread_local std::vector<std::function<void()>>* t_callbacks = nullptr;

class CallbackScope {
 public:
  CallbackScope() : prev_(t_callbacks) { t_callbacks = &list_; }
  ~CallbackScope() { t_callbacks = prev_; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;
  void run_all() {
    for (std::size_t i = 0; i < list_.size(); ++i) {
      auto cb = std::move(list_[i]);
      cb();
    }
    list_.clear();
  }

 private:
  std::vector<std::function<void()>> list_;
  std::vector<std::function<void()>>* prev_;
};

using Roots = std::vector<std::pair<Edge, Tensor>>;

/// The roots of the walk: each output's gradient edge with its incoming gradient (ones for a
/// scalar output given none), checked against the output.
Roots make_roots(const TensorList& outputs, const TensorList& grad_outputs, const char* api) {
  XG_CHECK(!outputs.empty(), AutogradError, api, ": no output tensors were given");
  XG_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), AutogradError, api, ": got ", outputs.size(),
           " outputs but ", grad_outputs.size(), " gradients");
  Roots roots;
  roots.reserve(outputs.size());
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& out = outputs[k];
    XG_CHECK(out.defined(), AutogradError, api, ": output ", k, " is an undefined tensor");
    XG_CHECK(out.requires_grad(), AutogradError, api, ": element ", k,
             " of the outputs does not require grad and has no grad_fn (was it computed under NoGradGuard, "
             "or from tensors that do not require grad?)");
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[k];
    if (!g.defined()) {
      XG_CHECK(out.numel() == 1, AutogradError, api,
               ": grad can be implicitly created only for scalar outputs, but output ", k, " has shape ", out.sizes(),
               "; pass a gradient of that shape");
      g = ones_like(out);
    } else {
      XG_CHECK(g.sizes() == out.sizes(), ShapeError, api, ": gradient ", k, " has shape ", g.sizes(),
               " but the output has shape ", out.sizes());
      if (g.dtype() != out.dtype()) g = g.to(out.dtype());
    }
    roots.emplace_back(gradient_edge(out), std::move(g));
  }
  return roots;
}

/// The nodes of the inputs that grad() captures or backward(inputs=…) accumulates into; none
/// means the whole graph takes part.
struct Targets {
  std::unordered_map<Node*, std::vector<Capture>> captures;  // grad() only
  std::unordered_set<Node*> nodes;
  std::vector<std::shared_ptr<Node>> keep_alive;
  bool any() const { return !nodes.empty(); }
  bool contains(Node* n) const { return nodes.empty() || nodes.count(n) != 0; }
};

Targets make_targets(const TensorList& inputs, bool accumulate, const char* api) {
  Targets out;
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    const Tensor& in = inputs[j];
    XG_CHECK(in.defined() && in.requires_grad(), AutogradError, api, ": input ", j,
             " does not require grad; call requires_grad_() on it before computing the outputs");
    Edge e = gradient_edge(in);
    out.keep_alive.push_back(e.function);
    out.nodes.insert(e.function.get());
    if (!accumulate) out.captures[e.function.get()].push_back(Capture{e.input_nr, j});
  }
  return out;
}

/// One task per node reachable from the roots (iterative DFS); with targets, only the nodes on a
/// path to a target are needed. Then each needed node counts the needed nodes that feed it.
void discover(Scratch& sc, const Roots& roots, const Targets& targets) {
  auto& tasks = sc.tasks;
  tasks.reserve(sc.last_size);
  sc.table.reset(sc.last_size);
  auto task_of = [&](Node* n) { return static_cast<std::uint32_t>(sc.table.find(n)); };
  auto add_task = [&](Node* n) {
    const auto idx = static_cast<std::uint32_t>(tasks.size());
    tasks.emplace_back();
    tasks.back().node = n;
    tasks.back().needed = targets.contains(n);
    sc.table.insert(n, idx);
    return idx;
  };
  for (const auto& r : roots) {
    Node* n = r.first.function.get();
    if (sc.table.find(n) >= 0) continue;
    sc.stack.emplace_back(add_task(n), 0);
    while (!sc.stack.empty()) {
      auto& [t, next] = sc.stack.back();
      Node* node = tasks[t].node;
      if (next < node->num_inputs()) {
        Node* child = node->next_edge(next++).function.get();
        if (child && sc.table.find(child) < 0) sc.stack.emplace_back(add_task(child), 0);  // invalidates t, next
      } else {
        if (targets.any() && !tasks[t].needed) {
          for (const auto& e : node->next_edges())
            if (e.function && tasks[task_of(e.function.get())].needed) {
              tasks[t].needed = true;
              break;
            }
        }
        sc.stack.pop_back();
      }
    }
  }
  for (auto& task : tasks) {
    if (!task.needed) continue;
    for (const auto& e : task.node->next_edges())
      if (e.function) {
        Task& child = tasks[task_of(e.function.get())];
        if (child.needed) ++child.deps;
      }
  }
}

/// Adds the gradients grad() captures at `node` to `results`, and says whether the node still
/// runs: a captured node only if another target lies below it, and no leaf's accumulation under
/// grad() (it never accumulates into leaves).
bool capture(const Scratch& sc, const Targets& targets, bool accumulate, Node& node, const TensorList& grads,
             TensorList& results) {
  if (auto it = targets.captures.empty() ? targets.captures.end() : targets.captures.find(&node);
      it != targets.captures.end()) {
    for (const auto& c : it->second) {
      Tensor g = grads[c.output_nr];
      results[c.index] = results[c.index].defined() && g.defined() ? results[c.index] + g : g;
    }
    for (const auto& e : node.next_edges())
      if (e.function && sc.tasks[static_cast<std::uint32_t>(sc.table.find(e.function.get()))].needed) return true;
    return false;
  }
  return !(targets.any() && !accumulate && node.num_inputs() == 0);
}

TensorList run(const TensorList& outputs, const TensorList& grad_outputs, bool keep_graph, bool create_graph,
               const TensorList& inputs, bool accumulate, bool allow_unused, const char* api) {
  Roots roots = make_roots(outputs, grad_outputs, api);
  const Targets targets = make_targets(inputs, accumulate, api);

  CallbackScope callbacks;
  ScratchLease lease;
  Scratch& sc = *lease;
  discover(sc, roots, targets);
  auto& tasks = sc.tasks;
  auto task_of = [&](Node* n) -> std::uint32_t { return static_cast<std::uint32_t>(sc.table.find(n)); };

  AutoGradMode mode(create_graph);
  auto add_to_buffer = [&](Task& task, std::uint32_t slot, Tensor g) {
    Tensor* buf;
    if (slot == 0) {
      buf = &task.grad0;
    } else {
      if (task.rest.empty()) task.rest.resize(task.node->num_outputs() - 1);
      buf = &task.rest[slot - 1];
    }
    if (!buf->defined()) *buf = std::move(g);
    else *buf = *buf + g;
  };
  auto newer_first = [&](std::uint32_t a, std::uint32_t b) {
    return tasks[a].node->sequence_nr() < tasks[b].node->sequence_nr();
  };
  auto push_ready = [&](std::uint32_t t) {
    if (tasks[t].queued) return;
    tasks[t].queued = true;
    sc.ready.push_back(t);
    std::push_heap(sc.ready.begin(), sc.ready.end(), newer_first);
  };
  for (auto& [edge, g] : roots) {
    Task& task = tasks[task_of(edge.function.get())];
    if (!task.needed) continue;
    add_to_buffer(task, edge.input_nr, std::move(g));
  }
  for (auto& [edge, g] : roots) {
    const std::uint32_t t = task_of(edge.function.get());
    if (tasks[t].needed && tasks[t].deps == 0) push_ready(t);
  }

  TensorList results(inputs.size());
  while (!sc.ready.empty()) {
    std::pop_heap(sc.ready.begin(), sc.ready.end(), newer_first);
    const std::uint32_t t = sc.ready.back();
    sc.ready.pop_back();
    Node* node = tasks[t].node;
    TensorList grads;
    grads.reserve(node->num_outputs());
    grads.push_back(std::move(tasks[t].grad0));
    for (auto& g : tasks[t].rest) grads.push_back(std::move(g));
    grads.resize(std::max<std::size_t>(node->num_outputs(), 1));
    tasks[t].rest = TensorList();
    if (node->has_pre_hooks()) node->call_pre_hooks(grads);

    const bool execute = capture(sc, targets, accumulate, *node, grads, results);

    TensorList in_grads;
    const bool any_grad = std::any_of(grads.begin(), grads.end(), [](const Tensor& g) { return g.defined(); });
    if (execute && any_grad) {
      {
        BackwardScope scope(node);
        in_grads = node->apply(std::move(grads));
      }
      if (AnomalyMode::is_enabled()) check_backward_anomaly(*node, in_grads);
      XG_CHECK(in_grads.empty() || in_grads.size() == node->num_inputs(), AutogradError, "backward of '", node->name(),
               "' returned ", in_grads.size(), " gradients for ", node->num_inputs(), " inputs");
    }
    // Saved tensors are freed as soon as the node has run (Note [Engine bookkeeping]), and the
    // incoming gradients with `grads` at the end of this iteration.
    if (!keep_graph) node->release_saved();

    for (std::size_t i = 0; i < node->num_inputs(); ++i) {
      const Edge& e = node->next_edge(i);
      Node* child_node = e.function.get();
      if (!child_node) continue;
      const std::uint32_t c = task_of(child_node);
      if (!tasks[c].needed) continue;
      if (i < in_grads.size() && in_grads[i].defined())
        add_to_buffer(tasks[c], e.input_nr, validate_grad(*node, i, std::move(in_grads[i])));
      if (--tasks[c].deps == 0) push_ready(c);
    }
  }

  callbacks.run_all();

  if (!accumulate) {
    for (std::size_t j = 0; j < inputs.size(); ++j)
      XG_CHECK(results[j].defined() || allow_unused, AutogradError, api, ": input ", j, " (shape ", inputs[j].sizes(),
               ") was not used to compute the outputs; pass allow_unused=true to get an "
               "undefined gradient for it");
  }
  return results;
}

}  // namespace

void queue_callback(std::function<void()> callback) {
  XG_CHECK(t_callbacks != nullptr, AutogradError,
           "queue_callback: no backward pass is running on this thread; call it from a tensor hook or a custom "
           "Function's backward while backward() or grad() runs");
  XG_CHECK(callback != nullptr, ValueError, "queue_callback: the callback is empty");
  t_callbacks->push_back(std::move(callback));
}

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
