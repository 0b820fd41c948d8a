// xgrad — the optimizers umbrella header: every optimizer, gradient clipping and accumulation.
// `#include <xgrad/optim.hpp>` brings xg::optim::SGD, Adam, AdamW, …, LBFGS, CG, NewtonCG,
// clip_grad_norm_ and GradientAccumulator.
#pragma once
#include "xgrad/optim/optimizer.hpp"

// ---- first-order optimizers (one fused update loop per parameter) -------------------------------
#include "xgrad/optim/adadelta.hpp"
#include "xgrad/optim/adagrad.hpp"
#include "xgrad/optim/adam.hpp"
#include "xgrad/optim/adamax.hpp"
#include "xgrad/optim/asgd.hpp"
#include "xgrad/optim/nadam.hpp"
#include "xgrad/optim/radam.hpp"
#include "xgrad/optim/rmsprop.hpp"
#include "xgrad/optim/rprop.hpp"
#include "xgrad/optim/sgd.hpp"

// ---- closure-driven methods (several evaluations per step) --------------------------------------
#include "xgrad/optim/cg.hpp"
#include "xgrad/optim/lbfgs.hpp"
#include "xgrad/optim/newton_cg.hpp"

// ---- gradient utilities -------------------------------------------------------------------------
#include "xgrad/optim/accumulate.hpp"
#include "xgrad/optim/clip_grad.hpp"

// ---- learning-rate schedulers, regularizers and constraints, weight averaging -------------------
#include "xgrad/optim/averaging.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/regularizer.hpp"
