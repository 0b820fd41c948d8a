# Reference values for tests/nn/test_loss.cpp, from PyTorch 1.13:
#   /usr/bin/python3 tests/reference/nn_loss.py
# Inputs are seq(shape, a, b, s) = s·sin(a·k + b), k = 0..numel−1 in row-major order, built the
# same way in the test.
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


# Regression losses.
x, y = seq((3, 4), 0.7, 0.3, 2.0), seq((3, 4), 0.5, 1.1, 1.5)
show("mse mean", F.mse_loss(x, y))
show("mse sum", F.mse_loss(x, y, reduction="sum"))
show("l1 mean", F.l1_loss(x, y))
show("smooth_l1 beta=1 mean", F.smooth_l1_loss(x, y))
show("smooth_l1 beta=0.5 sum", F.smooth_l1_loss(x, y, reduction="sum", beta=0.5))
show("smooth_l1 beta=0 mean", F.smooth_l1_loss(x, y, beta=0.0))
show("huber delta=1 mean", F.huber_loss(x, y))
show("huber delta=0.7 none", F.huber_loss(x, y, reduction="none", delta=0.7))

# Cross entropy with class indices.
logits = seq((4, 5), 0.9, 0.2, 3.0)
t = torch.tensor([1, 0, 4, 2])
w = torch.tensor([0.2, 1.0, 0.5, 2.0, 0.7], dtype=torch.float64)
show("ce mean", F.cross_entropy(logits, t))
show("ce sum", F.cross_entropy(logits, t, reduction="sum"))
show("ce none", F.cross_entropy(logits, t, reduction="none"))
show("ce weight mean", F.cross_entropy(logits, t, weight=w))
show("ce weight sum", F.cross_entropy(logits, t, weight=w, reduction="sum"))
show("ce ignore4 mean", F.cross_entropy(logits, t, ignore_index=4))
show("ce weight ignore4 mean", F.cross_entropy(logits, t, weight=w, ignore_index=4))
show("ce ls0.1 mean", F.cross_entropy(logits, t, label_smoothing=0.1))
show("ce ls0.1 none", F.cross_entropy(logits, t, label_smoothing=0.1, reduction="none"))
show("ce ls0.1 sum", F.cross_entropy(logits, t, label_smoothing=0.1, reduction="sum"))
show("ce weight ls0.1 mean", F.cross_entropy(logits, t, weight=w, label_smoothing=0.1))
show("ce ignore4 ls0.2 mean", F.cross_entropy(logits, t, ignore_index=4, label_smoothing=0.2))
show("ce weight ignore4 ls0.2 mean", F.cross_entropy(logits, t, weight=w, ignore_index=4, label_smoothing=0.2))
show("ce all ignored mean", F.cross_entropy(logits, torch.full((4,), 7), ignore_index=7))
lg = logits.clone().requires_grad_()
F.cross_entropy(lg, t, weight=w, ignore_index=4, label_smoothing=0.2).backward()
show("ce weight ignore4 ls0.2 grad", lg.grad)

# Cross entropy with class probabilities.
probs = torch.softmax(seq((4, 5), 0.4, 0.7, 2.0), 1)
show("ce prob mean", F.cross_entropy(logits, probs))
show("ce prob sum", F.cross_entropy(logits, probs, reduction="sum"))
show("ce prob none", F.cross_entropy(logits, probs, reduction="none"))
show("ce prob weight mean", F.cross_entropy(logits, probs, weight=w))
show("ce prob ls0.2 mean", F.cross_entropy(logits, probs, label_smoothing=0.2))

# Cross entropy on [N, C, d1, d2] and unbatched [C].
lk = seq((2, 3, 2, 2), 0.6, 0.1, 2.5)
tk = torch.tensor([[[0, 2], [1, 1]], [[2, 0], [0, 1]]])
wk = torch.tensor([0.3, 1.2, 0.8], dtype=torch.float64)
show("ce kdim mean", F.cross_entropy(lk, tk))
show("ce kdim weight mean", F.cross_entropy(lk, tk, weight=wk))
show("ce kdim none", F.cross_entropy(lk, tk, reduction="none"))
show("ce kdim ignore1 ls0.1 mean", F.cross_entropy(lk, tk, ignore_index=1, label_smoothing=0.1))
show("ce unbatched", F.cross_entropy(seq((5,), 0.9, 0.2, 3.0), torch.tensor(3)))

# NLL on log-probabilities.
logp = torch.log_softmax(logits, 1)
show("nll mean", F.nll_loss(logp, t))
show("nll weight mean", F.nll_loss(logp, t, weight=w))
show("nll weight ignore0 mean", F.nll_loss(logp, t, weight=w, ignore_index=0))
show("nll weight sum", F.nll_loss(logp, t, weight=w, reduction="sum"))
show("nll weight ignore0 none", F.nll_loss(logp, t, weight=w, ignore_index=0, reduction="none"))

# Binary cross entropy, including probabilities of exactly 0 and 1 (logs clamped at -100).
p = torch.sigmoid(seq((3, 4), 0.8, 0.4, 3.0))
q = (seq((3, 4), 0.3, 0.9, 1.0) + 1) / 2
bw = torch.tensor([0.5, 1.0, 2.0, 1.5], dtype=torch.float64)
show("bce mean", F.binary_cross_entropy(p, q))
show("bce weight sum", F.binary_cross_entropy(p, q, weight=bw, reduction="sum"))
edge = torch.tensor([0.0, 1.0, 0.3, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
et = torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0], dtype=torch.float64)
le = F.binary_cross_entropy(edge, et, reduction="none")
show("bce edges none", le)
le.sum().backward()
show("bce edges grad", edge.grad)

# BCE with logits: pos_weight, weight, and logits far beyond exp's range.
z = seq((3, 4), 0.8, 0.4, 4.0)
pw = torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)
show("bcel mean", F.binary_cross_entropy_with_logits(z, q))
show("bcel pos_weight mean", F.binary_cross_entropy_with_logits(z, q, pos_weight=pw))
show("bcel weight pos_weight sum", F.binary_cross_entropy_with_logits(z, q, weight=bw, pos_weight=pw, reduction="sum"))
zz = torch.tensor([800.0, -800.0, 50.0, -50.0], dtype=torch.float64)
show("bcel large none", F.binary_cross_entropy_with_logits(zz, torch.tensor([0.0, 1.0, 0.5, 0.25], dtype=torch.float64), reduction="none"))
zg = z.clone().requires_grad_()
F.binary_cross_entropy_with_logits(zg, q, pos_weight=pw).backward()
show("bcel pos_weight grad", zg.grad)

# KL divergence; the target has an exact zero (0·log 0 = 0).
kin = torch.log_softmax(seq((3, 4), 0.55, 0.25, 2.0), 1)
ktg = torch.softmax(seq((3, 4), 0.35, 0.6, 2.0), 1)
ktg[1, 2] = 0.0
show("kl mean", F.kl_div(kin, ktg, reduction="mean"))
show("kl batchmean", F.kl_div(kin, ktg, reduction="batchmean"))
show("kl sum", F.kl_div(kin, ktg, reduction="sum"))
show("kl none", F.kl_div(kin, ktg, reduction="none"))
ltg = torch.log_softmax(seq((3, 4), 0.35, 0.6, 2.0), 1)
show("kl log_target batchmean", F.kl_div(kin, ltg, reduction="batchmean", log_target=True))

# Embedding and ranking losses.
a1, a2 = seq((4, 3), 0.7, 0.2, 1.0), seq((4, 3), 0.45, 0.9, 1.5)
cy = torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=torch.float64)
show("cos mean", F.cosine_embedding_loss(a1, a2, cy))
show("cos margin0.2 sum", F.cosine_embedding_loss(a1, a2, cy, margin=0.2, reduction="sum"))
show("cos none", F.cosine_embedding_loss(a1, a2, cy, margin=-0.3, reduction="none"))
show("cos 1d", F.cosine_embedding_loss(a1[0], a2[0], torch.tensor(-1.0, dtype=torch.float64), margin=-0.5))
r1, r2 = seq((5,), 0.9, 0.1, 1.0), seq((5,), 0.6, 0.8, 1.0)
ry = torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0], dtype=torch.float64)
show("rank mean", F.margin_ranking_loss(r1, r2, ry))
show("rank margin0.5 sum", F.margin_ranking_loss(r1, r2, ry, margin=0.5, reduction="sum"))
hx = seq((2, 3), 0.8, 0.3, 2.0)
hy = torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]], dtype=torch.float64)
show("hinge mean", F.hinge_embedding_loss(hx, hy))
show("hinge margin2 none", F.hinge_embedding_loss(hx, hy, margin=2.0, reduction="none"))
ta, tp, tn = seq((3, 4), 0.7, 0.2, 1.0), seq((3, 4), 0.5, 0.6, 1.0), seq((3, 4), 0.3, 1.4, 1.0)
show("triplet mean", F.triplet_margin_loss(ta, tp, tn))
show("triplet p1 margin0.5 sum", F.triplet_margin_loss(ta, tp, tn, margin=0.5, p=1, reduction="sum"))
show("triplet swap none", F.triplet_margin_loss(ta, tp, tn, margin=2.0, swap=True, reduction="none"))
show("triplet p3 none", F.triplet_margin_loss(ta, tp, tn, margin=1.5, p=3, reduction="none"))
