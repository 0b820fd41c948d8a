// summary(): one forward pass with forward hooks, then a Keras-style table.
#include "xgrad/nn/summary.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <unordered_map>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"

namespace xg::nn {

namespace {
constexpr double kMB = 1024.0 * 1024.0;

std::string with_commas(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string mb(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

int depth_of(const std::string& name) {
  return name.empty() ? 0 : static_cast<int>(std::count(name.begin(), name.end(), '.'));
}

/// Removes the summary's hooks and restores every module's mode, also when forward throws.
struct Restore {
  std::vector<std::pair<ModulePtr, HookHandle>> hooks;
  std::vector<std::pair<ModulePtr, bool>> modes;  // parents before children (named_modules order)
  std::optional<std::string> generator_state;
  ~Restore() {
    for (auto& [m, h] : hooks) m->remove_hook(h);
    // train() recurses, so restoring parents first and children after leaves each module its own mode.
    for (auto& [m, on] : modes) m->train(on);
    if (generator_state) default_generator().set_state(*generator_state);
  }
};

/// A module that gets a row: a leaf, or a container with parameters of its own (which would
/// otherwise appear nowhere).
struct Target {
  std::string name;
  ModulePtr module;
  std::int64_t own_params = 0, own_trainable = 0;
  bool seen = false;
};

/// The floating dtype of the model's first floating parameter, float32 when it has none.
Dtype parameter_dtype(const std::vector<Tensor>& params) {
  for (const auto& p : params)
    if (p.is_floating_point()) return p.dtype();
  return kFloat32;
}

/// Lists the row targets (indexed by module in `target_of`) and records every module's mode in
/// `restore`.
void collect_targets(Module& model, std::vector<Target>& targets,
                     std::unordered_map<const Module*, std::size_t>& target_of, Restore& restore) {
  for (const auto& item : model.named_modules()) {
    const ModulePtr& m = item.second;
    restore.modes.emplace_back(m, m->is_training());
    const auto own = m->parameters(/*recurse=*/false);
    if (!m->children().empty() && own.empty()) continue;
    Target t{item.first, m};
    for (const auto& p : own) {
      t.own_params += p.numel();
      if (p.requires_grad()) t.own_trainable += p.numel();
    }
    target_of.emplace(m.get(), targets.size());
    targets.push_back(std::move(t));
  }
}

/// Registers on each target a forward hook that appends its row (parameters counted at the first
/// call only; later calls are marked repeated) and its output's size in bytes.
void hook_targets(std::vector<Target>& targets, const std::unordered_map<const Module*, std::size_t>& target_of,
                  ModelSummary& result, std::vector<std::int64_t>& row_bytes, Restore& restore) {
  for (const auto& t : targets) {
    const HookHandle h = t.module->register_forward_hook([&](Module& m, const Tensor&, const Tensor& out) {
      Target& target = targets[target_of.at(&m)];
      SummaryRow row{target.name, m.name(), out.defined() ? out.sizes() : Shape{}, 0, 0, depth_of(target.name)};
      row.repeated = target.seen;
      if (!target.seen) {
        row.num_params = target.own_params;
        row.trainable_params = target.own_trainable;
      }
      target.seen = true;
      result.rows.push_back(std::move(row));
      row_bytes.push_back(out.defined() ? static_cast<std::int64_t>(out.nbytes()) : 0);
      return Tensor();
    });
    restore.hooks.emplace_back(t.module, h);
  }
}

/// The eval-mode, no-grad forward pass on zeros (or on seeded-then-restored random numbers).
Tensor run_forward(Module& model, const Shape& input_shape, const SummaryOptions& options, ModelSummary& result,
                   Restore& restore) {
  NoGradGuard ng;
  model.eval();
  Tensor input;
  if (options.random_input) {
    XG_CHECK(is_floating_point(result.input_dtype), DtypeError,
             "summary: random_input needs a floating-point input dtype, got ", result.input_dtype);
    restore.generator_state = default_generator().get_state();
    input = randn(input_shape, result.input_dtype);
  } else {
    input = zeros(input_shape, result.input_dtype);
  }
  result.input_mb = static_cast<double>(input.nbytes()) / kMB;
  return model(input);
}

/// The totals: parameter counts, and memory of parameters + buffers and of the rows' activations.
void add_totals(Module& model, const std::vector<Tensor>& params, const std::vector<std::int64_t>& row_bytes,
                ModelSummary& result) {
  std::int64_t param_bytes = 0;
  for (const auto& p : params) {
    result.total_params += p.numel();
    if (p.requires_grad()) result.trainable_params += p.numel();
    param_bytes += static_cast<std::int64_t>(p.nbytes());
  }
  for (const auto& b : model.buffers()) param_bytes += static_cast<std::int64_t>(b.nbytes());
  result.non_trainable_params = result.total_params - result.trainable_params;
  std::int64_t act_bytes = 0;
  for (auto b : row_bytes) act_bytes += b;
  result.activations_mb = static_cast<double>(act_bytes) / kMB;
  result.params_mb = static_cast<double>(param_bytes) / kMB;
  result.total_mb = result.input_mb + result.activations_mb + result.params_mb;
}
}  // namespace

ModelSummary summary(Module& model, const Shape& input_shape, const SummaryOptions& options) {
  for (auto s : input_shape)
    XG_CHECK(s >= 0, ValueError, "summary: input_shape ", input_shape, " must have non-negative sizes");
  ModelSummary result;
  result.model_name = model.name();
  result.input_shape = input_shape;
  const auto params = model.parameters();
  result.input_dtype = options.dtype.value_or(parameter_dtype(params));

  std::vector<Target> targets;
  std::unordered_map<const Module*, std::size_t> target_of;
  std::vector<std::int64_t> row_bytes;
  Restore restore;  // declared after what the hooks capture, so they are removed first
  collect_targets(model, targets, target_of, restore);
  hook_targets(targets, target_of, result, row_bytes, restore);
  const Tensor output = run_forward(model, input_shape, options, result, restore);
  XG_CHECK(output.defined(), ValueError, "summary: ", model.name(), "'s forward returned an undefined tensor");
  result.output_shape = output.sizes();

  // Modules with parameters that no single-tensor call reached still own parameters: list them.
  for (const auto& t : targets)
    if (!t.seen && t.own_params > 0) {
      SummaryRow row{t.name, t.module->name(), Shape{}, t.own_params, t.own_trainable, depth_of(t.name)};
      row.called = false;
      result.rows.push_back(std::move(row));
      row_bytes.push_back(0);
    }
  add_totals(model, params, row_bytes, result);
  return result;
}

std::string ModelSummary::str() const {
  auto label = [](const SummaryRow& r) { return r.name.empty() ? r.type : r.name + " (" + r.type + ")"; };
  auto shape = [](const SummaryRow& r) { return r.called ? shape_str(r.output_shape) : std::string("not called"); };
  auto count = [](const SummaryRow& r) { return r.repeated ? std::string("(shared)") : with_commas(r.num_params); };
  std::size_t w1 = 28, w2 = 24, w3 = 10;
  for (const auto& r : rows) {
    w1 = std::max(w1, label(r).size() + 3);
    w2 = std::max(w2, shape(r).size() + 2);
    w3 = std::max(w3, count(r).size());
  }
  const std::size_t width = 1 + w1 + w2 + w3;
  auto pad = [](std::string s, std::size_t w) {
    s.resize(std::max(s.size(), w), ' ');
    return s;
  };
  std::ostringstream os;
  os << "Model: \"" << model_name << "\"\n" << std::string(width, '_') << "\n";
  os << " " << pad("Layer (type)", w1) << pad("Output Shape", w2) << "Param #\n" << std::string(width, '=') << "\n";
  for (const auto& r : rows) os << " " << pad(label(r), w1) << pad(shape(r), w2) << count(r) << "\n";
  if (rows.empty()) os << " (no layers)\n";
  os << std::string(width, '=') << "\n";
  os << "Total params: " << with_commas(total_params) << "\n";
  os << "Trainable params: " << with_commas(trainable_params) << "\n";
  os << "Non-trainable params: " << with_commas(non_trainable_params) << "\n";
  os << std::string(width, '_') << "\n";
  os << "Input size (MB): " << mb(input_mb) << "  (" << shape_str(input_shape) << ", " << input_dtype << ")\n";
  os << "Activations size (MB): " << mb(activations_mb) << "\n";
  os << "Params size (MB): " << mb(params_mb) << "\n";
  os << "Estimated total size (MB): " << mb(total_mb) << "\n";
  os << std::string(width, '_') << "\n";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const ModelSummary& summary) { return os << summary.str(); }

}  // namespace xg::nn
