#!/usr/bin/env bash
# Data-parallel training on one machine (docs/distributed.md, "How far does this scale"): runs
# bench/bench_ddp_scaling for the MLP 784-256-128-10 and the CNN of examples/fashion_mnist.cpp and
# prints
#   (a) 1 process × 2 threads against mpirun -np 2 × 1 thread with DistributedDataParallel, at the
#       same global batch (128: 64 per rank): time per step and the ratio;
#   (b) the share of all-reduce time hidden behind backward (last_step_stats()), overlap on and off,
#       with small buckets (0.25 MB) so that a bucket can start before backward ends;
#   (c) the comm hooks none, bf16 and fp16: time per step and the ratio to none;
#   (d) the inputs of scripts/ddp_scaling_model.py: compute per step at batch 64 on 2 threads, and
#       the bytes each rank all-reduces per step.
# Every configuration runs REPEAT times (default 3) and the fastest run is kept (other processes on
# the machine only ever slow a run down).
#
# Usage: scripts/bench_ddp_scaling.sh [build dir]      (default: build; needs -DXGRAD_BUILD_BENCH=ON)
#        REPEAT=5 MLP_STEPS=500 CNN_STEPS=100 scripts/bench_ddp_scaling.sh build
set -euo pipefail
build=${1:-build}
bin=$build/bench/bench_ddp_scaling
[[ -x $bin ]] || { echo "no $bin: configure with -DXGRAD_BUILD_BENCH=ON and build bench_ddp_scaling"; exit 1; }
repeat=${REPEAT:-3}
mlp_steps=${MLP_STEPS:-300} cnn_steps=${CNN_STEPS:-40}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun -np 2 --oversubscribe --bind-to none)

steps_of() { [[ $1 == mlp ]] && echo "$mlp_steps" || echo "$cnn_steps"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# best <command…>: the output line of the fastest of `repeat` runs.
best() {
  local lines="" line
  for ((r = 0; r < repeat; ++r)); do
    line=$("$@" | grep '^model=') || { echo "failed: $*" >&2; exit 1; }
    lines+="$(field ms_per_step "$line") $line"$'\n'
  done
  printf "%s" "$lines" | sort -g | head -n 1 | cut -d" " -f2-
}
single() { best "$bin" --model "$1" --steps "$(steps_of "$1")" --threads 2 "${@:2}"; }
ddp() { best "${mpirun[@]}" "$bin" --model "$1" --steps "$(steps_of "$1")" --distributed --threads 1 "${@:2}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "# bench_ddp_scaling on $(nproc) cores, $(mpirun --version | head -n 1), best of $repeat runs"
echo "# MLP: $mlp_steps steps, CNN: $cnn_steps steps, Adam, synthetic Fashion-MNIST-shaped data"
echo
echo "## (a) 1 process x 2 threads vs 2 ranks x 1 thread (DDP), global batch 128"
echo "| model | 1 x 2 threads, ms/step | 2 ranks x 1 thread, ms/step | ranks / threads time | all-reduce exposed, ms/step |"
echo "|---|---:|---:|---:|---:|"
declare -A none
for m in mlp cnn; do
  s=$(single $m)
  d=$(ddp $m)
  none[$m]=$d
  echo "| $m | $(field ms_per_step "$s") | $(field ms_per_step "$d") | $(ratio "$(field ms_per_step "$d")" "$(field ms_per_step "$s")") | $(field exposed_ms "$d") |"
done
echo
echo "## (b) all-reduce hidden behind backward (2 ranks, 0.25 MB buckets)"
echo "| model | overlap | buckets | ms/step | all-reduce in flight, ms/step | hidden fraction | exposed, ms/step |"
echo "|---|---|---:|---:|---:|---:|---:|"
for m in mlp cnn; do
  for ov in on off; do
    flag=(); [[ $ov == off ]] && flag=(--no-overlap)
    d=$(ddp $m --bucket-cap-mb 0.25 "${flag[@]}")
    echo "| $m | $ov | $(field buckets "$d") | $(field ms_per_step "$d") | $(field comm_ms "$d") | $(field hidden_fraction "$d") | $(field exposed_ms "$d") |"
  done
done
echo
echo "## (c) gradient compression (2 ranks, default 25 MB buckets)"
echo "| model | comm_hook | bytes/step/rank | ms/step | time / none | exposed, ms/step |"
echo "|---|---|---:|---:|---:|---:|"
for m in mlp cnn; do
  base=$(field ms_per_step "${none[$m]}")
  for h in none bf16 fp16; do
    if [[ $h == none ]]; then d=${none[$m]}; else d=$(ddp $m --comm-hook $h); fi
    echo "| $m | $h | $(field bytes "$d") | $(field ms_per_step "$d") | $(ratio "$(field ms_per_step "$d")" "$base") | $(field exposed_ms "$d") |"
  done
done
echo
echo "## (d) inputs of scripts/ddp_scaling_model.py (one machine, 2 threads, batch 64)"
for m in mlp cnn; do
  s=$(single $m --global-batch 64)
  echo "$m: --compute-ms $(field ms_per_step "$s") --bytes $(field bytes "${none[$m]}")"
done
