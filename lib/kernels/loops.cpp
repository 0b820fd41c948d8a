// Generic strided copy with broadcasting and type conversion.
#include "kernels/loops.hpp"

#include "kernels/dispatch.hpp"

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
  dispatch_all(src.dtype, "copy_", [&]<class S>() {
    dispatch_all(dst.dtype, "copy_", [&]<class D>() {
      const S* sp = src.ptr<S>();
      D* dp = dst.ptr<D>();
      if (src.shape == dst.shape && src.is_contiguous() && dst.is_contiguous()) {
        for (std::int64_t i = 0; i < dst.numel; ++i) dp[i] = static_cast<D>(sp[i]);
        return;
      }
      const Shape ss = broadcast_strides(src, dst.shape);
      for_each_row<2>(dst.shape, {&ss, &dst.strides}, [&](std::int64_t n, const auto& off, const auto& st) {
        for (std::int64_t i = 0; i < n; ++i) dp[off[1] + i * st[1]] = static_cast<D>(sp[off[0] + i * st[0]]);
      });
    });
  });
}

}  // namespace xg::kernels
