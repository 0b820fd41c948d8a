// Broadcast strides, and the strided copy with broadcasting and type conversion (its loop is
// dispatched per instruction set: kernels::copy in kernels/elementwise_binary.cpp).
#include "ops/kernel_views.hpp"

namespace xg::kernels {

Shape broadcast_strides(const TensorImpl& t, const Shape& out_shape) {
  const std::size_t n = out_shape.size(), m = t.shape.size();
  Shape st(n, 0);
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t o = n - m + i;
    st[o] = (t.shape[i] == 1 && out_shape[o] != 1) ? 0 : t.strides[i];
  }
  return st;
}

void copy_into(const TensorImpl& src, TensorImpl& dst) {
  const BroadcastView s(src, dst);
  copy(src.dtype, dst.dtype, s, output_view(dst));
}

}  // namespace xg::kernels
