// Internal: the allocator behind Storage — 64-byte-aligned blocks, small ones cached per thread —
// and a pool for the small fixed-size objects every op creates (TensorImpl, Storage, graph nodes).
#pragma once
#include <cstddef>
#include <memory>
#include <utility>

namespace xg::detail {

/// A 64-byte-aligned block of at least `nbytes` (nullptr for 0); std::bad_alloc on failure.
void* allocate_block(std::size_t nbytes);
/// Gives back a block from allocate_block(nbytes), with the same nbytes.
void free_block(void* p, std::size_t nbytes) noexcept;
/// Returns every cached free block to the system: the process-wide large blocks and the calling
/// thread's small ones (as torch.cuda.empty_cache). Returns the bytes released.
std::size_t release_cached_blocks() noexcept;

/// A block of `nbytes` (at most kMaxPooled, 16-byte aligned) from the calling thread's pool.
void* allocate_small(std::size_t nbytes);
/// Gives back a block from allocate_small(nbytes), on any thread.
void free_small(void* p, std::size_t nbytes) noexcept;
inline constexpr std::size_t kMaxPooled = 512;

/// Stateless std allocator over allocate_small (falls back to operator new above kMaxPooled), for
/// std::allocate_shared: the object and its control block come from the pool in one block.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if constexpr (alignof(T) <= 16) {
      if (bytes <= kMaxPooled) return static_cast<T*>(allocate_small(bytes));
    }
    return std::allocator<T>{}.allocate(n);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if constexpr (alignof(T) <= 16) {
      if (bytes <= kMaxPooled) return free_small(p, bytes);
    }
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const noexcept {
    return true;
  }
};

/// std::make_shared through the pool.
template <class T, class... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>{}, std::forward<Args>(args)...);
}

}  // namespace xg::detail
