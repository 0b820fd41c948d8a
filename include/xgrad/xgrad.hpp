// xgrad — the umbrella header, like torch/torch.h: tensors, ops, autograd, random numbers, layers
// (nn), optimizers and schedules (optim), data sets and loaders (data), the training toolkit
// (train) and saving (io). `#include <xgrad/xgrad.hpp>` is all a program needs (a program that
// trains an MLP compiles in about 4 s at -O2); the finer headers (<xgrad/tensor.hpp>,
// <xgrad/nn/linear.hpp>, …) are there for those who want less. xtensor interop is in
// <xgrad/xtensor.hpp>; multi-process training in <xgrad/distributed.hpp>.
#pragma once
#include "xgrad/autograd.hpp"
#include "xgrad/cpu.hpp"
#include "xgrad/dtype.hpp"
#include "xgrad/error.hpp"
#include "xgrad/ops.hpp"
#include "xgrad/random.hpp"
#include "xgrad/scalar.hpp"
#include "xgrad/shape.hpp"
#include "xgrad/tensor.hpp"
#include "xgrad/data.hpp"
#include "xgrad/io.hpp"
#include "xgrad/nn.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"
#include "xgrad/threads.hpp"
#include "xgrad/version.hpp"
