// xgrad — the thread count of the parallel kernels (GEMM, convolution, elementwise ops,
// reductions), with PyTorch's names. Results never depend on it: reductions sum in fixed blocks
// combined in a fixed order, so 1 thread and N threads give bitwise-identical tensors.
#pragma once

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// Caps the threads the parallel kernels may use (torch::set_num_threads). `n` must be >= 1;
/// otherwise ValueError. The limit is process-wide, e.g. `xg::set_num_threads(1)` makes every
/// kernel run on the calling thread.
void set_num_threads(int n);

/// The number of threads the parallel kernels may use (torch::get_num_threads): the value last
/// given to set_num_threads, or by default the machine's hardware concurrency.
int get_num_threads();

}  // namespace xg

XGRAD_API_END
