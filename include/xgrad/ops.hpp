// xgrad — the differentiable ops, as free functions (`xg::tanh(x)`) and operators.
// Every op broadcasts by NumPy rules where it takes two tensors, promotes dtypes as PyTorch does,
// and records a graph node when grad mode is on and an input requires grad. Comparisons and
// logical ops return bool tensors and are not differentiable.
#pragma once
#include <array>
#include <concepts>
#include <optional>
#include <string>
#include <tuple>

#include "xgrad/tensor.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

// ---- unary math (integer inputs are promoted to float32) -------------------------------------
/// Elementwise math, as the torch functions of the same names (integer inputs are promoted to
/// float32). Differentiable.
///@{
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
///@}

// ---- activations ----------------------------------------------------------------------------
/// Activations, elementwise, as the torch.nn.functional functions of the same names and defaults.
///@{
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
///@}

/// approximate: "none" (exact, with erf) or "tanh".
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
/// Activations, elementwise, as the torch.nn.functional functions of the same names and defaults.
///@{
Tensor silu(const Tensor& x);
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor softsign(const Tensor& x);
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
///@}

/// exp(x - max) / sum(exp(x - max)) along dim: numerically stable.
Tensor softmax(const Tensor& x, std::int64_t dim);
/// log(softmax(x)) along dim, computed stably (x − max − log Σ exp(x − max)).
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
/// a + alpha·b, a − alpha·b and a·b, broadcasting a and b together (torch.add, sub, mul).
///@{
Tensor add(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
///@}

/// True division: integer inputs give a float32 result.
Tensor div(const Tensor& a, const Tensor& b);
/// Elementwise power, minimum, maximum and clamping (torch.pow, minimum, maximum, clamp), broadcasting
/// their tensor arguments.
///@{
Tensor pow(const Tensor& base, const Tensor& exponent);
Tensor pow(const Tensor& base, Scalar exponent);
Tensor pow(Scalar base, const Tensor& exponent);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
Tensor clamp_min(const Tensor& x, Scalar min);
Tensor clamp_max(const Tensor& x, Scalar max);
///@}

/// cond ? a : b elementwise, all three broadcast together.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
/// where with a number for one of the branches.
///@{
Tensor where(const Tensor& condition, const Tensor& a, Scalar b);
Tensor where(const Tensor& condition, Scalar a, const Tensor& b);
///@}

/// x with `value` where the bool `mask` (broadcast to x) is true.
Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value);

// ---- comparisons and logic ------------------------------------------------------------------
/// Elementwise comparisons, logic and checks with bool results, broadcasting (torch.eq … isfinite);
/// not differentiable.
///@{
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
///@}

/// True when all elements are non-zero (a 0-d bool tensor).
Tensor all(const Tensor& x);
/// True when some element is non-zero (a 0-d bool tensor).
Tensor any(const Tensor& x);
/// Same shape and exactly the same values (dtype promoted).
bool equal(const Tensor& a, const Tensor& b);
/// |a − b| <= atol + rtol·|b| everywhere (NaN is never close).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

// ---- reductions (dims may be negative; an empty dims list means all dims) --------------------
/// Sum and mean over all elements, or over `dims` (dropped unless keepdim), as torch.sum and torch.mean.
///@{
Tensor sum(const Tensor& x, std::optional<Dtype> dtype = std::nullopt);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);
///@}

/// Variance over dims (all dims when empty): Σ(x − mean)² / (N − correction), as torch.var in
/// PyTorch ≥ 2.0 (correction 1 is Bessel's, 0 the population variance): `xg::var(x, {1})`,
/// `xg::var(x, {0, 2}, /*correction=*/0, /*keepdim=*/true)`.
/// The older flag form `var(x, unbiased)` / `var(x, dims, unbiased, keepdim)` binds only an
/// actual bool (a constrained template), so `var(x, {1})` always means dim 1 and never
/// "unbiased = 1 over all dims"; an int where the flag stood is read as a correction.
Tensor var(const Tensor& x, const Shape& dims = {}, double correction = 1.0, bool keepdim = false);
/// var with PyTorch's bool `unbiased` (true: N − 1 in the denominator, false: N).
///@{
template <std::same_as<bool> B>
Tensor var(const Tensor& x, B unbiased) {
  return var(x, Shape{}, unbiased ? 1.0 : 0.0);
}
template <std::same_as<bool> B>
Tensor var(const Tensor& x, const Shape& dims, B unbiased, bool keepdim = false) {
  return var(x, dims, unbiased ? 1.0 : 0.0, keepdim);
}
///@}

/// The square root of var, with the same overloads.
Tensor std(const Tensor& x, const Shape& dims = {}, double correction = 1.0, bool keepdim = false);
template <std::same_as<bool> B>
Tensor std(const Tensor& x, B unbiased) {
  return std(x, Shape{}, unbiased ? 1.0 : 0.0);
}
template <std::same_as<bool> B>
Tensor std(const Tensor& x, const Shape& dims, B unbiased, bool keepdim = false) {
  return std(x, dims, unbiased ? 1.0 : 0.0, keepdim);
}
/// The product of all elements, or along `dim`.
///@{
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim = false);
///@}

/// max over all elements; the gradient is shared evenly between tied maxima (as torch.amax).
Tensor max(const Tensor& x);
/// (values, indices) along dim, as torch.max(x, dim).
std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
/// min over all elements, or (values, indices) along dim, as torch.min.
///@{
Tensor min(const Tensor& x);
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim = false);
///@}

/// The largest / smallest values over `dims` (all when empty); the gradient is shared between ties.
///@{
Tensor amax(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
///@}

/// Index of the largest / smallest element, over the flattened tensor or along `dim` (int64).
///@{
Tensor argmax(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& x, std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false);
///@}

/// log Σ exp(x) over `dims`, computed stably.
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim = false);
/// p-norm for p = 1, 2 or infinity (std::numeric_limits<double>::infinity()), or any p > 0.
Tensor norm(const Tensor& x, double p = 2.0);
/// `norm(x, {1})` would read the braces as p = 1 over all elements; the dims form takes p first:
/// `norm(x, 2, {1})`. Deleted so that the brace form does not compile.
Tensor norm(const Tensor& x, std::initializer_list<std::int64_t> dims) = delete;
/// The p-norm over `dims`.
Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim = false);

// ---- linear algebra -------------------------------------------------------------------------
/// torch.matmul: 1-D·1-D dot, 2-D mm, N-D batched with broadcasting of the batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
/// Matrix products: mm (2-d × 2-d), bmm (batched 3-d), dot (1-d · 1-d → 0-d), outer (1-d × 1-d → 2-d).
///@{
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor dot(const Tensor& a, const Tensor& b);
Tensor outer(const Tensor& a, const Tensor& b);
///@}

/// x @ weightᵀ + bias, with weight [out, in] as in torch.nn.functional.linear.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// ---- shape and indexing ---------------------------------------------------------------------
/// Shape and indexing ops, as the torch functions of the same names (views share x's storage where
/// torch's do); all differentiable.
///@{
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
///@}

/// out[i][j] = x[index[i][j]][j] for dim 0 (and so on), as torch.gather.
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
/// self with src added at index along dim, as torch.scatter_add (out of place).
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src);
/// self with source's slices added at index along dim, as torch.index_add (out of place).
Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source);
/// The slices of x along dim, without that dim, as views (torch.unbind); one node joins their
/// gradients with a single stack.
TensorList unbind(const Tensor& x, std::int64_t dim = 0);
/// Advanced indexing, ATen's index(self, indices): entry k indexes dimension k of self with an
/// int64 tensor (negative entries count from the end) or a bool mask (which covers as many dims
/// as it has); an undefined entry takes the whole dim, and missing trailing entries too. The
/// index tensors broadcast together to a shape B; the result has B in place of the indexed dims
/// when they are adjacent, else B first (NumPy's rule). For Python's x[...] use Tensor::index.
Tensor index(const Tensor& self, const TensorList& indices);
/// self with values written at the positions self.index(indices) reads (added, with repeated
/// positions summed, when accumulate); values broadcast to that shape and have self's dtype.
/// Out of place; Tensor::index_put_ is the in-place form.
Tensor index_put(const Tensor& self, const TensorList& indices, const Tensor& values, bool accumulate = false);
/// The elements of x where the bool mask is true (x and mask broadcast), as a 1-D tensor.
Tensor masked_select(const Tensor& x, const Tensor& mask);
/// x with the positions where mask is true filled, in row-major order, by the first elements of
/// source (x and mask broadcast; source needs at least as many elements as mask has trues).
Tensor masked_scatter(const Tensor& x, const Tensor& mask, const Tensor& source);
/// x's values at `indices` along dim (x and indices broadcast in the other dims), as
/// torch.take_along_dim; without dim, x and indices are flattened.
Tensor take_along_dim(const Tensor& x, const Tensor& indices, std::optional<std::int64_t> dim = std::nullopt);
/// The coordinates of x's non-zero elements, an int64 [count, x.dim()] tensor in row-major order.
Tensor nonzero(const Tensor& x);
/// nonzero(condition) as one int64 [count] tensor per dimension (torch.where(condition)); the
/// list can index directly: `x.index({xg::where(c)[0], xg::where(c)[1]})`.
TensorList where(const Tensor& condition);
/// Constant padding, torch.nn.functional.pad order: (last_lo, last_hi, prev_lo, prev_hi, ...).
Tensor pad(const Tensor& x, const Shape& pads, double value = 0.0);
/// weight[indices]: rows of an [num, dim] table for an int64 tensor of any shape.
Tensor embedding(const Tensor& weight, const Tensor& indices);
/// The inverse of a slice: a zero tensor of `input_sizes` with grad placed at the slice
/// (the backward of slice, differentiable itself).
Tensor slice_backward(const Tensor& grad, const Shape& input_sizes, std::int64_t dim, std::int64_t start,
                      std::int64_t end, std::int64_t step);
/// Sums x over broadcast dimensions so that it has `shape` (the adjoint of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- operators ------------------------------------------------------------------------------
/// Arithmetic operators: `-x`, `a + b`, `a - b`, `a * b`, `a / b` with tensors or numbers on either
/// side (add, sub, mul, div with broadcasting and type promotion).
///@{
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
///@}

/// Comparison operators: bool tensors, as eq, ne, lt, le, gt, ge.
///@{
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
///@}

/// Logical operators on bool tensors: logical_and, logical_or, logical_xor, logical_not.
///@{
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator~(const Tensor& x);
///@}

/// The dtype PyTorch gives `a op b`; a Scalar counts only by category (int tensor + 2.5 → float32).
///@{
Dtype result_type(const Tensor& a, const Tensor& b);
Dtype result_type(const Tensor& a, Scalar b);
///@}

/// A 0-d tensor for a scalar operand of `like` (dtype by result_type).
Tensor wrap_scalar(Scalar s, const Tensor& like);

}  // namespace xg

// ==== convolution and pooling ===================================================================
// NCHW layout ([batch, channels, height, width]; [batch, channels, length] for 1-d), free
// functions with the names, argument order and defaults of LibTorch's torch::conv2d,
// torch::max_pool2d, … . Sizes are given as one number for every spatial dimension or a list of
// one per dimension: `xg::conv2d(x, w, b, /*stride=*/2, /*padding=*/{1, 0})`. An unbatched input
// ([C, H, W] or [C, L]) is accepted too and gives an unbatched result.

namespace xg {

/// D sizes (one per spatial dimension) given as one number used for every dimension, or as a list
/// of D numbers (LibTorch's ExpandingArray): `3`, `{3, 5}`. Default-constructed it is empty, which
/// pooling reads as "stride = kernel_size". The op that receives it checks the list's length.
template <std::size_t D>
class ExpandingArray {
 public:
  ExpandingArray() = default;
  /// One number for every dimension.
  ExpandingArray(std::int64_t v) : count_(1) { values_.fill(v); }  // NOLINT: implicit on purpose
  /// One number per dimension (or one number for all).
  ExpandingArray(std::initializer_list<std::int64_t> list) : count_(list.size()) {
    std::size_t i = 0;
    for (std::int64_t v : list)
      if (i < D) values_[i++] = v;
    if (list.size() == 1) values_.fill(*list.begin());
  }
  /// How many numbers were given: 0 (empty), 1 (used for every dimension) or D.
  std::size_t given() const { return count_; }
  /// True when no number was given.
  bool empty() const { return count_ == 0; }
  /// The number of dimension i.
  std::int64_t operator[](std::size_t i) const { return values_[i]; }
  /// The D numbers.
  const std::array<std::int64_t, D>& values() const { return values_; }

 private:
  std::array<std::int64_t, D> values_{};
  std::size_t count_ = 0;
};

/// 1-d convolution (cross-correlation, as in PyTorch) of input [N, Cin, L] with weight
/// [Cout, Cin / groups, K] and an optional bias [Cout]:
/// `y = xg::conv1d(x, w, b, /*stride=*/1, /*padding=*/2)`.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, ExpandingArray<1> stride = 1,
              ExpandingArray<1> padding = 0, ExpandingArray<1> dilation = 1, std::int64_t groups = 1);
/// 2-d convolution of input [N, Cin, H, W] with weight [Cout, Cin / groups, KH, KW] and an
/// optional bias [Cout]; output [N, Cout, OH, OW] with OH = (H + 2·pad − dil·(KH − 1) − 1) / stride + 1.
///   auto y = xg::conv2d(x, w, b, /*stride=*/1, /*padding=*/1);   // "same" size for a 3×3 kernel
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, ExpandingArray<2> stride = 1,
              ExpandingArray<2> padding = 0, ExpandingArray<2> dilation = 1, std::int64_t groups = 1);
/// Transposed 1-d convolution (the gradient of conv1d w.r.t. its input) of input [N, Cin, L]
/// with weight [Cin, Cout / groups, K]; note the argument order of LibTorch (groups before dilation).
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        ExpandingArray<1> stride = 1, ExpandingArray<1> padding = 0,
                        ExpandingArray<1> output_padding = 0, std::int64_t groups = 1, ExpandingArray<1> dilation = 1);
/// Transposed 2-d convolution of input [N, Cin, H, W] with weight [Cin, Cout / groups, KH, KW]:
/// OH = (H − 1)·stride − 2·pad + dil·(KH − 1) + output_padding + 1.
///   auto up = xg::conv_transpose2d(x, w, {}, /*stride=*/2, /*padding=*/1, /*output_padding=*/1);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        ExpandingArray<2> stride = 1, ExpandingArray<2> padding = 0,
                        ExpandingArray<2> output_padding = 0, std::int64_t groups = 1, ExpandingArray<2> dilation = 1);
/// The gradient of conv2d w.r.t. its weight, as torch.nn.grad.conv2d_weight: the weight of shape
/// `weight_size` for which conv2d(input, ·) is differentiated, given the output gradient.
Tensor conv2d_weight(const Tensor& input, const Shape& weight_size, const Tensor& grad_output,
                     ExpandingArray<2> stride = 1, ExpandingArray<2> padding = 0, ExpandingArray<2> dilation = 1,
                     std::int64_t groups = 1);
/// The gradient of conv2d w.r.t. its input of shape `input_size`, as torch.nn.grad.conv2d_input
/// (a transposed convolution whose output_padding is chosen to give back input_size).
Tensor conv2d_input(const Shape& input_size, const Tensor& weight, const Tensor& grad_output,
                    ExpandingArray<2> stride = 1, ExpandingArray<2> padding = 0, ExpandingArray<2> dilation = 1,
                    std::int64_t groups = 1);

/// Max pooling over windows of kernel_size (stride defaults to kernel_size); padding adds −∞,
/// at most half the effective kernel; ceil_mode rounds the output size up (windows that would
/// start in the right padding are dropped). NaN in a window wins, as in PyTorch.
///   auto y = xg::max_pool2d(x, 2);                       // halves H and W
///@{
Tensor max_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, ExpandingArray<1> stride = {},
                  ExpandingArray<1> padding = 0, ExpandingArray<1> dilation = 1, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, ExpandingArray<2> stride = {},
                  ExpandingArray<2> padding = 0, ExpandingArray<2> dilation = 1, bool ceil_mode = false);
///@}

/// max_pool with the int64 indices of the maxima, flattened over each input plane (h·W + w), as
/// torch::max_pool2d_with_indices returns them.
///@{
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, ExpandingArray<1> kernel_size,
                                                   ExpandingArray<1> stride = {}, ExpandingArray<1> padding = 0,
                                                   ExpandingArray<1> dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, ExpandingArray<2> kernel_size,
                                                   ExpandingArray<2> stride = {}, ExpandingArray<2> padding = 0,
                                                   ExpandingArray<2> dilation = 1, bool ceil_mode = false);
///@}

/// Average pooling: the mean over each window; with count_include_pad the zero padding counts in
/// the divisor; divisor_override replaces the divisor altogether.
///   auto y = xg::avg_pool2d(x, 3, /*stride=*/2, /*padding=*/1);
///@{
Tensor avg_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, ExpandingArray<1> stride = {},
                  ExpandingArray<1> padding = 0, bool ceil_mode = false, bool count_include_pad = true);
Tensor avg_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, ExpandingArray<2> stride = {},
                  ExpandingArray<2> padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<std::int64_t> divisor_override = std::nullopt);
///@}

/// Average pooling to a fixed output size: output cell i averages input cells
/// [floor(i·in/out), ceil((i+1)·in/out)).  `xg::adaptive_avg_pool2d(x, 1)` is global pooling.
///@{
Tensor adaptive_avg_pool1d(const Tensor& input, ExpandingArray<1> output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, ExpandingArray<2> output_size);
///@}

}  // namespace xg
// ==== end of convolution and pooling ============================================================

XGRAD_API_END
