// xg::set_num_threads / xg::get_num_threads.
#include <catch2/catch.hpp>

#include <thread>

#include <xgrad/xgrad.hpp>

namespace {
/// Restores the thread count a test changed.
struct ThreadsGuard {
  int saved = xg::get_num_threads();
  ~ThreadsGuard() { xg::set_num_threads(saved); }
};
}  // namespace

TEST_CASE("get_num_threads returns what set_num_threads was given", "[threads]") {
  ThreadsGuard guard;
  xg::set_num_threads(1);
  CHECK(xg::get_num_threads() == 1);
  xg::set_num_threads(2);
  CHECK(xg::get_num_threads() == 2);
  xg::set_num_threads(1);
  CHECK(xg::get_num_threads() == 1);
}

TEST_CASE("get_num_threads is at least one by default", "[threads]") { CHECK(xg::get_num_threads() >= 1); }

TEST_CASE("set_num_threads rejects counts below one with a ValueError naming it", "[threads]") {
  ThreadsGuard guard;
  xg::set_num_threads(2);
  for (int bad : {0, -1, -100}) {
    CHECK_THROWS_AS(xg::set_num_threads(bad), xg::ValueError);
    CHECK_THROWS_WITH(xg::set_num_threads(bad),
                      Catch::Contains("set_num_threads") && Catch::Contains(std::to_string(bad)));
  }
  CHECK(xg::get_num_threads() == 2);  // a rejected call changes nothing
}

TEST_CASE("ops give the same results whatever the thread count", "[threads]") {
  ThreadsGuard guard;
  xg::manual_seed(3);
  const auto a = xg::randn({300, 200}), b = xg::randn({200, 100});
  xg::set_num_threads(1);
  const auto one = xg::matmul(a, b);
  xg::set_num_threads(2);
  const auto two = xg::matmul(a, b);
  CHECK(xg::equal(one, two));
}
