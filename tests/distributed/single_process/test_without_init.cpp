// xg::distributed in an ordinary process that never called init() (part of xgrad_tests, not of the
// mpiexec-run distributed tests): every call is a DistributedError that says what to do — call
// init() first, or, in a build without MPI, install Open MPI and rebuild.
#include <catch2/catch.hpp>

#include "xgrad/distributed.hpp"
#include "xgrad/xgrad.hpp"

namespace dist = xg::distributed;

namespace {
/// The message of the DistributedError that f throws ("no DistributedError" otherwise).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const xg::DistributedError& e) { return e.what(); } catch (...) {
  }
  return "no DistributedError";
}
}  // namespace

TEST_CASE("distributed: before init(), every call is a DistributedError that says what to do", "[distributed]") {
  CHECK_FALSE(dist::is_initialized());
  const std::string advice = dist::is_available()
                                 ? "call xg::distributed::init() first"
                                 : "xgrad was built without MPI; install libopenmpi-dev and openmpi-bin";
  xg::Tensor t = xg::ones({3});
  std::vector<xg::Tensor> list{xg::ones({3})};
  using Catch::Contains;
  using Catch::StartsWith;
  CHECK_THAT(error_of([&] { dist::rank(); }), StartsWith("rank: ") && Contains(advice));
  CHECK_THAT(error_of([&] { dist::world_size(); }), Contains(advice));
  CHECK_THAT(error_of([&] { dist::local_rank(); }), Contains(advice));
  CHECK_THAT(error_of([&] { dist::world(); }), Contains(advice));
  CHECK_THAT(error_of([&] { dist::new_group({0}); }), Contains(advice));
  CHECK_THAT(error_of([&] { dist::all_reduce(t); }), StartsWith("all_reduce: ") && Contains(advice));
  CHECK_THAT(error_of([&] { dist::broadcast(t, 0); }), StartsWith("broadcast: ") && Contains(advice));
  CHECK_THAT(error_of([&] { dist::all_gather(list, t); }), Contains(advice));
  CHECK_THAT(error_of([&] { dist::reduce_scatter(t, list); }), Contains(advice));
  CHECK_THAT(error_of([&] { dist::gather(t, nullptr); }), Contains(advice));
  CHECK_THAT(error_of([&] { dist::barrier(); }), StartsWith("barrier: ") && Contains(advice));
  // a default Work is a completed no-op, and DistributedError is an xg::Error
  dist::Work w;
  CHECK(w.is_completed());
  CHECK_NOTHROW(w.wait());
  CHECK_THROWS_AS(dist::barrier(), xg::Error);
}
