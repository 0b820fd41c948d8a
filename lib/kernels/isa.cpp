// Chooses the instruction set of the dispatched kernels (Note [Kernels per instruction set] in
// kernels/isa.hpp): the best the processor supports, lowered by XGRAD_ISA or set_cpu_capability.
#include "kernels/isa.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "xgrad/cpu.hpp"
#include "xgrad/error.hpp"

namespace xg::kernels {
namespace {

#if defined(__x86_64__)
constexpr const char* kNames[] = {"sse4", "avx2", "avx512"};

// CPUID through GCC's runtime, which also checks that the OS saves the AVX / AVX-512 registers.
Isa best_supported() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd"))
    return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2") &&
      __builtin_cpu_supports("f16c"))
    return Isa::Avx2;
  return Isa::Sse4;
}
#else
constexpr const char* kNames[] = {"generic"};
Isa best_supported() { return Isa::Sse4; }
#endif
constexpr int kCount = static_cast<int>(sizeof(kNames) / sizeof(kNames[0]));

const char* name_of(Isa isa) { return kNames[static_cast<int>(isa) < kCount ? static_cast<int>(isa) : 0]; }

int parse(const std::string& s) {
  for (int i = 0; i < kCount; ++i)
    if (s == kNames[i]) return i;
  return -1;
}

std::string supported_list() {
  std::string out;
  for (int i = static_cast<int>(best_supported()); i >= 0; --i) {
    if (!out.empty()) out += ", ";
    out += kNames[i];
  }
  return out;
}

Isa initial() {
  const Isa best = best_supported();
  const char* env = std::getenv("XGRAD_ISA");
  if (env == nullptr || *env == '\0') return best;
  const int wanted = parse(env);
  if (wanted >= 0 && wanted <= static_cast<int>(best)) return static_cast<Isa>(wanted);
  std::fprintf(stderr, "xgrad: XGRAD_ISA=%s is not an instruction set this processor runs (supported: %s); using %s\n",
               env, supported_list().c_str(), name_of(best));
  return best;
}

std::atomic<int>& current() {
  static std::atomic<int> isa{static_cast<int>(initial())};
  return isa;
}

}  // namespace

Isa active_isa() { return static_cast<Isa>(current().load(std::memory_order_relaxed)); }

}  // namespace xg::kernels

namespace xg {

std::string cpu_capability() { return kernels::name_of(kernels::active_isa()); }

std::vector<std::string> supported_cpu_capabilities() {
  std::vector<std::string> out;
  for (int i = static_cast<int>(kernels::best_supported()); i >= 0; --i) out.emplace_back(kernels::kNames[i]);
  return out;
}

void set_cpu_capability(const std::string& isa) {
  const int wanted = kernels::parse(isa);
  XG_CHECK(wanted >= 0 && wanted <= static_cast<int>(kernels::best_supported()), ValueError, "set_cpu_capability: '",
           isa, "' is not an instruction set this processor runs; supported: ", kernels::supported_list());
  kernels::current().store(wanted, std::memory_order_relaxed);
}

}  // namespace xg
