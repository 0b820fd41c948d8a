// Gradient accumulation over micro-batches.
#include "xgrad/optim/accumulate.hpp"

#include "xgrad/ops.hpp"

namespace xg::optim {

GradientAccumulator::GradientAccumulator(Optimizer& optimizer, std::int64_t accumulation_steps)
    : optimizer_(&optimizer), k_(accumulation_steps) {
  XG_CHECK(accumulation_steps >= 1, ValueError, "GradientAccumulator: accumulation_steps must be >= 1, got ",
           accumulation_steps);
}

bool GradientAccumulator::backward(const Tensor& loss) {
  XG_CHECK(
      loss.defined() && loss.numel() == 1, ValueError, "GradientAccumulator.backward: expected a one-element loss",
      loss.defined() ? ::xg::detail::concat(", got shape ", loss.sizes()) : std::string(", got an undefined tensor"));
  (loss / static_cast<double>(k_)).backward();
  ++pending_;
  return pending_ >= k_;
}

bool GradientAccumulator::step() {
  if (pending_ == 0) return false;
  if (pending_ < k_) {
    // m < k micro-batches each contributed (1/k)·∇: rescale to the mean over the m seen.
    NoGradGuard no_grad;
    const double scale = static_cast<double>(k_) / static_cast<double>(pending_);
    for (auto& p : optimizer_->all_params())
      if (p.grad().defined()) p.mutable_grad().mul_(scale);
  }
  optimizer_->step();
  optimizer_->zero_grad();
  pending_ = 0;
  return true;
}

}  // namespace xg::optim
