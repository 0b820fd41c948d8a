# Reference numbers for tests/nn/test_conv.cpp and test_pooling.cpp, produced with PyTorch 1.13:
#   /usr/bin/python3 tests/reference/nn_conv.py
# Inputs and parameters are seq(shape, a, b, s) = s·sin(a·k + b) over the row-major index k, as
# xg::testing::seq builds them; each case prints the output and the gradients of sum(y · g),
# g = seq(y.shape, 0.11, 0.5, 1.0), as C++ initializer lists.
import math
import torch
import torch.nn as nn

torch.set_printoptions(precision=17)


def seq(shape, a, b, s):
    n = math.prod(shape)
    return torch.tensor([s * math.sin(a * k + b) for k in range(n)], dtype=torch.float64).reshape(shape)


def lst(t):
    return "{" + ", ".join(repr(v) for v in t.detach().flatten().tolist()) + "}"


def run(name, layer, xshape):
    layer = layer.double()
    with torch.no_grad():
        for pname, p in layer.named_parameters():
            if pname == "weight":
                p.copy_(seq(p.shape, 0.37, 0.1, 0.5))
            else:
                p.copy_(seq(p.shape, 0.7, 0.3, 0.2))
    x = seq(xshape, 0.3, 0.2, 1.0).requires_grad_()
    y = layer(x)
    (y * seq(y.shape, 0.11, 0.5, 1.0)).sum().backward()
    print("//", name, repr(layer), "x", list(xshape), "-> y", list(y.shape))
    print("y", lst(y))
    print("dx", lst(x.grad))
    for pname, p in layer.named_parameters():
        print("d" + pname, lst(p.grad))
    print()


run("conv2d", nn.Conv2d(2, 4, 3, stride=2, padding=1, groups=2), (1, 2, 5, 5))
run("conv2d_dil", nn.Conv2d(3, 2, (2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1), bias=False), (2, 3, 4, 5))
run("conv2d_reflect", nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), (1, 1, 3, 4))
run("conv1d_circular", nn.Conv1d(2, 2, 3, padding=2, padding_mode="circular"), (1, 2, 4))
run("conv1d_replicate", nn.Conv1d(1, 2, 2, padding=1, dilation=2, padding_mode="replicate"), (2, 1, 3))
run("conv2d_same", nn.Conv2d(2, 2, (2, 3), padding="same", dilation=(1, 2)), (1, 2, 4, 5))
run("conv1d_same_reflect", nn.Conv1d(1, 2, 4, padding="same", padding_mode="reflect"), (1, 1, 6))
run("conv_transpose2d", nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (1, 2, 2, 2))
run("conv_transpose1d", nn.ConvTranspose1d(2, 4, 2, stride=3, groups=2, dilation=2), (1, 2, 3))
run("max_pool2d", nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 5, 5))
run("max_pool1d", nn.MaxPool1d(2, dilation=2), (1, 1, 7))
run("avg_pool2d", nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (1, 1, 5, 5))
run("avg_pool2d_incl", nn.AvgPool2d((2, 3), stride=(1, 2), padding=(1, 1)), (1, 1, 3, 4))
run("avg_pool1d", nn.AvgPool1d(3, stride=2, padding=1), (1, 2, 6))
run("adaptive_avg_pool2d", nn.AdaptiveAvgPool2d((2, 3)), (1, 1, 5, 4))
run("adaptive_avg_pool1d", nn.AdaptiveAvgPool1d(3), (1, 2, 5))

print("// VGG-style reference CNN: named_parameters")
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16, 10))
    def forward(self, x):
        return self.classifier(self.features(x))
net = Net()
print([n for n, _ in net.named_parameters()])
print(net)
seqnet = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3, groups=2, bias=False), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
print([n for n, _ in seqnet.named_parameters()])
