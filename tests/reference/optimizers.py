#!/usr/bin/python3
"""Reference numbers for tests/optim: PyTorch 1.13's optimizers and gradient clipping.

Writes tests/optim/optimizer_reference.inc (C++ initializers read by tests/optim/*.cpp):

    /usr/bin/python3 tests/reference/optimizers.py > tests/optim/optimizer_reference.inc

The test problem (same ops, same order, in the C++ tests) has two parameters,
    a (5,) and b (2, 3),   f(a, b) = sum(w * (a - c) * (a - c)) + 0.1 * sum(a * a * a * a)
                                      + 0.25 * sum(q * q * q * q),  q = b - e,
a smooth non-convex function whose gradients change sign (so Rprop's step sizes shrink too).
For each configuration the parameters are recorded after every step.
"""
import math
import sys

import torch

torch.set_printoptions(precision=17)

A0 = [0.5, -1.2, 2.0, 0.0, 0.3]
B0 = [[0.1, -0.4, 0.7], [1.5, -2.0, 0.05]]
C = [1.0, 0.5, -1.0, 0.2, 0.3]
W = [1.0, 2.0, 0.5, 3.0, 1.5]
E = [[0.5, 0.5, 0.5], [-0.5, -0.5, -0.5]]


def loss_fn(a, b):
    c = torch.tensor(C, dtype=a.dtype)
    w = torch.tensor(W, dtype=a.dtype)
    e = torch.tensor(E, dtype=b.dtype)
    d = a - c
    q = b - e
    return (w * d * d).sum() + (a * a * a * a).sum() * 0.1 + (q * q * q * q).sum() * 0.25


def params(dtype):
    a = torch.tensor(A0, dtype=dtype, requires_grad=True)
    b = torch.tensor(B0, dtype=dtype, requires_grad=True)
    return a, b


# name, class, kwargs, steps, dtype, negate_grad (maximize for optimizers 1.13 lacks it on), extra state
FIRST_ORDER = [
    ("SGD plain", torch.optim.SGD, dict(lr=0.05), 3),
    ("SGD momentum dampening weight_decay", torch.optim.SGD,
     dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1), 3),
    ("SGD nesterov maximize", torch.optim.SGD, dict(lr=0.02, momentum=0.8, nesterov=True, maximize=True), 3),
    ("Adagrad default", torch.optim.Adagrad, dict(), 3),
    ("Adagrad lr_decay weight_decay initial_accumulator_value eps", torch.optim.Adagrad,
     dict(lr=0.5, lr_decay=0.1, weight_decay=0.05, initial_accumulator_value=0.2, eps=1e-6), 3),
    ("Adagrad maximize", torch.optim.Adagrad, dict(lr=0.1, maximize=True), 3),
    ("RMSprop default", torch.optim.RMSprop, dict(), 3),
    ("RMSprop centered momentum weight_decay alpha eps", torch.optim.RMSprop,
     dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.5, centered=True), 3),
    ("RMSprop centered maximize", torch.optim.RMSprop, dict(lr=0.02, centered=True, maximize=True), 3),
    ("RMSprop momentum", torch.optim.RMSprop, dict(lr=0.01, momentum=0.9), 3),
    ("Adadelta default", torch.optim.Adadelta, dict(), 3),
    ("Adadelta rho eps weight_decay maximize", torch.optim.Adadelta,
     dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.2, maximize=True), 3),
    ("Adam default", torch.optim.Adam, dict(), 3),
    ("Adam amsgrad weight_decay betas eps", torch.optim.Adam,
     dict(lr=0.1, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True), 4),
    ("Adam maximize", torch.optim.Adam, dict(lr=0.1, maximize=True), 3),
    ("AdamW default", torch.optim.AdamW, dict(), 3),
    ("AdamW amsgrad maximize weight_decay betas", torch.optim.AdamW,
     dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.3, amsgrad=True, maximize=True), 4),
    ("Adamax default", torch.optim.Adamax, dict(), 3),
    ("Adamax weight_decay maximize betas eps", torch.optim.Adamax,
     dict(lr=0.1, betas=(0.7, 0.8), eps=1e-3, weight_decay=0.1, maximize=True), 3),
    ("NAdam default", torch.optim.NAdam, dict(), 3),
    ("NAdam weight_decay momentum_decay betas eps", torch.optim.NAdam,
     dict(lr=0.1, betas=(0.8, 0.95), eps=1e-4, weight_decay=0.1, momentum_decay=0.1), 3),
    ("NAdam maximize", torch.optim.NAdam, dict(lr=0.1), 3, "negate"),
    ("RAdam default", torch.optim.RAdam, dict(), 3),
    ("RAdam rectified weight_decay betas eps", torch.optim.RAdam,
     dict(lr=0.05, betas=(0.9, 0.9), eps=1e-4, weight_decay=0.1), 8),
    ("RAdam maximize", torch.optim.RAdam, dict(lr=0.05, betas=(0.9, 0.9)), 7, "negate"),
    ("Rprop default", torch.optim.Rprop, dict(), 3),
    ("Rprop sign flips etas step_sizes", torch.optim.Rprop,
     dict(lr=0.8, etas=(0.3, 1.5), step_sizes=(0.05, 1.0)), 6),
    ("Rprop maximize", torch.optim.Rprop, dict(lr=0.1, maximize=True), 3),
    ("ASGD default", torch.optim.ASGD, dict(), 3),
    ("ASGD averaging lambd alpha t0 weight_decay", torch.optim.ASGD,
     dict(lr=0.05, lambd=0.1, alpha=0.5, t0=1, weight_decay=0.1), 5),
    ("ASGD maximize", torch.optim.ASGD, dict(lr=0.05, t0=0, maximize=True), 3),
]
FLOAT32 = ["SGD nesterov maximize", "Adam amsgrad weight_decay betas eps", "NAdam weight_decay momentum_decay betas eps",
           "RAdam rectified weight_decay betas eps", "Rprop sign flips etas step_sizes",
           "ASGD averaging lambd alpha t0 weight_decay", "Adagrad lr_decay weight_decay initial_accumulator_value eps",
           "RMSprop centered momentum weight_decay alpha eps", "Adadelta rho eps weight_decay maximize",
           "Adamax weight_decay maximize betas eps", "AdamW amsgrad maximize weight_decay betas"]


def flat(a, b):
    return [float(x) for x in a.detach().reshape(-1).tolist()] + [float(x) for x in b.detach().reshape(-1).tolist()]


def run_first_order(cls, kwargs, steps, dtype, negate=False):
    a, b = params(dtype)
    opt = cls([a, b], **kwargs)
    trace = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(a, b).backward()
        if negate:
            a.grad.neg_()
            b.grad.neg_()
        opt.step()
        trace.append(flat(a, b))
    extra = []
    if cls is torch.optim.ASGD:
        extra = flat(opt.state[a]["ax"], opt.state[b]["ax"])
    return trace, extra


LBFGS_CONFIGS = [
    ("LBFGS default", dict(lr=0.5), 2),
    ("LBFGS strong_wolfe history_size", dict(line_search_fn="strong_wolfe", history_size=3, max_iter=8), 2),
    ("LBFGS max_iter max_eval tolerances", dict(lr=0.3, max_iter=6, max_eval=4, tolerance_grad=1e-3,
                                               tolerance_change=1e-6, history_size=2), 3),
]


def run_lbfgs(kwargs, steps):
    a, b = params(torch.float64)
    opt = torch.optim.LBFGS([a, b], **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(a, b)
        loss.backward()
        return loss

    trace = []
    for _ in range(steps):
        opt.step(closure)
        trace.append(flat(a, b))
    st = opt.state[a]
    return trace, [float(st["func_evals"]), float(st["n_iter"])]


def fmt(values):
    return "{" + ", ".join(repr(float(v)) if math.isfinite(v) else "NAN" for v in values) + "}"


def clip_refs():
    out = []
    g1 = torch.tensor([3.0, -4.0, 0.5], dtype=torch.float64)
    g2 = torch.tensor([[1.0, -2.0], [0.25, 6.0]], dtype=torch.float64)
    for norm_type, max_norm in [(2.0, 1.0), (1.0, 5.0), (float("inf"), 2.0), (3.0, 100.0), (2.0, 10.0)]:
        p1 = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        p2 = torch.zeros(2, 2, dtype=torch.float64, requires_grad=True)
        p1.grad = g1.clone()
        p2.grad = g2.clone()
        total = torch.nn.utils.clip_grad_norm_([p1, p2], max_norm, norm_type=norm_type)
        out.append((norm_type, max_norm, float(total), flat(p1.grad, p2.grad)))
    return out


def main():
    w = sys.stdout.write
    w("// Generated by tests/reference/optimizers.py with PyTorch %s; do not edit.\n" % torch.__version__)
    w("// Parameters (a then b, flattened) after every step of each configuration.\n")
    w("static const std::vector<OptimizerReference> kOptimizerReferences = {\n")
    for cfg in FIRST_ORDER:
        name, cls, kwargs, steps = cfg[:4]
        negate = len(cfg) > 4
        for dtype in [torch.float64] + ([torch.float32] if name in FLOAT32 else []):
            trace, extra = run_first_order(cls, kwargs, steps, dtype, negate)
            label = name + (" float32" if dtype == torch.float32 else "")
            w("  {\"%s\", {%s}, %s},\n" % (label, ", ".join(fmt(t) for t in trace), fmt(extra)))
    for name, kwargs, steps in LBFGS_CONFIGS:
        trace, extra = run_lbfgs(kwargs, steps)
        w("  {\"%s\", {%s}, %s},\n" % (name, ", ".join(fmt(t) for t in trace), fmt(extra)))
    w("};\n\n")
    w("// clip_grad_norm_ of the gradients g1 = [3, -4, 0.5], g2 = [[1, -2], [0.25, 6]]:\n")
    w("// norm_type, max_norm, total norm, clipped gradients (g1 then g2).\n")
    w("static const std::vector<ClipReference> kClipReferences = {\n")
    for norm_type, max_norm, total, grads in clip_refs():
        nt = "INFINITY" if math.isinf(norm_type) else repr(norm_type)
        w("  {%s, %r, %r, %s},\n" % (nt, max_norm, total, fmt(grads)))
    w("};\n")


if __name__ == "__main__":
    main()
