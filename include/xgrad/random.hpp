// xgrad — reproducible random numbers.
// One global generator (a 64-bit Mersenne Twister, whose sequence the C++ standard fixes) drives
// rand, randn, randint, randperm, dropout and the initializers. `xg::manual_seed(0)` makes every
// run repeat exactly; the state can be saved and restored for checkpoints.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// A seedable pseudo-random generator (std::mt19937_64, whose sequence the C++ standard fixes)
/// with a state that can be saved and restored.
class Generator {
 public:
  /// A generator seeded with `seed` (PyTorch's default seed by default).
  explicit Generator(std::uint64_t seed = 67280421310721ULL);
  /// A copy continues the same sequence independently.
  ///@{
  Generator(const Generator&);
  Generator& operator=(const Generator&);
  ///@}
  ~Generator();
  /// Restarts the sequence from `seed`.
  void manual_seed(std::uint64_t seed);
  /// The seed last set.
  std::uint64_t initial_seed() const;
  /// Next raw 64-bit value.
  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double next_double();
  /// Uniform integer in [0, n), n >= 1, every value exactly equally likely: the one bounded draw
  /// behind randint, randperm, shuffles, random crops and init::sparse_. A 64-bit draw r is kept
  /// when below the largest multiple of n and mapped to r mod n, so a small n almost never costs
  /// a second draw; ValueError for n = 0.
  std::uint64_t next_below(std::uint64_t n);
  /// Standard normal (Box–Muller; the second value of each pair is kept for the next call).
  double next_normal();
  /// The full state as text, and back: resuming from it continues the same sequence.
  std::string get_state() const;
  /// Restores a state from get_state() (ValueError for malformed text).
  void set_state(const std::string& state);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The generator all random factories use; access it from one thread at a time.
Generator& default_generator();
/// Seeds the default generator.
void manual_seed(std::uint64_t seed);

}  // namespace xg

XGRAD_API_END
