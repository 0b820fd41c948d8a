#include <catch2/catch.hpp>

#include <string>

#include <xgrad/xgrad.hpp>

TEST_CASE("version: the library reports the version its headers declare") {
  const std::string expected = std::to_string(XGRAD_VERSION_MAJOR) + "." + std::to_string(XGRAD_VERSION_MINOR) + "." +
                               std::to_string(XGRAD_VERSION_PATCH);
  CHECK(std::string(xg::version()) == expected);
  CHECK(XGRAD_VERSION == XGRAD_VERSION_MAJOR * 10000 + XGRAD_VERSION_MINOR * 100 + XGRAD_VERSION_PATCH);
  STATIC_REQUIRE(XGRAD_VERSION_NUMBER(0, 2, 0) < XGRAD_VERSION_NUMBER(0, 10, 0));
}
