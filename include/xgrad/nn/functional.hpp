// xgrad — torch.nn.functional: the layers' stateless forms in namespace xg::nn::functional
// (activations, dropout, normalization, losses, convolution, pooling), each taking the layer's
// options as one braced struct. `namespace F = xg::nn::functional;` is the customary alias (left to the user).
//
//   namespace F = xg::nn::functional;
//   auto h = F::relu(F::layer_norm(x, {64}));
//   auto loss = F::cross_entropy(logits, labels, {.label_smoothing = 0.1});
#pragma once
#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/conv.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/nn/loss.hpp"
#include "xgrad/nn/normalization.hpp"
#include "xgrad/nn/pooling.hpp"
