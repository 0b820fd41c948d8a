# Reference values for tests/nn/test_normalization.cpp, from PyTorch 1.13:
#   /usr/bin/python3 tests/reference/nn_normalization.py
# Inputs are seq(shape, a, b, s) = s·sin(a·k + b), k = 0..numel−1 in row-major order, built the
# same way in the test.
import torch
import torch.nn as nn


def seq(shape, a, b, s):
    n = 1
    for d in shape:
        n *= d
    return (torch.sin(torch.arange(n, dtype=torch.float64) * a + b) * s).reshape(shape)


def show(name, t):
    print(name, [float(v) for v in t.detach().flatten()])


# BatchNorm1d on [N, C]: one training step with affine parameters, then eval.
bn = nn.BatchNorm1d(3).double()
with torch.no_grad():
    bn.weight.copy_(torch.tensor([0.5, 1.5, -1.0], dtype=torch.float64))
    bn.bias.copy_(torch.tensor([0.1, -0.2, 0.3], dtype=torch.float64))
x = seq((4, 3), 0.7, 0.3, 2.0)
show("bn1d train", bn(x))
show("bn1d running_mean", bn.running_mean)
show("bn1d running_var", bn.running_var)
bn.eval()
show("bn1d eval", bn(x))

# BatchNorm1d on [N, C, L].
bn = nn.BatchNorm1d(3).double()
x = seq((2, 3, 4), 0.5, 0.1, 1.5)
show("bn1d ncl train", bn(x))
show("bn1d ncl running_var", bn.running_var)

# BatchNorm2d, momentum 0.3: three steps on different inputs, then eval; the input gradient of
# sum(y · seq) in training.
bn = nn.BatchNorm2d(2, momentum=0.3).double()
for step in range(3):
    bn(seq((2, 2, 3, 3), 0.3 + 0.1 * step, 0.2 * step, 1.0 + step))
show("bn2d running_mean", bn.running_mean)
show("bn2d running_var", bn.running_var)
print("bn2d num_batches_tracked", int(bn.num_batches_tracked))
bn.eval()
show("bn2d eval", bn(seq((1, 2, 2, 2), 0.9, 0.4, 2.0)))
bn.train()
x = seq((2, 2, 3, 3), 0.3, 0.0, 1.0).requires_grad_()
(bn(x) * seq((2, 2, 3, 3), 1.1, 0.5, 1.0)).sum().backward()
show("bn2d input grad", x.grad)

# momentum=None: the cumulative average of the batch statistics.
bn = nn.BatchNorm1d(2, momentum=None).double()
for step in range(3):
    bn(seq((3, 2), 0.4 + 0.2 * step, 0.1 * step, 1.0 + 0.5 * step))
show("bn cma running_mean", bn.running_mean)
show("bn cma running_var", bn.running_var)

# LayerNorm over the last two dims with affine parameters, and over the last dim without.
ln = nn.LayerNorm((3, 4)).double()
with torch.no_grad():
    ln.weight.copy_(seq((3, 4), 0.8, 0.5, 1.0))
    ln.bias.copy_(seq((3, 4), 0.6, 0.2, 0.5))
show("layernorm", ln(seq((2, 3, 4), 0.45, 0.05, 2.0)))
ln = nn.LayerNorm(4, elementwise_affine=False, eps=1e-3).double()
show("layernorm plain", ln(seq((3, 4), 0.45, 0.05, 2.0)))
print(repr(nn.LayerNorm((3, 4))), repr(nn.LayerNorm(4, elementwise_affine=False, eps=1e-3)))

# GroupNorm: 2 groups of 2 channels.
gn = nn.GroupNorm(2, 4).double()
with torch.no_grad():
    gn.weight.copy_(torch.tensor([1.0, 2.0, 0.5, -1.0], dtype=torch.float64))
    gn.bias.copy_(torch.tensor([0.0, 0.1, 0.2, 0.3], dtype=torch.float64))
show("groupnorm", gn(seq((2, 4, 3), 0.35, 0.15, 1.5)))
print(repr(gn), repr(nn.BatchNorm2d(16)), repr(nn.BatchNorm1d(4, momentum=None, affine=False)))
