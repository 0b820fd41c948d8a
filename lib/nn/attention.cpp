// Attention written with differentiable ops: scaled dot-product attention with bool or additive
// masks, and multi-head attention following torch.nn.functional.multi_head_attention_forward step
// by step (in-projection, bias_k/v, head split, zero attention, mask merge, out-projection).
#include "xgrad/nn/attention.hpp"

#include <cmath>
#include <limits>
#include <ostream>

#include "nn/sequence_common.hpp"
#include "xgrad/autograd.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_mask_dtype(const char* who, const char* what, const Tensor& m) {
  XG_CHECK(m.dtype() == kBool || m.is_floating_point(), DtypeError, who, ": only bool and floating types of ", what,
           " are supported, got ", m.dtype());
}

/// A mask as scores to add: floating masks as they are (in `dtype`); bool masks give -inf where
/// the position is excluded (where the mask is true if `true_excludes`, else where it is false).
Tensor additive_mask(const Tensor& m, Dtype dtype, bool true_excludes) {
  if (m.dtype() != kBool) return m.dtype() == dtype ? m : m.to(dtype);
  return zeros(m.sizes(), dtype).masked_fill(true_excludes ? m : logical_not(m), -kInf);
}

/// softmax over the last dim, except that a row whose scores are all -inf (every key masked) gets
/// zero weights instead of 0/0 = NaN.
Tensor masked_softmax(const Tensor& scores) {
  const Tensor row_max = amax(scores.detach(), {-1}, /*keepdim=*/true);
  const Tensor dead = row_max == Scalar(-kInf);
  if (!any(dead).item<bool>()) return softmax(scores, -1);
  return where(dead, Scalar(0.0), softmax(where(dead, Scalar(0.0), scores), -1));
}

struct Attention {
  Tensor output, weights;
};

/// softmax(q kᵀ · scale + mask) v over the last two dims; mask is additive (or undefined).
Attention attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, double scale,
                 double dropout_p) {
  Tensor scores = matmul(q * scale, k.transpose(-2, -1));
  Tensor weights = mask.defined() ? masked_softmax(scores + mask) : softmax(scores, -1);
  if (dropout_p > 0.0) weights = functional::dropout(weights, {.p = dropout_p});
  return {matmul(weights, v), weights};
}

/// True when `mask` broadcasts to `target` (NumPy rules).
bool broadcasts_to(const Shape& mask, const Shape& target) {
  if (mask.size() > target.size()) return false;
  for (std::size_t i = 1; i <= mask.size(); ++i) {
    const std::int64_t m = mask[mask.size() - i], t = target[target.size() - i];
    if (m != 1 && m != t) return false;
  }
  return true;
}

/// Xavier/Glorot uniform U(-a, a), a = √(6 / (fan_in + fan_out)), for a 2-D [fan_out, fan_in] weight.
Tensor xavier_uniform(std::int64_t fan_out, std::int64_t fan_in) {
  const double a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return empty({fan_out, fan_in}).uniform_(-a, a);
}

// ---- multi-head attention ---------------------------------------------------------------------

using FuncOptions = functional::MultiheadAttentionForwardFuncOptions;

void check_weight(const char* who, const char* name, const Tensor& w, const Shape& shape, Dtype dtype) {
  XG_CHECK(w.defined(), ValueError, who, ": ", name, " is required but undefined");
  XG_CHECK(w.sizes() == shape, ShapeError, who, ": ", name, " has shape ", w.sizes(), ", expected ", shape);
  XG_CHECK(w.dtype() == dtype, DtypeError, who, ": ", name, " has dtype ", w.dtype(), " but the query has ", dtype);
}

/// The ranks of query, key, value and the masks (batched [L, N, E] or unbatched [L, E], PyTorch's
/// _mha_shape_check), the masks' dtypes, and one floating-point dtype for query, key and value.
void check_ranks_and_dtypes(const char* who, const Tensor& query_in, const Tensor& key_in, const Tensor& value_in,
                            const Tensor& kpm, const Tensor& attn_mask) {
  const bool batched = query_in.dim() == 3;
  XG_CHECK(query_in.dim() == 2 || query_in.dim() == 3, ShapeError, who,
           ": query should be an unbatched 2-D or batched 3-D tensor, got a ", query_in.dim(), "-D tensor of shape ",
           query_in.sizes());
  XG_CHECK(key_in.dim() == query_in.dim() && value_in.dim() == query_in.dim(), ShapeError, who, ": for ",
           batched ? "batched (3-D)" : "unbatched (2-D)", " query, expected key and value to be ", query_in.dim(),
           "-D, got shapes ", key_in.sizes(), " and ", value_in.sizes());
  if (kpm.defined()) {
    check_mask_dtype(who, "key_padding_mask", kpm);
    XG_CHECK(kpm.dim() == (batched ? 2 : 1), ShapeError, who, ": for ", batched ? "batched (3-D)" : "unbatched (2-D)",
             " query, expected key_padding_mask to be ", batched ? 2 : 1, "-D, got shape ", kpm.sizes());
  }
  if (attn_mask.defined()) {
    check_mask_dtype(who, "attn_mask", attn_mask);
    XG_CHECK(attn_mask.dim() == 2 || attn_mask.dim() == 3, ShapeError, who,
             ": expected attn_mask to be 2-D or 3-D, got shape ", attn_mask.sizes());
  }
  XG_CHECK(query_in.is_floating_point(), DtypeError, who, ": expected a floating-point query, got ", query_in.dtype());
  const Dtype dtype = query_in.dtype();
  XG_CHECK(key_in.dtype() == dtype && value_in.dtype() == dtype, DtypeError, who, ": query (", dtype, "), key (",
           key_in.dtype(), ") and value (", value_in.dtype(), ") must have the same dtype");
}

struct Projected {
  Tensor q, k, v;
};

/// q = query W_qᵀ + b_q, k = key W_kᵀ + b_k, v = value W_vᵀ + b_v, from the packed in_proj_weight
/// (one matmul for self-attention) or the separate q/k/v_proj_weight; query, key and value are
/// batched [seq, N, features].
Projected in_projection(const char* who, const Tensor& query, const Tensor& key, const Tensor& value,
                        bool self_attention, const FuncOptions& o, std::int64_t E) {
  const Dtype dtype = query.dtype();
  Tensor b_q, b_k, b_v;
  if (o.in_proj_bias.defined()) {
    XG_CHECK(o.in_proj_bias.sizes() == Shape{3 * E}, ShapeError, who, ": in_proj_bias has shape ",
             o.in_proj_bias.sizes(), ", expected [", 3 * E, "]");
    XG_CHECK(o.in_proj_bias.dtype() == dtype, DtypeError, who, ": in_proj_bias has dtype ", o.in_proj_bias.dtype(),
             " but the query has ", dtype);
    const TensorList b = o.in_proj_bias.chunk(3);
    b_q = b[0], b_k = b[1], b_v = b[2];
  }
  if (o.use_separate_proj_weight) {
    check_weight(who, "q_proj_weight", o.q_proj_weight, {E, E}, dtype);
    check_weight(who, "k_proj_weight", o.k_proj_weight, {E, key.size(2)}, dtype);
    check_weight(who, "v_proj_weight", o.v_proj_weight, {E, value.size(2)}, dtype);
    return {linear(query, o.q_proj_weight, b_q), linear(key, o.k_proj_weight, b_k),
            linear(value, o.v_proj_weight, b_v)};
  }
  XG_CHECK(key.size(2) == E, ShapeError, who, ": key has ", key.size(2), " features but the packed in_proj_weight ",
           "expects embed_dim = ", E, " (use kdim / vdim for other key and value sizes)");
  check_weight(who, "in_proj_weight", o.in_proj_weight, {3 * E, E}, dtype);
  if (self_attention) {
    const TensorList qkv = linear(query, o.in_proj_weight, o.in_proj_bias).chunk(3, -1);
    return {qkv[0], qkv[1], qkv[2]};
  }
  const TensorList w = o.in_proj_weight.chunk(3);
  return {linear(query, w[0], b_q), linear(key, w[1], b_k), linear(value, w[2], b_v)};
}

/// attn_mask as additive [1 or N·H, L, S] scores (true = excluded), after checking its shape;
/// undefined stays undefined.
Tensor additive_attn_mask(const char* who, Tensor attn_mask, std::int64_t L, std::int64_t S, std::int64_t NH,
                          Dtype dtype) {
  if (!attn_mask.defined()) return attn_mask;
  if (attn_mask.dim() == 2) {
    XG_CHECK(attn_mask.sizes() == (Shape{L, S}), ShapeError, who, ": the shape of the 2-D attn_mask is ",
             attn_mask.sizes(), ", but should be ", Shape{L, S}, " (target length, source length)");
    attn_mask = attn_mask.unsqueeze(0);
  } else {
    XG_CHECK(attn_mask.sizes() == (Shape{NH, L, S}), ShapeError, who, ": the shape of the 3-D attn_mask is ",
             attn_mask.sizes(), ", but should be ", Shape{NH, L, S}, " (batch * num_heads, target length, ",
             "source length)");
  }
  return additive_mask(attn_mask, dtype, /*true_excludes=*/true);
}

std::tuple<Tensor, Tensor> mha(const char* who, const Tensor& query_in, const Tensor& key_in, const Tensor& value_in,
                               const FuncOptions& o) {
  XG_CHECK(query_in.defined() && key_in.defined() && value_in.defined(), ValueError, who,
           ": query, key and value must all be defined");
  Tensor kpm = o.key_padding_mask, attn_mask = o.attn_mask;
  const std::int64_t H = o.num_heads;
  XG_CHECK(H >= 1, ValueError, who, ": num_heads must be at least 1, got ", H);
  detail::check_dropout(who, o.dropout_p);

  check_ranks_and_dtypes(who, query_in, key_in, value_in, kpm, attn_mask);
  const bool batched = query_in.dim() == 3;
  const Dtype dtype = query_in.dtype();

  const Tensor query = batched ? query_in : query_in.unsqueeze(1);
  const Tensor key = batched ? key_in : key_in.unsqueeze(1);
  const Tensor value = batched ? value_in : value_in.unsqueeze(1);
  if (kpm.defined() && !batched) kpm = kpm.unsqueeze(0);
  const std::int64_t L = query.size(0), N = query.size(1), E = query.size(2), S = key.size(0);

  XG_CHECK(E == o.embed_dim_to_check, ShapeError, who, ": was expecting embedding dimension of ", o.embed_dim_to_check,
           ", but got ", E, " (query shape ", query_in.sizes(), ")");
  XG_CHECK(E % H == 0, ValueError, who, ": embed_dim ", E, " not divisible by num_heads ", H);
  const std::int64_t head_dim = E / H;
  XG_CHECK(key.size(1) == N, ShapeError, who, ": query and key have different batch sizes (query shape ",
           query_in.sizes(), ", key shape ", key_in.sizes(), ")");
  if (o.use_separate_proj_weight)
    XG_CHECK(key.size(0) == value.size(0) && key.size(1) == value.size(1), ShapeError, who,
             ": key's sequence and batch dims do not match value's (key shape ", key_in.sizes(), ", value shape ",
             value_in.sizes(), ")");
  else
    XG_CHECK(key.sizes() == value.sizes(), ShapeError, who, ": key shape ", key_in.sizes(),
             " does not match value shape ", value_in.sizes());

  // An empty batch or query sequence has empty results.
  if (N == 0 || L == 0) {
    const std::int64_t keys = S + (o.bias_k.defined() ? 1 : 0) + (o.add_zero_attn ? 1 : 0);
    Tensor out = zeros(batched ? Shape{L, N, E} : Shape{L, E}, dtype), weights;
    if (o.need_weights) {
      Shape ws = o.average_attn_weights ? Shape{N, L, keys} : Shape{N, H, L, keys};
      if (!batched) ws.erase(0);
      weights = zeros(ws, dtype);
    }
    return {out, weights};
  }
  XG_CHECK(S + (o.bias_k.defined() ? 1 : 0) + (o.add_zero_attn ? 1 : 0) > 0, ValueError, who,
           ": there are no keys to attend to (key shape ", key_in.sizes(), ")");

  // ---- in-projection: q = query W_qᵀ + b_q, and so on ----
  const bool self_attention = query_in.is_same(key_in) && key_in.is_same(value_in);
  auto [q, k, v] = in_projection(who, query, key, value, self_attention, o, E);

  // ---- masks become additive [·, L, S] scores (true = excluded) ----
  attn_mask = additive_attn_mask(who, attn_mask, L, S, N * H, dtype);
  if (kpm.defined()) {
    XG_CHECK(kpm.sizes() == (Shape{N, S}), ShapeError, who, ": expected key_padding_mask of shape ",
             batched ? Shape{N, S} : Shape{S}, ", got ", o.key_padding_mask.sizes());
    kpm = additive_mask(kpm, dtype, /*true_excludes=*/true);
  }

  // ---- learned bias_k / bias_v: one more key and value per sequence, never masked ----
  XG_CHECK(o.bias_k.defined() == o.bias_v.defined(), ValueError, who, ": bias_k and bias_v must be given together");
  if (o.bias_k.defined()) {
    check_weight(who, "bias_k", o.bias_k, {1, 1, E}, dtype);
    check_weight(who, "bias_v", o.bias_v, {1, 1, E}, dtype);
    k = cat({k, o.bias_k.expand({1, N, E})}, 0);
    v = cat({v, o.bias_v.expand({1, N, E})}, 0);
    if (attn_mask.defined()) attn_mask = pad(attn_mask, {0, 1});
    if (kpm.defined()) kpm = pad(kpm, {0, 1});
  }

  // ---- heads: [seq, N, E] → [N·H, seq, head_dim] ----
  q = q.reshape({L, N * H, head_dim}).transpose(0, 1);
  k = k.reshape({k.size(0), N * H, head_dim}).transpose(0, 1);
  v = v.reshape({v.size(0), N * H, head_dim}).transpose(0, 1);
  if (o.add_zero_attn) {
    k = cat({k, zeros({N * H, 1, head_dim}, dtype)}, 1);
    v = cat({v, zeros({N * H, 1, head_dim}, dtype)}, 1);
    if (attn_mask.defined()) attn_mask = pad(attn_mask, {0, 1});
    if (kpm.defined()) kpm = pad(kpm, {0, 1});
  }
  const std::int64_t src_len = k.size(1);
  if (kpm.defined()) {
    kpm = kpm.reshape({N, 1, 1, src_len}).expand({N, H, 1, src_len}).reshape({N * H, 1, src_len});
    attn_mask = attn_mask.defined() ? attn_mask + kpm : kpm;
  }

  // ---- attention and out-projection ----
  const double p = o.training ? o.dropout_p : 0.0;
  Attention a = attend(q, k, v, attn_mask, 1.0 / std::sqrt(static_cast<double>(head_dim)), p);
  XG_CHECK(o.out_proj_weight.defined(), ValueError, who, ": out_proj_weight is required but undefined");
  check_weight(who, "out_proj_weight", o.out_proj_weight, {E, E}, dtype);
  if (o.out_proj_bias.defined()) check_weight(who, "out_proj_bias", o.out_proj_bias, {E}, dtype);
  Tensor out =
      linear(a.output.transpose(0, 1).reshape({L * N, E}), o.out_proj_weight, o.out_proj_bias).reshape({L, N, E});
  Tensor weights;
  if (o.need_weights) {
    weights = a.weights.reshape({N, H, L, src_len});
    if (o.average_attn_weights) weights = weights.sum({1}) / static_cast<double>(H);
    if (!batched) weights = weights.squeeze(0);
  }
  if (!batched) out = out.squeeze(1);
  return {out, weights};
}

}  // namespace

// ---- functional -------------------------------------------------------------------------------

namespace functional {

std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                        const MultiheadAttentionForwardFuncOptions& options) {
  return mha("multi_head_attention_forward", query, key, value, options);
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale) {
  const char* who = "scaled_dot_product_attention";
  XG_CHECK(query.defined() && key.defined() && value.defined(), ValueError, who,
           ": query, key and value must all be defined");
  XG_CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2, ShapeError, who,
           ": query, key and value must be at least 2-D [..., seq, feature], got shapes ", query.sizes(), ", ",
           key.sizes(), " and ", value.sizes());
  XG_CHECK(query.is_floating_point() && key.dtype() == query.dtype() && value.dtype() == query.dtype(), DtypeError, who,
           ": query, key and value must have the same floating-point dtype, got ", query.dtype(), ", ", key.dtype(),
           " and ", value.dtype());
  XG_CHECK(query.size(-1) == key.size(-1), ShapeError, who, ": query of shape ", query.sizes(), " and key of shape ",
           key.sizes(), " have different feature sizes (", query.size(-1), " != ", key.size(-1), ")");
  XG_CHECK(key.size(-2) == value.size(-2), ShapeError, who, ": key of shape ", key.sizes(), " and value of shape ",
           value.sizes(), " have different sequence lengths (", key.size(-2), " != ", value.size(-2), ")");
  detail::check_dropout(who, dropout_p);
  XG_CHECK(!(is_causal && attn_mask.defined()), ValueError, who,
           ": an explicit attn_mask should not be given when is_causal is true");
  const std::int64_t L = query.size(-2), S = key.size(-2);
  const double sc = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));

  Tensor mask;
  if (is_causal) {
    // Query i sees keys j <= i (the lower triangle, aligned top-left as PyTorch's tril).
    const Tensor keep = arange(L).unsqueeze(1) >= arange(S).unsqueeze(0);
    mask = additive_mask(keep, query.dtype(), /*true_excludes=*/false);
  } else if (attn_mask.defined()) {
    check_mask_dtype(who, "attn_mask", attn_mask);
    Shape scores_shape = query.sizes();
    scores_shape.back() = S;
    XG_CHECK(broadcasts_to(attn_mask.sizes(), scores_shape), ShapeError, who, ": attn_mask of shape ",
             attn_mask.sizes(), " does not broadcast to the attention scores of shape ", scores_shape);
    mask = additive_mask(attn_mask, query.dtype(), /*true_excludes=*/false);
  }
  return attend(query, key, value, mask, sc, dropout_p).output;
}

}  // namespace functional

// ---- the output projection ----------------------------------------------------------------------

NonDynamicallyQuantizableLinearImpl::NonDynamicallyQuantizableLinearImpl(std::int64_t in, std::int64_t out, bool b)
    : in_features(in), out_features(out), has_bias(b) {
  detail::check_positive("NonDynamicallyQuantizableLinear", "in_features", in_features);
  detail::check_positive("NonDynamicallyQuantizableLinear", "out_features", out_features);
  reset();
}

void NonDynamicallyQuantizableLinearImpl::reset() {
  // torch.nn.Linear's default: kaiming_uniform(a = √5) gives U(-1/√in, 1/√in) for weight and bias.
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight = register_parameter("weight", empty({out_features, in_features}).uniform_(-bound, bound));
  bias = has_bias ? register_parameter("bias", empty({out_features}).uniform_(-bound, bound)) : Tensor();
}

Tensor NonDynamicallyQuantizableLinearImpl::forward(const Tensor& input) { return linear(input, weight, bias); }

void NonDynamicallyQuantizableLinearImpl::pretty_print(std::ostream& os) const {
  os << name() << "(in_features=" << in_features << ", out_features=" << out_features
     << ", bias=" << (has_bias ? "true" : "false") << ")";
}

// ---- MultiheadAttention -------------------------------------------------------------------------

MultiheadAttentionImpl::MultiheadAttentionImpl(std::int64_t embed_dim_, std::int64_t num_heads_,
                                               const MultiheadAttentionOptions& options_)
    : embed_dim(embed_dim_), num_heads(num_heads_), head_dim(0), kdim(0), vdim(0), options(options_) {
  detail::check_positive("MultiheadAttention", "embed_dim", embed_dim);
  detail::check_positive("MultiheadAttention", "num_heads", num_heads);
  XG_CHECK(embed_dim % num_heads == 0, ValueError, "MultiheadAttention: embed_dim must be divisible by num_heads, got ",
           "embed_dim=", embed_dim, " and num_heads=", num_heads);
  detail::check_dropout("MultiheadAttention", options.dropout);
  head_dim = embed_dim / num_heads;
  kdim = options.kdim.value_or(embed_dim);
  vdim = options.vdim.value_or(embed_dim);
  detail::check_positive("MultiheadAttention", "kdim", kdim);
  detail::check_positive("MultiheadAttention", "vdim", vdim);
  reset();
}

void MultiheadAttentionImpl::reset() {
  // PyTorch's _reset_parameters: Xavier-uniform projections, zero in_proj_bias and out_proj.bias,
  // Xavier-normal bias_k / bias_v; out_proj.weight keeps Linear's default.
  const std::int64_t E = embed_dim;
  in_proj_weight = q_proj_weight = k_proj_weight = v_proj_weight = in_proj_bias = bias_k = bias_v = Tensor();
  if (kdim == E && vdim == E) {
    in_proj_weight = register_parameter("in_proj_weight", xavier_uniform(3 * E, E));
  } else {
    q_proj_weight = register_parameter("q_proj_weight", xavier_uniform(E, E));
    k_proj_weight = register_parameter("k_proj_weight", xavier_uniform(E, kdim));
    v_proj_weight = register_parameter("v_proj_weight", xavier_uniform(E, vdim));
  }
  if (options.bias) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * E}));
  out_proj = register_module("out_proj", NonDynamicallyQuantizableLinear(E, E, options.bias));
  if (options.bias) {
    NoGradGuard ng;
    out_proj->bias.zero_();
  }
  if (options.add_bias_kv) {
    // Xavier normal of a [1, 1, E] tensor: fan_in = fan_out = E, std = √(2 / (2E)).
    const double std_dev = std::sqrt(1.0 / static_cast<double>(E));
    bias_k = register_parameter("bias_k", randn({1, 1, E}) * std_dev);
    bias_v = register_parameter("bias_v", randn({1, 1, E}) * std_dev);
  }
}

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                           const MultiheadAttentionForwardOptions& fo) {
  XG_CHECK(query.defined() && key.defined() && value.defined(), ValueError, name(),
           ": query, key and value must all be defined");
  const bool transpose = options.batch_first && query.dim() == 3;
  // [N, L, E] → [L, N, E]; shared inputs stay shared, so self-attention keeps its single projection.
  Tensor q = transpose ? query.transpose(0, 1) : query;
  Tensor k = key.is_same(query) ? q : transpose && key.dim() == 3 ? key.transpose(0, 1) : key;
  Tensor v = value.is_same(key) ? k : transpose && value.dim() == 3 ? value.transpose(0, 1) : value;
  FuncOptions o;
  o.embed_dim_to_check = embed_dim;
  o.num_heads = num_heads;
  o.in_proj_weight = in_proj_weight;
  o.in_proj_bias = in_proj_bias;
  o.bias_k = bias_k;
  o.bias_v = bias_v;
  o.add_zero_attn = options.add_zero_attn;
  o.dropout_p = options.dropout;
  o.out_proj_weight = out_proj->weight;
  o.out_proj_bias = out_proj->bias;
  o.training = is_training();
  o.key_padding_mask = fo.key_padding_mask;
  o.need_weights = fo.need_weights;
  o.attn_mask = fo.attn_mask;
  o.use_separate_proj_weight = !in_proj_weight.defined();
  o.q_proj_weight = q_proj_weight;
  o.k_proj_weight = k_proj_weight;
  o.v_proj_weight = v_proj_weight;
  o.average_attn_weights = fo.average_attn_weights;
  auto [out, weights] = mha(name().c_str(), q, k, v, o);
  if (transpose) out = out.transpose(0, 1);
  return {out, weights};
}

Tensor MultiheadAttentionImpl::forward(const Tensor& x) {
  return std::get<0>(forward(x, x, x, {.need_weights = false}));
}

}  // namespace xg::nn
