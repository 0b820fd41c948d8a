# Reference values for the likelihood and margin losses and the edge-case gradients in
# tests/nn/test_loss.cpp, tests/ops/test_elementwise.cpp and tests/nn/test_module.cpp, from
# PyTorch 1.13:
#   /usr/bin/python3 tests/reference/nn_loss_more.py
# Inputs are seq(shape, a, b, s) = s·sin(a·k + b), k = 0..numel−1 in row-major order, built the
# same way in the tests.
import torch
import torch.nn.functional as F

torch.set_printoptions(precision=17)


def seq(shape, a, b, s):
    n = 1
    for d in shape:
        n *= d
    return (torch.sin(torch.arange(n, dtype=torch.float64) * a + b) * s).reshape(shape)


def show(name, t):
    t = torch.as_tensor(t).detach()
    print(name, repr(float(t)) if t.dim() == 0 else [float(v) for v in t.flatten()])


def grads(name, f, *xs):
    xs = [x.clone().requires_grad_() for x in xs]
    f(*xs).sum().backward()
    for i, x in enumerate(xs):
        show(f"{name} grad{i}", x.grad)


# Edge-case gradients.
a = torch.tensor([0.0, 0.0, 2.0, -0.0], dtype=torch.float64)
b = torch.tensor([0.0, 1.5, 0.0, 2.0], dtype=torch.float64)
grads("pow(a, b)", lambda x, y: x.pow(y), a, b)
z = torch.tensor([-0.0, 0.0, 4.0], dtype=torch.float64)
show("pow(z, -0.5)", z.pow(-0.5))
grads("pow(z, -0.5)", lambda x: x.pow(-0.5), z)
show("pow(z, 0.5)", z.pow(0.5))
grads("pow(z, 0.5)", lambda x: x.pow(0.5), z)
c = torch.tensor([-1.0, 1.0, 1.5, 2.0, 3.0], dtype=torch.float64)
show("clamp(c, 2, 1)", torch.clamp(c, 2.0, 1.0))
grads("clamp(c, 2, 1)", lambda x: torch.clamp(x, 2.0, 1.0), c)
sx = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
sy = torch.tensor([1.0, 1.0, 3.5], dtype=torch.float64)
grads("smooth_l1 beta=0 sum", lambda x, y: F.smooth_l1_loss(x, y, beta=0.0, reduction="sum"), sx, sy)

# Poisson NLL.
x, y = seq((3, 4), 0.7, 0.3, 1.5), seq((3, 4), 0.5, 1.1, 2.0).abs() * 2
show("poisson mean", F.poisson_nll_loss(x, y))
show("poisson full sum", F.poisson_nll_loss(x, y, full=True, reduction="sum"))
rate = x.abs() + 0.1
show("poisson rate none", F.poisson_nll_loss(rate, y, log_input=False, reduction="none"))
show("poisson rate full eps mean", F.poisson_nll_loss(rate, y, log_input=False, full=True, eps=0.05))

# Gaussian NLL: var of the input's shape, with the last dim 1, and with it dropped.
gv = seq((3, 4), 0.35, 0.6, 1.0).abs() + 0.2
show("gauss mean", F.gaussian_nll_loss(x, y, gv))
show("gauss full sum", F.gaussian_nll_loss(x, y, gv, full=True, reduction="sum"))
gv1 = seq((3, 1), 0.9, 0.4, 1.0).abs() + 0.3
show("gauss var1 none", F.gaussian_nll_loss(x, y, gv1, reduction="none"))
show("gauss var dropped mean", F.gaussian_nll_loss(x, y, gv1.squeeze(1)))
gvs = gv.clone()
gvs[0, 1] = 1e-9
gvs[2, 3] = 0.0
show("gauss small var eps0.01 mean", F.gaussian_nll_loss(x, y, gvs, eps=0.01))
grads("gauss small var eps0.01 mean", lambda i, t, v: F.gaussian_nll_loss(i, t, v, eps=0.01), x, y, gvs)

# Soft margin and multilabel soft margin.
sm_y = torch.tensor([[1.0, -1.0, 1.0, 1.0], [-1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, 1.0]], dtype=torch.float64)
show("soft_margin mean", F.soft_margin_loss(x * 3, sm_y))
show("soft_margin none", F.soft_margin_loss(x * 3, sm_y, reduction="none"))
ml_t = (sm_y + 1) / 2
mw = torch.tensor([0.5, 1.0, 2.0, 1.5], dtype=torch.float64)
show("multilabel mean", F.multilabel_soft_margin_loss(x, ml_t))
show("multilabel weight none", F.multilabel_soft_margin_loss(x, ml_t, weight=mw, reduction="none"))
show("multilabel weight sum", F.multilabel_soft_margin_loss(x, ml_t, weight=mw, reduction="sum"))
show("multilabel 1d", F.multilabel_soft_margin_loss(x[1], ml_t[1]))

# Multi margin.
mx = seq((4, 5), 0.9, 0.2, 1.5)
mt = torch.tensor([1, 0, 4, 2])
mcw = torch.tensor([0.2, 1.0, 0.5, 2.0, 0.7], dtype=torch.float64)
show("multi_margin mean", F.multi_margin_loss(mx, mt))
show("multi_margin p2 margin0.5 none", F.multi_margin_loss(mx, mt, p=2, margin=0.5, reduction="none"))
show("multi_margin weight sum", F.multi_margin_loss(mx, mt, weight=mcw, reduction="sum"))
show("multi_margin p2 weight mean", F.multi_margin_loss(mx, mt, p=2, weight=mcw))
show("multi_margin 1d", F.multi_margin_loss(mx[2], torch.tensor(3)))
grads("multi_margin p2 weight mean", lambda i: F.multi_margin_loss(i, mt, p=2, weight=mcw), mx)

# Triplet margin with a distance function.
ta, tp, tn = seq((3, 4), 0.7, 0.2, 1.0), seq((3, 4), 0.5, 0.6, 1.0), seq((3, 4), 0.3, 1.4, 1.0)
show("twd mean", F.triplet_margin_with_distance_loss(ta, tp, tn))
show("twd swap margin2 none", F.triplet_margin_with_distance_loss(ta, tp, tn, margin=2.0, swap=True, reduction="none"))
cosd = lambda u, v: 1.0 - F.cosine_similarity(u, v)
l1d = lambda u, v: (u - v).abs().sum(-1)
show("twd l1 margin0.5 sum", F.triplet_margin_with_distance_loss(ta, tp, tn, distance_function=l1d, margin=0.5, reduction="sum"))
show("twd l1 swap none", F.triplet_margin_with_distance_loss(ta, tp, tn, distance_function=l1d, margin=1.5, swap=True, reduction="none"))
