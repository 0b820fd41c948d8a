#!/usr/bin/env bash
# The README's test command: checks that every Note [...] citation resolves, installs what is
# missing, builds (warnings are errors), checks the formatting (.clang-format), checks that no
# translation unit went over the compile-time budget, and runs the whole test suite (every Catch2
# test case is its own ctest test, plus the installed-package consumer test and the MPI tests on 2
# and 3 ranks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/check-notes.sh
scripts/build.sh
scripts/check-format.sh
scripts/check-build-times.sh build 60
ctest --test-dir build -j"$(nproc)" --output-on-failure --timeout 900
