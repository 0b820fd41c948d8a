// The per-thread scratch buffers of kernels/scratch.hpp.
#include "kernels/scratch.hpp"

#include <cstdint>
#include <cstdlib>

#include "xgrad/error.hpp"

namespace xg::kernels {

AlignedBuffer::~AlignedBuffer() { std::free(ptr_); }

void* AlignedBuffer::get(std::size_t bytes) {
  if (bytes > cap_) {
    std::free(ptr_);
    ptr_ = nullptr;
    cap_ = 0;
    // (a request near SIZE_MAX must not wrap when rounded up to pages)
    if (bytes <= static_cast<std::size_t>(PTRDIFF_MAX)) ptr_ = std::aligned_alloc(64, (bytes + 4095) / 4096 * 4096);
    if (ptr_ == nullptr)
      throw OutOfMemoryError(detail::concat("out of memory: cannot allocate ", bytes,
                                            " bytes of scratch memory (convolution columns or matrix packing)"));
    cap_ = (bytes + 4095) / 4096 * 4096;
  }
  return ptr_;
}

Scratch::Scratch(ScratchSlot slot, std::size_t bytes) {
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

Scratch::~Scratch() { buf_->in_use = false; }

}  // namespace xg::kernels
