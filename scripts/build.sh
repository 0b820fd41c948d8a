#!/usr/bin/env bash
# Installs the dependencies, configures (Release, Ninja, ccache, warnings as errors: the supported
# compiler, Debian 12's GCC 12, builds the tree without a warning) and builds into ./build.
# Extra arguments go to cmake's configure step, e.g. scripts/build.sh -DXGRAD_BUILD_BENCH=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# ccache keys on paths relative to the checkout, so clones in other folders share its cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGRAD_WERROR=ON "$@"
cmake --build build -j"$(nproc)"
