// Internal: 2-d pooling kernels on contiguous [planes, H, W] buffers (planes = N·C), for float and
// double: max pooling with the index of each maximum, its gradient (a scatter of the output
// gradient to those indices), and window averaging with its adjoint. 1-d pooling is H = 1.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/isa.hpp"

namespace xg::kernels {

/// Max pooling geometry: output (oh, ow) looks at input rows oh·stride_h − pad_h + i·dil_h for
/// i < k_h (and likewise for columns), skipping those outside the image.
struct MaxPoolShape {
  std::int64_t planes = 1, in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  std::int64_t k_h = 1, k_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1;
};

/// Separable averaging windows: output row oh covers input rows [h_lo[oh], h_hi[oh]) and is
/// divided by h_div[oh] (likewise for columns), so y[oh, ow] is the window's sum divided by
/// h_div[oh]·w_div[ow] — or by `divisor` when it is positive. An empty window gives 0.
struct AvgPoolWindows {
  std::int64_t planes = 1, in_h = 1, in_w = 1;
  std::vector<std::int64_t> h_lo, h_hi, h_div, w_lo, w_hi, w_div;
  std::int64_t divisor = 0;
  std::int64_t out_h() const { return static_cast<std::int64_t>(h_lo.size()); }
  std::int64_t out_w() const { return static_cast<std::int64_t>(w_lo.size()); }
};

// The functions below are declared in xg::kernels (the dispatcher) and in every instruction set's
// namespace (Note [Kernels per instruction set] in kernels/isa.hpp).
// max_pool2d_forward: y = the maximum of each window, idx = its position h·in_w + w in the plane
//   (the first maximum in row-major window order; NaN counts as the maximum, the last NaN giving
//   the index, as in PyTorch's CPU kernel).
// max_pool2d_backward: gx = 0, then gx[plane, idx] += gy for every output element (in a fixed
//   order per plane).
// avg_pool2d_forward: y = the average of each window.
// avg_pool2d_backward: the adjoint of avg_pool2d_forward: gx = 0, then each gy element, divided
//   as in the forward, is added to every input element of its window.
#define XG_POOL_FUNCTIONS                                                                                 \
  template <class T>                                                                                      \
  void max_pool2d_forward(const MaxPoolShape& s, const T* x, T* y, std::int64_t* idx);                    \
  template <class T>                                                                                      \
  void max_pool2d_backward(std::int64_t planes, std::int64_t in_size, std::int64_t out_size, const T* gy, \
                           const std::int64_t* idx, T* gx);                                               \
  template <class T>                                                                                      \
  void avg_pool2d_forward(const AvgPoolWindows& s, const T* x, T* y);                                     \
  template <class T>                                                                                      \
  void avg_pool2d_backward(const AvgPoolWindows& s, const T* gy, T* gx);

XG_POOL_FUNCTIONS

#define XG_POOL_EXTERN(T)                                                                                              \
  extern template void max_pool2d_forward<T>(const MaxPoolShape&, const T*, T*, std::int64_t*);                        \
  extern template void max_pool2d_backward<T>(std::int64_t, std::int64_t, std::int64_t, const T*, const std::int64_t*, \
                                              T*);                                                                     \
  extern template void avg_pool2d_forward<T>(const AvgPoolWindows&, const T*, T*);                                     \
  extern template void avg_pool2d_backward<T>(const AvgPoolWindows&, const T*, T*);
XG_POOL_EXTERN(float)
XG_POOL_EXTERN(double)
#undef XG_POOL_EXTERN

}  // namespace xg::kernels

XG_ISA_NAMESPACES(XG_POOL_FUNCTIONS)
