#!/usr/bin/python3
"""Reference numbers for tests/nn/test_rnn.cpp, test_attention.cpp and test_embedding.cpp.

Run with Debian's python and PyTorch 1.13:  /usr/bin/python3 tests/reference/nn_sequence.py
It prints C++ initializers that are pasted into the tests (the tests do not need Python).

Every tensor is made from a formula the C++ tests repeat, in float64:
  parameter k of a module (k counts named_parameters() in order), flat element i:
      0.5 * sin(1.3 i + 0.7 k + 0.1)
  inputs and initial states:  scale * cos(a i + b)
"""
import math

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def param_values(shape, k):
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return (0.5 * torch.sin(1.3 * i + 0.7 * k + 0.1)).reshape(shape)


def wave(shape, a, b, scale=1.0):
    n = math.prod(shape)
    i = torch.arange(n, dtype=torch.float64)
    return (scale * torch.cos(a * i + b)).reshape(shape)


def set_params(module):
    with torch.no_grad():
        for k, (_, p) in enumerate(module.named_parameters()):
            p.copy_(param_values(tuple(p.shape), k))


def cpp(name, t):
    vals = ", ".join("%.15g" % v for v in t.detach().reshape(-1).tolist())
    shape = ", ".join(str(s) for s in t.shape)
    print("  // %s: shape [%s]" % (name, shape))
    print("  const std::vector<double> %s{%s};" % (name, vals))


def names(case, module):
    items = ", ".join('{"%s", {%s}}' % (n, ", ".join(str(s) for s in p.shape))
                      for n, p in module.named_parameters())
    print("  // %s parameters" % case)
    print("  {%s}" % items)


def header(title):
    print("\n// ==== %s ====" % title)


# ---- RNN, LSTM, GRU ---------------------------------------------------------------------------
header("test_rnn.cpp: parameter names and shapes")
for case, m in [
    ("RNN(3, 2, num_layers=2, bidirectional=True)", torch.nn.RNN(3, 2, num_layers=2, bidirectional=True)),
    ("LSTM(3, 2, num_layers=2, bidirectional=True)", torch.nn.LSTM(3, 2, num_layers=2, bidirectional=True)),
    ("LSTM(3, 3, num_layers=2, bidirectional=True, proj_size=2)",
     torch.nn.LSTM(3, 3, num_layers=2, bidirectional=True, proj_size=2)),
    ("GRU(3, 2, num_layers=2, bidirectional=True, bias=False)",
     torch.nn.GRU(3, 2, num_layers=2, bidirectional=True, bias=False)),
    ("RNNCell(3, 2)", torch.nn.RNNCell(3, 2)),
    ("LSTMCell(3, 2)", torch.nn.LSTMCell(3, 2)),
    ("GRUCell(3, 2, bias=False)", torch.nn.GRUCell(3, 2, bias=False)),
]:
    names(case, m)
    print("  // repr: %s" % m)

header("test_rnn.cpp: forward values")
x_seq = wave((3, 2, 3), 0.9, 0.2)           # (L, N, H_in)
x_bf = wave((2, 3, 3), 0.9, 0.2)            # (N, L, H_in)

m = torch.nn.RNN(3, 2, num_layers=2, bidirectional=True)
set_params(m)
h0 = wave((4, 2, 2), 0.37, 1.0, 0.5)
out, hn = m(x_seq, h0)
print("  // RNN(3, 2, num_layers=2, bidirectional=True), x = wave((3,2,3), 0.9, 0.2), h0 = wave((4,2,2), 0.37, 1.0, 0.5)")
cpp("rnn_out", out)
cpp("rnn_hn", hn)

m = torch.nn.RNN(3, 2, nonlinearity="relu", batch_first=True)
set_params(m)
out, hn = m(x_bf)
print("  // RNN(3, 2, nonlinearity='relu', batch_first=True), x = wave((2,3,3), 0.9, 0.2), no h0")
cpp("rnn_relu_out", out)
cpp("rnn_relu_hn", hn)

m = torch.nn.LSTM(3, 2, num_layers=2, bidirectional=True)
set_params(m)
c0 = wave((4, 2, 2), 0.23, -0.5, 0.5)
out, (hn, cn) = m(x_seq, (h0, c0))
print("  // LSTM(3, 2, num_layers=2, bidirectional=True), x, h0 as above, c0 = wave((4,2,2), 0.23, -0.5, 0.5)")
cpp("lstm_out", out)
cpp("lstm_hn", hn)
cpp("lstm_cn", cn)

m = torch.nn.LSTM(3, 2, batch_first=True)
set_params(m)
out, (hn, cn) = m(x_bf)
print("  // LSTM(3, 2, batch_first=True), x = wave((2,3,3), 0.9, 0.2), no state")
cpp("lstm_bf_out", out)
cpp("lstm_bf_hn", hn)
cpp("lstm_bf_cn", cn)

m = torch.nn.LSTM(3, 3, num_layers=2, bidirectional=True, batch_first=True, proj_size=2)
set_params(m)
out, (hn, cn) = m(x_bf)
print("  // LSTM(3, 3, num_layers=2, bidirectional=True, batch_first=True, proj_size=2), x = wave((2,3,3), 0.9, 0.2)")
cpp("lstm_proj_out", out)
cpp("lstm_proj_hn", hn)
cpp("lstm_proj_cn", cn)

m = torch.nn.LSTM(3, 2)
set_params(m)
out, (hn, cn) = m(wave((3, 3), 0.9, 0.2), (wave((1, 2), 0.37, 1.0, 0.5), wave((1, 2), 0.23, -0.5, 0.5)))
print("  // LSTM(3, 2), unbatched x = wave((3,3), 0.9, 0.2), h0 = wave((1,2), 0.37, 1.0, 0.5), c0 = wave((1,2), 0.23, -0.5, 0.5)")
cpp("lstm_unbatched_out", out)
cpp("lstm_unbatched_hn", hn)
cpp("lstm_unbatched_cn", cn)

m = torch.nn.GRU(3, 2, num_layers=2, bidirectional=True)
set_params(m)
out, hn = m(x_seq, h0)
print("  // GRU(3, 2, num_layers=2, bidirectional=True), x, h0 as for RNN")
cpp("gru_out", out)
cpp("gru_hn", hn)

m = torch.nn.GRU(3, 2, bias=False, batch_first=True)
set_params(m)
out, hn = m(x_bf)
print("  // GRU(3, 2, bias=False, batch_first=True), x = wave((2,3,3), 0.9, 0.2)")
cpp("gru_bf_out", out)
cpp("gru_bf_hn", hn)

x_cell = wave((2, 3), 0.9, 0.2)
h_cell = wave((2, 2), 0.37, 1.0, 0.5)
c_cell = wave((2, 2), 0.23, -0.5, 0.5)
print("  // cells: x = wave((2,3), 0.9, 0.2), h = wave((2,2), 0.37, 1.0, 0.5), c = wave((2,2), 0.23, -0.5, 0.5)")
m = torch.nn.RNNCell(3, 2)
set_params(m)
cpp("rnn_cell_h", m(x_cell, h_cell))
m = torch.nn.RNNCell(3, 2, nonlinearity="relu")
set_params(m)
cpp("rnn_relu_cell_h", m(x_cell))
m = torch.nn.LSTMCell(3, 2)
set_params(m)
h1, c1 = m(x_cell, (h_cell, c_cell))
cpp("lstm_cell_h", h1)
cpp("lstm_cell_c", c1)
m = torch.nn.GRUCell(3, 2)
set_params(m)
cpp("gru_cell_h", m(x_cell, h_cell))

# ---- MultiheadAttention -----------------------------------------------------------------------
header("test_attention.cpp: parameter names and shapes")
for case, m in [
    ("MultiheadAttention(4, 2)", torch.nn.MultiheadAttention(4, 2)),
    ("MultiheadAttention(4, 2, kdim=3, vdim=5)", torch.nn.MultiheadAttention(4, 2, kdim=3, vdim=5)),
    ("MultiheadAttention(4, 2, bias=False, add_bias_kv=True)",
     torch.nn.MultiheadAttention(4, 2, bias=False, add_bias_kv=True)),
]:
    names(case, m)
    print("  // repr: %s" % str(m).replace("\n", " "))

header("test_attention.cpp: forward values")
x = wave((3, 2, 4), 0.9, 0.2)
m = torch.nn.MultiheadAttention(4, 2)
set_params(m)
out, w = m(x, x, x)
print("  // MultiheadAttention(4, 2), self-attention on x = wave((3,2,4), 0.9, 0.2)")
cpp("mha_self_out", out)
cpp("mha_self_w", w)

q = wave((3, 2, 4), 0.9, 0.2)
k = wave((4, 2, 4), 0.61, -0.3)
v = wave((4, 2, 4), 0.47, 0.8)
kpm = torch.tensor([[False, False, False, True], [False, True, False, False]])
am = wave((3, 4), 0.33, 0.1, 0.5)
out, w = m(q, k, v, key_padding_mask=kpm, attn_mask=am, average_attn_weights=False)
print("  // the same module, q = wave((3,2,4), 0.9, 0.2), k = wave((4,2,4), 0.61, -0.3), v = wave((4,2,4), 0.47, 0.8),")
print("  // key_padding_mask = [[F,F,F,T],[F,T,F,F]], float attn_mask = wave((3,4), 0.33, 0.1, 0.5), per-head weights")
cpp("mha_masks_out", out)
cpp("mha_masks_w", w)

m = torch.nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True)
set_params(m)
q = wave((2, 3, 4), 0.9, 0.2)
k = wave((2, 4, 3), 0.61, -0.3)
v = wave((2, 4, 5), 0.47, 0.8)
am3 = (wave((4, 3, 4), 1.7, 0.4) > 0.6)
am3[:, :, 0] = False  # no fully masked row
out, w = m(q, k, v, attn_mask=am3)
print("  // MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True), q = wave((2,3,4), 0.9, 0.2),")
print("  // k = wave((2,4,3), 0.61, -0.3), v = wave((2,4,5), 0.47, 0.8), bool attn_mask = wave((4,3,4), 1.7, 0.4) > 0.6")
print("  // with column 0 unmasked")
cpp("mha_kdim_out", out)
cpp("mha_kdim_w", w)
cpp("mha_kdim_mask", am3.double())

m = torch.nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True)
set_params(m)
q = wave((3, 2, 4), 0.9, 0.2)
k = wave((4, 2, 4), 0.61, -0.3)
v = wave((4, 2, 4), 0.47, 0.8)
out, w = m(q, k, v, key_padding_mask=kpm)
print("  // MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True), q, k, v and key_padding_mask as above")
cpp("mha_biaskv_out", out)
cpp("mha_biaskv_w", w)

m = torch.nn.MultiheadAttention(4, 2, bias=False)
set_params(m)
q = wave((3, 4), 0.9, 0.2)
k = wave((2, 4), 0.61, -0.3)
v = wave((2, 4), 0.47, 0.8)
am = torch.tensor([[False, True], [True, False], [False, False]])
out, w = m(q, k, v, attn_mask=am)
print("  // MultiheadAttention(4, 2, bias=False), unbatched q = wave((3,4), 0.9, 0.2), k = wave((2,4), 0.61, -0.3),")
print("  // v = wave((2,4), 0.47, 0.8), bool attn_mask = [[F,T],[T,F],[F,F]]")
cpp("mha_unbatched_out", out)
cpp("mha_unbatched_w", w)

# scaled_dot_product_attention is not public in PyTorch 1.13: its definition (PyTorch 2.x, math
# path) is written out here. A bool mask there marks the positions that TAKE PART in attention.
header("test_attention.cpp: scaled_dot_product_attention")


def sdpa(q, k, v, attn_mask=None, is_causal=False):
    L, S = q.shape[-2], k.shape[-2]
    bias = torch.zeros(L, S)
    if is_causal:
        bias = bias.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float("-inf"))
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        bias = bias.masked_fill(attn_mask.logical_not(), float("-inf"))
    elif attn_mask is not None:
        bias = bias + attn_mask
    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]) + bias, dim=-1)
    return w @ v


q = wave((2, 3, 4), 0.9, 0.2)
k = wave((2, 5, 4), 0.61, -0.3)
v = wave((2, 5, 3), 0.47, 0.8)
print("  // q = wave((2,3,4), 0.9, 0.2), k = wave((2,5,4), 0.61, -0.3), v = wave((2,5,3), 0.47, 0.8)")
cpp("sdpa_plain", sdpa(q, k, v))
keep = torch.tensor([[True, False, True, True, False], [True, True, True, False, False], [False, True, True, True, True]])
print("  // bool mask (true = takes part) = [[T,F,T,T,F],[T,T,T,F,F],[F,T,T,T,T]]")
cpp("sdpa_bool", sdpa(q, k, v, keep))
fm = wave((3, 5), 0.33, 0.1, 0.5)
print("  // float mask = wave((3,5), 0.33, 0.1, 0.5)")
cpp("sdpa_float", sdpa(q, k, v, fm))
kc = wave((2, 3, 4), 0.61, -0.3)
vc = wave((2, 3, 3), 0.47, 0.8)
print("  // is_causal with k = wave((2,3,4), 0.61, -0.3), v = wave((2,3,3), 0.47, 0.8)")
cpp("sdpa_causal", sdpa(q, kc, vc, is_causal=True))

# ---- Embedding --------------------------------------------------------------------------------
header("test_embedding.cpp")
m = torch.nn.Embedding(5, 3, max_norm=1.0)
with torch.no_grad():
    m.weight.copy_(4 * param_values((5, 3), 0))
idx = torch.tensor([[0, 2], [2, 4]])
out = m(idx)
print("  // Embedding(5, 3, max_norm=1.0), weight = 4 * values((5,3), k=0), indices [[0,2],[2,4]]")
cpp("emb_maxnorm_out", out)
cpp("emb_maxnorm_weight", m.weight)
print("  // repr: %s | %s | %s" % (torch.nn.Embedding(10, 3), torch.nn.Embedding(10, 3, padding_idx=-1),
                                   torch.nn.Embedding(10, 3, max_norm=2.0, norm_type=1.0, scale_grad_by_freq=True)))

m = torch.nn.Embedding(5, 3, scale_grad_by_freq=True, padding_idx=1)
with torch.no_grad():
    m.weight.copy_(param_values((5, 3), 0))
idx = torch.tensor([[0, 2, 2], [1, 0, 2]])
(m(idx) * wave((2, 3, 3), 0.9, 0.2)).sum().backward()
print("  // Embedding(5, 3, padding_idx=1, scale_grad_by_freq=True), indices [[0,2,2],[1,0,2]],")
print("  // gradient of sum(out * wave((2,3,3), 0.9, 0.2)) w.r.t. the weight")
cpp("emb_freq_grad", m.weight.grad)
