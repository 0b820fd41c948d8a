// The dispatched kernels' entry points in xg::kernels: each forwards to the copy compiled for the
// active instruction set (Note [Kernels per instruction set] in kernels/isa.hpp).
#include "kernels/conv.hpp"
#include "kernels/convert16.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/gemm.hpp"
#include "kernels/isa.hpp"
#include "kernels/optim_kernels.hpp"
#include "kernels/pool.hpp"
#include "kernels/reductions.hpp"

namespace xg::kernels {

using i64 = std::int64_t;

template <class T>
void gemm(i64 m, i64 n, i64 k, T alpha, MatrixRef<T> a, MatrixRef<T> b, T beta, OutMatrixRef<T> c, bool parallel) {
  XG_ISA_FORWARD(gemm<T>(m, n, k, alpha, a, b, beta, c, parallel));
}

template <class T>
void gemm_batched(i64 batch, i64 m, i64 n, i64 k, T alpha, MatrixRef<T> a, i64 a_bs, MatrixRef<T> b, i64 b_bs, T beta,
                  OutMatrixRef<T> c, i64 c_bs, bool parallel) {
  XG_ISA_FORWARD(gemm_batched<T>(batch, m, n, k, alpha, a, a_bs, b, b_bs, beta, c, c_bs, parallel));
}

template <class T>
T dot(i64 n, const T* x, i64 sx, const T* y, i64 sy) {
  XG_ISA_FORWARD(dot<T>(n, x, sx, y, sy));
}

template <class T>
GemmTile gemm_tile() {
  XG_ISA_FORWARD(gemm_tile<T>());
}

ConvAlgorithm conv_algorithm(const ConvShape& s) { XG_ISA_FORWARD(conv_algorithm(s)); }

template <class T>
void conv2d_forward(const ConvShape& s, const T* x, const T* w, const T* bias, T* y, ConvAlgorithm algo) {
  XG_ISA_FORWARD(conv2d_forward<T>(s, x, w, bias, y, algo));
}

template <class T>
void conv2d_backward_input(const ConvShape& s, const T* gy, const T* w, T* gx) {
  XG_ISA_FORWARD(conv2d_backward_input<T>(s, gy, w, gx));
}

template <class T>
void conv2d_backward_weight(const ConvShape& s, const T* x, const T* gy, T* gw) {
  XG_ISA_FORWARD(conv2d_backward_weight<T>(s, x, gy, gw));
}

template <class T>
void max_pool2d_forward(const MaxPoolShape& s, const T* x, T* y, i64* idx) {
  XG_ISA_FORWARD(max_pool2d_forward<T>(s, x, y, idx));
}

template <class T>
void max_pool2d_backward(i64 planes, i64 in_size, i64 out_size, const T* gy, const i64* idx, T* gx) {
  XG_ISA_FORWARD(max_pool2d_backward<T>(planes, in_size, out_size, gy, idx, gx));
}

template <class T>
void avg_pool2d_forward(const AvgPoolWindows& s, const T* x, T* y) {
  XG_ISA_FORWARD(avg_pool2d_forward<T>(s, x, y));
}

template <class T>
void avg_pool2d_backward(const AvgPoolWindows& s, const T* gy, T* gx) {
  XG_ISA_FORWARD(avg_pool2d_backward<T>(s, gy, gx));
}

#define XG_DISPATCH_INSTANTIATE(T)                                                                                    \
  template void gemm<T>(i64, i64, i64, T, MatrixRef<T>, MatrixRef<T>, T, OutMatrixRef<T>, bool);                      \
  template void gemm_batched<T>(i64, i64, i64, i64, T, MatrixRef<T>, i64, MatrixRef<T>, i64, T, OutMatrixRef<T>, i64, \
                                bool);                                                                                \
  template T dot<T>(i64, const T*, i64, const T*, i64);                                                               \
  template GemmTile gemm_tile<T>();                                                                                   \
  template void conv2d_forward<T>(const ConvShape&, const T*, const T*, const T*, T*, ConvAlgorithm);                 \
  template void conv2d_backward_input<T>(const ConvShape&, const T*, const T*, T*);                                   \
  template void conv2d_backward_weight<T>(const ConvShape&, const T*, const T*, T*);                                  \
  template void max_pool2d_forward<T>(const MaxPoolShape&, const T*, T*, i64*);                                       \
  template void max_pool2d_backward<T>(i64, i64, i64, const T*, const i64*, T*);                                      \
  template void avg_pool2d_forward<T>(const AvgPoolWindows&, const T*, T*);                                           \
  template void avg_pool2d_backward<T>(const AvgPoolWindows&, const T*, T*);
XG_DISPATCH_INSTANTIATE(float)
XG_DISPATCH_INSTANTIATE(double)
#undef XG_DISPATCH_INSTANTIATE

// ---- elementwise (kernels/elementwise.hpp) -----------------------------------------------------
void unary(UnaryOp op, Dtype dt, const ConstView& x, const MutView& out) { XG_ISA_FORWARD(unary(op, dt, x, out)); }
void map(MapOp op, Dtype dt, const MapArgs& args, const ConstView& x, const MutView& out) {
  XG_ISA_FORWARD(map(op, dt, args, x, out));
}
void binary(BinaryOp op, Dtype dt, const BinaryArgs& args, const ConstView& a, const ConstView& b, const MutView& out) {
  XG_ISA_FORWARD(binary(op, dt, args, a, b, out));
}
void where(Dtype dt, const ConstView& cond, const ConstView& a, const ConstView& b, const MutView& out) {
  XG_ISA_FORWARD(where(dt, cond, a, b, out));
}
void copy(Dtype src_dt, Dtype dst_dt, const ConstView& src, const MutView& dst) {
  XG_ISA_FORWARD(copy(src_dt, dst_dt, src, dst));
}

// ---- reductions (kernels/reductions.hpp) -------------------------------------------------------
i64 simd_width(Dtype dt) { XG_ISA_FORWARD(simd_width(dt)); }
void sum_rows(Dtype dt, const void* src, void* dst, i64 outer, i64 n) {
  XG_ISA_FORWARD(sum_rows(dt, src, dst, outer, n));
}
void sum_columns(Dtype dt, const void* src, void* dst, i64 outer, i64 n, i64 inner) {
  XG_ISA_FORWARD(sum_columns(dt, src, dst, outer, n, inner));
}
void var_rows(Dtype dt, const void* src, void* dst, i64 outer, i64 n, double dof, bool take_sqrt) {
  XG_ISA_FORWARD(var_rows(dt, src, dst, outer, n, dof, take_sqrt));
}
void var_columns(Dtype dt, const void* src, void* dst, i64 outer, i64 n, i64 inner, double dof, bool take_sqrt) {
  XG_ISA_FORWARD(var_columns(dt, src, dst, outer, n, inner, dof, take_sqrt));
}
void prod_rows(Dtype dt, const void* src, void* dst, i64 outer, i64 n) {
  XG_ISA_FORWARD(prod_rows(dt, src, dst, outer, n));
}
void extreme_rows(bool max, Dtype dt, const void* src, void* dst, i64 outer, i64 n) {
  XG_ISA_FORWARD(extreme_rows(max, dt, src, dst, outer, n));
}
void arg_extreme_rows(bool max, Dtype dt, const void* src, void* values, i64* indices, i64 outer, i64 n) {
  XG_ISA_FORWARD(arg_extreme_rows(max, dt, src, values, indices, outer, n));
}
void extreme_columns(bool max, Dtype dt, const void* src, void* values, i64* indices, i64 outer, i64 n, i64 inner) {
  XG_ISA_FORWARD(extreme_columns(max, dt, src, values, indices, outer, n, inner));
}
void logsumexp_rows(Dtype dt, const void* src, void* dst, i64 outer, i64 n) {
  XG_ISA_FORWARD(logsumexp_rows(dt, src, dst, outer, n));
}
void logsumexp_columns(Dtype dt, const void* src, void* dst, i64 outer, i64 n, i64 inner) {
  XG_ISA_FORWARD(logsumexp_columns(dt, src, dst, outer, n, inner));
}
void norm_rows(Dtype dt, const void* src, void* dst, i64 outer, i64 n, double p) {
  XG_ISA_FORWARD(norm_rows(dt, src, dst, outer, n, p));
}
void softmax(bool log, Dtype dt, const void* src, void* dst, i64 outer, i64 n, i64 inner) {
  XG_ISA_FORWARD(softmax(log, dt, src, dst, outer, n, inner));
}

namespace optim {

// Each update forwards its pointers, length and arguments unchanged.
template <class T>
void sgd(T* p, const T* g, T* buf, i64 n, const SgdArgs& a) {
  XG_ISA_FORWARD(optim::sgd<T>(p, g, buf, n, a));
}
template <class T>
void adagrad(T* p, const T* g, T* sum, i64 n, const AdagradArgs& a) {
  XG_ISA_FORWARD(optim::adagrad<T>(p, g, sum, n, a));
}
template <class T>
void rmsprop(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, i64 n, const RmspropArgs& a) {
  XG_ISA_FORWARD(optim::rmsprop<T>(p, g, square_avg, grad_avg, buf, n, a));
}
template <class T>
void adadelta(T* p, const T* g, T* square_avg, T* acc_delta, i64 n, const AdadeltaArgs& a) {
  XG_ISA_FORWARD(optim::adadelta<T>(p, g, square_avg, acc_delta, n, a));
}
template <class T>
void adam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_sq, i64 n, const AdamArgs& a) {
  XG_ISA_FORWARD(optim::adam<T>(p, g, exp_avg, exp_avg_sq, max_sq, n, a));
}
template <class T>
void adamax(T* p, const T* g, T* exp_avg, T* exp_inf, i64 n, const AdamaxArgs& a) {
  XG_ISA_FORWARD(optim::adamax<T>(p, g, exp_avg, exp_inf, n, a));
}
template <class T>
void nadam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, i64 n, const NadamArgs& a) {
  XG_ISA_FORWARD(optim::nadam<T>(p, g, exp_avg, exp_avg_sq, n, a));
}
template <class T>
void radam(T* p, const T* g, T* exp_avg, T* exp_avg_sq, i64 n, const RadamArgs& a) {
  XG_ISA_FORWARD(optim::radam<T>(p, g, exp_avg, exp_avg_sq, n, a));
}
template <class T>
void rprop(T* p, const T* g, T* prev, T* step_size, i64 n, const RpropArgs& a) {
  XG_ISA_FORWARD(optim::rprop<T>(p, g, prev, step_size, n, a));
}
template <class T>
void asgd(T* p, const T* g, T* ax, i64 n, const AsgdArgs& a) {
  XG_ISA_FORWARD(optim::asgd<T>(p, g, ax, n, a));
}

#define XG_OPTIM_INSTANTIATE(T)                                                \
  template void sgd<T>(T*, const T*, T*, i64, const SgdArgs&);                 \
  template void adagrad<T>(T*, const T*, T*, i64, const AdagradArgs&);         \
  template void rmsprop<T>(T*, const T*, T*, T*, T*, i64, const RmspropArgs&); \
  template void adadelta<T>(T*, const T*, T*, T*, i64, const AdadeltaArgs&);   \
  template void adam<T>(T*, const T*, T*, T*, T*, i64, const AdamArgs&);       \
  template void adamax<T>(T*, const T*, T*, T*, i64, const AdamaxArgs&);       \
  template void nadam<T>(T*, const T*, T*, T*, i64, const NadamArgs&);         \
  template void radam<T>(T*, const T*, T*, T*, i64, const RadamArgs&);         \
  template void rprop<T>(T*, const T*, T*, T*, i64, const RpropArgs&);         \
  template void asgd<T>(T*, const T*, T*, i64, const AsgdArgs&);
XG_OPTIM_INSTANTIATE(float)
XG_OPTIM_INSTANTIATE(double)
#undef XG_OPTIM_INSTANTIATE

}  // namespace optim

void pack16(Format16 f, const float* src, float scale, std::uint16_t* dst, i64 n) {
  XG_ISA_FORWARD(pack16(f, src, scale, dst, n));
}

void unpack16(Format16 f, const std::uint16_t* src, float* dst, i64 n) { XG_ISA_FORWARD(unpack16(f, src, dst, n)); }

void add16(Format16 f, const std::uint16_t* in, std::uint16_t* inout, i64 n) { XG_ISA_FORWARD(add16(f, in, inout, n)); }

}  // namespace xg::kernels
