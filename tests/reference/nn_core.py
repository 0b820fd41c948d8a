# Reference numbers for tests/nn/test_linear.cpp, test_init.cpp and test_container.cpp,
# produced with PyTorch 1.13:  /usr/bin/python3 tests/reference/nn_core.py
import torch
import torch.nn as nn

torch.set_printoptions(precision=17)
print("calculate_gain")
for name, param in [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
                    ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
                    ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                    ("leaky_relu", 0.2), ("leaky_relu", 5 ** 0.5), ("selu", None)]:
    print(" ", name, param, repr(nn.init.calculate_gain(name, param)))

print("fans")
for shape in [(3, 5), (16, 3, 5, 5), (8, 4, 3), (2, 6, 2, 3, 4)]:
    print(" ", shape, nn.init._calculate_fan_in_and_fan_out(torch.empty(shape)))

print("linear")
lin = nn.Linear(3, 2).double()
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64))
    lin.bias.copy_(torch.tensor([0.1, -0.2], dtype=torch.float64))
x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], dtype=torch.float64, requires_grad=True)
y = lin(x)
print(" y", y.tolist())
(y * torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)).sum().backward()
print(" dx", x.grad.tolist())
print(" dW", lin.weight.grad.tolist())
print(" db", lin.bias.grad.tolist())

print("bilinear")
bil = nn.Bilinear(2, 3, 2).double()
with torch.no_grad():
    bil.weight.copy_(torch.arange(12, dtype=torch.float64).reshape(2, 2, 3) / 4 - 1)
    bil.bias.copy_(torch.tensor([0.5, -0.5], dtype=torch.float64))
x1 = torch.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=torch.float64, requires_grad=True)
x2 = torch.tensor([[2.0, 1.0, -1.0], [0.0, -0.5, 1.5]], dtype=torch.float64, requires_grad=True)
y = bil(x1, x2)
print(" y", y.tolist())
(y * torch.tensor([[1.0, -1.0], [2.0, 0.5]], dtype=torch.float64)).sum().backward()
print(" dx1", x1.grad.tolist())
print(" dx2", x2.grad.tolist())
print(" dW", bil.weight.grad.tolist())
print(" db", bil.bias.grad.tolist())

print("named parameters of an MLP")
mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
print(" ", [n for n, _ in mlp.named_parameters()], sum(p.numel() for p in mlp.parameters()))
print(" slice", [n for n, _ in mlp[1:3].named_parameters()])
print(repr(nn.Flatten()), repr(nn.Unflatten(1, (2, 5))), repr(nn.Unflatten(1, (7,))), repr(nn.Identity()))
print(repr(nn.Bilinear(20, 30, 40)))
