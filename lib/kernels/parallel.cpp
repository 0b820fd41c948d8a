// The one instantiation of TBB's parallel loop (Note [One compiled parallel loop] in parallel.hpp).
#include "kernels/parallel.hpp"

#include <algorithm>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

namespace xg::kernels {

int available_threads() {
  // The arena's concurrency, capped by a global_control limit (xg::set_num_threads) if one is set.
  const auto limit = tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
  return std::max(1, std::min(tbb::this_task_arena::max_concurrency(), static_cast<int>(limit)));
}

void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain, RangeRef body, Partition partition) {
  if (begin >= end) return;
  const tbb::blocked_range<std::int64_t> range(begin, end, std::max<std::int64_t>(1, grain));
  auto run = [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); };
  if (partition == Partition::Simple) tbb::parallel_for(range, run, tbb::simple_partitioner());
  else tbb::parallel_for(range, run);
}

}  // namespace xg::kernels
