// The process-wide thread limit: one tbb::global_control whose max_allowed_parallelism every TBB
// parallel loop (and kernels::available_threads) obeys.
#include "xgrad/threads.hpp"

#include <memory>
#include <mutex>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "xgrad/error.hpp"

namespace xg {

namespace {
std::mutex g_mutex;
std::unique_ptr<tbb::global_control> g_control;  // null: TBB's default (all hardware threads)
}  // namespace

void set_num_threads(int n) {
  XG_CHECK(n >= 1, ValueError, "set_num_threads: the number of threads must be at least 1, got ", n);
  std::lock_guard lock(g_mutex);
  g_control.reset();  // at most one of ours alive, so the active value is the new one
  g_control =
      std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
}

int get_num_threads() {
  std::lock_guard lock(g_mutex);
  if (g_control)
    return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  return tbb::info::default_concurrency();
}

}  // namespace xg
