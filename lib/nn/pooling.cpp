// MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d and their functional forms.
#include "xgrad/nn/pooling.hpp"

#include <ostream>
#include <sstream>
#include <string>

#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

/// How PyTorch prints a size it keeps as given: `2` for one number, `(2, 3)` for a list.
template <std::size_t D>
std::string as_given(const ExpandingArray<D>& a) {
  if (a.given() <= 1) return std::to_string(a[0]);
  std::string s = "(";
  for (std::size_t i = 0; i < D; ++i) s += (i ? ", " : "") + std::to_string(a[i]);
  return s + (D == 1 ? ",)" : ")");
}

/// As a tuple always, `(2,)` (PyTorch's AvgPool1d stores _single(kernel_size)).
template <std::size_t D>
std::string as_tuple(const ExpandingArray<D>& a) {
  std::string s = "(";
  for (std::size_t i = 0; i < D; ++i) s += (i ? ", " : "") + std::to_string(a[i]);
  return s + (D == 1 ? ",)" : ")");
}

/// ValueError naming the layer unless `a` holds one number or D numbers (or none when optional),
/// each at least `min`.
template <std::size_t D>
void check_sizes(const char* layer, const char* what, const ExpandingArray<D>& a, std::int64_t min,
                 bool may_be_empty = false) {
  XG_CHECK(a.given() == 1 || a.given() == D || (may_be_empty && a.empty()), ValueError, layer, ": ", what,
           " must be one number or a list of ", D, " numbers, got ", a.given(), " numbers");
  if (a.empty()) return;
  for (std::size_t i = 0; i < D; ++i)
    XG_CHECK(a[i] >= min, ValueError, layer, ": ", what, " must be ", (min > 0 ? "positive" : "non-negative"), ", got ",
             as_given(a));
}

/// The checks every windowed pooling layer makes at construction. `dilation` is null for average
/// pooling. PyTorch's limit on padding: at most half the (effective) kernel size.
template <std::size_t D>
void check_pool(const char* layer, const ExpandingArray<D>& k, const ExpandingArray<D>& stride,
                const ExpandingArray<D>& padding, const ExpandingArray<D>* dilation) {
  check_sizes(layer, "kernel_size", k, 1);
  check_sizes(layer, "stride", stride, 1, /*may_be_empty=*/true);
  check_sizes(layer, "padding", padding, 0);
  if (dilation) check_sizes(layer, "dilation", *dilation, 1);
  for (std::size_t i = 0; i < D; ++i) {
    const std::int64_t eff = dilation ? ((*dilation)[i] * (k[i] - 1) + 1) : k[i];
    XG_CHECK(padding[i] <= eff / 2, ValueError, layer, ": padding should be at most half of the ",
             dilation ? "effective " : "", "kernel size, got padding=", as_given(padding),
             " and kernel_size=", as_given(k), dilation ? ", dilation=" + as_given(*dilation) : std::string());
  }
}

template <class Impl>
std::string repr(const Impl& m) {
  std::ostringstream os;
  m.pretty_print(os);
  return os.str();
}

/// ShapeError naming the layer (as it prints) unless the input is [N, C, *spatial] or [C, *spatial].
template <class Impl>
void check_rank(const Impl& layer, const Tensor& input, std::int64_t spatial) {
  XG_CHECK(input.defined(), ValueError, repr(layer), ": the input is undefined");
  XG_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2, ShapeError, repr(layer), ": expected a ",
           spatial + 1, "-d (unbatched) or ", spatial + 2, "-d (batched) input, got shape ", input.sizes());
}

}  // namespace

// ---- max pooling ------------------------------------------------------------------------------------

MaxPool1dImpl::MaxPool1dImpl(ExpandingArray<1> k, MaxPool1dOptions o) : kernel_size(k), options(o) {
  check_pool("MaxPool1d", k, o.stride, o.padding, &o.dilation);
}

Tensor MaxPool1dImpl::forward(const Tensor& input) {
  check_rank(*this, input, 1);
  return max_pool1d(input, kernel_size, options.stride, options.padding, options.dilation, options.ceil_mode);
}

void MaxPool1dImpl::pretty_print(std::ostream& os) const {
  os << "MaxPool1d(kernel_size=" << as_given(kernel_size)
     << ", stride=" << as_given(options.stride.empty() ? kernel_size : options.stride)
     << ", padding=" << as_given(options.padding) << ", dilation=" << as_given(options.dilation)
     << ", ceil_mode=" << (options.ceil_mode ? "true" : "false") << ")";
}

MaxPool2dImpl::MaxPool2dImpl(ExpandingArray<2> k, MaxPool2dOptions o) : kernel_size(k), options(o) {
  check_pool("MaxPool2d", k, o.stride, o.padding, &o.dilation);
}

Tensor MaxPool2dImpl::forward(const Tensor& input) {
  check_rank(*this, input, 2);
  return max_pool2d(input, kernel_size, options.stride, options.padding, options.dilation, options.ceil_mode);
}

void MaxPool2dImpl::pretty_print(std::ostream& os) const {
  os << "MaxPool2d(kernel_size=" << as_given(kernel_size)
     << ", stride=" << as_given(options.stride.empty() ? kernel_size : options.stride)
     << ", padding=" << as_given(options.padding) << ", dilation=" << as_given(options.dilation)
     << ", ceil_mode=" << (options.ceil_mode ? "true" : "false") << ")";
}

// ---- average pooling --------------------------------------------------------------------------------

AvgPool1dImpl::AvgPool1dImpl(ExpandingArray<1> k, AvgPool1dOptions o) : kernel_size(k), options(o) {
  check_pool<1>("AvgPool1d", k, o.stride, o.padding, nullptr);
  XG_CHECK(!o.divisor_override, ValueError,
           "AvgPool1d: divisor_override is not an option of AvgPool1d (as in PyTorch)");
}

Tensor AvgPool1dImpl::forward(const Tensor& input) {
  check_rank(*this, input, 1);
  return avg_pool1d(input, kernel_size, options.stride, options.padding, options.ceil_mode, options.count_include_pad);
}

void AvgPool1dImpl::pretty_print(std::ostream& os) const {
  os << "AvgPool1d(kernel_size=" << as_tuple(kernel_size)
     << ", stride=" << as_tuple(options.stride.empty() ? kernel_size : options.stride)
     << ", padding=" << as_tuple(options.padding) << ")";
}

AvgPool2dImpl::AvgPool2dImpl(ExpandingArray<2> k, AvgPool2dOptions o) : kernel_size(k), options(o) {
  check_pool<2>("AvgPool2d", k, o.stride, o.padding, nullptr);
  XG_CHECK(!o.divisor_override || *o.divisor_override != 0, ValueError, "AvgPool2d: divisor_override must be non-zero");
}

Tensor AvgPool2dImpl::forward(const Tensor& input) {
  check_rank(*this, input, 2);
  return avg_pool2d(input, kernel_size, options.stride, options.padding, options.ceil_mode, options.count_include_pad,
                    options.divisor_override);
}

void AvgPool2dImpl::pretty_print(std::ostream& os) const {
  // torch.nn.AvgPool2d.extra_repr prints these three only.
  os << "AvgPool2d(kernel_size=" << as_given(kernel_size)
     << ", stride=" << as_given(options.stride.empty() ? kernel_size : options.stride)
     << ", padding=" << as_given(options.padding) << ")";
}

// ---- adaptive average pooling -----------------------------------------------------------------------

AdaptiveAvgPool1dImpl::AdaptiveAvgPool1dImpl(ExpandingArray<1> size) : output_size(size) {
  check_sizes("AdaptiveAvgPool1d", "output_size", size, 1);
}

Tensor AdaptiveAvgPool1dImpl::forward(const Tensor& input) {
  check_rank(*this, input, 1);
  return adaptive_avg_pool1d(input, output_size);
}

void AdaptiveAvgPool1dImpl::pretty_print(std::ostream& os) const {
  os << "AdaptiveAvgPool1d(output_size=" << as_given(output_size) << ")";
}

AdaptiveAvgPool2dImpl::AdaptiveAvgPool2dImpl(ExpandingArray<2> size) : output_size(size) {
  check_sizes("AdaptiveAvgPool2d", "output_size", size, 1);
}

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) {
  check_rank(*this, input, 2);
  return adaptive_avg_pool2d(input, output_size);
}

void AdaptiveAvgPool2dImpl::pretty_print(std::ostream& os) const {
  os << "AdaptiveAvgPool2d(output_size=" << as_given(output_size) << ")";
}

// ---- functional -------------------------------------------------------------------------------------

namespace functional {

Tensor max_pool1d(const Tensor& input, ExpandingArray<1> k, const MaxPool1dOptions& o) {
  return xg::max_pool1d(input, k, o.stride, o.padding, o.dilation, o.ceil_mode);
}
Tensor max_pool2d(const Tensor& input, ExpandingArray<2> k, const MaxPool2dOptions& o) {
  return xg::max_pool2d(input, k, o.stride, o.padding, o.dilation, o.ceil_mode);
}
Tensor avg_pool1d(const Tensor& input, ExpandingArray<1> k, const AvgPool1dOptions& o) {
  XG_CHECK(!o.divisor_override, ValueError, "avg_pool1d: divisor_override is not an option of avg_pool1d");
  return xg::avg_pool1d(input, k, o.stride, o.padding, o.ceil_mode, o.count_include_pad);
}
Tensor avg_pool2d(const Tensor& input, ExpandingArray<2> k, const AvgPool2dOptions& o) {
  return xg::avg_pool2d(input, k, o.stride, o.padding, o.ceil_mode, o.count_include_pad, o.divisor_override);
}
Tensor adaptive_avg_pool1d(const Tensor& input, ExpandingArray<1> output_size) {
  return xg::adaptive_avg_pool1d(input, output_size);
}
Tensor adaptive_avg_pool2d(const Tensor& input, ExpandingArray<2> output_size) {
  return xg::adaptive_avg_pool2d(input, output_size);
}

}  // namespace functional

}  // namespace xg::nn
