// The Catch2 main of the test suite (Catch2 v2, as Debian 12 ships it).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
