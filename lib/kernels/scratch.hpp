// Internal: per-thread scratch memory for the GEMM packing buffers and the convolution's
// im2col / padded-image buffers, reused across calls so that the hot loops never allocate.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "xgrad/error.hpp"

namespace xg::kernels {

/// A 64-byte-aligned buffer that only grows.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(ptr_); }
  void* get(std::size_t bytes) {
    if (bytes > cap_) {
      std::free(ptr_);
      ptr_ = nullptr;
      cap_ = 0;
      // (a request near SIZE_MAX must not wrap when rounded up to pages)
      if (bytes <= static_cast<std::size_t>(PTRDIFF_MAX)) ptr_ = std::aligned_alloc(64, (bytes + 4095) / 4096 * 4096);
      if (ptr_ == nullptr)
        throw ::xg::OutOfMemoryError(::xg::detail::concat("out of memory: cannot allocate ", bytes,
                                              " bytes of scratch memory (convolution columns or matrix packing)"));
      cap_ = (bytes + 4095) / 4096 * 4096;
    }
    return ptr_;
  }
  bool in_use = false;

 private:
  void* ptr_ = nullptr;
  std::size_t cap_ = 0;
};

/// The scratch slots: one per kind of buffer, so that a kernel holding one (im2col columns) can
/// call another that takes a different one (GEMM packing).
enum class ScratchSlot { GemmA, GemmB, ConvColumns, ConvImage, ConvTile, kCount };

/// Lease of this thread's buffer for `slot`, at least `bytes` long, 64-byte aligned. A thread
/// waiting inside a TBB parallel loop may run another task that asks for the same slot (work
/// stealing), so a slot already leased on this thread is never shared: the nested lease gets a
/// private buffer instead.
class Scratch {
 public:
  Scratch(ScratchSlot slot, std::size_t bytes) {
    thread_local AlignedBuffer buffers[static_cast<int>(ScratchSlot::kCount)];
    AlignedBuffer& mine = buffers[static_cast<int>(slot)];
    if (mine.in_use) {
      own_ = std::make_unique<AlignedBuffer>();
      buf_ = own_.get();
    } else {
      buf_ = &mine;
    }
    ptr_ = buf_->get(bytes == 0 ? 64 : bytes);
    buf_->in_use = true;
  }
  ~Scratch() { buf_->in_use = false; }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  std::unique_ptr<AlignedBuffer> own_;
  AlignedBuffer* buf_ = nullptr;
  void* ptr_ = nullptr;
};

}  // namespace xg::kernels
