#!/usr/bin/env bash
# A short data-parallel run of the main example on 2 MPI ranks: it must finish on both, print the
# test accuracy (above the 10 % of guessing) from rank 0 only, and write rank 0's files.
# Usage: smoke_fashion_mnist_distributed.sh <mpiexec> <fashion_mnist binary> <output dir> [mpiexec flags…]
set -euo pipefail
mpiexec=$1 bin=$2 out=$3
shift 3
rm -rf "$out"
log=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
      "$mpiexec" -np 2 "$@" "$bin" --distributed --limit 512 --epochs 1 --out-dir "$out" 2>&1) || { echo "$log"; exit 1; }
echo "$log" | tail -n 20
[[ $(echo "$log" | grep -c "test accuracy") == 1 ]] || { echo "expected exactly one test accuracy line (rank 0's)"; exit 1; }
acc=$(echo "$log" | sed -n 's/.*test accuracy \([0-9.]*\)%.*/\1/p')
awk -v a="$acc" 'BEGIN { exit !(a > 20) }' || { echo "test accuracy $acc% is not above 20%"; exit 1; }
echo "$log" | grep -q "2 ranks" || { echo "the run does not say it used 2 ranks"; exit 1; }
for f in fashion_mnist_cnn.safetensors learning_curves.svg report.html training_log.csv; do
  [[ -s "$out/$f" ]] || { echo "missing $out/$f"; exit 1; }
done
echo "distributed fashion_mnist smoke run: test accuracy $acc% on 2 ranks, files written to $out"
