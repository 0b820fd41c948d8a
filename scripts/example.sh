#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and trains the main example on
# the real Fashion-MNIST data: the CNN of examples/fashion_mnist.cpp. Arguments go to the example
# (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
exec build/examples/fashion_mnist "$@"
