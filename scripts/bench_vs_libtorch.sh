#!/usr/bin/env bash
# xgrad against LibTorch in one command: installs the dependencies (with LibTorch), configures a
# Release build with the benchmarks into ./build, builds bench_vs_libtorch and runs it — matrix
# products, CNN layers, per-op autograd overhead, then one Fashion-MNIST training epoch of an MLP
# and a CNN per library and thread count (each in its own process, with its peak RSS) — printing
# the ratio tables.
#
#   scripts/bench_vs_libtorch.sh                 # everything, full epochs (several minutes)
#   scripts/bench_vs_libtorch.sh --quick         # smoke run: 10% of the epoch
#   scripts/bench_vs_libtorch.sh train           # only the training epochs (filters: mm, conv, overhead, train, "train cnn")
#   scripts/bench_vs_libtorch.sh --fraction=0.5 train
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-torch
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGRAD_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$(nproc)" --target bench_vs_libtorch
exec build/bench/torch/bench_vs_libtorch "$@"
