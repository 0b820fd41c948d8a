# Reference values for tests/nn/test_activation.cpp, from PyTorch 1.13:
#   /usr/bin/python3 tests/reference/nn_activation.py
# The input is x = 3·sin(0.9·k + 0.2), k = 0..7, built the same way in the test.
import torch
import torch.nn as nn

torch.set_printoptions(precision=17)
x = torch.sin(torch.arange(8, dtype=torch.float64) * 0.9 + 0.2) * 3

layers = {
    "Sigmoid": nn.Sigmoid(),
    "Tanh": nn.Tanh(),
    "ReLU": nn.ReLU(),
    "LeakyReLU": nn.LeakyReLU(),
    "LeakyReLU(0.2)": nn.LeakyReLU(0.2),
    "ELU": nn.ELU(),
    "ELU(0.5)": nn.ELU(alpha=0.5),
    "SELU": nn.SELU(),
    "CELU": nn.CELU(),
    "CELU(2)": nn.CELU(alpha=2.0),
    "GELU": nn.GELU(),
    "GELU(tanh)": nn.GELU(approximate="tanh"),
    "SiLU": nn.SiLU(),
    "Mish": nn.Mish(),
    "Softplus": nn.Softplus(),
    "Softplus(2, 3)": nn.Softplus(beta=2, threshold=3),
    "Softsign": nn.Softsign(),
    "Hardtanh": nn.Hardtanh(),
    "Hardtanh(-0.5, 2)": nn.Hardtanh(-0.5, 2.0),
    "Hardsigmoid": nn.Hardsigmoid(),
    "RReLU eval": nn.RReLU().eval(),
    "PReLU": nn.PReLU().double(),
}
for name, layer in layers.items():
    print(name, [float(v) for v in layer(x)], repr(layer))

m = x.reshape(2, 4)
print("Softmax(1)", [float(v) for v in nn.Softmax(1)(m).flatten()])
print("LogSoftmax(0)", [float(v) for v in nn.LogSoftmax(0)(m).flatten()])
print(repr(nn.Softmax(1)), repr(nn.LogSoftmax(0)), repr(nn.PReLU(3)), repr(nn.RReLU()))

# PReLU with one slope per channel: the weight gradient sums g·x over the negative inputs.
p = nn.PReLU(4).double()
with torch.no_grad():
    p.weight.copy_(torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64))
x3 = (torch.sin(torch.arange(24, dtype=torch.float64) * 0.9 + 0.2) * 3).reshape(2, 4, 3)
y = p(x3)
(y * torch.arange(24, dtype=torch.float64).reshape(2, 4, 3)).sum().backward()
print("PReLU(4) out", [float(v) for v in y.flatten()])
print("PReLU(4) weight grad", [float(v) for v in p.weight.grad])
