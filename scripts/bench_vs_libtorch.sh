#!/usr/bin/env bash
# xgrad against LibTorch in one command: installs the dependencies (with LibTorch), configures a
# Release build with the benchmarks into ./build, builds bench_vs_libtorch and runs it — matrix
# products, CNN layers, per-op autograd overhead, then one Fashion-MNIST training epoch of an MLP
# and a CNN per library and thread count (each in its own process, with its peak RSS) — printing
# the ratio tables.
#
# Debian's libtorch links the generic libblas.so.3, which is the slow reference BLAS unless an
# optimized one is installed as the system alternative. So that LibTorch's matrix products are
# not handicapped, the script fetches Debian's OpenBLAS (OpenMP build, the threading LibTorch
# uses) with `apt-get download` into build/_deps, without installing it system-wide, and puts it
# first on LD_LIBRARY_PATH. --reference-blas keeps whatever libblas.so.3 the system provides.
# apt-get may warn that the download ran "unsandboxed as root": harmless.
#
#   scripts/bench_vs_libtorch.sh                 # everything, full epochs (several minutes)
#   scripts/bench_vs_libtorch.sh --quick         # smoke run: 10% of the epoch
#   scripts/bench_vs_libtorch.sh train           # only the training epochs (filters: mm, conv, overhead, train, "train cnn")
#   scripts/bench_vs_libtorch.sh --fraction=0.5 train
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
reference_blas=0
for a in "$@"; do
  if [[ "$a" == "--reference-blas" ]]; then reference_blas=1; else args+=("$a"); fi
done

scripts/install-deps.sh --with-torch
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGRAD_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target bench_vs_libtorch

if [[ $reference_blas -eq 0 ]] && ! ldconfig -p | grep -q "libopenblas.so.0"; then
  deps="$PWD/build/_deps/openblas"
  lib="$deps/root/usr/lib/x86_64-linux-gnu/openblas-openmp"
  if [[ ! -e "$lib/libblas.so.3" ]]; then
    mkdir -p "$deps"
    (cd "$deps" && rm -f libopenblas0-openmp_*.deb && apt-get download -qq libopenblas0-openmp \
      && dpkg -x libopenblas0-openmp_*.deb root) || echo "bench_vs_libtorch.sh: could not fetch OpenBLAS; LibTorch keeps the system BLAS" >&2
  fi
  if [[ -e "$lib/libblas.so.3" ]]; then export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
fi
# On a shared machine LibTorch's OpenMP threads spinning at barriers (the default ACTIVE policy)
# collapse when another process holds a core (a 2-thread MLP epoch measured 50x slower); PASSIVE
# makes them sleep, as TBB's workers do. Set OMP_WAIT_POLICY yourself to override.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec build/bench/torch/bench_vs_libtorch ${args[@]+"${args[@]}"}
