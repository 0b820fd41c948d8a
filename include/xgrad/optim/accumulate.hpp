// xgrad — gradient accumulation: train with an effective batch k times larger than what fits in
// memory, by back-propagating k micro-batches (each loss scaled by 1/k) before one optimizer step.
//
//   xg::optim::GradientAccumulator acc(opt, 4);
//   for (auto& [x, y] : micro_batches)
//     if (acc.backward(loss_fn(model(x), y))) acc.step();   // steps on every 4th micro-batch
//   acc.step();                                              // the remainder at the end of an epoch
#pragma once
#include <cstdint>

#include "xgrad/optim/optimizer.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::optim {

/// Accumulates the gradients of k micro-batches into one step. Gradients add up in .grad() across
/// backward() calls, so scaling each micro-batch's mean loss by 1/k makes the accumulated gradient
/// the gradient of the mean over all k·b samples — exactly what one big batch gives (up to the
/// order of floating-point additions) when the micro-batches have equal sizes.
///
/// The loop is: `if (acc.backward(loss)) { /* optional: clip_grad_norm_ */ acc.step(); }`.
/// step() steps the optimizer and clears the gradients; called with fewer than k micro-batches
/// pending (the end of an epoch) it first rescales the gradients by k/m so that they are the mean
/// over the m micro-batches seen, and with none pending it does nothing.
///
/// Layers whose forward depends on the whole batch (batch normalization) see micro-batches, so for
/// them accumulation is not equivalent to a big batch.
class GradientAccumulator {
 public:
  /// ValueError unless accumulation_steps >= 1.
  GradientAccumulator(Optimizer& optimizer, std::int64_t accumulation_steps);
  /// Back-propagates loss / k; returns true when k micro-batches are pending (time to step).
  bool backward(const Tensor& loss);
  /// Steps on the pending micro-batches (see the class comment); returns whether it stepped.
  bool step();
  /// Micro-batches back-propagated since the last step.
  std::int64_t pending() const { return pending_; }
  /// The number k of micro-batches per step.
  std::int64_t accumulation_steps() const { return k_; }

 private:
  Optimizer* optimizer_;
  std::int64_t k_;
  std::int64_t pending_ = 0;
};

}  // namespace xg::optim

XGRAD_API_END
