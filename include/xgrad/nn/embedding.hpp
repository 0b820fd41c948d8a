// xgrad — lookup tables: xg::nn::Embedding maps int64 indices of any shape to rows of a trained
// [num_embeddings, embedding_dim] weight (torch.nn.Embedding), with a padding row that receives no
// gradient, optional max-norm renormalization and gradients scaled by frequency; and its
// functional form xg::nn::functional::embedding.
//
//   xg::nn::Embedding emb(10000, 64, {.padding_idx = 0});
//   auto vectors = emb(token_ids);                 // [batch, seq] int64 → [batch, seq, 64]
//   auto frozen = xg::nn::Embedding::from_pretrained(table);   // not trained (freeze = true)
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>

#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// Options of xg::nn::Embedding (torch.nn.Embedding after num_embeddings and embedding_dim).
/// PyTorch's `sparse` gradients are not offered: xgrad has no sparse tensors.
struct EmbeddingOptions {
  /// This row is initialized to zeros and never receives a gradient (a negative value counts
  /// from the end, as in PyTorch).
  std::optional<std::int64_t> padding_idx = std::nullopt;
  /// Rows looked up with a norm above max_norm are rescaled in place to norm max_norm.
  std::optional<double> max_norm = std::nullopt;
  /// The p of the p-norm for max_norm.
  double norm_type = 2.0;
  /// Scales each row's gradient by 1 / (its number of occurrences in the mini-batch).
  bool scale_grad_by_freq = false;
};

/// Options of Embedding::from_pretrained.
struct EmbeddingFromPretrainedOptions {
  /// true: the weight is not trained (requires_grad false).
  bool freeze = true;
  /// a row that stays zero and gets no gradient
  std::optional<std::int64_t> padding_idx = std::nullopt;
  /// rows looked up are renormalized to this norm at most
  std::optional<double> max_norm = std::nullopt;
  /// the p of max_norm's p-norm
  double norm_type = 2.0;
  /// scale gradients by the inverse frequency of the indices in the batch
  bool scale_grad_by_freq = false;
};

/// A lookup table, as torch.nn.Embedding. The weight is N(0, 1) with the padding row zeroed.
/// forward takes int64 indices of any shape and returns shape `indices.shape + [embedding_dim]`.
///
///   xg::nn::Embedding emb(5, 3, {.padding_idx = 0});
///   auto y = emb(xg::tensor({{0, 2}, {4, 1}}));    // [2, 2, 3]; y[0][0] is zeros
struct EmbeddingImpl : Cloneable<EmbeddingImpl> {
  /// A table of `num_embeddings` rows of `embedding_dim` values.
  EmbeddingImpl(std::int64_t num_embeddings, std::int64_t embedding_dim, const EmbeddingOptions& options = {});
  /// Draws the weight from N(0, 1) and zeroes the padding row.
  void reset() override;
  Tensor forward(const Tensor& indices) override;
  /// "Embedding(10, 3, padding_idx=0)", as PyTorch prints it.
  void pretty_print(std::ostream& os) const override;

  /// the sizes given to the constructor
  ///@{
  std::int64_t num_embeddings, embedding_dim;
  ///@}

  /// As given, with a negative padding_idx already counted from the end.
  EmbeddingOptions options;
  Tensor weight;  ///< [num_embeddings, embedding_dim]
};

/// The handle to an EmbeddingImpl (LibTorch's torch::nn::Embedding).
class Embedding : public ModuleHolder<EmbeddingImpl> {
 public:
  using ModuleHolder<EmbeddingImpl>::ModuleHolder;
  /// Makes an EmbeddingImpl from these arguments.
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, const EmbeddingOptions& options = {})
      : ModuleHolder(std::make_shared<EmbeddingImpl>(num_embeddings, embedding_dim, options)) {}
  /// An Embedding whose weight is a copy of the 2-D `embeddings` (its rows as they are; the padding
  /// row is not zeroed). Frozen (not trained) unless `.freeze = false`.
  ///
  ///   auto emb = xg::nn::Embedding::from_pretrained(glove, {.freeze = false, .padding_idx = 0});
  static Embedding from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options = {});
};

namespace functional {

/// Options of functional::embedding (torch.nn.functional.embedding's keyword arguments).
struct EmbeddingFuncOptions {
  /// The gradient of this row is zero (its values are used as they are).
  std::optional<std::int64_t> padding_idx = std::nullopt;
  /// Renormalizes the looked-up rows of `weight` in place to norm at most max_norm.
  std::optional<double> max_norm = std::nullopt;
  /// the p of max_norm's p-norm
  double norm_type = 2.0;
  /// scale gradients by the inverse frequency of the indices in the batch
  bool scale_grad_by_freq = false;
};

/// weight[input]: rows of the 2-D `weight` for int64 indices of any shape, as
/// torch.nn.functional.embedding. IndexError for an index outside [0, num_embeddings).
///
///   auto y = xg::nn::functional::embedding(xg::tensor({1, 1, 3}), table, {.padding_idx = 0});
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});

}  // namespace functional

}  // namespace xg::nn

XGRAD_API_END
