// xgrad — the tensor handle.
// xg::Tensor is a cheap, shared handle (like torch::Tensor) to an n-d array with a runtime dtype,
// shape, strides and 64-byte-aligned shared storage, plus its autograd record (requires_grad,
// grad, grad_fn). Copying a Tensor copies the handle, not the data; use clone() for a deep copy.
//
//   auto x = xg::randn({3, 4}, xg::requires_grad());
//   auto y = (x * x).sum();
//   y.backward();            // x.grad() == 2 * x
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "xgrad/dtype.hpp"
#include "xgrad/error.hpp"
#include "xgrad/scalar.hpp"
#include "xgrad/shape.hpp"
#include "xgrad/export.hpp"

// Internal (lib/core/tensor_impl.hpp), so declared outside the exported bracket: the shared library
// does not export its members (Note [Symbol visibility] in xgrad/export.hpp).
namespace xg {
struct TensorImpl;
}

XGRAD_API_BEGIN

namespace xg {

class Tensor;
/// A list of tensors (what split, chunk and autograd::grad return).
using TensorList = std::vector<Tensor>;
namespace autograd {
class Node;
}
namespace indexing {
class TensorIndex;
}  // namespace indexing

/// What a factory makes: dtype and requires_grad, in LibTorch's builder style:
/// `xg::zeros({2, 3}, xg::dtype(xg::kFloat64).requires_grad(true))`, or just `xg::kFloat64`.
class TensorOptions {
 public:
  /// Float32, no grad.
  TensorOptions() = default;
  /// Options with dtype `d` (so a bare `xg::kFloat64` converts to options).
  TensorOptions(Dtype d) : dtype_(d) {}  // NOLINT: implicit on purpose, as in LibTorch
  /// A copy with dtype `d`.
  TensorOptions dtype(Dtype d) const {
    auto o = *this;
    o.dtype_ = d;
    return o;
  }
  /// A copy with requires_grad `r`.
  TensorOptions requires_grad(bool r) const {
    auto o = *this;
    o.requires_grad_ = r;
    return o;
  }
  /// The element type a factory makes.
  Dtype dtype() const { return dtype_; }
  /// Whether a factory's result requires grad.
  bool requires_grad() const { return requires_grad_; }

 private:
  Dtype dtype_ = kFloat32;
  bool requires_grad_ = false;
};
/// Options with dtype `d`: `xg::dtype(xg::kFloat64).requires_grad(true)`.
inline TensorOptions dtype(Dtype d) { return TensorOptions().dtype(d); }
/// Options with requires_grad `r` (and float32): `xg::randn({3}, xg::requires_grad())`.
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

/// A tensor's gradient hook: gets the incoming gradient, returns a replacement or an undefined
/// Tensor to keep it.
using TensorHook = std::function<Tensor(const Tensor&)>;
/// A leaf's post-accumulate-grad hook: gets the leaf itself after its .grad() was updated.
using PostAccumulateGradHook = std::function<void(const Tensor&)>;

/// An n-d array with a runtime dtype and its autograd record; a cheap shared handle like
/// torch::Tensor (copying it shares the data: use clone() for a deep copy).
class Tensor {
 public:
  Tensor() = default;  ///< An undefined tensor (defined() is false).
  /// Wraps an implementation object (used by the library; user code makes tensors with factories).
  explicit Tensor(std::shared_ptr<TensorImpl> impl);

  // ---- metadata -------------------------------------------------------------------------------
  /// False for a default-constructed (undefined) tensor.
  bool defined() const { return impl_ != nullptr; }
  /// The element type.
  Dtype dtype() const;
  /// The element type (LibTorch's name for dtype()).
  Dtype scalar_type() const { return dtype(); }
  /// The size of each dimension.
  const Shape& sizes() const;
  /// The size of each dimension (same as sizes()).
  const Shape& shape() const { return sizes(); }
  /// The step in elements between neighbours along each dimension.
  const Shape& strides() const;
  /// The size of dimension `dim` (negative counts from the end).
  std::int64_t size(std::int64_t dim) const;
  /// The stride of dimension `dim` (negative counts from the end).
  std::int64_t stride(std::int64_t dim) const;
  /// The number of dimensions (0 for a scalar).
  std::int64_t dim() const;
  /// The number of dimensions (same as dim()).
  std::int64_t ndimension() const { return dim(); }
  /// The number of elements (the product of the sizes).
  std::int64_t numel() const;
  /// Where the first element lies in the storage, in elements.
  std::int64_t storage_offset() const;
  /// Bytes per element.
  std::size_t element_size() const { return xg::element_size(dtype()); }
  /// Bytes of the elements this tensor covers: numel() × element_size().
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * element_size(); }
  /// True when the elements are laid out row-major without gaps.
  bool is_contiguous() const;
  /// True for float32 and float64 tensors.
  bool is_floating_point() const { return xg::is_floating_point(dtype()); }
  /// True when both handles share one TensorImpl.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  /// Pointer to the first element; T must match dtype() (DtypeError otherwise).
  template <class T>
  T* data_ptr() const;
  /// Untyped pointer to the first element.
  void* data_ptr() const;
  /// The value of a one-element tensor, converted to T.
  template <class T>
  T item() const;
  /// The value of a one-element tensor as a Scalar of its dtype.
  Scalar item() const;
  /// A std::vector of all elements in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;
  /// The implementation object (internal; its layout is not part of the API).
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  /// The shared implementation object (internal; its layout is not part of the API).
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // ---- copies and conversions -----------------------------------------------------------------
  /// This tensor if contiguous, else a contiguous copy.
  Tensor contiguous() const;
  /// A deep copy (differentiable: gradients flow back to this tensor).
  Tensor clone() const;
  /// A copy converted to dtype `d` (this tensor itself when it already has it); differentiable.
  Tensor to(Dtype d) const;
  /// A copy converted to `o.dtype()`.
  Tensor to(TensorOptions o) const { return to(o.dtype()); }
  /// A view of the same data, cut from the graph (requires_grad false).
  Tensor detach() const;
  /// Cuts this tensor from the graph in place and makes it a leaf that does not require grad.
  Tensor& detach_();
  /// A detached alias of this tensor's data (PyTorch's `.data`).
  Tensor data() const { return detach(); }
  /// Makes this (leaf) tensor use `new_data`'s storage, shape and dtype while keeping its identity,
  /// requires_grad and hooks, so every handle to it sees the change (PyTorch's `.data = ...`):
  /// how Module::to(dtype) converts parameters in place. The gradient is dropped when the shape or
  /// dtype changes.
  void set_data(const Tensor& new_data);

  // ---- autograd -------------------------------------------------------------------------------
  /// Whether operations on this tensor are recorded for backward.
  bool requires_grad() const;
  /// Sets requires_grad (floating-point tensors only; a computed tensor cannot turn it off); returns *this.
  Tensor& requires_grad_(bool r = true);
  /// Accumulated gradient of a leaf (or of a tensor that called retain_grad()); undefined if none.
  const Tensor& grad() const;
  /// The gradient slot, writable (`p.mutable_grad() = Tensor()` drops a gradient).
  Tensor& mutable_grad();
  /// Replaces the accumulated gradient with `g` (of this tensor's shape, or undefined).
  void set_grad(const Tensor& g);
  /// True for tensors created by the user rather than by a recorded op (grad_fn() is null).
  bool is_leaf() const;
  /// The graph node that produced this tensor, or null for a leaf.
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  /// Which output of grad_fn() this tensor is.
  std::uint32_t output_nr() const;
  /// Number of in-place modifications of the storage this tensor views (PyTorch's `_version`).
  std::uint32_t _version() const;
  /// Computes the gradient of this tensor w.r.t. graph leaves. A non-scalar needs `gradient`.
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                const TensorList& inputs = {}) const;
  /// Registers a hook called with this tensor's gradient during backward; returns its handle.
  unsigned register_hook(TensorHook hook) const;
  /// Removes a hook registered by register_hook or register_post_accumulate_grad_hook.
  void remove_hook(unsigned handle) const;
  /// Registers a hook on a leaf that is called with the leaf itself right after backward has
  /// accumulated into its .grad() (once per backward that reaches it, after the register_hook
  /// hooks; PyTorch's register_post_accumulate_grad_hook). Returns a handle for remove_hook.
  /// Data-parallel training uses it to start a gradient's all-reduce as soon as it is final:
  ///   w.register_post_accumulate_grad_hook([](const xg::Tensor& p) { send(p.grad()); });
  /// AutogradError on a non-leaf tensor or one that does not require grad.
  unsigned register_post_accumulate_grad_hook(PostAccumulateGradHook hook) const;
  /// Makes a non-leaf tensor keep its .grad() after backward.
  void retain_grad() const;
  /// Whether retain_grad() was called on this non-leaf tensor.
  bool retains_grad() const;

  // ---- views (no copy) and shape ops ----------------------------------------------------------
  /// Method forms of the shape and indexing functions of <xgrad/ops.hpp> (`x.view(s)` is
  /// `xg::view(x, s)`); views share this tensor's storage, the others copy. All differentiable.
  ///@{
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
  Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor unflatten(std::int64_t dim, const Shape& sizes) const;
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor t() const;
  Tensor permute(const Shape& dims) const;
  Tensor expand(const Shape& sizes) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor slice(std::int64_t dim, std::optional<std::int64_t> start = std::nullopt,
               std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor operator[](std::int64_t index) const { return select(0, index); }
  TensorList split(std::int64_t split_size, std::int64_t dim = 0) const;
  TensorList chunk(std::int64_t chunks, std::int64_t dim = 0) const;
  Tensor repeat(const Shape& repeats) const;
  Tensor index_select(std::int64_t dim, const Tensor& index) const;
  Tensor gather(std::int64_t dim, const Tensor& index) const;
  Tensor scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor index_add(std::int64_t dim, const Tensor& index, const Tensor& source) const;
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  /// The slices of x along dim, without that dim (views sharing x's storage); their gradients
  /// are joined into one buffer by a single node (as torch.unbind).
  TensorList unbind(std::int64_t dim = 0) const;
  Tensor masked_select(const Tensor& mask) const;
  Tensor masked_scatter(const Tensor& mask, const Tensor& source) const;
  Tensor take_along_dim(const Tensor& indices, std::optional<std::int64_t> dim = std::nullopt) const;
  Tensor nonzero() const;
  ///@}

  // ---- indexing: Python's x[...] and x[...] = v (docs/indexing.md) -----------------------------
  /// `using namespace xg::indexing;  x.index({Slice(1, None), 0, None, mask, idx, Ellipsis})` is
  /// Python's `x[1:, 0, None, mask, idx, ...]`: integers and slices give views; bool masks and
  /// int64 index tensors (broadcast together) select copies, with NumPy/PyTorch placement of the
  /// indexed dims. Differentiable (the backward adds the gradient back with index_put).
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  /// `x[...] = values` (or `+=` with accumulate, which sums repeated positions): values broadcast
  /// to the shape of x.index(indices) and are cast to x's dtype. Differentiable w.r.t. x and values.
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& values, bool accumulate = false);
  /// `x[...] = value` for a number.
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, Scalar value);

  // ---- elementwise math -----------------------------------------------------------------------
  /// Method forms of the elementwise functions of <xgrad/ops.hpp>: `x.exp()` is `xg::exp(x)`,
  /// `x.add(y, a)` is `x + a·y`, broadcasting as PyTorch does. All differentiable.
  ///@{
  Tensor neg() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor square() const;
  Tensor reciprocal() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor erf() const;
  Tensor relu() const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(Scalar exponent) const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt) const;
  Tensor clamp_min(Scalar min) const;
  Tensor clamp_max(Scalar max) const;
  Tensor add(const Tensor& other, Scalar alpha = 1) const;
  Tensor sub(const Tensor& other, Scalar alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;
  ///@}

  // ---- comparisons and logic (bool results, not differentiable) -------------------------------
  /// Elementwise comparisons, logic and checks with bool results (`x.lt(y)` is `x < y`); not
  /// differentiable.
  ///@{
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor logical_not() const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor isnan() const;
  Tensor isinf() const;
  Tensor isfinite() const;
  ///@}

  /// True when all elements are non-zero (a 0-d bool tensor).
  Tensor all() const;
  /// True when some element is non-zero (a 0-d bool tensor).
  Tensor any() const;
  /// Same shape and exactly the same values (dtype promoted).
  bool equal(const Tensor& other) const;
  /// |self - other| <= atol + rtol * |other| everywhere (NaN never close).
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8) const;

  // ---- reductions -----------------------------------------------------------------------------
  /// Method forms of the reductions of <xgrad/ops.hpp>: over all elements, or over `dims` (dropped
  /// unless keepdim); `max(dim)` / `min(dim)` return (values, indices). Differentiable except argmax/argmin.
  ///@{
  Tensor sum(std::optional<Dtype> dtype = std::nullopt) const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  ///@}

  /// Variance over dims (all when empty) with N − correction in the denominator (PyTorch ≥ 2.0);
  /// see xg::var for the overloads and why `unbiased` binds only a real bool.
  Tensor var(const Shape& dims = {}, double correction = 1.0, bool keepdim = false) const;
  /// var / std with PyTorch's bool `unbiased` (true: N − 1 in the denominator, false: N).
  ///@{
  template <std::same_as<bool> B>
  Tensor var(B unbiased) const {
    return var(Shape{}, unbiased ? 1.0 : 0.0);
  }
  template <std::same_as<bool> B>
  Tensor var(const Shape& dims, B unbiased, bool keepdim = false) const {
    return var(dims, unbiased ? 1.0 : 0.0, keepdim);
  }
  ///@}

  /// Standard deviation over dims (all when empty) with N − correction in the denominator.
  Tensor std(const Shape& dims = {}, double correction = 1.0, bool keepdim = false) const;
  /// std with PyTorch's bool `unbiased` (true: N − 1 in the denominator, false: N).
  ///@{
  template <std::same_as<bool> B>
  Tensor std(B unbiased) const {
    return std(Shape{}, unbiased ? 1.0 : 0.0);
  }
  template <std::same_as<bool> B>
  Tensor std(const Shape& dims, B unbiased, bool keepdim = false) const {
    return std(dims, unbiased ? 1.0 : 0.0, keepdim);
  }
  ///@}

  /// Method forms of the reductions of <xgrad/ops.hpp> (see sum()).
  ///@{
  Tensor prod() const;
  Tensor prod(std::int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(std::int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(std::int64_t dim, bool keepdim = false) const;
  Tensor amax(const Shape& dims = {}, bool keepdim = false) const;
  Tensor amin(const Shape& dims = {}, bool keepdim = false) const;
  ///@}

  /// Index of the largest / smallest element, over the flattened tensor or along `dim` (int64).
  ///@{
  Tensor argmax(std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false) const;
  ///@}

  /// log Σ exp(x) over `dims`, computed stably.
  Tensor logsumexp(const Shape& dims, bool keepdim = false) const;
  /// The p-norm of all elements, (Σ|x|^p)^(1/p).
  Tensor norm(double p = 2.0) const;
  Tensor norm(std::initializer_list<std::int64_t> dims) const = delete;  ///< use norm(p, dims)
  /// The p-norm over `dims`.
  Tensor norm(double p, const Shape& dims, bool keepdim = false) const;

  // ---- linear algebra -------------------------------------------------------------------------
  /// Method forms of the products of <xgrad/ops.hpp>: matmul (broadcasting, as torch.matmul), mm
  /// (2-d), bmm (batched 3-d), dot (1-d) and outer (1-d × 1-d → 2-d).
  ///@{
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;
  Tensor dot(const Tensor& other) const;
  Tensor outer(const Tensor& other) const;
  ///@}

  // ---- in-place (bump the version counter; see Note [In-place ops and saved tensors]) --------
  /// In-place forms of add, sub, mul, div, clamp and masked_fill, and fills with zeros or a value;
  /// they bump the version counter (see Note [In-place ops and saved tensors]) and return *this.
  ///@{
  Tensor& add_(const Tensor& other, Scalar alpha = 1);
  Tensor& add_(Scalar other);
  Tensor& sub_(const Tensor& other, Scalar alpha = 1);
  Tensor& sub_(Scalar other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max = std::nullopt);
  Tensor& masked_fill_(const Tensor& mask, Scalar value);
  Tensor& zero_();
  Tensor& fill_(Scalar value);
  ///@}

  /// Copies src (broadcast to this shape, converted to this dtype) into this tensor.
  Tensor& copy_(const Tensor& src);
  /// Fills with U(from, to) / N(mean, std) from the global generator (no autograd).
  Tensor& uniform_(double from = 0.0, double to = 1.0);
  /// Fills with N(mean, std²) from the global generator (no autograd).
  Tensor& normal_(double mean = 0.0, double std = 1.0);

  /// In-place arithmetic: `x += y` is `x.add_(y)`, and so on.
  ///@{
  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(Scalar o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator-=(Scalar o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(Scalar o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(Scalar o) { return div_(o); }
  ///@}

  /// PyTorch-style text: `tensor([[1.0000, 2.0000], ...], dtype=float64, requires_grad=true)`.
  std::string str() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

/// Writes t.str().
std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- index expressions for Tensor::index / index_put_ (LibTorch's torch::indexing) -------------
namespace indexing {

/// `None` inserts a dimension of size 1 (Python's None / np.newaxis); also "no bound" in a Slice.
inline constexpr std::nullopt_t None = std::nullopt;
/// The type of Ellipsis.
struct EllipsisIndexType {};
/// `Ellipsis` (or the string "...") stands for as many full slices as the other indices leave.
inline constexpr EllipsisIndexType Ellipsis{};

/// Python's start:stop:step; an absent bound is the whole range, negative bounds count from the
/// end, out-of-range bounds are clamped, and the step must be positive (as in PyTorch).
class Slice {
 public:
  /// `Slice()` is `:`, `Slice(1, None)` is `1:`, `Slice(None, None, 2)` is `::2`.
  Slice(std::optional<std::int64_t> start = std::nullopt, std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step.value_or(1)) {}
  /// The first index, or none for the start.
  std::optional<std::int64_t> start() const { return start_; }
  /// The end (exclusive), or none for the end.
  std::optional<std::int64_t> stop() const { return stop_; }
  /// The step (positive).
  std::int64_t step() const { return step_; }

 private:
  std::optional<std::int64_t> start_, stop_;
  std::int64_t step_;
};

/// One entry of an index expression: None, Ellipsis ("..."), an integer, a bool, a Slice, or a
/// tensor (int64 indices, or a bool mask that covers as many dimensions as it has).
class TensorIndex {
 public:
  /// Which of the alternatives this index holds.
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  /// `None`: a new dimension of size 1.
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}  // NOLINT: implicit on purpose
  /// `Ellipsis`.
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}  // NOLINT
  /// "..." (any other string is an IndexError).
  TensorIndex(const char* s);  // NOLINT: "..." only
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  /// An integer: selects one position and drops the dimension.
  TensorIndex(T i) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(i)) {}  // NOLINT
  template <class T, std::enable_if_t<std::is_same_v<T, bool>, int> = 0>
  /// A bool: true adds a dimension of size 1, false one of size 0 (as in NumPy).
  TensorIndex(T b) : kind_(Kind::Boolean), boolean_(b) {}  // NOLINT
  /// A slice: a strided view of the dimension.
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}  // NOLINT
  /// An int64 index tensor or a bool mask.
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}  // NOLINT
  /// Which alternative this index holds.
  Kind kind() const { return kind_; }
  /// The integer (kind Integer).
  std::int64_t integer() const { return integer_; }
  /// The bool (kind Boolean).
  bool boolean() const { return boolean_; }
  /// The slice (kind Slice).
  const Slice& slice() const { return slice_; }
  /// The index tensor or mask (kind Tensor).
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  std::int64_t integer_ = 0;
  bool boolean_ = false;
  Slice slice_;
  Tensor tensor_;
};

}  // namespace indexing

// ---- factories -------------------------------------------------------------------------------

/// A nested list of numbers: `xg::tensor({{1, 2}, {3, 4}})`. The dtype is inferred as PyTorch
/// does (all integers → int64, any floating value → float32, all bools → bool) unless given.
class TensorData {
 public:
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  /// A number.
  TensorData(T v) : scalar_(v), is_scalar_(true) {}  // NOLINT: implicit on purpose
  /// A number of a given dtype.
  TensorData(Scalar v) : scalar_(v), is_scalar_(true) {}  // NOLINT: implicit on purpose
  /// A list of numbers or of nested lists (all of one length at each level).
  TensorData(std::initializer_list<TensorData> list) : children_(list) {}
  /// True for a number, false for a list.
  bool is_scalar() const { return is_scalar_; }
  /// The number (when is_scalar()).
  Scalar scalar() const { return scalar_; }
  /// The elements of a list.
  const std::vector<TensorData>& children() const { return children_; }

 private:
  Scalar scalar_;
  std::vector<TensorData> children_;
  bool is_scalar_ = false;
};

/// A tensor holding these values: a nested list (`xg::tensor({{1, 2}, {3, 4}})`) or a std::vector
/// (1-d), of the inferred dtype or of `options`'s.
///@{
Tensor tensor(const TensorData& data);
Tensor tensor(const TensorData& data, TensorOptions options);
template <class T>
Tensor tensor(const std::vector<T>& values, TensorOptions options = dtype_of<T>);
///@}

/// Values in row-major order with an explicit shape.
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options = dtype_of<T>);
/// Wraps memory the caller owns, without copying (like torch::from_blob). The memory must outlive
/// every tensor that views it, unless `deleter` is given, which is called when the last view dies.
Tensor from_blob(void* data, const Shape& shape, const Shape& strides, Dtype dtype,
                 std::function<void(void*)> deleter = {});
/// Wraps contiguous memory the caller owns, without copying.
Tensor from_blob(void* data, const Shape& shape, Dtype dtype = kFloat32);
/// A 0-d tensor holding `value`.
Tensor scalar_tensor(Scalar value, TensorOptions options = {});

/// Tensors of `shape` left uninitialized (empty), or filled with zeros, ones or `value` (float32
/// unless options say otherwise).
///@{
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, Scalar value, TensorOptions options = {});
///@}

/// Integers 0, 1, …, end-1 (int64 unless options say otherwise; float if any bound is floating).
Tensor arange(Scalar end, TensorOptions options);
/// start, start + step, … up to end (excluded), as torch.arange.
///@{
Tensor arange(Scalar end);
Tensor arange(Scalar start, Scalar end, Scalar step = 1);
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options);
///@}

/// `steps` evenly spaced values from start to end, both included.
Tensor linspace(double start, double end, std::int64_t steps, TensorOptions options = {});
/// The identity matrix n × n (or n × m).
///@{
Tensor eye(std::int64_t n, TensorOptions options = {});
Tensor eye(std::int64_t n, std::int64_t m, TensorOptions options = {});
///@}

/// U[0, 1), N(0, 1) and integers in [low, high), from the global generator (see xg::manual_seed).
Tensor rand(const Shape& shape, TensorOptions options = {});
/// N(0, 1) values, integers in [low, high) (low = 0 when omitted), or a random permutation of 0 … n−1,
/// from the global generator.
///@{
Tensor randn(const Shape& shape, TensorOptions options = {});
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, TensorOptions options = kInt64);
Tensor randint(std::int64_t high, const Shape& shape, TensorOptions options = kInt64);
Tensor randperm(std::int64_t n, TensorOptions options = kInt64);
///@}

/// Tensors of t's shape (and dtype, unless `options` give one), as the factories above.
///@{
Tensor empty_like(const Tensor& t);
Tensor empty_like(const Tensor& t, TensorOptions options);
Tensor zeros_like(const Tensor& t);
Tensor zeros_like(const Tensor& t, TensorOptions options);
Tensor ones_like(const Tensor& t);
Tensor ones_like(const Tensor& t, TensorOptions options);
Tensor full_like(const Tensor& t, Scalar value);
Tensor full_like(const Tensor& t, Scalar value, TensorOptions options);
Tensor rand_like(const Tensor& t);
Tensor randn_like(const Tensor& t);
Tensor randint_like(const Tensor& t, std::int64_t low, std::int64_t high);
///@}

}  // namespace xg

XGRAD_API_END
