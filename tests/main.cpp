// The main of the test suite (Catch2 v2, as Debian 12 ships it; its implementation is
// catch_impl.cpp, shared with the distributed tests).
#include "catch_main.hpp"

int main(int argc, char* argv[]) { return xg::testing::run_catch(argc, argv); }
