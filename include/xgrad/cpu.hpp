// xgrad — which instruction set the kernels run on (PyTorch: torch.backends.cpu.get_cpu_capability
// and the ATEN_CPU_CAPABILITY variable). GEMM, convolution, pooling and the fused optimizer
// updates are compiled for SSE4.2 (x86-64-v2), AVX2 + FMA (x86-64-v3) and AVX-512 (x86-64-v4), and
// the best one the processor supports is chosen when the first kernel runs. The environment
// variable XGRAD_ISA (sse4, avx2 or avx512) forces a lower one, e.g. to compare paths or to
// reproduce another machine's results; values the processor cannot run are reported on stderr
// and ignored. Results agree across paths to rounding (the vector width changes the order of
// some sums), and on one path they never depend on the thread count.
#pragma once
#include <string>
#include <vector>

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// The instruction set the dispatched kernels run on now: "avx512", "avx2" or "sse4" on x86-64
/// ("generic" on other processors).
std::string cpu_capability();

/// The instruction sets this processor and this build can run, best first.
std::vector<std::string> supported_cpu_capabilities();

/// Makes the kernels run on `isa` from now on (one of supported_cpu_capabilities(); otherwise
/// ValueError naming the supported ones). Process-wide; do not call it while kernels run on
/// other threads.
void set_cpu_capability(const std::string& isa);

}  // namespace xg

XGRAD_API_END
