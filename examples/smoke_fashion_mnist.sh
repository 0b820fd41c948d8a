#!/usr/bin/env bash
# A short run of the main example on the real data: it must finish, learn something (test
# accuracy far above the 10 % of guessing), and write the model, the curves, the report and the log.
# Usage: smoke_fashion_mnist.sh <fashion_mnist binary> <output dir>
set -euo pipefail
bin=$1 out=$2
rm -rf "$out"
log=$("$bin" --epochs 1 --limit 1024 --out-dir "$out" 2>&1) || { echo "$log"; exit 1; }
echo "$log" | tail -n 20
acc=$(echo "$log" | sed -n 's/.*test accuracy \([0-9.]*\)%.*/\1/p')
[[ -n "$acc" ]] || { echo "no test accuracy printed"; exit 1; }
awk -v a="$acc" 'BEGIN { exit !(a > 50) }' || { echo "test accuracy $acc% is not above 50%"; exit 1; }
for f in fashion_mnist_cnn.safetensors learning_curves.svg report.html training_log.csv; do
  [[ -s "$out/$f" ]] || { echo "missing $out/$f"; exit 1; }
done
grep -q "<polyline" "$out/learning_curves.svg" || { echo "learning_curves.svg has no curve"; exit 1; }
echo "fashion_mnist smoke run: test accuracy $acc%, files written to $out"
