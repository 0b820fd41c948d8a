#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the whole test suite
# (every Catch2 test case is its own ctest test, plus the installed-package consumer test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir build -j"$(nproc)" --output-on-failure --timeout 900
