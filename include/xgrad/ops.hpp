// xgrad — the differentiable ops, as free functions (`xg::tanh(x)`) and operators.
// Every op broadcasts by NumPy rules where it takes two tensors, promotes dtypes as PyTorch does,
// and records a graph node when grad mode is on and an input requires grad. Comparisons and
// logical ops return bool tensors and are not differentiable.
#pragma once
#include <array>
#include <optional>
#include <string>
#include <tuple>

#include "xgrad/tensor.hpp"

namespace xg {

// ---- unary math (integer inputs are promoted to float32) -------------------------------------
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor square(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor erf(const Tensor& x);

// ---- activations ----------------------------------------------------------------------------
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
/// approximate: "none" (exact, with erf) or "tanh".
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor softsign(const Tensor& x);
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
/// exp(x - max) / sum(exp(x - max)) along dim: numerically stable.
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);
/// max(0, x) + min(0, α(exp(x/α) − 1)), as torch.celu; alpha must not be 0.
Tensor celu(const Tensor& x, double alpha = 1.0);
/// x · tanh(softplus(x)), as torch.nn.functional.mish.
Tensor mish(const Tensor& x);
/// relu6(x + 3) / 6: 0 below −3, 1 above 3, x/6 + 1/2 between (torch.nn.functional.hardsigmoid).
Tensor hardsigmoid(const Tensor& x);
/// x where x > 0, else weight·x; weight holds one slope (shared) or one per channel (dim 1 of x,
/// broadcast over the other dims), as torch.prelu. Differentiable w.r.t. x and weight.
Tensor prelu(const Tensor& x, const Tensor& weight);
/// Randomized leaky ReLU (torch.nn.functional.rrelu): in training each element gets its own slope
/// drawn from U(lower, upper) with the global generator (the backward uses those slopes); out of
/// training the slope is (lower + upper) / 2.
Tensor rrelu(const Tensor& x, double lower = 1.0 / 8, double upper = 1.0 / 3, bool training = false);

// ---- binary arithmetic ----------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
/// True division: integer inputs give a float32 result.
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, Scalar exponent);
Tensor pow(Scalar base, const Tensor& exponent);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
Tensor clamp_min(const Tensor& x, Scalar min);
Tensor clamp_max(const Tensor& x, Scalar max);
/// cond ? a : b elementwise, all three broadcast together.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, Scalar b);
Tensor where(const Tensor& condition, Scalar a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);

// ---- comparisons and logic ------------------------------------------------------------------
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& x);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor isnan(const Tensor& x);
Tensor isinf(const Tensor& x);
Tensor isfinite(const Tensor& x);
Tensor all(const Tensor& x);
Tensor any(const Tensor& x);
bool equal(const Tensor& a, const Tensor& b);
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

// ---- reductions (dims may be negative; an empty dims list means all dims) --------------------
Tensor sum(const Tensor& x, std::optional<Dtype> dtype = std::nullopt);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);
/// Variance with Bessel's correction when unbiased (divides by N-1), as torch.var.
Tensor var(const Tensor& x, bool unbiased = true);
Tensor var(const Tensor& x, const Shape& dims, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& x, bool unbiased = true);
Tensor std(const Tensor& x, const Shape& dims, bool unbiased = true, bool keepdim = false);
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// max over all elements; the gradient is shared evenly between tied maxima (as torch.amax).
Tensor max(const Tensor& x);
/// (values, indices) along dim, as torch.max(x, dim).
std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor min(const Tensor& x);
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor amax(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim = false);
/// p-norm for p = 1, 2 or infinity (std::numeric_limits<double>::infinity()), or any p > 0.
Tensor norm(const Tensor& x, double p = 2.0);
Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim = false);

// ---- linear algebra -------------------------------------------------------------------------
/// torch.matmul: 1-D·1-D dot, 2-D mm, N-D batched with broadcasting of the batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
/// x @ weightᵀ + bias, with weight [out, in] as in torch.nn.functional.linear.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// ---- shape and indexing ---------------------------------------------------------------------
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);
Tensor permute(const Tensor& x, const Shape& dims);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, std::int64_t dim);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor expand(const Tensor& x, const Shape& sizes);
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
Tensor slice(const Tensor& x, std::int64_t dim, std::optional<std::int64_t> start = std::nullopt,
             std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1);
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);
Tensor cat(const TensorList& tensors, std::int64_t dim = 0);
Tensor stack(const TensorList& tensors, std::int64_t dim = 0);
TensorList split(const Tensor& x, std::int64_t split_size, std::int64_t dim = 0);
TensorList split_with_sizes(const Tensor& x, const Shape& split_sizes, std::int64_t dim = 0);
TensorList chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim = 0);
Tensor repeat(const Tensor& x, const Shape& repeats);
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
/// out[i][j] = x[index[i][j]][j] for dim 0 (and so on), as torch.gather.
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
/// self with src added at index along dim, as torch.scatter_add (out of place).
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
/// self with source's slices added at index along dim, as torch.index_add (out of place).
Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source);
/// Constant padding, torch.nn.functional.pad order: (last_lo, last_hi, prev_lo, prev_hi, ...).
Tensor pad(const Tensor& x, const Shape& pads, double value = 0.0);
/// weight[indices]: rows of an [num, dim] table for an int64 tensor of any shape.
Tensor embedding(const Tensor& weight, const Tensor& indices);
/// The inverse of a slice: a zero tensor of `input_sizes` with grad placed at the slice
/// (the backward of slice, differentiable itself).
Tensor slice_backward(const Tensor& grad, const Shape& input_sizes, std::int64_t dim,
                      std::int64_t start, std::int64_t end, std::int64_t step);
/// Sums x over broadcast dimensions so that it has `shape` (the adjoint of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- operators ------------------------------------------------------------------------------
Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, Scalar b);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator~(const Tensor& x);

/// The dtype PyTorch gives `a op b`; a Scalar counts only by category (int tensor + 2.5 → float32).
Dtype result_type(const Tensor& a, const Tensor& b);
Dtype result_type(const Tensor& a, Scalar b);
/// A 0-d tensor for a scalar operand of `like` (dtype by result_type).
Tensor wrap_scalar(Scalar s, const Tensor& like);

}  // namespace xg
