// xgrad — the umbrella header: tensors, ops, autograd and random numbers, and the training toolkit.
// `#include <xgrad/xgrad.hpp>` is all a program needs; xtensor interop is in <xgrad/xtensor.hpp>.
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
#include "xgrad/io.hpp"
#include "xgrad/train.hpp"
#include "xgrad/threads.hpp"
#include "xgrad/version.hpp"
