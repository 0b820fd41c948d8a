// The storage allocator: aligned blocks, with a per-thread cache of small ones.
#include "core/allocator.hpp"

#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

// Under AddressSanitizer, blocks waiting in a cache are poisoned, so a use after free is still
// reported although the memory has not gone back to malloc.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define XG_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define XG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define XG_POISON(p, n) (static_cast<void>(p), static_cast<void>(n))
#define XG_UNPOISON(p, n) (static_cast<void>(p), static_cast<void>(n))
#endif

namespace xg::detail {

namespace {

// Note [Small-block cache]
// Eager code allocates and frees an output for nearly every op, and for small tensors glibc's
// aligned_alloc (its memalign path bypasses the thread cache and splits and coalesces chunks)
// costs more than the op itself. Blocks up to kMaxCached bytes are therefore rounded up to a
// power of two and, when freed, kept on a per-thread free list of their size class, up to
// kCacheBudget bytes per thread; the next allocation of that class pops one. Larger blocks have
// their own cache (Note [Large-block cache]). A block freed on another thread than it was allocated
// on simply joins that thread's cache. At thread exit the cache frees its blocks; blocks freed
// after that (static tensors destroyed at program exit) go straight to free.
constexpr std::size_t kAlign = 64;
constexpr unsigned kMinShift = 6;   // 64 B
constexpr unsigned kMaxShift = 16;  // 64 KiB
constexpr std::size_t kMaxCached = std::size_t{1} << kMaxShift;
constexpr std::size_t kCacheBudget = std::size_t{4} << 20;  // per thread

unsigned size_class(std::size_t nbytes) {
  const unsigned shift = static_cast<unsigned>(std::bit_width(nbytes - 1));
  return (shift < kMinShift ? kMinShift : shift) - kMinShift;
}

struct BlockCache {
  std::array<std::vector<void*>, kMaxShift - kMinShift + 1> lists;
  std::size_t bytes = 0;
  ~BlockCache();
};

// 0: this thread has no cache yet, 1: it has one, 2: it was destroyed (thread exit). Trivially
// destructible, so it can still be read after ~BlockCache.
thread_local unsigned char t_cache_state = 0;

void free_cached_list(std::vector<void*>& l, std::size_t block) {
  for (void* p : l) {
    XG_UNPOISON(p, block);
    std::free(p);
  }
  l.clear();
}

BlockCache::~BlockCache() {
  t_cache_state = 2;
  for (std::size_t c = 0; c < lists.size(); ++c) free_cached_list(lists[c], std::size_t{1} << (c + kMinShift));
}

BlockCache& cache() {
  thread_local BlockCache c;
  t_cache_state = 1;
  return c;
}

void* aligned(std::size_t rounded) {
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) throw std::bad_alloc();
  return p;
}

// Note [Object pool]
// Each op allocates a TensorImpl and a Storage for its output and, when recording, a node and a
// saved-output TensorImpl; backward frees them all at once. glibc keeps only 7 chunks per size
// in its thread cache, so a graph of hundreds of nodes goes through its slow bins on every
// backward. The pool keeps freed blocks of up to kMaxPooled bytes on per-thread free lists in
// 16-byte classes (at most kPoolPerClass blocks each), linked through the blocks themselves.
constexpr std::size_t kPoolClasses = kMaxPooled / 16;
constexpr std::size_t kPoolPerClass = 4096;

struct FreeNode {
  FreeNode* next;
};

struct ObjectPool {
  std::array<FreeNode*, kPoolClasses> heads{};
  std::array<std::size_t, kPoolClasses> counts{};
  ~ObjectPool();
};

thread_local unsigned char t_pool_state = 0;  // as t_cache_state

ObjectPool::~ObjectPool() {
  t_pool_state = 2;
  for (std::size_t c = 0; c < kPoolClasses; ++c)
    for (FreeNode* h = heads[c]; h;) {
      XG_UNPOISON(h, (c + 1) * 16);
      FreeNode* next = h->next;
      ::operator delete (static_cast<void*>(h), std::align_val_t{16});
      h = next;
    }
}

ObjectPool& pool() {
  thread_local ObjectPool p;
  t_pool_state = 1;
  return p;
}

// Note [Large-block cache]
// A training step allocates the same activation and gradient sizes in the same order every
// step. Handing those blocks back to glibc makes it either unmap them (then every step pays the
// page faults of touching fresh memory again) or, once its dynamic mmap threshold has risen, keep
// them in a fragmented heap whose resident size creeps above the live set. So blocks above
// kMaxCached are kept, when freed, in one process-wide cache ordered by size (a mutex guards it:
// there are only a few such allocations per op), and a request takes the smallest cached block
// of at least its size and at most twice it — the next step's identical request, or the smaller
// last batch of an epoch. The cache holds at most kLargeBudget bytes; beyond that a freed block
// goes back to the system at once, and so does any block above kLargeMax (a whole dataset being
// converted is not worth keeping). Resident memory thus stays near the peak live set of a step.
constexpr std::size_t kLargeBudget = std::size_t{96} << 20;
constexpr std::size_t kLargeMax = std::size_t{24} << 20;

struct LargeCache {
  std::mutex mutex;
  std::multimap<std::size_t, void*> free_blocks;  // block size → block
  std::unordered_map<void*, std::size_t> sizes;   // every live or cached large block → its size
  std::size_t cached_bytes = 0;
};

LargeCache& large_cache() {
  static auto* c = new LargeCache;  // never destroyed: blocks may be freed during static destruction
  return *c;
}

}  // namespace

std::size_t release_cached_blocks() noexcept {
  std::size_t released = 0;
  {
    LargeCache& lc = large_cache();
    std::lock_guard<std::mutex> lock(lc.mutex);
    for (auto& [size, p] : lc.free_blocks) {
      lc.sizes.erase(p);
      XG_UNPOISON(p, size);
      std::free(p);
      released += size;
    }
    lc.free_blocks.clear();
    lc.cached_bytes = 0;
  }
  if (t_cache_state == 1) {
    BlockCache& bc = cache();
    for (std::size_t c = 0; c < bc.lists.size(); ++c) free_cached_list(bc.lists[c], std::size_t{1} << (c + kMinShift));
    released += bc.bytes;
    bc.bytes = 0;
  }
  return released;
}

void* allocate_small(std::size_t nbytes) {
  const std::size_t c = (nbytes + 15) / 16 - (nbytes ? 1 : 0);
  if (t_pool_state != 2) {
    ObjectPool& p = pool();
    if (FreeNode* h = p.heads[c]) {
      XG_UNPOISON(h, (c + 1) * 16);
      p.heads[c] = h->next;
      --p.counts[c];
      return h;
    }
  }
  return ::operator new ((c + 1) * 16, std::align_val_t{16});
}

void free_small(void* ptr, std::size_t nbytes) noexcept {
  if (!ptr) return;
  const std::size_t c = (nbytes + 15) / 16 - (nbytes ? 1 : 0);
  if (t_pool_state == 1) {
    ObjectPool& p = pool();
    if (p.counts[c] < kPoolPerClass) {
      auto* h = static_cast<FreeNode*>(ptr);
      h->next = p.heads[c];
      p.heads[c] = h;
      ++p.counts[c];
      XG_POISON(h, (c + 1) * 16);
      return;
    }
  }
  ::operator delete (ptr, std::align_val_t{16});
}

void* allocate_block(std::size_t nbytes) {
  if (nbytes == 0) return nullptr;
  if (nbytes > static_cast<std::size_t>(PTRDIFF_MAX)) throw std::bad_alloc();  // rounding below would wrap
  if (nbytes > kMaxCached) {
    const std::size_t rounded = ((nbytes + 4095) / 4096) * 4096;
    LargeCache& lc = large_cache();
    std::lock_guard<std::mutex> lock(lc.mutex);
    if (auto it = lc.free_blocks.lower_bound(rounded); it != lc.free_blocks.end() && it->first <= 2 * rounded) {
      void* p = it->second;
      XG_UNPOISON(p, it->first);
      lc.cached_bytes -= it->first;
      lc.free_blocks.erase(it);
      return p;
    }
    void* p = aligned(rounded);
    try {
      lc.sizes.emplace(p, rounded);
    } catch (...) {
      std::free(p);
      throw;
    }
    return p;
  }
  if (t_cache_state == 2) return aligned(((nbytes + kAlign - 1) / kAlign) * kAlign);
  const unsigned c = size_class(nbytes);
  BlockCache& bc = cache();
  auto& list = bc.lists[c];
  if (!list.empty()) {
    void* p = list.back();
    list.pop_back();
    XG_UNPOISON(p, std::size_t{1} << (c + kMinShift));
    bc.bytes -= std::size_t{1} << (c + kMinShift);
    return p;
  }
  return aligned(std::size_t{1} << (c + kMinShift));
}

void free_block(void* p, std::size_t nbytes) noexcept {
  if (!p) return;
  if (nbytes > kMaxCached) {
    LargeCache& lc = large_cache();
    std::lock_guard<std::mutex> lock(lc.mutex);
    const auto it = lc.sizes.find(p);
    if (it == lc.sizes.end()) {  // not ours (cannot happen for blocks from allocate_block)
      std::free(p);
      return;
    }
    const std::size_t size = it->second;
    if (size <= kLargeMax && lc.cached_bytes + size <= kLargeBudget) {
      try {
        lc.free_blocks.emplace(size, p);
        lc.cached_bytes += size;
        XG_POISON(p, size);
        return;
      } catch (...) {  // no memory for the map node: release the block instead
      }
    }
    lc.sizes.erase(it);
    std::free(p);
    return;
  }
  if (t_cache_state != 1) {
    std::free(p);
    return;
  }
  const unsigned c = size_class(nbytes);
  const std::size_t block = std::size_t{1} << (c + kMinShift);
  BlockCache& bc = cache();
  if (bc.bytes + block > kCacheBudget) {
    std::free(p);
    return;
  }
  try {
    bc.lists[c].push_back(p);
  } catch (...) {  // no memory for the list itself: give the block back instead
    std::free(p);
    return;
  }
  bc.bytes += block;
  XG_POISON(p, block);
}

}  // namespace xg::detail
