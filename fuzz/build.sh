#!/usr/bin/env bash
# Builds the libFuzzer targets without instrumenting the whole library: the readers under test
# (lib/io/*.cpp) and the targets are compiled by clang with libFuzzer, ASan and UBSan, and linked
# with an ordinary (GCC) build of libxgrad.a for tensors. Usage:
#   fuzz/build.sh [build-dir-with-libxgrad.a] [output-dir]      (defaults: build, build/fuzz-bin)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$src/build}"
out="${2:-$build/fuzz-bin}"
cxx="${CXX_FUZZ:-clang++-14}"
mkdir -p "$out"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
       -I"$src/include" -I"$src/lib")
"$cxx" "${flags[@]}" "$src/fuzz/fuzz_safetensors.cpp" "$src/lib/io/safetensors.cpp" "$src/lib/io/file.cpp" \
  "$build/libxgrad.a" -ltbb -lz -o "$out/fuzz_safetensors"
echo "built $out/fuzz_safetensors"
if pkg-config --exists hdf5; then
  "$cxx" "${flags[@]}" -DXGRAD_HAVE_HDF5=1 $(pkg-config --cflags hdf5) "$src/fuzz/fuzz_hdf5.cpp" "$src/lib/io/hdf5.cpp" \
    "$src/lib/io/file.cpp" "$build/libxgrad.a" -ltbb -lz $(pkg-config --libs hdf5) -o "$out/fuzz_hdf5"
  echo "built $out/fuzz_hdf5"
fi
