// Internal: what a Tensor handle points to, and the storage views share.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "xgrad/autograd.hpp"
#include "xgrad/tensor.hpp"

namespace xg {

// Note [Storage and versions]
// A Storage is one 64-byte-aligned buffer (or memory wrapped with from_blob). Every view of it —
// reshape, transpose, slice, detach — shares the Storage and therefore its version counter, which
// each in-place op bumps. SavedVariable records the version at save time; backward compares it
// (Note [In-place ops and saved tensors] in lib/ops/copy.cpp).
struct Storage {
  void* data = nullptr;
  std::size_t nbytes = 0;
  std::function<void(void*)> deleter;  // empty: memory from allocate_aligned
  std::atomic<std::uint32_t> version{0};

  static std::shared_ptr<Storage> allocate(std::size_t nbytes);
  static std::shared_ptr<Storage> wrap(void* data, std::size_t nbytes, std::function<void(void*)> deleter);
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  std::int64_t numel = 0;
  Dtype dtype = kFloat32;
  bool is_view = false;  // shares storage made for another tensor (views, detach)

  // autograd
  bool requires_grad = false;  // a leaf that wants .grad, or any result of a recorded op
  bool retains_grad = false;
  std::uint32_t output_nr = 0;
  std::shared_ptr<autograd::Node> grad_fn;  // null for leaves
  Tensor grad;
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves: the AccumulateGrad node, if alive
  struct Hook {
    unsigned handle;
    TensorHook fn;
  };
  std::vector<Hook> hooks;  // leaves only; non-leaf hooks live on grad_fn (Node::add_pre_hook)
  struct PostAccumulateHook {
    unsigned handle;
    PostAccumulateGradHook fn;
  };
  std::vector<PostAccumulateHook> post_accumulate_hooks;  // leaves only; run by AccumulateGrad

  char* byte_ptr() const {
    return static_cast<char*>(storage->data) + offset * static_cast<std::int64_t>(element_size(dtype));
  }
  template <class T>
  T* ptr() const {
    return reinterpret_cast<T*>(byte_ptr());
  }
  bool is_contiguous() const;
  std::uint32_t version() const { return storage->version.load(std::memory_order_relaxed); }
  void bump_version() { storage->version.fetch_add(1, std::memory_order_relaxed); }
};

namespace detail {
// Note [Checked shape arithmetic]
// Sizes come from users and from file headers, so every product of dimensions (element counts,
// strides, byte counts, buffer sizes) is computed with overflow checks: a shape whose element count
// does not fit in int64 is a ValueError naming the op and the shape, never a wrapped count (a tensor
// of "0" elements whose use then writes out of bounds). Storage that the system cannot give is an
// OutOfMemoryError stating the bytes asked for, never std::bad_alloc.

/// a * b for sizes; ValueError naming `op` and `shape` on overflow.
std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char* op, const Shape& shape);
/// The element count of `shape` (non-negative sizes); ValueError naming `op` when it overflows.
std::int64_t checked_numel(const Shape& shape, const char* op);
/// Throws OutOfMemoryError: "<op>: out of memory: cannot allocate <human> (<bytes> bytes) for a
/// <dtype> tensor of shape <shape>".
[[noreturn]] void throw_out_of_memory(const char* op, long double bytes, const Shape& shape, Dtype dtype);
/// "4.00 TiB".
std::string human_bytes(long double bytes);

/// A fresh contiguous tensor (uninitialized memory). `op` names the caller in errors (negative
/// size, overflowing shape, out of memory); null: "empty".
Tensor make_tensor(const Shape& shape, Dtype dtype, const char* op = nullptr);
/// A view: same storage as `base`, given shape/strides/offset, no autograd record.
Tensor make_view(const Tensor& base, Shape shape, Shape strides, std::int64_t offset);
inline TensorImpl& impl(const Tensor& t) { return *t.unsafe_impl(); }
/// Wraps a negative dim; IndexError naming op when out of [-ndim, ndim).
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim, const char* op);
/// Throws naming op when t is undefined.
void check_defined(const Tensor& t, const char* op, const char* arg = "input");
}  // namespace detail

}  // namespace xg
