#!/usr/bin/env bash
# Installs every Debian 12 package xgrad needs to build, test and run its examples.
# Idempotent: installs only what is missing (and runs apt-get update only then). Uses sudo when
# not run as root. `--with-torch` also installs LibTorch and PyTorch for the side-by-side
# benchmarks and the PyTorch round-trip tests.
set -euo pipefail

packages=(build-essential cmake ninja-build ccache pkg-config
          xtensor-dev libxsimd-dev libtbb-dev catch2 libbenchmark-dev zlib1g-dev nlohmann-json3-dev libhdf5-dev
          libopenmpi-dev openmpi-bin dataset-fashion-mnist doxygen clang-format)
if [[ "${1:-}" == "--with-torch" ]]; then
  packages+=(libtorch-dev python3-torch python3-h5py)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=""
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
