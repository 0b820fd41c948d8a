// Internal: per-thread scratch memory for the GEMM packing buffers and the convolution's
// im2col / padded-image buffers, reused across calls so that the hot loops never allocate.
// Compiled once, in scratch.cpp: the kernels that use it are compiled once per instruction set,
// and none of them may carry its own copy of a shared function (Note [Kernels per instruction
// set] in kernels/isa.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace xg::kernels {

/// A 64-byte-aligned buffer that only grows.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();
  void* get(std::size_t bytes);
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
  Scratch(ScratchSlot slot, std::size_t bytes);
  ~Scratch();
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
