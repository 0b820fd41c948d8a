// Two minimal optimizers for the scheduler, regularizer and averaging tests (the real ones live in
// optim/): gradient descent with an SGD-like option set ("lr", "momentum") and one with Adam-like
// "betas", so that schedulers that cycle momentum can be tested on both kinds.
#pragma once
#include <xgrad/optim/optimizer.hpp>
#include <xgrad/xgrad.hpp>

#include <memory>
#include <type_traits>
#include <vector>

namespace xg::testing::toy {

struct MomentumOptions {
  double lr = 0.1;
  double momentum = 0.0;
  template <class V>
  void visit(V&& v) {
    v("lr", lr);
    v("momentum", momentum);
  }
  void validate() const {
    XG_CHECK(lr >= 0, ValueError, "MomentumGD: invalid learning rate ", lr);
    XG_CHECK(momentum >= 0 && momentum < 1, ValueError, "MomentumGD: invalid momentum ", momentum);
  }
};
struct MomentumState {
  xg::Tensor velocity;
  template <class V>
  void visit(V&& v) {
    v("velocity", velocity);
  }
};
/// v ← momentum · v + g;  p ← p − lr · v.
struct MomentumGD : xg::optim::OptimizerBase<MomentumGD, MomentumOptions, MomentumState> {
  using OptimizerBase::OptimizerBase;
  void init_state(const xg::Tensor& p, MomentumState& s, const MomentumOptions&) { s.velocity = xg::zeros_like(p); }
  void update(xg::Tensor& p, const xg::Tensor& g, MomentumState& s, const MomentumOptions& o) {
    s.velocity.mul_(o.momentum).add_(g);
    p.sub_(s.velocity * o.lr);
  }
};

struct BetaOptions {
  double lr = 0.1;
  std::pair<double, double> betas = {0.9, 0.999};
  template <class V>
  void visit(V&& v) {
    v("lr", lr);
    v("betas", betas);
  }
  void validate() const { XG_CHECK(lr >= 0, ValueError, "BetaGD: invalid learning rate ", lr); }
};
/// Plain gradient descent that only carries Adam's option names.
struct BetaGD : xg::optim::OptimizerBase<BetaGD, BetaOptions> {
  using OptimizerBase::OptimizerBase;
  void init_state(const xg::Tensor&, xg::optim::NoState&, const BetaOptions&) {}
  void update(xg::Tensor& p, const xg::Tensor& g, xg::optim::NoState&, const BetaOptions& o) { p.sub_(g * o.lr); }
};

struct PlainOptions {
  double lr = 0.1;
  template <class V>
  void visit(V&& v) {
    v("lr", lr);
  }
  void validate() const { XG_CHECK(lr >= 0, ValueError, "PlainGD: invalid learning rate ", lr); }
};
/// Gradient descent with no momentum-like option at all.
struct PlainGD : xg::optim::OptimizerBase<PlainGD, PlainOptions> {
  using OptimizerBase::OptimizerBase;
  void init_state(const xg::Tensor&, xg::optim::NoState&, const PlainOptions&) {}
  void update(xg::Tensor& p, const xg::Tensor& g, xg::optim::NoState&, const PlainOptions& o) { p.sub_(g * o.lr); }
};

inline xg::Tensor param() { return xg::zeros({1}, xg::kFloat64).requires_grad_(); }

/// An optimizer with one group per learning rate (momentum 0.9, as the PyTorch references use).
template <class Opt = MomentumGD>
std::unique_ptr<Opt> make(const std::vector<double>& lrs) {
  std::unique_ptr<Opt> opt;
  if constexpr (std::is_same_v<Opt, MomentumGD>) {
    opt =
        std::make_unique<MomentumGD>(std::vector<xg::Tensor>{param()}, MomentumOptions{.lr = lrs[0], .momentum = 0.9});
    for (std::size_t g = 1; g < lrs.size(); ++g) opt->add_param_group({param()}, {.lr = lrs[g], .momentum = 0.9});
  } else {
    opt = std::make_unique<Opt>(std::vector<xg::Tensor>{param()}, typename Opt::OptionsType{.lr = lrs[0]});
    for (std::size_t g = 1; g < lrs.size(); ++g) opt->add_param_group({param()}, {.lr = lrs[g]});
  }
  return opt;
}

}  // namespace xg::testing::toy
