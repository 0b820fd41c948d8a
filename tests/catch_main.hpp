// The test programs' entry into Catch2 (defined in catch_impl.cpp).
#pragma once

namespace xg::testing {
/// Parses Catch2's command line and runs the selected tests; a non-null output_file replaces the
/// reporter's output stream (the distributed tests silence every rank but 0 with "/dev/null").
int run_catch(int argc, char* argv[], const char* output_file = nullptr);
}  // namespace xg::testing
