// Tensor factories: from values, filled, ranges, identity, random.
#include <cmath>

#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"

namespace xg {

using detail::impl;

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad()) t.requires_grad_(true);
  return t;
}

// The shape is read off the first element at every depth; then every element is checked
// against it, so ragged lists and numbers beside lists ({1, {2, 3}}) are ShapeErrors.
void check_shape(const TensorData& d, const Shape& shape, std::size_t depth, Dtype& kind) {
  if (d.is_scalar()) {
    XG_CHECK(depth == shape.size(), ShapeError, "tensor: the nested lists are ragged (a number at depth ", depth,
             " where lists of depth ", shape.size(), " were seen)");
    const Dtype k = d.scalar().kind();
    kind = promote_types(kind, k == kFloat64 ? kFloat32 : k);
    return;
  }
  const auto& ch = d.children();
  XG_CHECK(depth < shape.size(), ShapeError, "tensor: the nested lists are ragged (a list at depth ", depth,
           " where numbers were seen)");
  XG_CHECK(shape[depth] == static_cast<std::int64_t>(ch.size()), ShapeError,
           "tensor: the nested lists are ragged (dimension ", depth, " has lengths ", shape[depth], " and ", ch.size(),
           ")");
  for (const auto& c : ch) check_shape(c, shape, depth + 1, kind);
}

void infer_shape(const TensorData& d, Shape& shape, Dtype& kind) {
  for (const TensorData* p = &d; !p->is_scalar();) {
    shape.push_back(static_cast<std::int64_t>(p->children().size()));
    if (p->children().empty()) break;
    p = &p->children().front();
  }
  check_shape(d, shape, 0, kind);
}

template <class T>
void fill_values(const TensorData& d, T*& out) {
  if (d.is_scalar()) {
    *out++ = d.scalar().to<T>();
    return;
  }
  for (const auto& c : d.children()) fill_values(c, out);
}

Tensor from_data(const TensorData& data, std::optional<TensorOptions> options) {
  Shape shape;
  Dtype kind = kBool;
  if (!data.is_scalar() && data.children().empty()) kind = kFloat32;  // tensor({}) is float32, as in PyTorch
  infer_shape(data, shape, kind);
  const Dtype d = options ? options->dtype() : kind;
  Tensor t = detail::make_tensor(shape, d, "tensor");
  kernels::dispatch_all(d, "tensor", [&]<class T>() {
    T* p = impl(t).ptr<T>();
    fill_values<T>(data, p);
  });
  return options ? finish(t, *options) : t;
}
}  // namespace

Tensor tensor(const TensorData& data) { return from_data(data, std::nullopt); }
Tensor tensor(const TensorData& data, TensorOptions options) { return from_data(data, options); }

// A function template declared in a public header takes the visibility of its definition, which
// is here, outside the headers' bracket; the bracket around the definitions and instantiations
// exports them (Note [Symbol visibility] in include/xgrad/export.hpp).
XGRAD_API_BEGIN
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape, TensorOptions options) {
  const std::int64_t n = detail::checked_numel(shape, "from_vector");
  XG_CHECK(n == static_cast<std::int64_t>(values.size()), ShapeError, "from_vector: ", values.size(),
           " values do not fill shape ", shape, " (", n, " elements)");
  Tensor t = detail::make_tensor(shape, options.dtype(), "from_vector");
  kernels::dispatch_all(options.dtype(), "from_vector", [&]<class D>() {
    D* p = impl(t).ptr<D>();
    for (std::size_t i = 0; i < values.size(); ++i) p[i] = static_cast<D>(values[i]);
  });
  return finish(t, options);
}

template <class T>
Tensor tensor(const std::vector<T>& values, TensorOptions options) {
  return from_vector(values, Shape{static_cast<std::int64_t>(values.size())}, options);
}

#define XG_INSTANTIATE(T)                                                             \
  template Tensor from_vector<T>(const std::vector<T>&, const Shape&, TensorOptions); \
  template Tensor tensor<T>(const std::vector<T>&, TensorOptions);
XG_INSTANTIATE(float)
XG_INSTANTIATE(double)
XG_INSTANTIATE(std::int64_t)
XG_INSTANTIATE(int)
XG_INSTANTIATE(std::uint8_t)
#undef XG_INSTANTIATE
template Tensor from_vector<bool>(const std::vector<bool>&, const Shape&, TensorOptions);
template Tensor tensor<bool>(const std::vector<bool>&, TensorOptions);
XGRAD_API_END

Tensor from_blob(void* data, const Shape& shape, const Shape& strides, Dtype dtype,
                 std::function<void(void*)> deleter) {
  XG_CHECK(strides.size() == shape.size(), ShapeError, "from_blob: ", strides.size(), " strides for shape ", shape);
  std::int64_t extent = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    XG_CHECK(shape[i] >= 0 && strides[i] >= 0, ValueError, "from_blob: negative size or stride in shape ", shape,
             " strides ", strides);
    if (shape[i] == 0) continue;
    std::int64_t span;
    XG_CHECK(!__builtin_mul_overflow(shape[i] - 1, strides[i], &span) && !__builtin_add_overflow(extent, span, &extent),
             ValueError, "from_blob: shape ", shape, " with strides ", strides,
             " spans more elements than a 64-bit integer can count");
  }
  const std::int64_t numel = detail::checked_numel(shape, "from_blob");
  XG_CHECK(data != nullptr || numel == 0, ValueError, "from_blob: null data pointer for shape ", shape);
  if (numel == 0) extent = 0;
  std::int64_t extent_bytes;
  XG_CHECK(!__builtin_mul_overflow(extent, static_cast<std::int64_t>(element_size(dtype)), &extent_bytes), ValueError,
           "from_blob: shape ", shape, " with strides ", strides, " spans more bytes than a 64-bit integer can count");
  auto impl_ = std::make_shared<TensorImpl>();
  impl_->storage = Storage::wrap(data, static_cast<std::size_t>(extent_bytes), std::move(deleter));
  impl_->shape = shape;
  impl_->strides = strides;
  impl_->numel = numel;
  impl_->dtype = dtype;
  return Tensor(std::move(impl_));
}
Tensor from_blob(void* data, const Shape& shape, Dtype dtype) {
  return from_blob(data, shape, contiguous_strides(shape), dtype);
}

Tensor scalar_tensor(Scalar value, TensorOptions options) { return full({}, value, options); }

Tensor empty(const Shape& shape, TensorOptions o) { return finish(detail::make_tensor(shape, o.dtype(), "empty"), o); }

namespace {
Tensor filled(const char* op, const Shape& shape, Scalar value, TensorOptions o) {
  Tensor t = detail::make_tensor(shape, o.dtype(), op);
  kernels::dispatch_all(o.dtype(), op, [&]<class T>() {
    T* p = impl(t).ptr<T>();
    const T v = value.to<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = v;
  });
  return finish(t, o);
}
}  // namespace

Tensor full(const Shape& shape, Scalar value, TensorOptions o) { return filled("full", shape, value, o); }
Tensor zeros(const Shape& shape, TensorOptions o) { return filled("zeros", shape, 0, o); }
Tensor ones(const Shape& shape, TensorOptions o) { return filled("ones", shape, 1, o); }

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions o) {
  const double a = start.to_double(), b = end.to_double(), s = step.to_double();
  XG_CHECK(s != 0, ValueError, "arange: step must be non-zero");
  XG_CHECK(std::isfinite(a) && std::isfinite(b) && std::isfinite(s), ValueError,
           "arange: start, end and step must be finite, got start=", a, ", end=", b, ", step=", s);
  XG_CHECK((s > 0 && b >= a) || (s < 0 && b <= a), ValueError, "arange: the range from ", a, " to ", b,
           " is not consistent with step ", s);
  // Counted in double: a count beyond int64 (arange(0, 1e30)) must not be converted (undefined).
  const double count = std::ceil((b - a) / s);
  XG_CHECK(count < 0x1p62, ValueError, "arange: ", count, " elements is too many (the range from ", a, " to ", b,
           " with step ", s, ")");
  const auto n = static_cast<std::int64_t>(count);
  Tensor t = detail::make_tensor({n}, o.dtype(), "arange");
  kernels::dispatch_all(o.dtype(), "arange", [&]<class T>() {
    T* p = impl(t).ptr<T>();
    for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(a + s * static_cast<double>(i));
  });
  return finish(t, o);
}
Tensor arange(Scalar start, Scalar end, Scalar step) {
  const bool fl = start.is_floating_point() || end.is_floating_point() || step.is_floating_point();
  return arange(start, end, step, fl ? kFloat32 : kInt64);
}
Tensor arange(Scalar end, TensorOptions o) { return arange(0, end, 1, o); }
Tensor arange(Scalar end) { return arange(0, end, 1); }

Tensor linspace(double start, double end, std::int64_t steps, TensorOptions o) {
  XG_CHECK(steps >= 0, ValueError, "linspace: number of steps must be non-negative, got ", steps);
  Tensor t = detail::make_tensor({steps}, o.dtype(), "linspace");
  kernels::dispatch_all(o.dtype(), "linspace", [&]<class T>() {
    T* p = impl(t).ptr<T>();
    const double h = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    // fill from both ends so that the last value is exactly `end`, as in PyTorch (one step: start)
    for (std::int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<T>(steps == 1 || i < steps / 2 ? start + h * static_cast<double>(i)
                                                        : end - h * static_cast<double>(steps - 1 - i));
  });
  return finish(t, o);
}

Tensor eye(std::int64_t n, std::int64_t m, TensorOptions o) {
  XG_CHECK(n >= 0 && m >= 0, ValueError, "eye: sizes must be non-negative, got ", n, " and ", m);
  Tensor t = detail::make_tensor({n, m}, o.dtype(), "eye");
  t.zero_();
  kernels::dispatch_all(o.dtype(), "eye", [&]<class T>() {
    T* p = impl(t).ptr<T>();
    for (std::int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return finish(t, o);
}
Tensor eye(std::int64_t n, TensorOptions o) { return eye(n, n, o); }

Tensor rand(const Shape& shape, TensorOptions o) {
  XG_CHECK(is_floating_point(o.dtype()), DtypeError, "rand: expected a floating-point dtype, got ", o.dtype());
  Tensor t = detail::make_tensor(shape, o.dtype(), "rand");
  t.uniform_(0.0, 1.0);
  return finish(t, o);
}

Tensor randn(const Shape& shape, TensorOptions o) {
  XG_CHECK(is_floating_point(o.dtype()), DtypeError, "randn: expected a floating-point dtype, got ", o.dtype());
  Tensor t = detail::make_tensor(shape, o.dtype(), "randn");
  t.normal_(0.0, 1.0);
  return finish(t, o);
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, TensorOptions o) {
  XG_CHECK(low < high, ValueError, "randint: expected low < high, got low=", low, " high=", high);
  Tensor t = detail::make_tensor(shape, o.dtype(), "randint");
  auto& gen = default_generator();
  const auto range = static_cast<std::uint64_t>(high - low);
  kernels::dispatch_all(o.dtype(), "randint", [&]<class T>() {
    T* p = impl(t).ptr<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i)
      p[i] = static_cast<T>(low + static_cast<std::int64_t>(gen.next_below(range)));
  });
  return finish(t, o);
}
Tensor randint(std::int64_t high, const Shape& shape, TensorOptions o) { return randint(0, high, shape, o); }

Tensor randperm(std::int64_t n, TensorOptions o) {
  XG_CHECK(n >= 0, ValueError, "randperm: n must be non-negative, got ", n);
  std::vector<std::int64_t> v;
  try {
    v.resize(static_cast<std::size_t>(n));
  } catch (const std::exception&) {  // bad_alloc or length_error
    detail::throw_out_of_memory("randperm", static_cast<long double>(n) * sizeof(std::int64_t), Shape{n}, kInt64);
  }
  for (std::int64_t i = 0; i < n; ++i) v[i] = i;
  auto& gen = default_generator();
  for (std::int64_t i = n - 1; i > 0; --i) {  // Fisher–Yates
    const auto j = static_cast<std::int64_t>(gen.next_below(static_cast<std::uint64_t>(i + 1)));
    std::swap(v[i], v[j]);
  }
  return from_vector(v, {n}, o);
}

Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.dtype()); }
Tensor empty_like(const Tensor& t, TensorOptions o) { return empty(t.sizes(), o); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.dtype()); }
Tensor zeros_like(const Tensor& t, TensorOptions o) { return zeros(t.sizes(), o); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.dtype()); }
Tensor ones_like(const Tensor& t, TensorOptions o) { return ones(t.sizes(), o); }
Tensor full_like(const Tensor& t, Scalar v) { return full(t.sizes(), v, t.dtype()); }
Tensor full_like(const Tensor& t, Scalar v, TensorOptions o) { return full(t.sizes(), v, o); }
Tensor rand_like(const Tensor& t) { return rand(t.sizes(), t.dtype()); }
Tensor randn_like(const Tensor& t) { return randn(t.sizes(), t.dtype()); }
Tensor randint_like(const Tensor& t, std::int64_t low, std::int64_t high) {
  return randint(low, high, t.sizes(), t.dtype());
}

}  // namespace xg
