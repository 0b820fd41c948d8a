// The storage allocator and the object pool (lib/core/allocator.cpp): alignment, reuse of freed
// blocks by the next request of their size class, best-fit reuse of large blocks, blocks freed on
// another thread, and tensors whose memory comes back from the caches holding what they are given.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "core/allocator.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;

TEST_CASE("allocator: blocks of every size class are 64-byte aligned and writable") {
  for (std::size_t n : {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{65}, std::size_t{4000},
                        std::size_t{65536}, std::size_t{65537}, std::size_t{1} << 20}) {
    void* p = detail::allocate_block(n);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(p) % 64 == 0);
    std::memset(p, 0xab, n);
    detail::free_block(p, n);
  }
  CHECK(detail::allocate_block(0) == nullptr);
  detail::free_block(nullptr, 0);  // a no-op
}

TEST_CASE("allocator: a freed small block is handed to the next request of its size class") {
  void* a = detail::allocate_block(100);  // class 128
  detail::free_block(a, 100);
  void* b = detail::allocate_block(120);
  CHECK(b == a);
  detail::free_block(b, 120);
}

TEST_CASE("allocator: a freed large block serves a request of up to its size, not one far smaller") {
  detail::release_cached_blocks();  // room in the cache, whatever earlier tests left there
  const std::size_t big = std::size_t{3} << 20;
  void* a = detail::allocate_block(big);
  detail::free_block(a, big);
  void* tiny = detail::allocate_block(std::size_t{300} << 10);  // less than half: a fresh block
  CHECK(tiny != a);
  void* b = detail::allocate_block(big - 12345);  // fits, within twice: the cached block
  CHECK(b == a);
  detail::free_block(b, big - 12345);
  detail::free_block(tiny, std::size_t{300} << 10);
}

TEST_CASE("allocator: blocks freed on another thread are safe to reuse") {
  std::vector<void*> blocks;
  for (int i = 0; i < 64; ++i) blocks.push_back(detail::allocate_block(256));
  std::thread([&] {
    for (void* p : blocks) detail::free_block(p, 256);
    void* q = detail::allocate_block(256);  // from this thread's own cache
    std::memset(q, 1, 256);
    detail::free_block(q, 256);
  }).join();
  void* r = detail::allocate_block(256);
  std::memset(r, 2, 256);
  detail::free_block(r, 256);
}

TEST_CASE("allocator: releasing the caches gives back the cached bytes and leaves them empty") {
  detail::release_cached_blocks();
  void* a = detail::allocate_block(std::size_t{1} << 20);
  void* b = detail::allocate_block(1000);
  detail::free_block(a, std::size_t{1} << 20);
  detail::free_block(b, 1000);
  CHECK(detail::release_cached_blocks() == (std::size_t{1} << 20) + 1024);
  CHECK(detail::release_cached_blocks() == 0);
}

TEST_CASE("allocator: pooled objects are reused after release and keep their values") {
  auto a = detail::make_pooled<std::int64_t>(7);
  const void* where = a.get();
  a.reset();
  auto b = detail::make_pooled<std::int64_t>(9);
  CHECK(b.get() == where);
  CHECK(*b == 9);
}

TEST_CASE("allocator: tensors built on recycled memory hold exactly what they are given") {
  for (int round = 0; round < 3; ++round) {
    std::vector<Tensor> ts;
    for (std::int64_t n : {1, 17, 1000, 20000, 300000}) ts.push_back(full({n}, static_cast<double>(round + n)));
    for (const auto& t : ts) {
      const float want = static_cast<float>(round + t.numel());
      CHECK(t.min().item<float>() == want);
      CHECK(t.max().item<float>() == want);
    }
  }
}
