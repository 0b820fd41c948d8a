// The global generator: std::mt19937_64 (whose output sequence the standard fixes) with our own
// uniform and normal transforms, so results are identical on every platform and compiler.
#include "xgrad/random.hpp"

#include <cmath>
#include <random>
#include <sstream>

#include "xgrad/error.hpp"

namespace xg {

struct Generator::Impl {
  std::mt19937_64 engine;
  std::uint64_t seed = 0;
  bool has_spare = false;
  double spare = 0.0;
};

Generator::Generator(std::uint64_t seed) : impl_(std::make_unique<Impl>()) { manual_seed(seed); }
Generator::Generator(const Generator& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
Generator& Generator::operator=(const Generator& o) {
  *impl_ = *o.impl_;
  return *this;
}
Generator::~Generator() = default;

void Generator::manual_seed(std::uint64_t seed) {
  impl_->engine.seed(seed);
  impl_->seed = seed;
  impl_->has_spare = false;
}
std::uint64_t Generator::initial_seed() const { return impl_->seed; }
std::uint64_t Generator::next_u64() { return impl_->engine(); }
double Generator::next_double() { return static_cast<double>(impl_->engine() >> 11) * 0x1.0p-53; }

std::uint64_t Generator::next_below(std::uint64_t n) {
  XG_CHECK(n > 0, ValueError, "Generator::next_below: the bound must be positive, got 0");
  // Rejection: the draws at or above the largest multiple of n (the incomplete last block of
  // 2^64 mod n values) are redrawn, so r mod n has no modulo bias.
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t r;
  do r = impl_->engine();
  while (r >= limit);
  return r % n;
}

double Generator::next_normal() {
  if (impl_->has_spare) {
    impl_->has_spare = false;
    return impl_->spare;
  }
  // Box–Muller on (0, 1] × [0, 1)
  const double u1 = 1.0 - next_double();
  const double u2 = next_double();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * M_PI * u2;
  impl_->spare = r * std::sin(theta);
  impl_->has_spare = true;
  return r * std::cos(theta);
}

std::string Generator::get_state() const {
  std::ostringstream os;
  os << impl_->seed << ' ' << impl_->has_spare << ' ';
  os.precision(17);
  os << std::hexfloat << impl_->spare << ' ' << impl_->engine;
  return os.str();
}

void Generator::set_state(const std::string& state) {
  std::istringstream is(state);
  Impl next;
  std::string spare;
  is >> next.seed >> next.has_spare >> spare >> next.engine;
  XG_CHECK(!is.fail(), ValueError, "Generator::set_state: the state string is not one made by get_state()");
  next.spare = std::strtod(spare.c_str(), nullptr);
  *impl_ = next;
}

Generator& default_generator() {
  static Generator gen;
  return gen;
}
void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace xg
