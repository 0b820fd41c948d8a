// xgrad — the training toolkit (xg::train): fit / evaluate / predict, callbacks, metrics, the
// progress bar, training-health diagnostics, the learning-rate finder, SVG / HTML plots, and the
// World interface that spreads a run over several ranks.
// `#include <xgrad/train.hpp>` brings all of it; each part has its own header under xgrad/train/.
#pragma once
#include "xgrad/train/callback.hpp"
#include "xgrad/train/callbacks.hpp"
#include "xgrad/train/fit.hpp"
#include "xgrad/train/metrics.hpp"
#include "xgrad/train/model.hpp"
#include "xgrad/train/progress.hpp"
#include "xgrad/train/health.hpp"
#include "xgrad/train/lr_finder.hpp"
#include "xgrad/train/plot.hpp"
#include "xgrad/train/world.hpp"
