// The Catch2 main of the distributed tests, run on every rank by mpiexec (see tests/CMakeLists.txt:
// one ctest per test file and rank count). init() comes first, so test cases can use collectives.
//
// A failed assertion on any rank ends the whole job at once (MPI_Abort, after printing the
// failure): the other ranks would otherwise wait forever in the test's next collective, for a
// partner that has left the test. Catch2's implementation is tests/catch_impl.cpp.
// Reporter bases (TestEventListenerBase) without Catch2's implementation, which is catch_impl.cpp.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <mpi.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <xgrad/distributed.hpp>

#include "catch_main.hpp"

namespace {
struct AbortOnFailure : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  std::string test_name;

  void testCaseStarting(Catch::TestCaseInfo const& info) override { test_name = info.name; }

  bool assertionEnded(Catch::AssertionStats const& stats) override {
    const Catch::AssertionResult& r = stats.assertionResult;
    if (r.isOk()) return true;
    std::fprintf(stderr, "\n[rank %d] FAILED in test \"%s\"\n  at %s:%zu\n  %s\n  with expansion: %s\n",
                 xg::distributed::rank(), test_name.c_str(), r.getSourceInfo().file, r.getSourceInfo().line,
                 r.getExpressionInMacro().c_str(), r.getExpandedExpression().c_str());
    if (r.hasMessage()) std::fprintf(stderr, "  message: %s\n", r.getMessage().c_str());
    for (const auto& info : stats.infoMessages)
      if (info.message != r.getMessage()) std::fprintf(stderr, "  info: %s\n", info.message.c_str());
    std::fprintf(stderr, "[rank %d] aborting the job so that the other ranks do not wait for this one\n",
                 xg::distributed::rank());
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
    return true;
  }
};
}  // namespace
CATCH_REGISTER_LISTENER(AbortOnFailure)

int main(int argc, char* argv[]) {
  auto guard = xg::distributed::init();
  // Only rank 0 reports passing runs; a failure is reported by the rank it happens on (above).
  return xg::testing::run_catch(argc, argv, xg::distributed::rank() == 0 ? nullptr : "/dev/null");
}
