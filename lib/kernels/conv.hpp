// Internal: 2-d convolution kernels on contiguous NCHW buffers, for float and double.
// One convolution C(w) maps an input x [N, Cin, H, W] to y [N, Cout, OH, OW] with a weight
// [Cout, Cin / groups, KH, KW]. The three kernels are its forward map, its adjoint in x (the
// input gradient, which is also the transposed convolution) and its derivative in w (the weight
// gradient); 1-d convolution is the case H = KH = 1. Inputs are validated by the ops.
#pragma once
#include <cstdint>

#include "kernels/isa.hpp"

namespace xg::kernels {

/// The geometry of one convolution x [batch, in_c, in_h, in_w] → y [batch, out_c, out_h, out_w]:
/// y[n, o, oh, ow] = Σ_{c, i, j} w[o, c, i, j] · x[n, g·in_c/groups + c, oh·stride_h − pad_h + i·dil_h,
///                                              ow·stride_w − pad_w + j·dil_w]
/// for output channel o in group g, with x zero outside the image.
struct ConvShape {
  std::int64_t batch = 1, groups = 1;
  std::int64_t in_c = 1, in_h = 1, in_w = 1;
  std::int64_t out_c = 1, out_h = 1, out_w = 1;
  std::int64_t k_h = 1, k_w = 1;
  std::int64_t stride_h = 1, stride_w = 1;
  std::int64_t pad_h = 0, pad_w = 0;
  std::int64_t dil_h = 1, dil_w = 1;
};

/// How the forward convolution is computed (see Note [Convolution algorithms] in conv.cpp).
enum class ConvAlgorithm {
  Auto,        ///< the faster of the two for the shape, by the measured rule of conv_algorithm()
  Im2colGemm,  ///< unfold each image into columns, one GEMM per image and group
  Direct,      ///< register-tiled direct convolution on the padded image (needs stride_w == 1)
};

// The functions below are declared in xg::kernels (the dispatcher) and in every instruction set's
// namespace (Note [Kernels per instruction set] in kernels/isa.hpp).
// conv_algorithm: what Auto runs for this shape.
// conv2d_forward: y = C(w) x (+ bias per output channel when bias is not null). Overwrites y.
// conv2d_backward_input: gx = C(w)ᵀ gy, the input gradient of the convolution, i.e. the transposed
//   convolution of gy. Overwrites gx.
// conv2d_backward_weight: gw = ∂⟨gy, C(w) x⟩ / ∂w, the weight gradient, summed over the batch in a
//   fixed order. Overwrites gw.
#define XG_CONV_FUNCTIONS                                                              \
  ConvAlgorithm conv_algorithm(const ConvShape& s);                                    \
  template <class T>                                                                   \
  void conv2d_forward(const ConvShape& s, const T* x, const T* w, const T* bias, T* y, \
                      ConvAlgorithm algo = ConvAlgorithm::Auto);                       \
  template <class T>                                                                   \
  void conv2d_backward_input(const ConvShape& s, const T* gy, const T* w, T* gx);      \
  template <class T>                                                                   \
  void conv2d_backward_weight(const ConvShape& s, const T* x, const T* gy, T* gw);

XG_CONV_FUNCTIONS

#define XG_CONV_EXTERN(T)                                                                                    \
  extern template void conv2d_forward<T>(const ConvShape&, const T*, const T*, const T*, T*, ConvAlgorithm); \
  extern template void conv2d_backward_input<T>(const ConvShape&, const T*, const T*, T*);                   \
  extern template void conv2d_backward_weight<T>(const ConvShape&, const T*, const T*, T*);
XG_CONV_EXTERN(float)
XG_CONV_EXTERN(double)
#undef XG_CONV_EXTERN

}  // namespace xg::kernels

XG_ISA_NAMESPACES(XG_CONV_FUNCTIONS)
