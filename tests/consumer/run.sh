#!/usr/bin/env bash
# Installs the built xgrad into a scratch prefix, then builds and runs the consumer project
# against it with find_package(xgrad) and with pkg-config (lib.sh): the static library, or in a
# -DBUILD_SHARED_LIBS=ON build the shared library and the static archive installed next to it.
set -euo pipefail
build_dir="$(cd "$1" && pwd)"
src_dir="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=tests/consumer/lib.sh
source "$src_dir/lib.sh"
work="$build_dir/consumer-test"
rm -rf "$work"
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
consumer_checks install "$work/prefix" "$work" "$src_dir"
