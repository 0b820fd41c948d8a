// Tensor handle: metadata, storage and conversions (its autograd methods: lib/autograd/tensor_autograd.cpp).
#include <sys/sysinfo.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <ostream>
#include <sstream>

#include "core/allocator.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"

namespace xg {

// ---- dtype and shape helpers ---------------------------------------------------------------------
std::string_view dtype_name(Dtype t) {
  switch (t) {
    case Dtype::Bool:
      return "bool";
    case Dtype::Int64:
      return "int64";
    case Dtype::Float32:
      return "float32";
    case Dtype::Float64:
      return "float64";
  }
  return "unknown";
}
std::ostream& operator<<(std::ostream& os, Dtype t) { return os << dtype_name(t); }

// Note [Checked shape arithmetic] in core/tensor_impl.hpp.
std::int64_t numel_of(const Shape& s) { return detail::checked_numel(s, "numel"); }

namespace {
Shape strides_of(const Shape& s, const char* op) {
  Shape st(s.size(), 1);
  std::int64_t acc = 1;
  for (std::size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    // (the stride of a dimension before an empty one may still overflow: [0, 2^62, 4])
    if (i > 0) acc = detail::checked_mul(acc, std::max<std::int64_t>(s[i], 1), op, s);
  }
  return st;
}
}  // namespace

Shape contiguous_strides(const Shape& s) { return strides_of(s, "contiguous_strides"); }

namespace detail {
namespace {
std::int64_t memory_limit() {
  static const std::int64_t limit = [] {
    struct sysinfo si {};
    if (::sysinfo(&si) != 0) return std::numeric_limits<std::int64_t>::max();
    const long double total = (static_cast<long double>(si.totalram) + si.totalswap) * si.mem_unit;
    return total >= 0x1p63L ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(total);
  }();
  return limit;
}
}  // namespace

std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char* op, const Shape& shape) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) [[unlikely]]
    throw ValueError(
        concat(op, ": shape ", shape, " is too large: the product of its sizes overflows a 64-bit integer"));
  return r;
}

std::int64_t checked_numel(const Shape& shape, const char* op) {
  std::int64_t n = 1;
  bool overflow = false;
  for (std::int64_t d : shape) overflow |= __builtin_mul_overflow(n, d, &n);
  if (overflow) [[unlikely]] {
    // A zero anywhere makes the count 0 whatever the order of the products.
    for (std::int64_t d : shape)
      if (d == 0) return 0;
    throw ValueError(
        concat(op, ": shape ", shape, " has too many elements: the product of its sizes overflows a 64-bit integer"));
  }
  return n;
}

std::string human_bytes(long double bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  int u = 0;
  while (bytes >= 1024 && u < 8) {
    bytes /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0Lf %s" : "%.2Lf %s", bytes, units[u]);
  return buf;
}

void throw_out_of_memory(const char* op, long double bytes, const Shape& shape, Dtype dtype) {
  std::ostringstream exact;
  exact.precision(0);
  exact << std::fixed << bytes;
  throw OutOfMemoryError(concat(op, ": out of memory: cannot allocate ", human_bytes(bytes), " (", exact.str(),
                                " bytes) for a ", dtype, " tensor of shape ", shape));
}
}  // namespace detail

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t x = i < a.size() ? a[a.size() - 1 - i] : 1;
    std::int64_t y = i < b.size() ? b[b.size() - 1 - i] : 1;
    XG_CHECK(x == y || x == 1 || y == 1, ShapeError, op, ": shapes ", a, " and ", b,
             " cannot be broadcast together (dimension ", static_cast<std::int64_t>(n - 1 - i), ": ", x, " vs ", y,
             ")");
    out[n - 1 - i] = x == 1 ? y : x;
  }
  return out;
}

std::string shape_str(const Shape& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  return r + "]";
}
std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << shape_str(s); }

// ---- storage -------------------------------------------------------------------------------------
std::shared_ptr<Storage> Storage::allocate(std::size_t nbytes) {
  auto s = detail::make_pooled<Storage>();
  s->data = detail::allocate_block(nbytes);  // Note [Small-block cache] in core/allocator.cpp
  s->nbytes = nbytes;
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, std::size_t nbytes, std::function<void(void*)> deleter) {
  auto s = std::make_shared<Storage>();
  s->data = data;
  s->nbytes = nbytes;
  s->deleter = deleter ? std::move(deleter) : [](void*) {};
  return s;
}

Storage::~Storage() {
  if (deleter) deleter(data);
  else detail::free_block(data, nbytes);
}

bool TensorImpl::is_contiguous() const {
  if (numel == 0) return true;  // no element to misplace, whatever the strides (as PyTorch)
  std::int64_t expected = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] == 1) continue;
    if (strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

namespace detail {
Tensor make_tensor(const Shape& shape, Dtype dtype, const char* op) {
  if (!op) op = "empty";
  for (std::int64_t d : shape) XG_CHECK(d >= 0, ValueError, op, ": negative dimension in shape ", shape);
  auto impl = make_pooled<TensorImpl>();
  impl->numel = checked_numel(shape, op);
  impl->strides = strides_of(shape, op);
  const auto esize = static_cast<std::int64_t>(xg::element_size(dtype));
  std::int64_t nbytes;
  // Note [Checked shape arithmetic]: no request above PTRDIFF_MAX reaches the allocator (its
  // rounding to pages would wrap), and a refused allocation becomes an OutOfMemoryError.
  if (__builtin_mul_overflow(impl->numel, esize, &nbytes)) [[unlikely]]
    throw_out_of_memory(op, static_cast<long double>(impl->numel) * esize, shape, dtype);
  // More than the machine's RAM and swap together can never be backed; refusing it here makes the
  // error independent of the kernel's overcommit policy (with overcommit on, the allocation would
  // succeed and filling it would summon the OOM killer).
  if (nbytes > memory_limit()) [[unlikely]]
    throw_out_of_memory(op, static_cast<long double>(nbytes), shape, dtype);
  try {
    impl->storage = Storage::allocate(static_cast<std::size_t>(nbytes));
  } catch (const std::bad_alloc&) { throw_out_of_memory(op, static_cast<long double>(nbytes), shape, dtype); }
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, Shape shape, Shape strides, std::int64_t offset) {
  const TensorImpl& b = impl(base);
  auto v = make_pooled<TensorImpl>();
  v->storage = b.storage;
  v->offset = offset;
  v->numel = checked_numel(shape, "view");
  v->shape = std::move(shape);
  v->strides = std::move(strides);
  v->dtype = b.dtype;
  v->is_view = true;
  return Tensor(std::move(v));
}

std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim, const char* op) {
  const std::int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  XG_CHECK(dim >= lo && dim <= hi, IndexError, op, ": dimension ", dim, " is out of range for a tensor with ", ndim,
           " dimensions (expected a value in [", lo, ", ", hi, "])");
  return dim < 0 ? dim + std::max<std::int64_t>(ndim, 1) : dim;
}

void check_defined(const Tensor& t, const char* op, const char* arg) {
  XG_CHECK(t.defined(), ValueError, op, ": ", arg, " is an undefined tensor");
}
}  // namespace detail

// ---- Tensor metadata -----------------------------------------------------------------------------
Tensor::Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

#define XG_REQUIRE_DEFINED(what) XG_CHECK(impl_ != nullptr, ValueError, what, ": called on an undefined tensor")

Dtype Tensor::dtype() const {
  XG_REQUIRE_DEFINED("dtype");
  return impl_->dtype;
}
const Shape& Tensor::sizes() const {
  XG_REQUIRE_DEFINED("sizes");
  return impl_->shape;
}
const Shape& Tensor::strides() const {
  XG_REQUIRE_DEFINED("strides");
  return impl_->strides;
}
std::int64_t Tensor::dim() const {
  XG_REQUIRE_DEFINED("dim");
  return static_cast<std::int64_t>(impl_->shape.size());
}
std::int64_t Tensor::numel() const {
  XG_REQUIRE_DEFINED("numel");
  return impl_->numel;
}
std::int64_t Tensor::storage_offset() const {
  XG_REQUIRE_DEFINED("storage_offset");
  return impl_->offset;
}
bool Tensor::is_contiguous() const {
  XG_REQUIRE_DEFINED("is_contiguous");
  return impl_->is_contiguous();
}
std::int64_t Tensor::size(std::int64_t d) const {
  XG_REQUIRE_DEFINED("size");
  XG_CHECK(dim() > 0, IndexError, "size: a 0-d tensor has no dimension ", d);
  return impl_->shape[detail::wrap_dim(d, dim(), "size")];
}
std::int64_t Tensor::stride(std::int64_t d) const {
  XG_REQUIRE_DEFINED("stride");
  XG_CHECK(dim() > 0, IndexError, "stride: a 0-d tensor has no dimension ", d);
  return impl_->strides[detail::wrap_dim(d, dim(), "stride")];
}

void* Tensor::data_ptr() const {
  XG_REQUIRE_DEFINED("data_ptr");
  return impl_->byte_ptr();
}

template <class T>
T* Tensor::data_ptr() const {
  XG_REQUIRE_DEFINED("data_ptr");
  XG_CHECK(impl_->dtype == dtype_of<T>, DtypeError, "data_ptr: the tensor has dtype ", impl_->dtype, " but data_ptr<",
           dtype_of<T>, "> was asked for");
  return impl_->ptr<T>();
}

template <class T>
T Tensor::item() const {
  XG_REQUIRE_DEFINED("item");
  XG_CHECK(impl_->numel == 1, ValueError, "item: a tensor with ", impl_->numel, " elements (shape ", impl_->shape,
           ") cannot be converted to a scalar");
  return kernels::dispatch_all(impl_->dtype, "item", [&]<class S>() { return static_cast<T>(*impl_->ptr<S>()); });
}

Scalar Tensor::item() const {
  switch (dtype()) {
    case Dtype::Bool:
      return Scalar(item<bool>());
    case Dtype::Int64:
      return Scalar(item<std::int64_t>());
    default:
      return Scalar(item<double>());
  }
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  XG_REQUIRE_DEFINED("to_vector");
  Tensor c = contiguous();
  std::vector<T> out(static_cast<std::size_t>(c.numel()));
  kernels::dispatch_all(c.dtype(), "to_vector", [&]<class S>() {
    const S* p = c.impl_->ptr<S>();
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(p[i]);
  });
  return out;
}

#define XG_INSTANTIATE(T)                  \
  template T* Tensor::data_ptr<T>() const; \
  template T Tensor::item<T>() const;      \
  template std::vector<T> Tensor::to_vector<T>() const;
XG_INSTANTIATE(float)
XG_INSTANTIATE(double)
XG_INSTANTIATE(std::int64_t)
XG_INSTANTIATE(bool)
#undef XG_INSTANTIATE
template int Tensor::item<int>() const;
template std::vector<int> Tensor::to_vector<int>() const;

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace xg
