#!/usr/bin/env bash
# Checks that a portable build (-DXGRAD_NATIVE=OFF) runs on older processors: builds it into
# build-portable and runs the instruction-set tests, the op database and the kernel tests under
# QEMU's user-mode emulation of a Nehalem (SSE4.2, no AVX) and a Haswell (AVX2, no AVX-512) CPU;
# an AVX or AVX-512 instruction outside the dispatched kernels would stop the run with SIGILL.
# Needs Debian's qemu-user (installed if missing, as root). Emulation is slow: a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v qemu-x86_64 >/dev/null; then
  [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null
fi
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B build-portable -G Ninja -DCMAKE_BUILD_TYPE=Release -DXGRAD_NATIVE=OFF >/dev/null
cmake --build build-portable -j"$(nproc)" --target xgrad_tests
filter="[isa],[#test_gemm],[#test_op_db],[#test_determinism]"
for cpu in Nehalem:sse4 Haswell:avx2; do
  model=${cpu%%:*}
  echo "== emulated $model: the ${cpu##*:} kernels must run"
  XGRAD_EXPECT_ISA=${cpu##*:} qemu-x86_64 -cpu "$model" build-portable/tests/xgrad_tests --filenames-as-tags "$filter"
done
