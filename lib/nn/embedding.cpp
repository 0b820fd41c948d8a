// Embedding: row lookup through the differentiable xg::embedding op, plus PyTorch's extras — a
// padding row without gradient, gradients scaled by frequency, and in-place max-norm renorm.
#include "xgrad/nn/embedding.hpp"

#include <ostream>
#include <unordered_map>
#include <vector>

#include "nn/sequence_common.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

/// Identity in the forward pass; the backward multiplies the gradient by a constant `factor`
/// (broadcast over the embedding dimension). This is how the padding row gets no gradient (factor
/// 0 where the index is padding_idx) and how scale_grad_by_freq divides each row's gradient by its
/// count: the rows' gradients are sums over the positions that looked them up, so scaling the
/// positions scales the rows. Written with ops, so double backward works.
struct ScaleGrad : autograd::Function<ScaleGrad> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x, const Tensor& factor) {
    ctx->save_for_backward({factor});
    return x.detach();
  }
  static TensorList backward(autograd::AutogradContext* ctx, TensorList g) {
    return {g[0] * ctx->get_saved_variables()[0], Tensor()};
  }
};

std::int64_t normalize_padding_idx(const char* who, std::optional<std::int64_t> padding_idx, std::int64_t rows) {
  if (!padding_idx) return -1;
  const std::int64_t p = *padding_idx < 0 ? *padding_idx + rows : *padding_idx;
  XG_CHECK(p >= 0 && p < rows, ValueError, who, ": padding_idx must be within num_embeddings (", rows, "), got ",
           *padding_idx);
  return p;
}

/// PyTorch's embedding_renorm_: every row looked up whose norm exceeds max_norm is scaled in place
/// by max_norm / (norm + 1e-7). Not recorded (the weight is a leaf being edited, not computed).
void renorm_rows(const Tensor& weight, const std::vector<std::int64_t>& rows, double max_norm, double norm_type) {
  NoGradGuard ng;
  Tensor data = weight.detach();
  for (std::int64_t r : rows) {
    Tensor row = data.select(0, r);
    const double norm = row.norm(norm_type).item<double>();
    if (norm > max_norm) row.mul_(max_norm / (norm + 1e-7));
  }
}

Tensor embedding_impl(const char* who, const Tensor& input, const Tensor& weight,
                      const functional::EmbeddingFuncOptions& o) {
  XG_CHECK(input.defined(), ValueError, who, ": the indices are an undefined tensor");
  XG_CHECK(weight.defined(), ValueError, who, ": the weight is an undefined tensor");
  XG_CHECK(weight.dim() == 2, ShapeError, who, ": the weight must be 2-D [num_embeddings, embedding_dim], got shape ",
           weight.sizes());
  XG_CHECK(weight.is_floating_point(), DtypeError, who, ": the weight must be floating point, got ", weight.dtype());
  XG_CHECK(input.dtype() == kInt64, DtypeError, who, ": expected int64 indices, got ", input.dtype(),
           " (convert with .to(xg::kInt64))");
  const std::int64_t rows = weight.size(0);
  const std::int64_t padding = normalize_padding_idx(who, o.padding_idx, rows);
  if (o.max_norm) {
    XG_CHECK(*o.max_norm > 0.0, ValueError, who, ": max_norm must be positive, got ", *o.max_norm);
    XG_CHECK(o.norm_type > 0.0, ValueError, who, ": norm_type must be positive, got ", o.norm_type);
  }

  // Range check with the message PyTorch users need: which index, and how many rows there are.
  const Tensor idx = input.contiguous();
  const std::int64_t* ip = idx.data_ptr<std::int64_t>();
  const std::int64_t n = idx.numel();
  for (std::int64_t i = 0; i < n; ++i)
    XG_CHECK(ip[i] >= 0 && ip[i] < rows, IndexError, who, ": index ", ip[i],
             " is out of range for num_embeddings = ", rows, " (valid indices are 0 to ", rows - 1, ")");

  const bool scale_freq = o.scale_grad_by_freq;
  std::unordered_map<std::int64_t, std::int64_t> counts;
  if (scale_freq || o.max_norm)
    for (std::int64_t i = 0; i < n; ++i) ++counts[ip[i]];
  if (o.max_norm) {
    std::vector<std::int64_t> unique;
    unique.reserve(counts.size());
    for (const auto& [row, count] : counts) unique.push_back(row);
    renorm_rows(weight, unique, *o.max_norm, o.norm_type);
  }

  if (n == 0) {  // no indices: an empty result of the right shape
    Shape shape = input.sizes();
    shape.push_back(weight.size(1));
    return zeros(shape, weight.dtype());
  }
  Tensor out = xg::embedding(weight, idx);
  if ((padding >= 0 || scale_freq) && GradMode::is_enabled() && weight.requires_grad()) {
    std::vector<double> factor(static_cast<std::size_t>(n), 1.0);
    for (std::int64_t i = 0; i < n; ++i) {
      if (ip[i] == padding) factor[static_cast<std::size_t>(i)] = 0.0;
      else if (scale_freq) factor[static_cast<std::size_t>(i)] = 1.0 / static_cast<double>(counts[ip[i]]);
    }
    Shape fshape = input.sizes();
    fshape.push_back(1);
    out = ScaleGrad::apply(out, from_vector(factor, fshape, kFloat64).to(weight.dtype()));
  }
  return out;
}

}  // namespace

namespace functional {
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  return embedding_impl("embedding", input, weight, options);
}
}  // namespace functional

EmbeddingImpl::EmbeddingImpl(std::int64_t num_embeddings_, std::int64_t embedding_dim_,
                             const EmbeddingOptions& options_)
    : num_embeddings(num_embeddings_), embedding_dim(embedding_dim_), options(options_) {
  detail::check_positive("Embedding", "num_embeddings", num_embeddings);
  detail::check_positive("Embedding", "embedding_dim", embedding_dim);
  if (options.padding_idx)
    options.padding_idx = normalize_padding_idx("Embedding", options.padding_idx, num_embeddings);
  if (options.max_norm) {
    XG_CHECK(*options.max_norm > 0.0, ValueError, "Embedding: max_norm must be positive, got ", *options.max_norm);
    XG_CHECK(options.norm_type > 0.0, ValueError, "Embedding: norm_type must be positive, got ", options.norm_type);
  }
  reset();
}

void EmbeddingImpl::reset() {
  weight = register_parameter("weight", randn({num_embeddings, embedding_dim}));
  if (options.padding_idx) {
    NoGradGuard ng;
    weight.select(0, *options.padding_idx).zero_();
  }
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return embedding_impl(name().c_str(), indices, weight,
                        {options.padding_idx, options.max_norm, options.norm_type, options.scale_grad_by_freq});
}

void EmbeddingImpl::pretty_print(std::ostream& os) const {
  os << name() << "(" << num_embeddings << ", " << embedding_dim;
  if (options.padding_idx) os << ", padding_idx=" << *options.padding_idx;
  if (options.max_norm) os << ", max_norm=" << detail::python_float(*options.max_norm);
  if (options.norm_type != 2.0) os << ", norm_type=" << detail::python_float(options.norm_type);
  if (options.scale_grad_by_freq) os << ", scale_grad_by_freq=true";
  os << ")";
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  XG_CHECK(embeddings.defined(), ValueError, "Embedding::from_pretrained: the embeddings are an undefined tensor");
  XG_CHECK(embeddings.dim() == 2, ShapeError,
           "Embedding::from_pretrained: the embeddings are expected to be 2-D [num_embeddings, embedding_dim], "
           "got shape ",
           embeddings.sizes());
  XG_CHECK(embeddings.is_floating_point(), DtypeError,
           "Embedding::from_pretrained: the embeddings must be floating point, got ", embeddings.dtype());
  Embedding emb(embeddings.size(0), embeddings.size(1),
                EmbeddingOptions{options.padding_idx, options.max_norm, options.norm_type, options.scale_grad_by_freq});
  {
    NoGradGuard ng;
    emb->weight.set_data(embeddings.detach().clone());
  }
  emb->weight.requires_grad_(!options.freeze);
  return emb;
}

}  // namespace xg::nn
