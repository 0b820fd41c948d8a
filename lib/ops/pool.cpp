// Pooling ops: max_pool1d / max_pool2d (with indices), avg_pool1d / avg_pool2d and
// adaptive_avg_pool1d / adaptive_avg_pool2d. Each forward is paired with a backward op that is
// itself differentiable, so double backward works:
//   max_pool2d:            gx = scatter of g to the argmax indices    (max_pool2d_backward)
//   max_pool2d_backward:   gg = gather of G at the same indices       (xg::gather)
//   avg_pool2d:            gx = spread of g / divisor over each window (avg_pool2d_backward)
//   avg_pool2d_backward:   gg = avg_pool2d(G)                          (they are adjoint linear maps)
// and likewise for adaptive average pooling. 1-d pooling is 2-d pooling over a height of 1.
#include <array>
#include <memory>

#include <limits>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "core/dispatch.hpp"
#include "kernels/pool.hpp"
#include "ops/spatial_util.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;

XG_OP_NAME(max_pool2d);
XG_OP_NAME(max_pool2d_backward);
XG_OP_NAME(avg_pool2d);
XG_OP_NAME(avg_pool2d_backward);
XG_OP_NAME(adaptive_avg_pool2d);
XG_OP_NAME(adaptive_avg_pool2d_backward);

namespace {

using i64 = std::int64_t;
using ops::as_shape;
using ops::contiguous_data;
using ops::expand;
using ops::Pair;
using ops::to_pair;

/// PyTorch's pooling_output_shape: windows that would start in the right padding are dropped in
/// ceil mode.
/// Computed in 128 bits: kernel, dilation and stride are any positive int64 (Note [Checked shape
/// arithmetic] in core/tensor_impl.hpp); padding <= kernel / 2 keeps the result within int64.
i64 pool_out(i64 in, i64 k, i64 pad, i64 stride, i64 dil, bool ceil_mode) {
  __extension__ typedef __int128 i128;  // (__extension__: -Wpedantic knows no 128-bit type)
  const i128 num = i128{in} + 2 * i128{pad} - i128{dil} * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  i128 out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= i128{in} + pad) --out;
  return out < i128{std::numeric_limits<i64>::min()} ? std::numeric_limits<i64>::min() : static_cast<i64>(out);
}

/// `t` with a batch dimension, after checking that it is a floating-point tensor of a valid rank
/// with positive non-batch sizes.
Tensor with_batch(const char* op, const Tensor& t, std::size_t d, bool& batched) {
  detail::check_defined(t, op, "input");
  XG_CHECK(t.is_floating_point(), DtypeError, op, ": expected a floating-point input (float32 or float64), got ",
           t.dtype());
  return ops::with_batch(op, t, d, batched);
}

/// The checked hyper-parameters of a D-d pooling and its output size.
template <std::size_t D>
struct PoolArgs {
  std::array<i64, D> kernel{}, stride{}, padding{}, dilation{}, out{};
};

template <std::size_t D>
PoolArgs<D> check_pool(const char* op, const Tensor& x, const ExpandingArray<D>& kernel,
                       const ExpandingArray<D>& stride, const ExpandingArray<D>& padding,
                       const ExpandingArray<D>& dilation, bool ceil_mode) {
  PoolArgs<D> p;
  p.kernel = expand(kernel, op, "kernel_size");
  p.stride = stride.empty() ? p.kernel : expand(stride, op, "stride");
  p.padding = expand(padding, op, "padding");
  p.dilation = expand(dilation, op, "dilation");
  for (std::size_t d = 0; d < D; ++d) {
    XG_CHECK(p.kernel[d] > 0, ValueError, op, ": kernel_size must be positive, got ", as_shape(p.kernel));
    XG_CHECK(p.stride[d] > 0, ValueError, op, ": stride must be positive, got ", as_shape(p.stride));
    XG_CHECK(p.dilation[d] > 0, ValueError, op, ": dilation must be positive, got ", as_shape(p.dilation));
    XG_CHECK(p.padding[d] >= 0 && p.padding[d] <= p.kernel[d] / 2, ValueError, op, ": padding ", as_shape(p.padding),
             " must be non-negative and at most half of kernel_size ", as_shape(p.kernel));
  }
  const i64 first = x.dim() - static_cast<i64>(D);
  for (std::size_t d = 0; d < D; ++d)
    p.out[d] =
        pool_out(x.size(first + static_cast<i64>(d)), p.kernel[d], p.padding[d], p.stride[d], p.dilation[d], ceil_mode);
  for (i64 o : p.out)
    XG_CHECK(o > 0, ShapeError, op, ": the input of shape ", x.sizes(), " is too small for kernel_size ",
             as_shape(p.kernel), " (dilation ", as_shape(p.dilation), ", padding ", as_shape(p.padding),
             "): the output size would be ", as_shape(p.out));
  return p;
}

// ---- max pooling --------------------------------------------------------------------------------

Tensor max_pool2d_backward_core(const Tensor& g, const Tensor& indices, const Shape& in_shape);

/// (values, indices) of max pooling of a 4-D x.
std::tuple<Tensor, Tensor> max_pool2d_core(const Tensor& x, const kernels::MaxPoolShape& s) {
  Tensor out = detail::make_tensor({x.size(0), x.size(1), s.out_h, s.out_w}, x.dtype());
  Tensor indices = detail::make_tensor(out.sizes(), kInt64);
  {
    const Tensor xc = contiguous_data(x);
    kernels::dispatch_floating(x.dtype(), "max_pool2d", [&]<class T>() {
      kernels::max_pool2d_forward<T>(s, impl(xc).ptr<T>(), impl(out).ptr<T>(), impl(indices).ptr<i64>());
    });
  }
  const Shape in_shape = x.sizes();
  // d max = g routed to the argmax of each window
  autograd::record(op_max_pool2d, out, {&x}, {&indices},
                   [in_shape](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {max_pool2d_backward_core(g, c.saved[0], in_shape)};
                   });
  return {out, indices};
}

/// gx of shape in_shape: zeros with g added at the indices of each plane.
Tensor max_pool2d_backward_core(const Tensor& g, const Tensor& indices, const Shape& in_shape) {
  Tensor out = detail::make_tensor(in_shape, g.dtype());
  {
    const Tensor gc = contiguous_data(g);
    const i64 planes = in_shape[0] * in_shape[1];
    kernels::dispatch_floating(g.dtype(), "max_pool2d_backward", [&]<class T>() {
      kernels::max_pool2d_backward<T>(planes, in_shape[2] * in_shape[3], g.size(2) * g.size(3), impl(gc).ptr<T>(),
                                      impl(indices).ptr<i64>(), impl(out).ptr<T>());
    });
  }
  const Shape g_shape = g.sizes();
  // The scatter is linear in g; its adjoint reads G back at the same indices.
  autograd::record(op_max_pool2d_backward, out, {&g}, {&indices},
                   [g_shape](const Tensor& gg, const BackwardCtx& c) -> TensorList {
                     return {gather(gg.flatten(2), 2, c.saved[0].flatten(2)).reshape(g_shape)};
                   });
  return out;
}

template <std::size_t D>
std::tuple<Tensor, Tensor> max_pool(const char* op, const Tensor& input, const ExpandingArray<D>& kernel,
                                    const ExpandingArray<D>& stride, const ExpandingArray<D>& padding,
                                    const ExpandingArray<D>& dilation, bool ceil_mode) {
  bool batched = true;
  const Tensor x = with_batch(op, input, D, batched);
  const PoolArgs<D> p = check_pool(op, input, kernel, stride, padding, dilation, ceil_mode);
  const Tensor x4 = D == 1 ? x.unsqueeze(2) : x;
  const Pair k = to_pair(p.kernel, 1), st = to_pair(p.stride, 1), pad = to_pair(p.padding, 0),
             dil = to_pair(p.dilation, 1), out = to_pair(p.out, 1);
  kernels::MaxPoolShape s;
  s.planes = x4.size(0) * x4.size(1);
  s.in_h = x4.size(2);
  s.in_w = x4.size(3);
  s.out_h = out[0];
  s.out_w = out[1];
  s.k_h = k[0];
  s.k_w = k[1];
  s.stride_h = st[0];
  s.stride_w = st[1];
  s.pad_h = pad[0];
  s.pad_w = pad[1];
  s.dil_h = dil[0];
  s.dil_w = dil[1];
  auto [values, indices] = max_pool2d_core(x4, s);
  if (D == 1) {
    values = values.squeeze(2);
    indices = indices.squeeze(2);
  }
  if (!batched) {
    values = values.squeeze(0);
    indices = indices.squeeze(0);
  }
  return {values, indices};
}

// ---- average pooling ----------------------------------------------------------------------------

using Windows = std::shared_ptr<const kernels::AvgPoolWindows>;

/// The two ops of one kind of average pooling (plain or adaptive): forward and backward names.
struct AvgOps {
  const autograd::OpName* forward;
  const autograd::OpName* backward;
};

Tensor window_average_backward(const Tensor& g, const Windows& w, const Shape& in_shape, AvgOps ops);

/// y[n, c] = the window averages of x[n, c] (x 4-D).
Tensor window_average(const Tensor& x, const Windows& w, AvgOps ops) {
  Tensor out = detail::make_tensor({x.size(0), x.size(1), w->out_h(), w->out_w()}, x.dtype());
  {
    const Tensor xc = contiguous_data(x);
    kernels::dispatch_floating(x.dtype(), ops.forward->name, [&]<class T>() {
      kernels::avg_pool2d_forward<T>(*w, impl(xc).ptr<T>(), impl(out).ptr<T>());
    });
  }
  const Shape in_shape = x.sizes();
  // d avg = g / divisor spread over each window (the adjoint map)
  autograd::record(*ops.forward, out, {&x}, {}, [w, in_shape, ops](const Tensor& g, const BackwardCtx&) -> TensorList {
    return {window_average_backward(g, w, in_shape, ops)};
  });
  return out;
}

Tensor window_average_backward(const Tensor& g, const Windows& w, const Shape& in_shape, AvgOps ops) {
  Tensor out = detail::make_tensor(in_shape, g.dtype());
  {
    const Tensor gc = contiguous_data(g);
    kernels::dispatch_floating(g.dtype(), ops.backward->name, [&]<class T>() {
      kernels::avg_pool2d_backward<T>(*w, impl(gc).ptr<T>(), impl(out).ptr<T>());
    });
  }
  // The spread is linear and its adjoint is the averaging itself.
  autograd::record(*ops.backward, out, {&g}, {}, [w, ops](const Tensor& gg, const BackwardCtx&) -> TensorList {
    return {window_average(gg, w, ops)};
  });
  return out;
}

/// One dimension of avg_pool windows, as PyTorch's avg_pool2d computes them: the padded window
/// [start, min(start + k, in + pad)) gives the count_include_pad divisor, then it is clipped to
/// the input.
void avg_windows(i64 in, i64 out, i64 k, i64 stride, i64 pad, bool count_include_pad, std::vector<i64>& lo,
                 std::vector<i64>& hi, std::vector<i64>& div) {
  for (i64 o = 0; o < out; ++o) {
    const i64 start = o * stride - pad, end = std::min(start + k, in + pad);
    const i64 l = std::max<i64>(start, 0), h = std::min(end, in);
    lo.push_back(l);
    hi.push_back(h);
    div.push_back(count_include_pad ? end - start : h - l);
  }
}

/// One dimension of adaptive windows: cell o covers [floor(o·in/out), ceil((o+1)·in/out)).
void adaptive_windows(i64 in, i64 out, std::vector<i64>& lo, std::vector<i64>& hi, std::vector<i64>& div) {
  for (i64 o = 0; o < out; ++o) {
    const i64 l = (o * in) / out, h = ((o + 1) * in + out - 1) / out;
    lo.push_back(l);
    hi.push_back(h);
    div.push_back(h - l);
  }
}

template <std::size_t D>
Tensor avg_pool(const char* op, const Tensor& input, const ExpandingArray<D>& kernel, const ExpandingArray<D>& stride,
                const ExpandingArray<D>& padding, bool ceil_mode, bool count_include_pad,
                std::optional<i64> divisor_override) {
  bool batched = true;
  const Tensor x = with_batch(op, input, D, batched);
  const PoolArgs<D> p = check_pool(op, input, kernel, stride, padding, ExpandingArray<D>(1), ceil_mode);
  XG_CHECK(!divisor_override || *divisor_override > 0, ValueError, op, ": divisor_override must be positive, got ",
           *divisor_override);
  const Tensor x4 = D == 1 ? x.unsqueeze(2) : x;
  const Pair k = to_pair(p.kernel, 1), st = to_pair(p.stride, 1), pad = to_pair(p.padding, 0), out = to_pair(p.out, 1);
  auto w = std::make_shared<kernels::AvgPoolWindows>();
  w->planes = x4.size(0) * x4.size(1);
  w->in_h = x4.size(2);
  w->in_w = x4.size(3);
  w->divisor = divisor_override.value_or(0);
  avg_windows(w->in_h, out[0], k[0], st[0], pad[0], count_include_pad, w->h_lo, w->h_hi, w->h_div);
  avg_windows(w->in_w, out[1], k[1], st[1], pad[1], count_include_pad, w->w_lo, w->w_hi, w->w_div);
  Tensor y = window_average(x4, w, {&op_avg_pool2d, &op_avg_pool2d_backward});
  if (D == 1) y = y.squeeze(2);
  return batched ? y : y.squeeze(0);
}

template <std::size_t D>
Tensor adaptive_avg_pool(const char* op, const Tensor& input, const ExpandingArray<D>& output_size) {
  bool batched = true;
  const Tensor x = with_batch(op, input, D, batched);
  const auto size = expand(output_size, op, "output_size");
  for (i64 o : size) XG_CHECK(o >= 0, ValueError, op, ": output_size must be non-negative, got ", as_shape(size));
  const Tensor x4 = D == 1 ? x.unsqueeze(2) : x;
  const Pair out = to_pair(size, 1);
  auto w = std::make_shared<kernels::AvgPoolWindows>();
  w->planes = x4.size(0) * x4.size(1);
  w->in_h = x4.size(2);
  w->in_w = x4.size(3);
  adaptive_windows(w->in_h, out[0], w->h_lo, w->h_hi, w->h_div);
  adaptive_windows(w->in_w, out[1], w->w_lo, w->w_hi, w->w_div);
  Tensor y = window_average(x4, w, {&op_adaptive_avg_pool2d, &op_adaptive_avg_pool2d_backward});
  if (D == 1) y = y.squeeze(2);
  return batched ? y : y.squeeze(0);
}

}  // namespace

Tensor max_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, ExpandingArray<1> stride,
                  ExpandingArray<1> padding, ExpandingArray<1> dilation, bool ceil_mode) {
  return std::get<0>(max_pool<1>("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode));
}

Tensor max_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, ExpandingArray<2> stride,
                  ExpandingArray<2> padding, ExpandingArray<2> dilation, bool ceil_mode) {
  return std::get<0>(max_pool<2>("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode));
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, ExpandingArray<1> kernel_size,
                                                   ExpandingArray<1> stride, ExpandingArray<1> padding,
                                                   ExpandingArray<1> dilation, bool ceil_mode) {
  return max_pool<1>("max_pool1d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode);
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, ExpandingArray<2> kernel_size,
                                                   ExpandingArray<2> stride, ExpandingArray<2> padding,
                                                   ExpandingArray<2> dilation, bool ceil_mode) {
  return max_pool<2>("max_pool2d_with_indices", input, kernel_size, stride, padding, dilation, ceil_mode);
}

Tensor avg_pool1d(const Tensor& input, ExpandingArray<1> kernel_size, ExpandingArray<1> stride,
                  ExpandingArray<1> padding, bool ceil_mode, bool count_include_pad) {
  return avg_pool<1>("avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, std::nullopt);
}

Tensor avg_pool2d(const Tensor& input, ExpandingArray<2> kernel_size, ExpandingArray<2> stride,
                  ExpandingArray<2> padding, bool ceil_mode, bool count_include_pad,
                  std::optional<std::int64_t> divisor_override) {
  return avg_pool<2>("avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

Tensor adaptive_avg_pool1d(const Tensor& input, ExpandingArray<1> output_size) {
  return adaptive_avg_pool<1>("adaptive_avg_pool1d", input, output_size);
}

Tensor adaptive_avg_pool2d(const Tensor& input, ExpandingArray<2> output_size) {
  return adaptive_avg_pool<2>("adaptive_avg_pool2d", input, output_size);
}

}  // namespace xg
