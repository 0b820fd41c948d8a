// xgrad — Keras-style model summaries: one forward pass on a dummy batch records every layer's
// output shape; the table lists layers, output shapes and parameter counts, then total /
// trainable / non-trainable counts and a memory estimate.
//
//   xg::nn::Sequential mlp({xg::nn::Linear(784, 256, {.activation = "relu"}), xg::nn::Linear(256, 10)});
//   std::cout << xg::nn::summary(mlp, {1, 784});
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// One row of a summary: one call of a layer (or a layer that was never called).
struct SummaryRow {
  /// Dotted name in the model ("features.0"); "" for the model itself.
  std::string name;
  /// The module's type name ("Linear").
  std::string type;
  /// Shape of the output of this call; empty when the layer was not called.
  Shape output_shape;
  /// Parameters counted on this row: the module's own (not its children's), on its first call
  /// only, so that the rows add up to the total.
  std::int64_t num_params = 0;
  /// Of those, the ones that require grad.
  std::int64_t trainable_params = 0;
  /// Nesting depth (0 for the model's direct children).
  int depth = 0;
  /// False for a module with parameters that the forward pass never called through its
  /// single-tensor operator() (e.g. a Bilinear called with two inputs, or an unused layer).
  bool called = true;
  /// True for the second and later calls of a module used more than once (weights shared).
  bool repeated = false;
};

/// Options of Summary (PyTorch's arguments of the same names and defaults).
struct SummaryOptions {
  /// Dtype of the dummy input; default: the dtype of the model's first floating-point parameter
  /// (float32 if it has none). Models that take indices (embeddings) want kInt64.
  std::optional<Dtype> dtype = std::nullopt;
  /// Feed N(0, 1) values instead of zeros (the global generator's state is restored afterwards,
  /// so a summary never changes a seeded run).
  bool random_input = false;
};

/// What summary() found; printing it gives the table.
struct ModelSummary {
  /// the model's type name
  std::string model_name;
  /// the dummy input's shape and the model's output shape
  ///@{
  Shape input_shape, output_shape;
  ///@}

  /// the dummy input's dtype
  Dtype input_dtype = kFloat32;
  /// one row per leaf module (or module with parameters of its own), in call order
  std::vector<SummaryRow> rows;
  /// parameter elements
  std::int64_t total_params = 0;
  /// parameter elements that require grad
  std::int64_t trainable_params = 0;
  /// parameter elements that do not require grad
  std::int64_t non_trainable_params = 0;
  /// Memory estimate in MB (2²⁰ bytes): the input batch, every row's output (the activations a
  /// forward pass keeps for backward), parameters and buffers, and their sum.
  ///@{
  double input_mb = 0.0;
  double activations_mb = 0.0;
  double params_mb = 0.0;
  double total_mb = 0.0;
  ///@}

  /// The table, as Keras prints it.
  std::string str() const;
};
/// Writes summary.str().
std::ostream& operator<<(std::ostream& os, const ModelSummary& summary);

/// Runs one forward pass of `model` on a batch of shape `input_shape` (batch dimension included)
/// under no-grad and in eval mode (modes are restored afterwards, and no parameter or buffer
/// changes), with forward hooks on every leaf module and on every module holding parameters of
/// its own. A module called twice gets a row per call, its parameters counted once.
///
///   auto s = xg::nn::summary(mlp, {1, 784});
///   s.total_params;     // 235146 for 784-256-128-10
///   std::cout << s;
ModelSummary summary(Module& model, const Shape& input_shape, const SummaryOptions& options = {});
/// summary of the module a holder points to.
template <class Impl>
ModelSummary summary(const ModuleHolder<Impl>& model, const Shape& input_shape, const SummaryOptions& options = {}) {
  return summary(static_cast<Module&>(*model), input_shape, options);
}
/// summary of a module given by shared pointer (ValueError when null).
inline ModelSummary summary(const ModulePtr& model, const Shape& input_shape, const SummaryOptions& options = {}) {
  XG_CHECK(model != nullptr, ValueError, "summary: the model is null");
  return summary(*model, input_shape, options);
}

}  // namespace xg::nn

XGRAD_API_END
