#!/usr/bin/env python3
"""Scaling model of synchronous data-parallel training (docs/distributed.md, "How far does this scale").

Per step, every machine computes forward + backward on its per-rank batch (C seconds, measured on one
machine) and the ranks all-reduce the gradients (B bytes). With a ring all-reduce over N machines

    T_allreduce(N) = 2 (N - 1) / N * B / bandwidth + 2 (N - 1) * latency

and no overlap of communication with backward (the pessimistic case; DDP hides part of it), a step
takes T(N) = C + T_allreduce(N). Throughput relative to one machine is N * C / T(N) and the
efficiency C / T(N). Usage:

    scripts/ddp_scaling_model.py                       # the measured defaults below
    scripts/ddp_scaling_model.py --compute-ms 20 --bytes 900904 --name CNN
"""
import argparse

NETWORKS = [  # name, effective bandwidth (bytes/s), per-message latency (s)
    ("10 GbE", 1.10e9, 30e-6),
    ("25 GbE", 2.80e9, 20e-6),
]
MACHINES = [8, 16, 32, 64]


def allreduce_seconds(n, nbytes, bandwidth, latency):
    if n <= 1:
        return 0.0
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * (n - 1) * latency


def table(name, compute_s, nbytes):
    print(f"\n{name}: compute {compute_s * 1e3:.2f} ms per step, {nbytes / 1e6:.3f} MB all-reduced per step")
    print("| network | machines | all-reduce ms | step ms | speed-up | efficiency |")
    print("|---|---:|---:|---:|---:|---:|")
    for net, bw, lat in NETWORKS:
        for n in MACHINES:
            ar = allreduce_seconds(n, nbytes, bw, lat)
            step = compute_s + ar
            print(f"| {net} | {n} | {ar * 1e3:.2f} | {step * 1e3:.2f} | {n * compute_s / step:.1f}x | {compute_s / step:.0%} |")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name")
    p.add_argument("--compute-ms", type=float, help="forward + backward + update per step, one machine")
    p.add_argument("--bytes", type=float, help="bytes all-reduced per step (4 x parameters in float32)")
    a = p.parse_args()
    if a.compute_ms is not None and a.bytes is not None:
        table(a.name or "model", a.compute_ms / 1e3, a.bytes)
        return
    # Defaults: compute per step at batch 64 on this 2-core machine at 2 threads, the smaller (the
    # more pessimistic for scaling) of two measurements: scripts/bench_ddp_scaling.sh's training
    # step without data loading (MLP 0.515 ms; CNN 49.7 ms, slowed by other processes on the cores)
    # and docs/performance.md's epochs with data loading (MLP 49 105 samples/s = 1.30 ms per step;
    # CNN 3 188 samples/s = 20.1 ms per step). Bytes: the all-reduced gradients that
    # bench_ddp_scaling reports, 4 x 235 146 parameters (MLP 784-256-128-10) and 4 x 225 226 (the
    # example's CNN with BatchNorm), float32.
    table("MLP 784-256-128-10", 0.515e-3, 4 * 235146)
    table("CNN (examples/fashion_mnist.cpp)", 64 / 3188, 4 * 225226)


if __name__ == "__main__":
    main()
