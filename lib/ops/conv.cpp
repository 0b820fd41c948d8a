// Convolution ops: conv1d / conv2d, conv_transpose1d / conv_transpose2d, and conv2d_weight /
// conv2d_input (torch.nn.grad), whose derivatives are written in each other (Note [Convolution
// derivatives]). 1-d convolutions are 2-d ones over a height of 1.
#include <array>
#include <limits>

#include "autograd/record.hpp"
#include "core/tensor_impl.hpp"
#include "kernels/conv.hpp"
#include "core/dispatch.hpp"
#include "ops/spatial_util.hpp"
#include "xgrad/ops.hpp"

namespace xg {

using autograd::BackwardCtx;
using detail::impl;

XG_OP_NAME(conv2d);
XG_OP_NAME(conv_transpose2d);
XG_OP_NAME(conv2d_weight);

// Note [Convolution derivatives]
// Let C(w) be the convolution (stride, padding, dilation, groups) taking x (the input space) to
// y (the output space). It is linear in x and in w, so three bilinear maps cover every
// derivative of every order:
//   conv2d(x, w)            = C(w) x
//   conv_transpose2d(y, w)  = C(w)ᵀ y                                   (the adjoint in x)
//   conv2d_weight(x, y)     = the W with ⟨W, V⟩ = ⟨y, C(V) x⟩ for all V    (the adjoint in w)
// and differentiating each in each argument (with output gradient g, or G for a weight) gives
// one of the others:
//   conv2d:           gx = conv_transpose2d(g, w)      gw = conv2d_weight(x, g)
//   conv_transpose2d: gy = conv2d(g, w)                gw = conv2d_weight(g, y)
//   conv2d_weight:    gx = conv_transpose2d(y, G)      gy = conv2d(x, G)
// Each map is given the spatial sizes of both spaces explicitly: a transposed convolution's
// output_padding adds rows/columns that no output of C reads, so neither size determines the
// other. The kernels read positions, not sizes, so a size that differs from the natural one just
// leaves those rows out (or gives them a zero contribution).

namespace {

using i64 = std::int64_t;
using ops::as_shape;
using ops::contiguous_data;
using ops::expand;
using ops::Pair;
using ops::to_pair;
using ops::with_batch;

struct ConvArgs {
  Pair stride{1, 1}, padding{0, 0}, dilation{1, 1};
  i64 groups = 1;
};

/// C(w) as a kernel geometry: the x-space sizes [N, Cin, H, W], the weight [Cout, Cin/g, KH, KW]
/// and the y-space spatial sizes (oh, ow).
kernels::ConvShape geometry(const Shape& x, const Shape& w, i64 oh, i64 ow, const ConvArgs& a) {
  kernels::ConvShape s;
  s.batch = x[0];
  s.groups = a.groups;
  s.in_c = x[1];
  s.in_h = x[2];
  s.in_w = x[3];
  s.out_c = w[0];
  s.out_h = oh;
  s.out_w = ow;
  s.k_h = w[2];
  s.k_w = w[3];
  s.stride_h = a.stride[0];
  s.stride_w = a.stride[1];
  s.pad_h = a.padding[0];
  s.pad_w = a.padding[1];
  s.dil_h = a.dilation[0];
  s.dil_w = a.dilation[1];
  return s;
}

template <class T>
const T* cptr(const Tensor& t) {
  return impl(t).ptr<T>();
}

bool wants_grad(const Tensor& t) { return GradMode::is_enabled() && t.defined() && t.requires_grad(); }

const Tensor& saved_if(bool wanted, const Tensor& t) {
  static const Tensor none;
  return wanted ? t : none;
}

/// y[n, c, ...] += b[c] on a fresh contiguous y.
void add_channel_bias(const Tensor& y, const Tensor& b) {
  const Tensor bc = contiguous_data(b);
  const i64 n_n = y.size(0), c_n = y.size(1), inner = y.numel() / std::max<i64>(1, n_n * c_n);
  kernels::dispatch_floating(y.dtype(), "conv_transpose2d", [&]<class T>() {
    T* yp = impl(y).ptr<T>();
    const T* bp = cptr<T>(bc);
    for (i64 n = 0; n < n_n; ++n)
      for (i64 c = 0; c < c_n; ++c) {
        T* row = yp + (n * c_n + c) * inner;
        for (i64 i = 0; i < inner; ++i) row[i] += bp[c];
      }
  });
}

Tensor conv2d_core(const Tensor& x, const Tensor& w, const Tensor& b, const ConvArgs& a, i64 oh, i64 ow);
Tensor conv_transpose2d_core(const Tensor& y, const Tensor& w, const Tensor& b, const ConvArgs& a, i64 h, i64 wd);
Tensor conv2d_weight_core(const Tensor& x, const Tensor& gy, const Shape& w_shape, const ConvArgs& a);

/// y = C(w) x + b, y of spatial size (oh, ow).
Tensor conv2d_core(const Tensor& x, const Tensor& w, const Tensor& b, const ConvArgs& a, i64 oh, i64 ow) {
  const kernels::ConvShape s = geometry(x.sizes(), w.sizes(), oh, ow, a);
  Tensor out = detail::make_tensor({s.batch, s.out_c, oh, ow}, x.dtype());
  {
    const Tensor xc = contiguous_data(x), wc = contiguous_data(w);
    const Tensor bc = b.defined() ? contiguous_data(b) : Tensor();
    kernels::dispatch_floating(x.dtype(), "conv2d", [&]<class T>() {
      kernels::conv2d_forward<T>(s, cptr<T>(xc), cptr<T>(wc), bc.defined() ? cptr<T>(bc) : nullptr, impl(out).ptr<T>());
    });
  }
  const Tensor& sx = saved_if(wants_grad(w), x);
  const Tensor& sw = saved_if(wants_grad(x), w);
  const Shape w_shape = w.sizes();
  const i64 h = s.in_h, wd = s.in_w;
  // d C(w)x = (C(w)ᵀ g, conv2d_weight(x, g), Σ g over batch and space)
  // (the bias sum runs over space first, then batch: two contiguous reductions measure about
  // twice as fast as one over the three dims)
  autograd::record(op_conv2d, out, {&x, &w, &b}, {&sx, &sw},
                   [a, w_shape, h, wd](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {c.needs(0) ? conv_transpose2d_core(g, c.saved[1], {}, a, h, wd) : Tensor(),
                             c.needs(1) ? conv2d_weight_core(c.saved[0], g, w_shape, a) : Tensor(),
                             c.needs(2) ? g.sum({2, 3}).sum({0}) : Tensor()};
                   });
  return out;
}

/// x = C(w)ᵀ y + b, x of spatial size (h, wd); w is [Cout of C = y's channels, Cin/g, KH, KW].
Tensor conv_transpose2d_core(const Tensor& y, const Tensor& w, const Tensor& b, const ConvArgs& a, i64 h, i64 wd) {
  const Shape x_shape{y.size(0), w.size(1) * a.groups, h, wd};
  const kernels::ConvShape s = geometry(x_shape, w.sizes(), y.size(2), y.size(3), a);
  Tensor out = detail::make_tensor(x_shape, y.dtype());
  {
    const Tensor yc = contiguous_data(y), wc = contiguous_data(w);
    kernels::dispatch_floating(y.dtype(), "conv_transpose2d", [&]<class T>() {
      kernels::conv2d_backward_input<T>(s, cptr<T>(yc), cptr<T>(wc), impl(out).ptr<T>());
    });
    if (b.defined()) add_channel_bias(out, b);
  }
  const Tensor& sy = saved_if(wants_grad(w), y);
  const Tensor& sw = saved_if(wants_grad(y), w);
  const Shape w_shape = w.sizes();
  const i64 oh = s.out_h, ow = s.out_w;
  // d C(w)ᵀy = (C(w) g, conv2d_weight(g, y), Σ g over batch and space)
  autograd::record(op_conv_transpose2d, out, {&y, &w, &b}, {&sy, &sw},
                   [a, w_shape, oh, ow](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {c.needs(0) ? conv2d_core(g, c.saved[1], {}, a, oh, ow) : Tensor(),
                             c.needs(1) ? conv2d_weight_core(g, c.saved[0], w_shape, a) : Tensor(),
                             c.needs(2) ? g.sum({2, 3}).sum({0}) : Tensor()};
                   });
  return out;
}

/// W = ∂⟨gy, C(w) x⟩/∂w, of shape w_shape; gy's spatial size is C's output size.
Tensor conv2d_weight_core(const Tensor& x, const Tensor& gy, const Shape& w_shape, const ConvArgs& a) {
  const kernels::ConvShape s = geometry(x.sizes(), w_shape, gy.size(2), gy.size(3), a);
  Tensor out = detail::make_tensor(w_shape, x.dtype());
  {
    const Tensor xc = contiguous_data(x), gc = contiguous_data(gy);
    kernels::dispatch_floating(x.dtype(), "conv2d_weight", [&]<class T>() {
      kernels::conv2d_backward_weight<T>(s, cptr<T>(xc), cptr<T>(gc), impl(out).ptr<T>());
    });
  }
  const Tensor& sx = saved_if(wants_grad(gy), x);
  const Tensor& sg = saved_if(wants_grad(x), gy);
  const i64 h = s.in_h, wd = s.in_w, oh = s.out_h, ow = s.out_w;
  // ⟨G, W(x, gy)⟩ = ⟨gy, C(G) x⟩, so d W = (C(G)ᵀ gy, C(G) x)
  autograd::record(op_conv2d_weight, out, {&x, &gy}, {&sx, &sg},
                   [a, h, wd, oh, ow](const Tensor& g, const BackwardCtx& c) -> TensorList {
                     return {c.needs(0) ? conv_transpose2d_core(c.saved[1], g, {}, a, h, wd) : Tensor(),
                             c.needs(1) ? conv2d_core(c.saved[0], g, {}, a, oh, ow) : Tensor()};
                   });
  return out;
}

// ---- argument checking --------------------------------------------------------------------------

template <std::size_t D>
void check_all(const std::array<i64, D>& v, i64 min, const char* op, const char* what) {
  for (i64 e : v)
    XG_CHECK(e >= min, ValueError, op, ": ", what, " must be ", min == 0 ? "non-negative" : "positive", ", got ",
             as_shape(v));
}

void check_dtypes(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias) {
  XG_CHECK(input.is_floating_point(), DtypeError, op, ": expected a floating-point input (float32 or float64), got ",
           input.dtype());
  XG_CHECK(weight.dtype() == input.dtype(), DtypeError, op, ": the input (", input.dtype(), ") and the weight (",
           weight.dtype(), ") must have the same dtype");
  XG_CHECK(!bias.defined() || bias.dtype() == input.dtype(), DtypeError, op, ": the input (", input.dtype(),
           ") and the bias (", bias.dtype(), ") must have the same dtype");
}

/// Every (transposed) convolution, D = 1 or 2: checks the arguments in the user's terms, then
/// runs the 2-d op.
template <std::size_t D>
Tensor convolution(const char* op, bool transposed, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   const ExpandingArray<D>& stride_arg, const ExpandingArray<D>& padding_arg,
                   const ExpandingArray<D>& dilation_arg, const ExpandingArray<D>& output_padding_arg, i64 groups) {
  detail::check_defined(input, op, "input");
  detail::check_defined(weight, op, "weight");
  check_dtypes(op, input, weight, bias);
  const auto stride = expand(stride_arg, op, "stride"), padding = expand(padding_arg, op, "padding");
  const auto dilation = expand(dilation_arg, op, "dilation");
  const auto output_padding = expand(output_padding_arg, op, "output_padding");
  check_all(stride, 1, op, "stride");
  check_all(padding, 0, op, "padding");
  check_all(dilation, 1, op, "dilation");
  check_all(output_padding, 0, op, "output_padding");
  XG_CHECK(groups > 0, ValueError, op, ": groups must be positive, got ", groups);
  const i64 sd = static_cast<i64>(D);
  bool batched = true;
  const Tensor x = with_batch(op, input, D, batched);
  XG_CHECK(weight.dim() == sd + 2, ShapeError, op, ": expected a ", sd + 2, "-D weight ",
           transposed ? "[in_channels, out_channels / groups, kernel...]"
                      : "[out_channels, in_channels / groups, kernel...]",
           ", got shape ", weight.sizes());
  const i64 cin = x.size(1);
  i64 cout = 0;
  if (!transposed) {
    XG_CHECK(weight.size(0) % groups == 0, ShapeError, op, ": the weight of shape ", weight.sizes(), " has ",
             weight.size(0), " output channels, which groups = ", groups, " does not divide");
    XG_CHECK(cin == weight.size(1) * groups, ShapeError, op, ": the input of shape ", input.sizes(), " has ", cin,
             " channels, but the weight of shape ", weight.sizes(), " with groups = ", groups, " expects ",
             weight.size(1) * groups);
    cout = weight.size(0);
  } else {
    XG_CHECK(cin == weight.size(0), ShapeError, op, ": the input of shape ", input.sizes(), " has ", cin,
             " channels, but the weight of shape ", weight.sizes(), " expects ", weight.size(0),
             " (the weight is [in_channels, out_channels / groups, kernel...])");
    XG_CHECK(cin % groups == 0, ShapeError, op, ": the input's ", cin,
             " channels are not divisible by groups = ", groups);
    cout = weight.size(1) * groups;
    for (std::size_t d = 0; d < D; ++d)
      XG_CHECK(output_padding[d] < std::max(stride[d], dilation[d]), ValueError, op, ": output_padding ",
               as_shape(output_padding), " must be smaller than either the stride ", as_shape(stride),
               " or the dilation ", as_shape(dilation));
  }
  if (bias.defined())
    XG_CHECK(bias.dim() == 1 && bias.size(0) == cout, ShapeError, op, ": expected a bias of shape [", cout,
             "], got shape ", bias.sizes());
  std::array<i64, D> kernel{}, out{};
  for (std::size_t d = 0; d < D; ++d) kernel[d] = weight.size(2 + static_cast<i64>(d));
  for (i64 k : kernel)
    XG_CHECK(k > 0, ShapeError, op, ": the kernel sizes must be positive, got the weight of shape ", weight.sizes());
  // Sizes and hyper-parameters are any int64, so the output size is computed in 128 bits and must
  // fit back in 64 (Note [Checked shape arithmetic] in core/tensor_impl.hpp).
  __extension__ typedef __int128 i128;  // (__extension__: -Wpedantic knows no 128-bit type)
  __extension__ typedef unsigned __int128 u128;
  for (std::size_t d = 0; d < D; ++d) {
    const i64 in = x.size(2 + static_cast<i64>(d));
    const i128 eff = i128{dilation[d]} * (kernel[d] - 1) + 1;
    i128 o;
    if (!transposed) {
      if (i128{in} + 2 * i128{padding[d]} < eff) {
        std::array<i128, D> padded{}, dilated{};
        bool same = true;
        for (std::size_t e = 0; e < D; ++e) {
          padded[e] = i128{x.size(2 + static_cast<i64>(e))} + 2 * i128{padding[e]};
          dilated[e] = i128{dilation[e]} * (kernel[e] - 1) + 1;
          same = same && dilated[e] == kernel[e];
        }
        auto str = [](const std::array<i128, D>& v) {
          std::string r = "[";
          for (std::size_t e = 0; e < D; ++e) {
            if (e) r += ", ";
            const bool neg = v[e] < 0;
            u128 m = neg ? -static_cast<u128>(v[e]) : static_cast<u128>(v[e]);
            std::string digits;
            do {
              digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
              m /= 10;
            } while (m != 0);
            r += (neg ? "-" : "") + digits;
          }
          return r + "]";
        };
        throw ShapeError(detail::concat(op, ": the kernel of size ", as_shape(kernel), !same ? " (dilated " : "",
                                        !same ? str(dilated) + ")" : std::string(),
                                        " is larger than the padded input of size ", str(padded), " (input shape ",
                                        input.sizes(), ", padding ", as_shape(padding), ")"));
      }
      o = (i128{in} + 2 * i128{padding[d]} - eff) / stride[d] + 1;
    } else {
      o = (i128{in} - 1) * stride[d] - 2 * i128{padding[d]} + eff + output_padding[d];
    }
    XG_CHECK(o <= i128{std::numeric_limits<i64>::max()}, ValueError, op,
             ": the output size overflows a 64-bit "
             "integer (input shape ",
             input.sizes(), ", weight shape ", weight.sizes(), ", stride ", as_shape(stride), ", padding ",
             as_shape(padding), ", dilation ", as_shape(dilation), ")");
    out[d] = o < i128{std::numeric_limits<i64>::min()} ? std::numeric_limits<i64>::min() : static_cast<i64>(o);
  }
  for (i64 o : out)
    XG_CHECK(o > 0, ShapeError, op, ": the output size ", as_shape(out), " computed from the input of shape ",
             input.sizes(), " is not positive");
  {
    // The im2col buffer holds (in_channels / groups) · kernel taps × output positions; the output
    // itself is checked when it is allocated.
    Shape cols{transposed ? cout / groups : cin / groups}, y{x.size(0), cout};
    for (i64 k : kernel) cols.push_back(k);
    for (std::size_t d = 0; d < D; ++d) {
      cols.push_back(transposed ? x.size(2 + static_cast<i64>(d)) : out[d]);
      y.push_back(out[d]);
    }
    detail::checked_numel(cols, op);
    detail::checked_numel(y, op);
  }

  ConvArgs a;
  a.stride = to_pair(stride, 1);
  a.padding = to_pair(padding, 0);
  a.dilation = to_pair(dilation, 1);
  a.groups = groups;
  const Pair out2 = to_pair(out, 1);
  const Tensor x4 = D == 1 ? x.unsqueeze(2) : x;
  const Tensor w4 = D == 1 ? weight.unsqueeze(2) : weight;
  Tensor y = transposed ? conv_transpose2d_core(x4, w4, bias, a, out2[0], out2[1])
                        : conv2d_core(x4, w4, bias, a, out2[0], out2[1]);
  if (D == 1) y = y.squeeze(2);
  return batched ? y : y.squeeze(0);
}

/// The arguments of conv2d_weight / conv2d_input: sizes of x, the weight and gy that fit one
/// convolution.
ConvArgs check_grad_args(const char* op, const Shape& x, const Shape& w, const Tensor& gy,
                         const ExpandingArray<2>& stride_arg, const ExpandingArray<2>& padding_arg,
                         const ExpandingArray<2>& dilation_arg, i64 groups) {
  ConvArgs a;
  a.stride = expand(stride_arg, op, "stride");
  a.padding = expand(padding_arg, op, "padding");
  a.dilation = expand(dilation_arg, op, "dilation");
  a.groups = groups;
  check_all(a.stride, 1, op, "stride");
  check_all(a.padding, 0, op, "padding");
  check_all(a.dilation, 1, op, "dilation");
  XG_CHECK(groups > 0, ValueError, op, ": groups must be positive, got ", groups);
  XG_CHECK(x.size() == 4 && w.size() == 4 && gy.dim() == 4, ShapeError, op,
           ": expected 4-D input, weight and grad_output sizes, got ", x, ", ", w, " and ", gy.sizes());
  for (std::size_t i = 0; i < 4; ++i)
    XG_CHECK(x[i] > 0 && w[i] > 0, ShapeError, op, ": expected positive input and weight sizes, got ", x, " and ", w);
  XG_CHECK(w[0] % groups == 0 && x[1] == w[1] * groups, ShapeError, op, ": the input size ", x, " and the weight size ",
           w, " do not fit groups = ", groups);
  Shape want{x[0], w[0], 0, 0};
  for (std::size_t d = 0; d < 2; ++d) {
    const i64 eff = a.dilation[d] * (w[2 + d] - 1) + 1;
    XG_CHECK(x[2 + d] + 2 * a.padding[d] >= eff, ShapeError, op, ": the kernel of the weight size ", w,
             " is larger than the padded input of size ", x);
    want[2 + d] = (x[2 + d] + 2 * a.padding[d] - eff) / a.stride[d] + 1;
  }
  XG_CHECK(gy.sizes() == want, ShapeError, op, ": expected grad_output of shape ", want, " for the input size ", x,
           " and the weight size ", w, ", got ", gy.sizes());
  return a;
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray<1> stride,
              ExpandingArray<1> padding, ExpandingArray<1> dilation, std::int64_t groups) {
  return convolution<1>("conv1d", false, input, weight, bias, stride, padding, dilation, 0, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray<2> stride,
              ExpandingArray<2> padding, ExpandingArray<2> dilation, std::int64_t groups) {
  return convolution<2>("conv2d", false, input, weight, bias, stride, padding, dilation, 0, groups);
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray<1> stride,
                        ExpandingArray<1> padding, ExpandingArray<1> output_padding, std::int64_t groups,
                        ExpandingArray<1> dilation) {
  return convolution<1>("conv_transpose1d", true, input, weight, bias, stride, padding, dilation, output_padding,
                        groups);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, ExpandingArray<2> stride,
                        ExpandingArray<2> padding, ExpandingArray<2> output_padding, std::int64_t groups,
                        ExpandingArray<2> dilation) {
  return convolution<2>("conv_transpose2d", true, input, weight, bias, stride, padding, dilation, output_padding,
                        groups);
}

Tensor conv2d_weight(const Tensor& input, const Shape& weight_size, const Tensor& grad_output, ExpandingArray<2> stride,
                     ExpandingArray<2> padding, ExpandingArray<2> dilation, std::int64_t groups) {
  detail::check_defined(input, "conv2d_weight", "input");
  detail::check_defined(grad_output, "conv2d_weight", "grad_output");
  check_dtypes("conv2d_weight", input, grad_output, Tensor());
  const ConvArgs a =
      check_grad_args("conv2d_weight", input.sizes(), weight_size, grad_output, stride, padding, dilation, groups);
  return conv2d_weight_core(input, grad_output, weight_size, a);
}

Tensor conv2d_input(const Shape& input_size, const Tensor& weight, const Tensor& grad_output, ExpandingArray<2> stride,
                    ExpandingArray<2> padding, ExpandingArray<2> dilation, std::int64_t groups) {
  detail::check_defined(weight, "conv2d_input", "weight");
  detail::check_defined(grad_output, "conv2d_input", "grad_output");
  check_dtypes("conv2d_input", grad_output, weight, Tensor());
  const ConvArgs a =
      check_grad_args("conv2d_input", input_size, weight.sizes(), grad_output, stride, padding, dilation, groups);
  return conv_transpose2d_core(grad_output, weight, {}, a, input_size[2], input_size[3]);
}

}  // namespace xg
