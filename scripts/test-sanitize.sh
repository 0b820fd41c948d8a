#!/usr/bin/env bash
# CI's sanitizer leg: builds the library, tests and examples with AddressSanitizer and
# UndefinedBehaviorSanitizer (-O1 -g, warnings as errors) into build-asan and runs the test suite
# there. Undefined behaviour aborts the test that hits it. It builds without precompiled headers,
# so a file that uses a header it does not include fails here. Left out: the consumer tests of the
# installed package and of the Debian package (an instrumented library needs an instrumented
# consumer). The MPI tests run
# without leak detection, since Open MPI keeps allocations alive until the process exits; the
# other leak suppressions, each with its reason, are in tests/lsan.supp. LeakSanitizer follows
# pointers kept in poisoned memory (use_poisoned): the object pool links its free blocks through
# the blocks themselves and poisons them (Note [Object pool] in lib/core/allocator.cpp), so without
# it every block after a free list's head would be reported as leaked.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# ccache keys on paths relative to the checkout, so clones in other folders share its cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
      -DXGRAD_SANITIZE=ON -DXGRAD_WERROR=ON -DXGRAD_PCH=OFF "$@"
cmake --build build-asan -j"$(nproc)"
scripts/check-build-times.sh build-asan 300
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 LSAN_OPTIONS="use_poisoned=1:suppressions=$PWD/tests/lsan.supp" \
  ctest --test-dir build-asan -j"$(nproc)" --output-on-failure --timeout 900 -E "^(install|package):" -LE distributed
ASAN_OPTIONS=detect_leaks=0 \
  ctest --test-dir build-asan -j"$(nproc)" --output-on-failure --timeout 900 -L distributed
