// Internal: deriving independent random streams from tuples of integers, and the few integer
// draws the data layer needs (bounded integers, permutations), all from xg::Generator so that
// results are identical on every platform.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "xgrad/random.hpp"

namespace xg::data::detail {

// Domains keep the streams of different uses apart even when their other inputs coincide.
inline constexpr std::uint64_t kShuffleDomain = 0x53485546464c45ULL;  // "SHUFFLE"
inline constexpr std::uint64_t kMapDomain = 0x4d4150ULL;              // "MAP"
inline constexpr std::uint64_t kBatchDomain = 0x4241544348ULL;        // "BATCH"
inline constexpr std::uint64_t kSplitDomain = 0x53504c4954ULL;        // "SPLIT"

/// The SplitMix64 finalizer (Steele, Lea & Flood 2014): a bijection on 64 bits whose outputs for
/// nearby inputs look independent.
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A seed that depends on every value and on their order: h ← mix(h + golden·(i+1) ⊕ mix(v)).
inline std::uint64_t derive_seed(std::initializer_list<std::uint64_t> values) {
  std::uint64_t h = 0x243f6a8885a308d3ULL;  // π's fraction bits, any non-zero start would do
  std::uint64_t i = 0;
  for (std::uint64_t v : values) h = mix64((h + 0x9e3779b97f4a7c15ULL * ++i) ^ mix64(v));
  return h;
}

/// Uniform integer in [0, n), n >= 1 (Generator::next_below, which has no modulo bias).
inline std::int64_t uniform_int(Generator& gen, std::int64_t n) {
  return static_cast<std::int64_t>(gen.next_below(static_cast<std::uint64_t>(n)));
}

/// Fisher–Yates: for i from the end, swap v[i] with v[j], j uniform in [0, i].
inline void shuffle(std::vector<std::int64_t>& v, Generator& gen) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(uniform_int(gen, static_cast<std::int64_t>(i)));
    std::swap(v[i - 1], v[j]);
  }
}

/// 0, 1, …, n−1, shuffled with gen.
inline std::vector<std::int64_t> permutation(std::int64_t n, Generator& gen) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
  shuffle(v, gen);
  return v;
}

/// The thread-local context random transforms draw under (Note [Reproducible random transforms]).
struct RandomContext {
  std::int64_t epoch = 0;
  std::uint64_t seed = 0;
  std::uint64_t level = 0;  // how many MapDatasets the current get() is nested in
};
RandomContext& random_context();

}  // namespace xg::data::detail
