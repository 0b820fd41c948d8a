// Run by ctest under mpiexec: rank 1 throws while rank 0 waits in a barrier that rank 1 will never
// reach. The InitGuard, destroyed during the exception's unwinding, must abort the whole job (exit
// code 1, in seconds) instead of finalizing, which would leave rank 0 waiting forever.
#include <cstdio>
#include <stdexcept>
#include <xgrad/distributed.hpp>

int main() {
  try {
    auto guard = xg::distributed::init({.set_num_threads = false});
    if (xg::distributed::rank() == 1) throw std::runtime_error("rank 1 failed on purpose");
    xg::distributed::barrier();
    std::printf("rank %d passed a barrier that rank 1 never reached\n", xg::distributed::rank());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "caught: %s\n", e.what());
    return 1;
  }
  return 0;
}
