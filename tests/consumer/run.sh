#!/usr/bin/env bash
# Installs the built xgrad into a scratch prefix, then builds and runs the consumer project
# against it twice: with find_package(xgrad) and with pkg-config.
set -euo pipefail
build_dir="$1"
src_dir="$(cd "$(dirname "$0")" && pwd)"
work="$build_dir/consumer-test"
rm -rf "$work"
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$src_dir" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer"
libdir=$(find "$work/prefix" -name xgrad.pc -printf '%h\n' | head -n1)
export PKG_CONFIG_PATH="$libdir"
c++ "$src_dir/main.cpp" -o "$work/consumer-pkgconfig" $(pkg-config --cflags xgrad) $(pkg-config --libs --static xgrad)
"$work/consumer-pkgconfig"
