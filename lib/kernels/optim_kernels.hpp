// Internal: the fused per-parameter update loops of the first-order optimizers.
// Each kernel reads a parameter, its gradient and its state buffers once and writes them back
// once: one pass over memory, no temporaries, the inner loop vectorized with xsimd. They know
// nothing of tensors or autograd; lib/optim/*.cpp computes the step-dependent scalars (bias
// corrections, schedules) in double and passes them here.
//
// Note [Fused optimizer arithmetic]
// Every kernel evaluates its update in the same order of operations as PyTorch's single-tensor
// reference implementation (torch/optim/*.py, 1.13), with each scalar hyper-parameter rounded to
// the parameter's dtype first, as ATen does for `tensor.mul_(scalar)`; e.g. `addcdiv_(t1, t2,
// value=v)` is `p + (v * t1) / t2` and `addcmul_` is `p + (v * t1) * t2`. Contraction into FMA is
// disabled in optim_kernels.cpp so that the SIMD body and the scalar tail round identically and
// float64 results agree with PyTorch to the last bit or two.
#pragma once
#include <cstdint>

#include "kernels/isa.hpp"

namespace xg::kernels::optim {

/// g ← ±g (+ wd·p); momentum buffer b ← g on the first step, else μb + (1−τ)g; the step is g + μb
/// (Nesterov) or b; p ← p − lr·step. `buf` may be null when momentum == 0.
struct SgdArgs {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize, first_step;
};

/// sum ← sum + g²; p ← p − clr·g / (√sum + ε).
struct AdagradArgs {
  double clr, weight_decay, eps;
  bool maximize;
};

/// v ← αv + (1−α)g²; (centered: ḡ ← αḡ + (1−α)g, v̂ = v − ḡ²); with momentum b ← μb + g/(√v̂ + ε),
/// p ← p − lr·b, else p ← p − lr·g/(√v̂ + ε). `grad_avg` null unless centered, `buf` null unless
/// momentum > 0.
struct RmspropArgs {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};

/// v ← ρv + (1−ρ)g²; δ = √(u + ε)/√(v + ε)·g; u ← ρu + (1−ρ)δ²; p ← p − lr·δ.
struct AdadeltaArgs {
  double lr, rho, eps, weight_decay;
  bool maximize;
};

/// Adam and AdamW: (AdamW: p ← p(1 − lr·λ)); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// (amsgrad: v̂ ← max(v̂, v)); p ← p − step_size·m / (√v / bc2_sqrt + ε).
/// `max_sq` null unless amsgrad.
struct AdamArgs {
  double step_size, beta1, beta2, eps, weight_decay, bias_correction2_sqrt, decoupled_decay;
  bool amsgrad, maximize, decoupled;  // decoupled: AdamW (weight decay applied to p, not to g)
};

/// m ← β₁m + (1−β₁)g; u ← max(β₂u, |g| + ε); p ← p − clr·m/u.
struct AdamaxArgs {
  double clr, beta1, beta2, eps, weight_decay;
  bool maximize;
};

/// m and v as Adam; denom = √(v / bc2) + ε; p ← p + c_g·g/denom; p ← p + c_m·m/denom.
struct NadamArgs {
  double beta1, beta2, eps, weight_decay, bias_correction2, coef_grad, coef_avg;
  bool maximize;
};

/// m and v as Adam; m̂ = m / bc1; rectified: p ← p − m̂·lr·((1/(√v + ε))·√bc2)·rect, else
/// p ← p − m̂·lr.
struct RadamArgs {
  double lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2_sqrt, rect;
  bool rectified, maximize;
};

/// s ← clamp(s·η(g·prev), min, max) with η = η₊ / η₋ / 1 for a product > / < / = 0; where the
/// sign flipped the gradient counts as 0; p ← p − sign(g)·s; prev ← g.
struct RpropArgs {
  double eta_minus, eta_plus, step_min, step_max;
  bool maximize;
};

/// p ← p(1 − λη) − ηg; ax ← ax + μ(p − ax) (or ax ← p when μ = 1).
struct AsgdArgs {
  double eta, lambd, mu, weight_decay;
  bool maximize;
};

// The update functions (each documented at its arguments above) are declared in
// xg::kernels::optim (the dispatcher) and in every instruction set's namespace, as
// xg::kernels::isa_*::optim (Note [Kernels per instruction set] in kernels/isa.hpp).
#define XG_OPTIM_FUNCTIONS                                                                                  \
  template <class T>                                                                                        \
  void sgd(T* p, const T* g, T* buf, std::int64_t n, const SgdArgs& a);                                     \
  template <class T>                                                                                        \
  void adagrad(T* p, const T* g, T* sum, std::int64_t n, const AdagradArgs& a);                             \
  template <class T>                                                                                        \
  void rmsprop(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, std::int64_t n, const RmspropArgs& a); \
  template <class T>                                                                                        \
  void adadelta(T* p, const T* g, T* square_avg, T* acc_delta, std::int64_t n, const AdadeltaArgs& a);      \
  template <class T>                                                                                        \
  void adam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_sq, std::int64_t n, const AdamArgs& a);     \
  template <class T>                                                                                        \
  void adamax(T* p, const T* g, T* exp_avg, T* exp_inf, std::int64_t n, const AdamaxArgs& a);               \
  template <class T>                                                                                        \
  void nadam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, std::int64_t n, const NadamArgs& a);              \
  template <class T>                                                                                        \
  void radam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, std::int64_t n, const RadamArgs& a);              \
  template <class T>                                                                                        \
  void rprop(T* p, const T* g, T* prev, T* step_size, std::int64_t n, const RpropArgs& a);                  \
  template <class T>                                                                                        \
  void asgd(T* p, const T* g, T* ax, std::int64_t n, const AsgdArgs& a);

XG_OPTIM_FUNCTIONS

}  // namespace xg::kernels::optim

// (the argument structs are shared: each copy sees them through the using-directive)
XG_ISA_NAMESPACES(namespace optim {
  using namespace ::xg::kernels::optim;
  XG_OPTIM_FUNCTIONS
})
