// The fused optimizer update loops (see Note [Fused optimizer arithmetic] in optim_kernels.hpp).
//
// Each loop body is written once as a generic lambda over a "lane" type V, which is either the
// scalar T (for the tail) or an xsimd batch of T (for the body); `using std::sqrt; using
// xsimd::sqrt;` lets one expression serve both, so both paths perform the same IEEE operations.
#pragma GCC optimize("fp-contract=off")

#include "kernels/optim_kernels.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

// GCC 12's AVX-512 sqrt intrinsics trip -Wuninitialized on their own placeholder operand (GCC bug
// 105593, fixed in GCC 13); the warning is about the system header, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

namespace xg::kernels::XG_ISA_NS::optim {

namespace {

/// Calls body(i, V{}) for i = 0, W, 2W, … with V an xsimd batch of W lanes, then body(i, T{}) for
/// the remaining elements one at a time.
template <class T, class Body>
inline void simd_for(std::int64_t n, Body&& body) {
  using B = xsimd::batch<T>;
  constexpr auto W = static_cast<std::int64_t>(B::size);
  std::int64_t i = 0;
  for (; i + W <= n; i += W) body(i, B{});
  for (; i < n; ++i) body(i, T{});
}

template <class V, class T>
inline V load(const T* p) {
  if constexpr (std::is_arithmetic_v<V>) return *p;
  else return V::load_unaligned(p);
}
template <class V, class T>
inline void store(T* p, const V& v) {
  if constexpr (std::is_arithmetic_v<V>) *p = v;
  else v.store_unaligned(p);
}

/// c ? a : b, lane by lane.
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
inline T vselect(bool c, T a, T b) {
  return c ? a : b;
}
template <class T, class A>
inline xsimd::batch<T, A> vselect(const xsimd::batch_bool<T, A>& c, const xsimd::batch<T, A>& a,
                                  const xsimd::batch<T, A>& b) {
  return xsimd::select(c, a, b);
}

template <class V>
inline V vsqrt(const V& x) {
  using std::sqrt;
  using xsimd::sqrt;
  return sqrt(x);
}
template <class V>
inline V vabs(const V& x) {
  using std::abs;
  using xsimd::abs;
  return abs(x);
}
/// max(a, b) as torch.maximum for ordered values.
template <class V>
inline V vmax(const V& a, const V& b) {
  return vselect(a < b, b, a);
}
template <class V>
inline V vmin(const V& a, const V& b) {
  return vselect(b < a, b, a);
}
/// sign(x) ∈ {−1, 0, 1}.
template <class V, class T>
inline V vsign(const V& x) {
  return vselect(x > V(T(0)), V(T(1)), vselect(x < V(T(0)), V(T(-1)), V(T(0))));
}

/// The gradient as the update sees it: negated when maximizing, plus the L2 term wd·p.
template <class V, class T>
inline V effective_grad(const T* g, const V& p, std::int64_t i, bool maximize, bool has_wd, T wd) {
  V d = load<V>(g + i);
  if (maximize) d = -d;
  if (has_wd) d = d + V(wd) * p;
  return d;
}

}  // namespace

template <class T>
void sgd(T* p, const T* g, T* buf, std::int64_t n, const SgdArgs& a) {
  const T neg_lr = T(-a.lr), wd = T(a.weight_decay), mom = T(a.momentum), keep = T(1 - a.dampening);
  const bool has_wd = a.weight_decay != 0, has_mom = a.momentum != 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    const V x = load<V>(p + i);
    V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    if (has_mom) {
      const V b = a.first_step ? d : load<V>(buf + i) * V(mom) + V(keep) * d;
      store(buf + i, b);
      d = a.nesterov ? d + V(mom) * b : b;
    }
    store(p + i, x + V(neg_lr) * d);
  });
}

template <class T>
void adagrad(T* p, const T* g, T* sum, std::int64_t n, const AdagradArgs& a) {
  const T neg_clr = T(-a.clr), wd = T(a.weight_decay), eps = T(a.eps);
  const bool has_wd = a.weight_decay != 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    const V x = load<V>(p + i);
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    const V s = load<V>(sum + i) + d * d;
    store(sum + i, s);
    store(p + i, x + V(neg_clr) * d / (vsqrt(s) + V(eps)));
  });
}

template <class T>
void rmsprop(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, std::int64_t n, const RmspropArgs& a) {
  const T alpha = T(a.alpha), one_minus_alpha = T(1 - a.alpha), eps = T(a.eps), wd = T(a.weight_decay),
          mom = T(a.momentum), neg_lr = T(-a.lr);
  const bool has_wd = a.weight_decay != 0, has_mom = a.momentum > 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    const V x = load<V>(p + i);
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    const V v = load<V>(square_avg + i) * V(alpha) + V(one_minus_alpha) * d * d;
    store(square_avg + i, v);
    V avg;
    if (a.centered) {
      const V ga = load<V>(grad_avg + i) * V(alpha) + V(one_minus_alpha) * d;
      store(grad_avg + i, ga);
      avg = vsqrt(v - ga * ga);  // the variance estimate E[g²] − E[g]²
    } else {
      avg = vsqrt(v);
    }
    avg = avg + V(eps);
    if (has_mom) {
      const V b = load<V>(buf + i) * V(mom) + d / avg;
      store(buf + i, b);
      store(p + i, x + V(neg_lr) * b);
    } else {
      store(p + i, x + V(neg_lr) * d / avg);
    }
  });
}

template <class T>
void adadelta(T* p, const T* g, T* square_avg, T* acc_delta, std::int64_t n, const AdadeltaArgs& a) {
  const T rho = T(a.rho), one_minus_rho = T(1 - a.rho), eps = T(a.eps), wd = T(a.weight_decay), neg_lr = T(-a.lr);
  const bool has_wd = a.weight_decay != 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    const V x = load<V>(p + i);
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    const V v = load<V>(square_avg + i) * V(rho) + V(one_minus_rho) * d * d;
    store(square_avg + i, v);
    const V u = load<V>(acc_delta + i);
    // δ = RMS[Δx]_{t−1} / RMS[g]_t · g: the units of the step match those of the parameter.
    const V delta = vsqrt(u + V(eps)) / vsqrt(v + V(eps)) * d;
    store(acc_delta + i, u * V(rho) + V(one_minus_rho) * delta * delta);
    store(p + i, x + V(neg_lr) * delta);
  });
}

template <class T>
void adam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_sq, std::int64_t n, const AdamArgs& a) {
  const T b1 = T(a.beta1), one_minus_b1 = T(1 - a.beta1), b2 = T(a.beta2), one_minus_b2 = T(1 - a.beta2),
          eps = T(a.eps), wd = T(a.weight_decay), bc2_sqrt = T(a.bias_correction2_sqrt), neg_step = T(-a.step_size),
          decay = T(a.decoupled_decay);
  const bool has_wd = !a.decoupled && a.weight_decay != 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    V x = load<V>(p + i);
    if (a.decoupled) x = x * V(decay);  // AdamW: p ← p(1 − lr·λ), before the moment update
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    const V m = load<V>(exp_avg + i) * V(b1) + V(one_minus_b1) * d;
    V v = load<V>(exp_avg_sq + i) * V(b2) + V(one_minus_b2) * d * d;
    store(exp_avg + i, m);
    store(exp_avg_sq + i, v);
    if (a.amsgrad) {
      v = vmax(load<V>(max_sq + i), v);
      store(max_sq + i, v);
    }
    store(p + i, x + V(neg_step) * m / (vsqrt(v) / V(bc2_sqrt) + V(eps)));
  });
}

template <class T>
void adamax(T* p, const T* g, T* exp_avg, T* exp_inf, std::int64_t n, const AdamaxArgs& a) {
  const T b1 = T(a.beta1), one_minus_b1 = T(1 - a.beta1), b2 = T(a.beta2), eps = T(a.eps), wd = T(a.weight_decay),
          neg_clr = T(-a.clr);
  const bool has_wd = a.weight_decay != 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    const V x = load<V>(p + i);
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    const V m = load<V>(exp_avg + i) * V(b1) + V(one_minus_b1) * d;
    const V u = vmax(load<V>(exp_inf + i) * V(b2), vabs(d) + V(eps));  // the exponentially weighted ∞-norm
    store(exp_avg + i, m);
    store(exp_inf + i, u);
    store(p + i, x + V(neg_clr) * m / u);
  });
}

template <class T>
void nadam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, std::int64_t n, const NadamArgs& a) {
  const T b1 = T(a.beta1), one_minus_b1 = T(1 - a.beta1), b2 = T(a.beta2), one_minus_b2 = T(1 - a.beta2),
          eps = T(a.eps), wd = T(a.weight_decay), bc2 = T(a.bias_correction2), cg = T(a.coef_grad), cm = T(a.coef_avg);
  const bool has_wd = a.weight_decay != 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    const V x = load<V>(p + i);
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    const V m = load<V>(exp_avg + i) * V(b1) + V(one_minus_b1) * d;
    const V v = load<V>(exp_avg_sq + i) * V(b2) + V(one_minus_b2) * d * d;
    store(exp_avg + i, m);
    store(exp_avg_sq + i, v);
    const V denom = vsqrt(v / V(bc2)) + V(eps);
    // Nesterov momentum: the current gradient with weight (1 − μ_t), the average with μ_{t+1}.
    const V x1 = x + V(cg) * d / denom;
    store(p + i, x1 + V(cm) * m / denom);
  });
}

template <class T>
void radam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, std::int64_t n, const RadamArgs& a) {
  const T b1 = T(a.beta1), one_minus_b1 = T(1 - a.beta1), b2 = T(a.beta2), one_minus_b2 = T(1 - a.beta2),
          eps = T(a.eps), wd = T(a.weight_decay), bc1 = T(a.bias_correction1), bc2_sqrt = T(a.bias_correction2_sqrt),
          lr = T(a.lr), rect = T(a.rect), minus_one = T(-1);
  const bool has_wd = a.weight_decay != 0;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    const V x = load<V>(p + i);
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    const V m = load<V>(exp_avg + i) * V(b1) + V(one_minus_b1) * d;
    const V v = load<V>(exp_avg_sq + i) * V(b2) + V(one_minus_b2) * d * d;
    store(exp_avg + i, m);
    store(exp_avg_sq + i, v);
    const V m_hat = m / V(bc1);
    if (a.rectified) {
      // PyTorch evaluates `scalar / tensor` as reciprocal(tensor) * scalar.
      const V adaptive_lr = V(T(1)) / (vsqrt(v) + V(eps)) * V(bc2_sqrt);
      store(p + i, x + V(minus_one) * (m_hat * V(lr) * adaptive_lr * V(rect)));
    } else {
      store(p + i, x + V(minus_one) * (m_hat * V(lr)));  // SGD with momentum while the variance is untractable
    }
  });
}

template <class T>
void rprop(T* p, const T* g, T* prev, T* step_size, std::int64_t n, const RpropArgs& a) {
  const T eta_minus = T(a.eta_minus), eta_plus = T(a.eta_plus), lo = T(a.step_min), hi = T(a.step_max), one = T(1),
          zero = T(0), minus_one = T(-1);
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    V d = load<V>(g + i);
    if (a.maximize) d = -d;
    const V prod = d * load<V>(prev + i);
    // The step grows while the gradient keeps its sign and shrinks when it flips.
    const V eta = vselect(prod > V(zero), V(eta_plus), vselect(prod < V(zero), V(eta_minus), V(one)));
    const V s = vmin(vmax(load<V>(step_size + i) * eta, V(lo)), V(hi));
    store(step_size + i, s);
    // After a sign flip the gradient counts as zero: no step now, and no flip test next time.
    d = vselect(prod < V(zero), V(zero), d);
    store(p + i, load<V>(p + i) + V(minus_one) * vsign<V, T>(d) * s);
    store(prev + i, d);
  });
}

template <class T>
void asgd(T* p, const T* g, T* ax, std::int64_t n, const AsgdArgs& a) {
  const T decay = T(1 - a.lambd * a.eta), neg_eta = T(-a.eta), mu = T(a.mu), wd = T(a.weight_decay);
  const bool has_wd = a.weight_decay != 0, average = a.mu != 1;
  simd_for<T>(n, [&](std::int64_t i, auto lane) {
    using V = decltype(lane);
    V x = load<V>(p + i);
    const V d = effective_grad<V>(g, x, i, a.maximize, has_wd, wd);
    x = x * V(decay);
    x = x + V(neg_eta) * d;
    store(p + i, x);
    if (average) {
      const V avg = load<V>(ax + i);
      store(ax + i, avg + (x - avg) * V(mu));
    } else {
      store(ax + i, x);
    }
  });
}

#define XG_INSTANTIATE_OPTIM_KERNELS(T)                                                 \
  template void sgd<T>(T*, const T*, T*, std::int64_t, const SgdArgs&);                 \
  template void adagrad<T>(T*, const T*, T*, std::int64_t, const AdagradArgs&);         \
  template void rmsprop<T>(T*, const T*, T*, T*, T*, std::int64_t, const RmspropArgs&); \
  template void adadelta<T>(T*, const T*, T*, T*, std::int64_t, const AdadeltaArgs&);   \
  template void adam<T>(T*, const T*, T*, T*, T*, std::int64_t, const AdamArgs&);       \
  template void adamax<T>(T*, const T*, T*, T*, std::int64_t, const AdamaxArgs&);       \
  template void nadam<T>(T*, const T*, T*, T*, std::int64_t, const NadamArgs&);         \
  template void radam<T>(T*, const T*, T*, T*, std::int64_t, const RadamArgs&);         \
  template void rprop<T>(T*, const T*, T*, T*, std::int64_t, const RpropArgs&);         \
  template void asgd<T>(T*, const T*, T*, std::int64_t, const AsgdArgs&);
XG_INSTANTIATE_OPTIM_KERNELS(float)
XG_INSTANTIATE_OPTIM_KERNELS(double)
#undef XG_INSTANTIATE_OPTIM_KERNELS

}  // namespace xg::kernels::XG_ISA_NS::optim
