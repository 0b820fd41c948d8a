// Internal: the allocator behind Storage — 64-byte-aligned blocks, small ones cached per thread.
#pragma once
#include <cstddef>

namespace xg::detail {

/// A 64-byte-aligned block of at least `nbytes` (nullptr for 0); std::bad_alloc on failure.
void* allocate_block(std::size_t nbytes);
/// Gives back a block from allocate_block(nbytes), with the same nbytes.
void free_block(void* p, std::size_t nbytes) noexcept;

}  // namespace xg::detail
