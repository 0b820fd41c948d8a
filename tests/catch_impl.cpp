// Catch2's implementation (Catch2 v2 is header-only: one file defines it), compiled once and linked
// into both test programs; each program's main (main.cpp, distributed/main/main.cpp) calls
// run_catch, so that neither has to compile the implementation again.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "catch_main.hpp"

int xg::testing::run_catch(int argc, char* argv[], const char* output_file) {
  Catch::Session session;
  if (int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  if (output_file != nullptr) session.configData().outputFilename = output_file;
  return session.run();
}
