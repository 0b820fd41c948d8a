# Reference numbers for tests/ops/test_advanced_index.cpp (indexing, assignment, masked ops,
# take_along_dim, nonzero, where, unbind/split gradients), tests/ops/test_promotion.cpp (type
# promotion, var/std with correction) and tests/nn/test_loss.cpp (every target ignored), produced
# with PyTorch 1.13:  /usr/bin/python3 tests/reference/indexing.py
import torch

torch.set_printoptions(precision=17)


def show(name, t):
    print(name, list(t.shape), [int(v) if float(v).is_integer() else float(v) for v in t.flatten().tolist()])


x = torch.arange(24, dtype=torch.float64).reshape(2, 3, 4)
print("# x = arange(24).reshape(2, 3, 4)")
show("x[:, 1]", x[:, 1])
show("x[..., 2]", x[..., 2])
show("x[1, None, ::2, -1]", x[1, None, ::2, -1])
show("x[:, -2:, 1:3]", x[:, -2:, 1:3])
show("x[:, [0, 2]]", x[:, [0, 2]])
show("x[[0, 1], [2, 0]]", x[[0, 1], [2, 0]])
show("x[[1, 0], :, [3, 1]]", x[[1, 0], :, [3, 1]])
show("x[:, [[0], [2]], [1, 3]]", x[:, [[0], [2]], [1, 3]])
show("x[[-1], [0, -1], ::3]", x[[-1], [0, -1], ::3])
show("x[x > 16]", x[x > 16])
m2 = torch.tensor([[True, False, True], [False, False, True]])
show("x[m2]", x[m2])
show("x[:, [True, False, True], 0]", x[:, torch.tensor([True, False, True]), 0])
show("x[True]", x[True])
show("x[False]", x[False])
show("x[0, [1, 2], None]", x[0, [1, 2], None])
show("x[..., [0, -1]]", x[..., [0, -1]])
show("x[None, 1, ..., 1:2]", x[None, 1, ..., 1:2])

print("# index_put_")
y = torch.zeros(2, 3, 4, dtype=torch.float64)
y[:, 0] = torch.tensor([1.0, 2, 3, 4], dtype=torch.float64)
y[[0, 1], [1, 2]] = 5
y[y == 0] = -1
y[1, :, [0, 3]] += 10
show("y", y)
z = torch.zeros(5, dtype=torch.float64)
z.index_put_((torch.tensor([0, 2, 2, 4, 2]),), torch.tensor([1.0, 2, 3, 4, 5], dtype=torch.float64), accumulate=True)
show("z accumulate", z)
w2 = torch.zeros(3, 4, dtype=torch.float64)
w2[..., [0, 0, 2]] += torch.ones(3, 3, dtype=torch.float64)
show("w2 += with repeats (no accumulate)", w2)

print("# gradients")
xg_ = x.clone().requires_grad_()
out = xg_[[0, 0, 1], :, [1, 1, 2]]
wt = torch.arange(out.numel(), dtype=torch.float64).reshape(out.shape) + 1
(out * wt).sum().backward()
show("grad of x[[0,0,1], :, [1,1,2]] weighted by arange+1", xg_.grad)
a = torch.arange(6, dtype=torch.float64).reshape(2, 3).requires_grad_()
v = torch.tensor([10.0, 20.0], dtype=torch.float64, requires_grad=True)
b = a * 2
b[:, 1] = v
b[b > 7] *= 3
(b * torch.tensor([[1.0, 2, 3], [4, 5, 6]], dtype=torch.float64)).sum().backward()
show("b", b.detach())
show("grad a", a.grad)
show("grad v", v.grad)

print("# masked ops")
t = torch.arange(6, dtype=torch.float64).reshape(2, 3)
mask = torch.tensor([[True, False, True], [False, True, True]])
show("masked_select", torch.masked_select(t, mask))
show("masked_select broadcast row mask", torch.masked_select(t, torch.tensor([False, True, True])))
src = torch.arange(10, dtype=torch.float64) + 100
show("masked_scatter", t.masked_scatter(mask, src))
show("masked_scatter broadcast", t.masked_scatter(torch.tensor([True, False, True]), src))
ts = t.clone().requires_grad_()
ss = src.clone().requires_grad_()
(ts.masked_scatter(mask, ss) * (torch.arange(6, dtype=torch.float64).reshape(2, 3) + 1)).sum().backward()
show("masked_scatter grad self", ts.grad)
show("masked_scatter grad source", ss.grad)

print("# take_along_dim")
u = torch.tensor([[10.0, 30, 20], [60, 40, 50]], dtype=torch.float64)
idx = torch.argsort(u, dim=1)
show("take_along_dim sort", torch.take_along_dim(u, idx, dim=1))
show("take_along_dim broadcast", torch.take_along_dim(u, torch.tensor([[2], [0]]), dim=1))
show("take_along_dim broadcast input", torch.take_along_dim(u[:1], torch.tensor([[2, 0], [1, 1]]), dim=1))
show("take_along_dim flat", torch.take_along_dim(u, torch.tensor([5, 0, 3])))

print("# nonzero / where")
c = torch.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
show("nonzero", torch.nonzero(c))
for k, r in enumerate(torch.where(c != 0)):
    show("where[%d]" % k, r)
show("nonzero 0-d", torch.nonzero(torch.tensor(3.0)))

print("# unbind / split gradients")
s = torch.arange(12, dtype=torch.float64).reshape(3, 4).requires_grad_()
parts = torch.unbind(s, 1)
(parts[0] * 2 + parts[3] * parts[3]).sum().backward()
show("unbind grad", s.grad)
s.grad = None
pieces = torch.split(s, [1, 2, 1], dim=1)
(pieces[1] * 3).sum().backward()
show("split grad", s.grad)

print("# var / std with correction")
q = torch.tensor([[1.0, 2, 4, 8], [3, 5, 7, 9]], dtype=torch.float64)
show("var dim1", torch.var(q, 1))
show("var dim1 correction0", torch.var(q, 1, correction=0))
show("var dim1 correction2", torch.var(q, 1, correction=2))
show("var dim0", torch.var(q, 0))
show("var all unbiased", torch.var(q))
show("std dims01 correction0", torch.std(q, (0, 1), correction=0))

print("# cross_entropy / nll_loss with every target ignored, mean")
lg = (torch.arange(20, dtype=torch.float64).reshape(4, 5) * 0.37).sin().requires_grad_()
ce = torch.nn.functional.cross_entropy(lg, torch.full((4,), 7), ignore_index=7)
ce.backward()
print("ce", ce.item(), "grad abs sum", lg.grad.abs().sum().item())
lg.grad = None
ce = torch.nn.functional.cross_entropy(lg, torch.full((4,), 7), ignore_index=7, label_smoothing=0.2)
ce.backward()
print("ce smoothing", ce.item(), "grad abs sum", lg.grad.abs().sum().item())

print("# result_type: (a dtype, a is 0-d) x (b dtype, b is 0-d)")
names = {torch.bool: "bool", torch.int64: "int64", torch.float32: "float32", torch.float64: "float64"}
for da in names:
    for db in names:
        for a0 in (False, True):
            for b0 in (False, True):
                ta = torch.zeros(() if a0 else (2,), dtype=da)
                tb = torch.zeros(() if b0 else (2,), dtype=db)
                print("rt", names[da], int(a0), names[db], int(b0), names[torch.result_type(ta, tb)])
print("# result_type: (tensor dtype, 0-d) x Python scalar")
for da in names:
    for a0 in (False, True):
        for sv, sn in ((True, "bool"), (2, "int"), (2.5, "float")):
            ta = torch.zeros(() if a0 else (2,), dtype=da)
            print("rs", names[da], int(a0), sn, names[torch.result_type(ta, sv)])
