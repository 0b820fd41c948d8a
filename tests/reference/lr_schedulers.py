"""Reference learning-rate sequences from PyTorch 1.13 for tests/optim/test_lr_scheduler.cpp and
tests/optim/test_averaging.cpp (SWALR).

    /usr/bin/python3 tests/reference/lr_schedulers.py > tests/optim/lr_scheduler_reference.hpp

Every sequence is recorded after construction (step 0) and after each step, step-major and
group-minor: values[step * groups + group]. Floats are printed with repr(), which round-trips, so
the C++ side reads PyTorch's exact doubles.
"""
import math
import warnings

import torch
from torch.optim import SGD, Adam
from torch.optim import lr_scheduler as S
from torch.optim.swa_utils import SWALR

warnings.filterwarnings("ignore")  # step(epoch) deprecation, "scheduler before optimizer.step()"

OUT = []


def emit(name, values, kind="double"):
    if kind == "double":
        body = ", ".join(repr(float(v)) for v in values)
        OUT.append(f"inline const std::vector<double> {name} = {{{body}}};")
    else:
        body = ", ".join(str(int(v)) for v in values)
        OUT.append(f"inline const std::vector<std::int64_t> {name} = {{{body}}};")


def sgd(lrs=(0.1,), momentum=0.9):
    """A momentum optimizer with one group per lr (the C++ tests use a toy one with the same options)."""
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    return SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0], momentum=momentum)


def adam(lrs=(0.1,)):
    params = [torch.zeros(1, requires_grad=True) for _ in lrs]
    return Adam([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], lr=lrs[0])


def lrs_of(opt):
    return [g["lr"] for g in opt.param_groups]


def run(name, opt, sched, steps, momentum=None, step=None):
    """Records the lrs (and momentum / beta1) at construction and after each of `steps` steps."""
    lr, mom = list(lrs_of(opt)), []
    if momentum:
        mom += [g[momentum] if momentum == "momentum" else g["betas"][0] for g in opt.param_groups]
    for _ in range(steps):
        opt.step()
        (step or sched.step)()
        lr += lrs_of(opt)
        if momentum:
            mom += [g[momentum] if momentum == "momentum" else g["betas"][0] for g in opt.param_groups]
    emit(name, lr)
    if momentum:
        emit(name + "_momentum", mom)


# ---- one scheduler ------------------------------------------------------------------------------
o = sgd((0.1, 0.02)); run("lambda_lr", o, S.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (e + 1)]), 12)
o = sgd((0.1, 0.02)); run("multiplicative_lr", o, S.MultiplicativeLR(o, lambda e: 0.9 if e % 3 else 0.5), 12)
o = sgd((0.1, 0.02)); run("step_lr", o, S.StepLR(o, step_size=3, gamma=0.5), 15)
o = sgd(); run("multistep_lr", o, S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3), 12)
o = sgd(); run("constant_lr", o, S.ConstantLR(o, factor=0.25, total_iters=4), 8)
o = sgd(); run("constant_lr_default", o, S.ConstantLR(o), 8)
o = sgd((0.1, 0.02)); run("linear_lr", o, S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=6), 10)
o = sgd(); run("linear_lr_default", o, S.LinearLR(o), 8)
o = sgd(); run("exponential_lr", o, S.ExponentialLR(o, gamma=0.85), 12)
o = sgd(); run("polynomial_lr", o, S.PolynomialLR(o, total_iters=6, power=2.0), 9)
o = sgd(); run("polynomial_lr_default", o, S.PolynomialLR(o), 8)
o = sgd((0.1, 0.02)); run("cosine_lr", o, S.CosineAnnealingLR(o, T_max=7, eta_min=0.001), 30)
o = sgd(); run("cosine_lr_no_min", o, S.CosineAnnealingLR(o, T_max=4), 20)
o = sgd((0.1, 0.02)); run("warm_restarts", o, S.CosineAnnealingWarmRestarts(o, T_0=4, eta_min=0.005), 20)
o = sgd(); run("warm_restarts_mult", o, S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001), 25)

# step(epoch) with fractional epochs
WARM_EPOCHS = [0.0, 0.5, 1.25, 2.0, 2.5, 3.7, 6.0, 6.1, 9.0, 13.9, 14.0, 20.5, 1.0]
for tag, mult in (("warm_restarts_fractional", 2), ("warm_restarts_fractional_mult1", 1)):
    o = sgd()
    s = S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=mult, eta_min=0.01)
    lr = lrs_of(o)
    for e in WARM_EPOCHS:
        s.step(e)
        lr += lrs_of(o)
    emit(tag, lr)

o = sgd(); run("cyclic_triangular", o, S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4), 20, momentum="momentum")
o = sgd((0.1, 0.02))
run("cyclic_triangular2", o, S.CyclicLR(o, base_lr=[0.01, 0.001], max_lr=[0.1, 0.01], step_size_up=3, step_size_down=5,
                                        mode="triangular2", base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95]),
    30, momentum="momentum")
o = sgd(); run("cyclic_exp_range", o, S.CyclicLR(o, 0.01, 0.1, step_size_up=3, mode="exp_range", gamma=0.95), 20,
               momentum="momentum")
o = sgd(); run("cyclic_custom_scale", o, S.CyclicLR(o, 0.01, 0.1, step_size_up=2, scale_fn=lambda x: 1 / (1 + x),
                                                    scale_mode="iterations", cycle_momentum=False), 12)

o = sgd(); run("one_cycle_cos", o, S.OneCycleLR(o, max_lr=0.5, total_steps=20), 20, momentum="momentum")
o = adam((0.1, 0.02))
run("one_cycle_linear_three_phase", o,
    S.OneCycleLR(o, max_lr=[0.5, 0.1], total_steps=25, pct_start=0.25, anneal_strategy="linear", div_factor=10.0,
                 final_div_factor=100.0, three_phase=True, base_momentum=0.8, max_momentum=0.9),
    25, momentum="betas")
o = sgd(); run("one_cycle_epochs", o, S.OneCycleLR(o, max_lr=0.3, epochs=4, steps_per_epoch=5, cycle_momentum=False), 20)

# ---- ReduceLROnPlateau, step by step -------------------------------------------------------------
PLATEAU_MIN = [1.0, 0.95, 0.94, 0.96, 0.93, 0.9, 0.91, 0.92, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85,
               0.85, 0.85, 0.85, 0.85, 0.1]
PLATEAU_MAX = [0.1, 0.2, 0.25, 0.24, 0.26, 0.26, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.52]
for tag, opts, metrics in (
        ("plateau_min", dict(mode="min", factor=0.5, patience=2, threshold=0.02, cooldown=1, min_lr=[0.02, 0.0]),
         PLATEAU_MIN),
        ("plateau_max", dict(mode="max", factor=0.3, patience=0, threshold=0.01, threshold_mode="abs", cooldown=2,
                             min_lr=0.005, eps=1e-3), PLATEAU_MAX)):
    o = sgd((0.1, 0.02))
    s = S.ReduceLROnPlateau(o, **opts)
    lr, bad, cool, best = [], [], [], []
    for m in metrics:
        s.step(m)
        lr += lrs_of(o)
        bad.append(s.num_bad_epochs)
        cool.append(s.cooldown_counter)
        best.append(s.best)
    emit(tag, lr)
    emit(tag + "_bad_epochs", bad, "int")
    emit(tag + "_cooldown", cool, "int")
    emit(tag + "_best", best)

# ---- composition -------------------------------------------------------------------------------
o = sgd((0.1, 0.02))
run("sequential_warmup_cosine", o,
    S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=3), S.CosineAnnealingLR(o, T_max=5)], milestones=[3]),
    12)
o = sgd()
run("sequential_three", o,
    S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, gamma=0.9), S.StepLR(o, 2, 0.5)],
                   milestones=[3, 7]), 12)
o = sgd()
run("sequential_restarts", o,
    S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=2),
                       S.CosineAnnealingWarmRestarts(o, T_0=3, eta_min=0.01)], milestones=[2]), 12)
o = sgd()
run("sequential_lambda", o,
    S.SequentialLR(o, [S.ExponentialLR(o, gamma=0.5), S.LambdaLR(o, lambda e: 1 / (e + 2))], milestones=[4]), 9)
o = sgd((0.1, 0.02))
run("chained_constant_exponential", o,
    S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=4), S.ExponentialLR(o, gamma=0.9)]), 10)
o = sgd()
run("chained_cosine_step", o,
    S.ChainedScheduler([S.CosineAnnealingLR(o, T_max=5, eta_min=0.01), S.StepLR(o, step_size=3, gamma=0.5)]), 15)
o = sgd()
run("chained_multistep_polynomial_linear", o,
    S.ChainedScheduler([S.MultiStepLR(o, [2, 6], 0.5), S.PolynomialLR(o, total_iters=8, power=1.5),
                        S.LinearLR(o, start_factor=0.25, total_iters=3)]), 12)

# Two schedulers created on one optimizer and stepped by hand: the second takes the first's
# initial_lr as its base lr and composes through the chainable forms.
o = sgd()
a, b = S.ConstantLR(o, factor=0.5, total_iters=3), S.CosineAnnealingLR(o, T_max=6, eta_min=0.01)
run("two_schedulers_by_hand", o, None, 14, step=lambda: (a.step(), b.step()))

# step(epoch): the closed forms.
for tag, make, epochs in (
        ("step_lr_epochs", lambda o: S.StepLR(o, 3, 0.5), [5, 1, 9, 9, 0, 7]),
        ("multistep_lr_epochs", lambda o: S.MultiStepLR(o, [2, 5, 5], 0.5), [4, 5, 1, 8]),
        ("constant_lr_epochs", lambda o: S.ConstantLR(o, 0.25, 4), [2, 4, 6, 1]),
        ("linear_lr_epochs", lambda o: S.LinearLR(o, 0.2, 0.9, 6), [3, 8, 1, 6]),
        ("exponential_lr_epochs", lambda o: S.ExponentialLR(o, 0.85), [3, 10, 1]),
        ("polynomial_lr_epochs", lambda o: S.PolynomialLR(o, 6, 2.0), [2, 7, 5]),
        ("cosine_lr_epochs", lambda o: S.CosineAnnealingLR(o, 7, 0.001), [3, 10, 4, 14]),
        ("lambda_lr_epochs", lambda o: S.LambdaLR(o, lambda e: 0.9 ** e), [3, 10, 4])):
    o = sgd()
    s = make(o)
    lr = lrs_of(o)
    for e in epochs:
        s.step(e)
        lr += lrs_of(o)
    s.step()  # then the chainable form continues from the jumped-to epoch
    lr += lrs_of(o)
    emit(tag, lr)

# Resuming a CosineAnnealingLR at epoch 5 (PyTorch's last_epoch argument; xgrad: load_state_dict):
# its first step uses the closed form, then the recursive one.
o = sgd()
o.param_groups[0]["initial_lr"] = 0.1
o.param_groups[0]["lr"] = 0.05
run("cosine_lr_resumed", o, S.CosineAnnealingLR(o, T_max=10, eta_min=0.01, last_epoch=5), 8)

# ---- SWALR -----------------------------------------------------------------------------------
o = sgd((0.5,)); run("swalr_cos", o, SWALR(o, swa_lr=0.05, anneal_epochs=5), 9)
o = sgd((0.5, 0.1)); run("swalr_linear", o, SWALR(o, swa_lr=[0.05, 0.2], anneal_epochs=3, anneal_strategy="linear"), 6)
o = sgd((0.5,)); run("swalr_no_anneal", o, SWALR(o, swa_lr=0.05, anneal_epochs=0), 4)
# The usual SWA recipe: a cosine schedule, then SWALR from epoch 5 on (both created up front).
o = sgd((0.5,))
cos, swa = S.CosineAnnealingLR(o, T_max=10), SWALR(o, swa_lr=0.01, anneal_epochs=3)
counter = iter(range(1000))
run("swalr_after_cosine", o, None, 12, step=lambda: (cos.step() if next(counter) < 5 else swa.step()))

print("// Generated by tests/reference/lr_schedulers.py with PyTorch", torch.__version__, "- do not edit.")
print("// Learning rates (and momentum / beta1) after construction and after every step, step-major and")
print("// group-minor: values[step * groups + group].")
print("#pragma once")
print("#include <cstdint>")
print("#include <vector>")
print()
print("namespace xg::testing::lr_reference {")
print("\n".join(OUT))
print("}  // namespace xg::testing::lr_reference")
