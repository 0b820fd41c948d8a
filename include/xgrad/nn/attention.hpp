// xgrad — attention: xg::nn::MultiheadAttention (torch.nn.MultiheadAttention, same parameters,
// masks and outputs), its functional form multi_head_attention_forward, and the reusable
// scaled_dot_product_attention.
//
//   xg::nn::MultiheadAttention mha(64, 8, {.batch_first = true});
//   auto [out, weights] = mha->forward(x, x, x, {.key_padding_mask = pad});  // x: [batch, seq, 64]
//   namespace F = xg::nn::functional;
//   auto y = F::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <tuple>

#include "xgrad/nn/module.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::nn {

/// Options of xg::nn::MultiheadAttention (torch.nn.MultiheadAttention after embed_dim and
/// num_heads, in its order and with its defaults).
struct MultiheadAttentionOptions {
  double dropout = 0.0;                             ///< dropout on the attention weights, in training
  bool bias = true;                                 ///< in_proj_bias and out_proj.bias
  bool add_bias_kv = false;                         ///< learned bias_k / bias_v appended to the keys and values
  bool add_zero_attn = false;                       ///< a zero key and value appended (after the projection)
  std::optional<std::int64_t> kdim = std::nullopt;  ///< key features (default embed_dim)
  std::optional<std::int64_t> vdim = std::nullopt;  ///< value features (default embed_dim)
  bool batch_first = false;                         ///< query/key/value/output are [batch, seq, feature]
};

/// The per-call arguments of MultiheadAttentionImpl::forward (torch's keyword arguments).
///
/// Masks are bool (true = this position is NOT attended) or floating (added to the attention
/// scores, -inf to exclude).
struct MultiheadAttentionForwardOptions {
  /// [batch, S] (or [S] unbatched): keys to ignore, e.g. padding.
  Tensor key_padding_mask = {};
  /// Whether to return the attention weights (else the second result is undefined).
  bool need_weights = true;
  /// [L, S], or [batch · num_heads, L, S] for a mask per sequence and head.
  Tensor attn_mask = {};
  /// Average the returned weights over the heads ([batch, L, S]) or keep them per head
  /// ([batch, num_heads, L, S]).
  bool average_attn_weights = true;
};

/// The output projection of MultiheadAttention: out_proj.weight [E, E] and out_proj.bias [E].
/// PyTorch names this Linear NonDynamicallyQuantizableLinear, and so does the printed module tree.
struct NonDynamicallyQuantizableLinearImpl : Cloneable<NonDynamicallyQuantizableLinearImpl> {
  /// A linear map from `in_features` to `out_features`.
  NonDynamicallyQuantizableLinearImpl(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  /// weight ~ U(-1/√in, 1/√in) as torch.nn.Linear; bias likewise (MultiheadAttention zeroes it).
  void reset() override;
  /// x Wᵀ + b.
  Tensor forward(const Tensor& input) override;
  void pretty_print(std::ostream& os) const override;

  /// the sizes given to the constructor
  ///@{
  std::int64_t in_features, out_features;
  ///@}

  /// whether it has a bias
  bool has_bias;
  /// the parameters, [out, in] and [out]
  ///@{
  Tensor weight, bias;
  ///@}
};
XG_MODULE(NonDynamicallyQuantizableLinear);

/// Multi-head attention, as torch.nn.MultiheadAttention:
///   head_i = softmax(Q W_qᵢ (K W_kᵢ)ᵀ / √head_dim + mask) V W_vᵢ,  out = [head_1 … head_h] W_oᵀ + b_o
///
/// Parameters: in_proj_weight [3E, E] and in_proj_bias [3E] (q, k, v stacked), or q_proj_weight,
/// k_proj_weight [E, kdim], v_proj_weight [E, vdim] when kdim or vdim differ from E; bias_k,
/// bias_v [1, 1, E] with add_bias_kv; out_proj.weight, out_proj.bias. Initialized as PyTorch does
/// (Xavier-uniform projections, zero biases, Xavier-normal bias_k / bias_v).
///
/// Shapes: query [L, N, E], key [S, N, kdim], value [S, N, vdim] ([N, L, E]… with batch_first;
/// [L, E]… unbatched). Returns (attn_output [L, N, E], attn_weights [N, L, S]).
///
///   xg::nn::MultiheadAttention mha(8, 2);
///   auto [out, w] = mha->forward(q, k, v, {.key_padding_mask = pad, .need_weights = true});
///   auto y = mha(x);   // self-attention, output only (e.g. inside a Sequential)
///
/// Deliberate difference: a query row whose keys are all masked gets zero weights (and zero
/// attention output before out_proj), where PyTorch 1.13 returns NaN.
struct MultiheadAttentionImpl : Cloneable<MultiheadAttentionImpl> {
  /// Attention over `embed_dim` features split into `num_heads` heads (embed_dim must be divisible by it).
  MultiheadAttentionImpl(std::int64_t embed_dim, std::int64_t num_heads, const MultiheadAttentionOptions& options = {});
  void reset() override;
  /// (attn_output, attn_weights); attn_weights is undefined when need_weights is false.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const MultiheadAttentionForwardOptions& options = {});
  /// Self-attention forward(x, x, x) without weights: the output alone.
  Tensor forward(const Tensor& x) override;

  /// the sizes: E, the heads, E / heads, and the key and value feature sizes
  ///@{
  std::int64_t embed_dim, num_heads, head_dim, kdim, vdim;
  ///@}

  /// The options this module was made with.
  MultiheadAttentionOptions options;
  /// Exactly one of in_proj_weight or (q, k, v)_proj_weight is defined (the latter when kdim or
  /// vdim differ from embed_dim). Undefined tensors are not registered.
  ///@{
  Tensor in_proj_weight, q_proj_weight, k_proj_weight, v_proj_weight, in_proj_bias, bias_k, bias_v;
  ///@}

  /// the output projection
  NonDynamicallyQuantizableLinear out_proj{nullptr};
};
/// The handle to a MultiheadAttentionImpl (LibTorch's torch::nn::MultiheadAttention); takes the
/// options as a braced list.
class MultiheadAttention : public ModuleHolder<MultiheadAttentionImpl> {
 public:
  using ModuleHolder<MultiheadAttentionImpl>::ModuleHolder;
  /// Makes a MultiheadAttentionImpl from these arguments.
  MultiheadAttention(std::int64_t embed_dim, std::int64_t num_heads, const MultiheadAttentionOptions& options = {})
      : ModuleHolder(std::make_shared<MultiheadAttentionImpl>(embed_dim, num_heads, options)) {}
};

namespace functional {

/// Arguments of multi_head_attention_forward (torch.nn.functional.multi_head_attention_forward
/// after query, key, value; PyTorch's static_k / static_v are not offered). Undefined tensors are
/// PyTorch's None.
struct MultiheadAttentionForwardFuncOptions {
  /// E, checked against the query's last size
  std::int64_t embed_dim_to_check = 0;
  /// the number of heads
  std::int64_t num_heads = 1;
  /// the stacked q, k, v projections [3E, E]
  Tensor in_proj_weight = {};
  /// their biases [3E] (undefined: none)
  Tensor in_proj_bias = {};
  /// a bias appended to the keys (undefined: none)
  Tensor bias_k = {};
  /// a bias appended to the values (undefined: none)
  Tensor bias_v = {};
  /// append a zero key and value
  bool add_zero_attn = false;
  /// dropout on the attention weights (training only)
  double dropout_p = 0.0;
  /// the output projection [E, E]
  Tensor out_proj_weight = {};
  /// its bias [E] (undefined: none)
  Tensor out_proj_bias = {};
  /// apply the training-mode behaviour
  bool training = true;
  /// keys to ignore, [N, S]: true (or a float added to the scores) marks them
  Tensor key_padding_mask = {};
  /// also return the attention weights
  bool need_weights = true;
  /// [L, S] or [N·heads, L, S]: true (or a float added to the scores) masks a query-key pair
  Tensor attn_mask = {};
  /// use q_proj_weight, k_proj_weight, v_proj_weight instead of in_proj_weight
  bool use_separate_proj_weight = false;
  /// the query projection [E, E]
  Tensor q_proj_weight = {};
  /// the key projection [E, kdim]
  Tensor k_proj_weight = {};
  /// the value projection [E, vdim]
  Tensor v_proj_weight = {};
  /// average the returned weights over the heads
  bool average_attn_weights = true;
};

/// Multi-head attention with explicit weights, sequence-first ([L, N, E] or unbatched [L, E]).
/// Returns (attn_output, attn_weights or undefined). MultiheadAttentionImpl::forward calls this.
std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                        const MultiheadAttentionForwardFuncOptions& options);

/// softmax(Q Kᵀ · scale + mask) V, as torch.nn.functional.scaled_dot_product_attention (PyTorch 2):
/// query [..., L, E], key [..., S, E], value [..., S, Ev] → [..., L, Ev]; batch dims broadcast.
/// scale defaults to 1/√E. attn_mask broadcasts to [..., L, S] and is either bool — true marks
/// the positions that TAKE PART in attention, as in PyTorch's function (the opposite of
/// MultiheadAttention's masks) — or floating, added to the scores. is_causal applies a lower
/// triangular mask (query i sees keys 0…i) and excludes attn_mask. dropout_p is applied to the
/// attention weights whenever it is > 0, as in PyTorch (pass 0 in evaluation).
///
/// A query whose keys are all masked gets zero weights and a zero output (PyTorch's math kernel
/// returns NaN there before 2.5).
///
///   auto y = F::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);

}  // namespace functional

}  // namespace xg::nn

XGRAD_API_END
