// xgrad — the umbrella header of the neural-network module: the Module base, containers,
// layers, initializers and summaries. `#include <xgrad/nn.hpp>` is all
// a model needs (<xgrad/xgrad.hpp> includes it).
#pragma once
#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"
#include "xgrad/tensor.hpp"

#include "xgrad/nn/container.hpp"
#include "xgrad/nn/functional_layer.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/nn/linear.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/summary.hpp"

// ---- further layer families: add one line per header here, in alphabetical order ----------------
#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/attention.hpp"
#include "xgrad/nn/conv.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/nn/embedding.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/loss.hpp"
#include "xgrad/nn/normalization.hpp"
#include "xgrad/nn/pooling.hpp"
#include "xgrad/nn/rnn.hpp"
// ---- end of layer families ------------------------------------------------------------------------
