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
namespace xg { struct TensorImpl; }

XGRAD_API_BEGIN

namespace xg {

class Tensor;
using TensorList = std::vector<Tensor>;
namespace autograd { class Node; }
namespace indexing { class TensorIndex; }  // below the class: `x.index({Slice(), 0})`

/// What a factory makes: dtype and requires_grad, in LibTorch's builder style:
/// `xg::zeros({2, 3}, xg::dtype(xg::kFloat64).requires_grad(true))`, or just `xg::kFloat64`.
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d) {}  // NOLINT: implicit on purpose, as in LibTorch
  TensorOptions dtype(Dtype d) const { auto o = *this; o.dtype_ = d; return o; }
  TensorOptions requires_grad(bool r) const { auto o = *this; o.requires_grad_ = r; return o; }
  Dtype dtype() const { return dtype_; }
  bool requires_grad() const { return requires_grad_; }

 private:
  Dtype dtype_ = kFloat32;
  bool requires_grad_ = false;
};
inline TensorOptions dtype(Dtype d) { return TensorOptions().dtype(d); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }

/// A tensor's gradient hook: gets the incoming gradient, returns a replacement or an undefined
/// Tensor to keep it.
using TensorHook = std::function<Tensor(const Tensor&)>;
/// A leaf's post-accumulate-grad hook: gets the leaf itself after its .grad() was updated.
using PostAccumulateGradHook = std::function<void(const Tensor&)>;

class Tensor {
 public:
  Tensor() = default;  ///< An undefined tensor (defined() is false).
  explicit Tensor(std::shared_ptr<TensorImpl> impl);

  // ---- metadata -------------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  Dtype dtype() const;
  Dtype scalar_type() const { return dtype(); }
  const Shape& sizes() const;
  const Shape& shape() const { return sizes(); }
  const Shape& strides() const;
  std::int64_t size(std::int64_t dim) const;
  std::int64_t stride(std::int64_t dim) const;
  std::int64_t dim() const;
  std::int64_t ndimension() const { return dim(); }
  std::int64_t numel() const;
  std::int64_t storage_offset() const;
  std::size_t element_size() const { return xg::element_size(dtype()); }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * element_size(); }
  bool is_contiguous() const;
  bool is_floating_point() const { return xg::is_floating_point(dtype()); }
  /// True when both handles share one TensorImpl.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  /// Pointer to the first element; T must match dtype() (DtypeError otherwise).
  template <class T> T* data_ptr() const;
  void* data_ptr() const;
  /// The value of a one-element tensor, converted to T.
  template <class T> T item() const;
  Scalar item() const;
  /// A std::vector of all elements in row-major order, converted to T.
  template <class T> std::vector<T> to_vector() const;
  TensorImpl* unsafe_impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // ---- copies and conversions -----------------------------------------------------------------
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(Dtype d) const;
  Tensor to(TensorOptions o) const { return to(o.dtype()); }
  Tensor detach() const;
  Tensor& detach_();
  /// A detached alias of this tensor's data (PyTorch's `.data`).
  Tensor data() const { return detach(); }
  /// Makes this (leaf) tensor use `new_data`'s storage, shape and dtype while keeping its identity,
  /// requires_grad and hooks, so every handle to it sees the change (PyTorch's `.data = ...`):
  /// how Module::to(dtype) converts parameters in place. The gradient is dropped when the shape or
  /// dtype changes.
  void set_data(const Tensor& new_data);

  // ---- autograd -------------------------------------------------------------------------------
  bool requires_grad() const;
  Tensor& requires_grad_(bool r = true);
  /// Accumulated gradient of a leaf (or of a tensor that called retain_grad()); undefined if none.
  const Tensor& grad() const;
  Tensor& mutable_grad();
  void set_grad(const Tensor& g);
  bool is_leaf() const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  std::uint32_t output_nr() const;
  /// Number of in-place modifications of the storage this tensor views (PyTorch's `_version`).
  std::uint32_t _version() const;
  /// Computes the gradient of this tensor w.r.t. graph leaves. A non-scalar needs `gradient`.
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false, const TensorList& inputs = {}) const;
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
  bool retains_grad() const;

  // ---- views (no copy) and shape ops ----------------------------------------------------------
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

  // ---- indexing: Python's x[...] and x[...] = v (docs/indexing.md) -----------------------------
  /// `using namespace xg::indexing;  x.index({Slice(1, None), 0, None, mask, idx, Ellipsis})` is
  /// Python's `x[1:, 0, None, mask, idx, ...]`: integers and slices give views; bool masks and
  /// int64 index tensors (broadcast together) select copies, with NumPy/PyTorch placement of the
  /// indexed dims. Differentiable (the backward adds the gradient back with index_put).
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  /// `x[...] = values` (or `+=` with accumulate, which sums repeated positions): values broadcast
  /// to the shape of x.index(indices) and are cast to x's dtype. Differentiable w.r.t. x and values.
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& values,
                     bool accumulate = false);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, Scalar value);

  // ---- elementwise math -----------------------------------------------------------------------
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

  // ---- comparisons and logic (bool results, not differentiable) -------------------------------
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
  /// True when all elements are non-zero (a 0-d bool tensor).
  Tensor all() const;
  Tensor any() const;
  /// Same shape and exactly the same values (dtype promoted).
  bool equal(const Tensor& other) const;
  /// |self - other| <= atol + rtol * |other| everywhere (NaN never close).
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8) const;

  // ---- reductions -----------------------------------------------------------------------------
  Tensor sum(std::optional<Dtype> dtype = std::nullopt) const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  /// Variance over dims (all when empty) with N − correction in the denominator (PyTorch ≥ 2.0);
  /// see xg::var for the overloads and why `unbiased` binds only a real bool.
  Tensor var(const Shape& dims = {}, double correction = 1.0, bool keepdim = false) const;
  template <std::same_as<bool> B>
  Tensor var(B unbiased) const { return var(Shape{}, unbiased ? 1.0 : 0.0); }
  template <std::same_as<bool> B>
  Tensor var(const Shape& dims, B unbiased, bool keepdim = false) const { return var(dims, unbiased ? 1.0 : 0.0, keepdim); }
  Tensor std(const Shape& dims = {}, double correction = 1.0, bool keepdim = false) const;
  template <std::same_as<bool> B>
  Tensor std(B unbiased) const { return std(Shape{}, unbiased ? 1.0 : 0.0); }
  template <std::same_as<bool> B>
  Tensor std(const Shape& dims, B unbiased, bool keepdim = false) const { return std(dims, unbiased ? 1.0 : 0.0, keepdim); }
  Tensor prod() const;
  Tensor prod(std::int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  std::tuple<Tensor, Tensor> max(std::int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> min(std::int64_t dim, bool keepdim = false) const;
  Tensor amax(const Shape& dims = {}, bool keepdim = false) const;
  Tensor amin(const Shape& dims = {}, bool keepdim = false) const;
  Tensor argmax(std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<std::int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor logsumexp(const Shape& dims, bool keepdim = false) const;
  Tensor norm(double p = 2.0) const;
  Tensor norm(std::initializer_list<std::int64_t> dims) const = delete;  ///< use norm(p, dims)
  Tensor norm(double p, const Shape& dims, bool keepdim = false) const;

  // ---- linear algebra -------------------------------------------------------------------------
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;
  Tensor dot(const Tensor& other) const;
  Tensor outer(const Tensor& other) const;

  // ---- in-place (bump the version counter; see Note [In-place ops and saved tensors]) --------
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
  /// Copies src (broadcast to this shape, converted to this dtype) into this tensor.
  Tensor& copy_(const Tensor& src);
  /// Fills with U(from, to) / N(mean, std) from the global generator (no autograd).
  Tensor& uniform_(double from = 0.0, double to = 1.0);
  Tensor& normal_(double mean = 0.0, double std = 1.0);

  Tensor& operator+=(const Tensor& o) { return add_(o); }
  Tensor& operator+=(Scalar o) { return add_(o); }
  Tensor& operator-=(const Tensor& o) { return sub_(o); }
  Tensor& operator-=(Scalar o) { return sub_(o); }
  Tensor& operator*=(const Tensor& o) { return mul_(o); }
  Tensor& operator*=(Scalar o) { return mul_(o); }
  Tensor& operator/=(const Tensor& o) { return div_(o); }
  Tensor& operator/=(Scalar o) { return div_(o); }

  /// PyTorch-style text: `tensor([[1.0000, 2.0000], ...], dtype=float64, requires_grad=true)`.
  std::string str() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- index expressions for Tensor::index / index_put_ (LibTorch's torch::indexing) -------------
namespace indexing {

/// `None` inserts a dimension of size 1 (Python's None / np.newaxis); also "no bound" in a Slice.
inline constexpr std::nullopt_t None = std::nullopt;
struct EllipsisIndexType {};
/// `Ellipsis` (or the string "...") stands for as many full slices as the other indices leave.
inline constexpr EllipsisIndexType Ellipsis{};

/// Python's start:stop:step; an absent bound is the whole range, negative bounds count from the
/// end, out-of-range bounds are clamped, and the step must be positive (as in PyTorch).
class Slice {
 public:
  Slice(std::optional<std::int64_t> start = std::nullopt, std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step.value_or(1)) {}
  std::optional<std::int64_t> start() const { return start_; }
  std::optional<std::int64_t> stop() const { return stop_; }
  std::int64_t step() const { return step_; }

 private:
  std::optional<std::int64_t> start_, stop_;
  std::int64_t step_;
};

/// One entry of an index expression: None, Ellipsis ("..."), an integer, a bool, a Slice, or a
/// tensor (int64 indices, or a bool mask that covers as many dimensions as it has).
class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}               // NOLINT: implicit on purpose
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}        // NOLINT
  TensorIndex(const char* s);                                      // NOLINT: "..." only
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  TensorIndex(T i) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(i)) {}  // NOLINT
  template <class T, std::enable_if_t<std::is_same_v<T, bool>, int> = 0>
  TensorIndex(T b) : kind_(Kind::Boolean), boolean_(b) {}          // NOLINT
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}          // NOLINT
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}  // NOLINT
  Kind kind() const { return kind_; }
  std::int64_t integer() const { return integer_; }
  bool boolean() const { return boolean_; }
  const Slice& slice() const { return slice_; }
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
  TensorData(T v) : scalar_(v), is_scalar_(true) {}  // NOLINT: implicit on purpose
  TensorData(Scalar v) : scalar_(v), is_scalar_(true) {}  // NOLINT: implicit on purpose
  TensorData(std::initializer_list<TensorData> list) : children_(list) {}
  bool is_scalar() const { return is_scalar_; }
  Scalar scalar() const { return scalar_; }
  const std::vector<TensorData>& children() const { return children_; }

 private:
  Scalar scalar_;
  std::vector<TensorData> children_;
  bool is_scalar_ = false;
};

Tensor tensor(const TensorData& data);
Tensor tensor(const TensorData& data, TensorOptions options);
template <class T> Tensor tensor(const std::vector<T>& values, TensorOptions options = dtype_of<T>);
/// Values in row-major order with an explicit shape.
template <class T> Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options = dtype_of<T>);
/// Wraps memory the caller owns, without copying (like torch::from_blob). The memory must outlive
/// every tensor that views it, unless `deleter` is given, which is called when the last view dies.
Tensor from_blob(void* data, const Shape& shape, const Shape& strides, Dtype dtype,
                 std::function<void(void*)> deleter = {});
Tensor from_blob(void* data, const Shape& shape, Dtype dtype = kFloat32);
Tensor scalar_tensor(Scalar value, TensorOptions options = {});

Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, Scalar value, TensorOptions options = {});
/// Integers 0, 1, …, end-1 (int64 unless options say otherwise; float if any bound is floating).
Tensor arange(Scalar end, TensorOptions options);
Tensor arange(Scalar end);
Tensor arange(Scalar start, Scalar end, Scalar step = 1);
Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions options);
Tensor linspace(double start, double end, std::int64_t steps, TensorOptions options = {});
Tensor eye(std::int64_t n, TensorOptions options = {});
Tensor eye(std::int64_t n, std::int64_t m, TensorOptions options = {});
/// U[0, 1), N(0, 1) and integers in [low, high), from the global generator (see xg::manual_seed).
Tensor rand(const Shape& shape, TensorOptions options = {});
Tensor randn(const Shape& shape, TensorOptions options = {});
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, TensorOptions options = kInt64);
Tensor randint(std::int64_t high, const Shape& shape, TensorOptions options = kInt64);
Tensor randperm(std::int64_t n, TensorOptions options = kInt64);

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

}  // namespace xg

XGRAD_API_END
