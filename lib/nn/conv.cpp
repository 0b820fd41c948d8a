// Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d and their functional forms.
#include "xgrad/nn/conv.hpp"

#include <cmath>
#include <ostream>
#include <sstream>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {

/// D sizes from an ExpandingArray (one number for all, or D); ValueError naming the layer otherwise.
template <std::size_t D>
std::vector<std::int64_t> expand(const ExpandingArray<D>& a, const char* layer, const char* what) {
  XG_CHECK(a.given() == 1 || a.given() == D, ValueError, layer, ": ", what, " must be one number or a list of ", D,
           " numbers, got ", a.given(), " numbers");
  return {a.values().begin(), a.values().end()};
}

/// "(3, 3)" or "(3,)", as Python prints a tuple.
std::string tuple_str(const std::vector<std::int64_t>& v) {
  std::ostringstream os;
  os << "(";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << (v.size() == 1 ? ",)" : ")");
  return os.str();
}

bool all_equal(const std::vector<std::int64_t>& v, std::int64_t x) {
  for (auto e : v)
    if (e != x) return false;
  return true;
}

/// The indices of the padded positions −lo … n + hi − 1 read from an input of size n.
Tensor pad_indices(std::int64_t n, std::int64_t lo, std::int64_t hi, const std::string& mode) {
  std::vector<std::int64_t> idx;
  idx.reserve(static_cast<std::size_t>(n + lo + hi));
  for (std::int64_t i = -lo; i < n + hi; ++i) {
    std::int64_t j = i;
    if (mode == "reflect") j = i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);  // mirror, edge not repeated
    else if (mode == "replicate") j = i < 0 ? 0 : (i >= n ? n - 1 : i);      // repeat the edge
    else j = ((i % n) + n) % n;                                              // circular: wrap around
    idx.push_back(j);
  }
  return tensor(idx);
}

}  // namespace

// ---- the shared base ------------------------------------------------------------------------------

ConvImplBase::ConvImplBase(const char* layer, std::size_t dims, std::int64_t in, std::int64_t out,
                           const std::vector<std::int64_t>& k, const std::vector<std::int64_t>& s,
                           const std::vector<std::int64_t>& p, const std::vector<std::int64_t>& d,
                           const std::vector<std::int64_t>& op, std::int64_t g, bool with_bias, bool is_transposed,
                           std::string mode, Activation activation, Initializer init, Initializer bias_init,
                           std::string pad_name)
    : in_channels(in),
      out_channels(out),
      kernel_size(k),
      stride(s),
      padding(p),
      dilation(d),
      output_padding(op),
      groups(g),
      transposed(is_transposed),
      padding_name(std::move(pad_name)),
      padding_mode(std::move(mode)),
      layer_(layer),
      dims_(dims),
      pad_extra_(dims, 0),
      has_bias_(with_bias),
      activation_(std::move(activation)),
      init_(std::move(init)),
      bias_init_(std::move(bias_init)) {
  XG_CHECK(in > 0 && out > 0, ValueError, layer, ": in_channels and out_channels must be positive, got ", in, " and ",
           out);
  XG_CHECK(g > 0, ValueError, layer, ": groups must be positive, got ", g);
  XG_CHECK(in % g == 0, ValueError, layer, ": in_channels must be divisible by groups, got in_channels=", in,
           " and groups=", g);
  XG_CHECK(out % g == 0, ValueError, layer, ": out_channels must be divisible by groups, got out_channels=", out,
           " and groups=", g);
  XG_CHECK(padding_name.empty() || padding_name == "same" || padding_name == "valid", ValueError, layer,
           ": invalid padding string '", padding_name, "', should be 'valid' or 'same'");
  for (std::size_t i = 0; i < dims; ++i) {
    XG_CHECK(k[i] > 0, ValueError, layer, ": kernel_size must be positive, got ", tuple_str(k));
    XG_CHECK(s[i] > 0, ValueError, layer, ": stride must be positive, got ", tuple_str(s));
    XG_CHECK(p[i] >= 0, ValueError, layer, ": padding must be non-negative, got ", tuple_str(p));
    XG_CHECK(d[i] > 0, ValueError, layer, ": dilation must be positive, got ", tuple_str(d));
    XG_CHECK(op[i] >= 0 && (op[i] < s[i] || op[i] < d[i]), ValueError, layer,
             ": output_padding must be non-negative and smaller than either stride or dilation, got output_padding=",
             tuple_str(op), ", stride=", tuple_str(s), ", dilation=", tuple_str(d));
  }
  if (padding_name == "same") {
    // Output size = input size at stride 1 needs dilation·(k − 1) cells in all: half on the left,
    // the rest (one more when odd) on the right.
    for (std::size_t i = 0; i < dims; ++i) {
      XG_CHECK(s[i] == 1, ValueError, layer,
               ": padding='same' is not supported for strided convolutions, got stride=", tuple_str(s));
      const std::int64_t total = d[i] * (k[i] - 1);
      padding[i] = total / 2;
      pad_extra_[i] = total - 2 * (total / 2);
    }
  }
  const bool known =
      padding_mode == "zeros" || padding_mode == "reflect" || padding_mode == "replicate" || padding_mode == "circular";
  XG_CHECK(known, ValueError, layer,
           ": padding_mode must be one of 'zeros', 'reflect', 'replicate' or 'circular', got '", padding_mode, "'");
  XG_CHECK(!transposed || padding_mode == "zeros", ValueError, layer, ": only 'zeros' padding_mode is supported, got '",
           padding_mode, "'");
}

void ConvImplBase::reset() {
  Shape shape = transposed ? Shape{in_channels, out_channels / groups} : Shape{out_channels, in_channels / groups};
  for (auto v : kernel_size) shape.push_back(v);
  weight = register_parameter("weight", empty(shape));
  bias = has_bias_ ? register_parameter("bias", empty({out_channels})) : Tensor();
  if (activation_.module()) register_module("activation", activation_.module());
  reset_parameters();
}

void ConvImplBase::reset_parameters() {
  // PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a = √5) gives the bound
  // gain·√(3/fan_in) = √(2/6)·√(3/fan_in) = 1/√fan_in; the bias draws from U(−1/√fan_in, 1/√fan_in)
  // with the same fan_in = weight.size(1)·∏kernel (so out/groups·∏k for a transposed conv).
  if (init_.is_default()) init::kaiming_uniform_(weight, std::sqrt(5.0));
  else init_(weight);
  if (!bias.defined()) return;
  if (bias_init_.is_default()) {
    const auto fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  } else {
    bias_init_(bias);
  }
}

void ConvImplBase::clone_activation_from(const ConvImplBase& other) {
  if (const ModulePtr& act = other.activation_.module()) activation_ = Activation(ModuleRef(act->clone()));
}

std::string ConvImplBase::signature() const {
  return ::xg::detail::concat(layer_, "(", in_channels, ", ", out_channels, ", kernel_size=", tuple_str(kernel_size),
                              ")");
}

void ConvImplBase::pretty_print(std::ostream& os) const {
  // torch.nn.modules.conv._ConvNd.extra_repr: the non-default options only (stride always).
  os << layer_ << "(" << in_channels << ", " << out_channels << ", kernel_size=" << tuple_str(kernel_size)
     << ", stride=" << tuple_str(stride);
  if (!padding_name.empty()) os << ", padding=" << padding_name;
  else if (!all_equal(padding, 0)) os << ", padding=" << tuple_str(padding);
  if (!all_equal(dilation, 1)) os << ", dilation=" << tuple_str(dilation);
  if (!all_equal(output_padding, 0)) os << ", output_padding=" << tuple_str(output_padding);
  if (groups != 1) os << ", groups=" << groups;
  if (!bias.defined()) os << ", bias=false";
  if (padding_mode != "zeros") os << ", padding_mode=" << padding_mode;
  // A module activation is printed as the child "(activation)".
  if (!activation_.is_identity() && !activation_.module()) os << ", activation=" << activation_.name();
  os << ")";
}

void ConvImplBase::check_input(const Tensor& input) const {
  XG_CHECK(input.defined(), ValueError, signature(), ": the input is undefined");
  const auto rank = static_cast<std::int64_t>(dims_);
  XG_CHECK(input.dim() == rank + 1 || input.dim() == rank + 2, ShapeError, signature(), ": expected a ", rank + 1,
           "-d (unbatched) or ", rank + 2, "-d (batched) input, got shape ", input.sizes());
  const std::int64_t c = input.size(input.dim() - rank - 1);
  XG_CHECK(c == in_channels, ShapeError, signature(), ": expected an input with ", in_channels, " channels (dimension ",
           input.dim() - rank - 1, "), got shape ", input.sizes());
}

Tensor ConvImplBase::pad_input(const Tensor& input) const {
  if (padding_mode == "zeros") {
    if (all_equal(pad_extra_, 0)) return input;
    // The odd cell of a "same" padding, on the right (the op pads `padding` on both sides).
    Shape pads;
    for (std::size_t i = dims_; i-- > 0;) {
      pads.push_back(0);
      pads.push_back(pad_extra_[i]);
    }
    return pad(input, pads);
  }
  Tensor x = input;
  for (std::size_t i = 0; i < dims_; ++i) {
    const std::int64_t lo = padding[i], hi = padding[i] + pad_extra_[i];
    if (hi == 0) continue;
    const std::int64_t dim = x.dim() - static_cast<std::int64_t>(dims_) + static_cast<std::int64_t>(i);
    const std::int64_t n = x.size(dim);
    // PyTorch's limits: reflect needs p < n (the edge is not repeated), circular p ≤ n.
    const bool ok = padding_mode == "reflect" ? hi < n : padding_mode == "circular" ? hi <= n : n > 0;
    XG_CHECK(ok, ShapeError, signature(), ": padding ", hi, " is too large for padding_mode='", padding_mode,
             "' and an input of shape ", input.sizes());
    x = index_select(x, dim, pad_indices(n, lo, hi, padding_mode));
  }
  return x;
}

std::vector<std::int64_t> ConvImplBase::op_padding() const {
  return padding_mode == "zeros" ? padding : std::vector<std::int64_t>(dims_, 0);
}

// ---- Conv1d / Conv2d --------------------------------------------------------------------------------

Conv1dImpl::Conv1dImpl(std::int64_t in, std::int64_t out, ExpandingArray<1> k, Conv1dOptions o)
    : ConvImplBase("Conv1d", 1, in, out, expand(k, "Conv1d", "kernel_size"), expand(o.stride, "Conv1d", "stride"),
                   expand<1>(o.padding, "Conv1d", "padding"), expand(o.dilation, "Conv1d", "dilation"), {0}, o.groups,
                   o.bias, false, o.padding_mode, o.activation, o.init, o.bias_init, o.padding.name()),
      options(std::move(o)) {
  reset();
}

Tensor Conv1dImpl::forward(const Tensor& input) {
  check_input(input);
  const auto p = op_padding();
  return activate(conv1d(pad_input(input), weight, bias, stride[0], p[0], dilation[0], groups));
}

Conv2dImpl::Conv2dImpl(std::int64_t in, std::int64_t out, ExpandingArray<2> k, Conv2dOptions o)
    : ConvImplBase("Conv2d", 2, in, out, expand(k, "Conv2d", "kernel_size"), expand(o.stride, "Conv2d", "stride"),
                   expand<2>(o.padding, "Conv2d", "padding"), expand(o.dilation, "Conv2d", "dilation"), {0, 0},
                   o.groups, o.bias, false, o.padding_mode, o.activation, o.init, o.bias_init, o.padding.name()),
      options(std::move(o)) {
  reset();
}

Tensor Conv2dImpl::forward(const Tensor& input) {
  check_input(input);
  const auto p = op_padding();
  return activate(
      conv2d(pad_input(input), weight, bias, {stride[0], stride[1]}, {p[0], p[1]}, {dilation[0], dilation[1]}, groups));
}

// ---- ConvTranspose1d / ConvTranspose2d --------------------------------------------------------------

namespace {

/// PyTorch's _ConvTransposeNd._output_padding: the output_padding giving `output_size` (its last
/// D entries), or a ValueError showing the reachable range.
std::vector<std::int64_t> output_padding_for(const std::string& sig, const Tensor& input, const Shape& output_size,
                                             const std::vector<std::int64_t>& k, const std::vector<std::int64_t>& s,
                                             const std::vector<std::int64_t>& p, const std::vector<std::int64_t>& d) {
  const std::size_t D = k.size();
  XG_CHECK(output_size.size() >= D && output_size.size() <= D + 2, ValueError, sig, ": output_size must have ", D,
           " to ", D + 2, " entries, got ", output_size);
  std::vector<std::int64_t> op(D);
  for (std::size_t i = 0; i < D; ++i) {
    const std::int64_t in = input.size(input.dim() - static_cast<std::int64_t>(D) + static_cast<std::int64_t>(i));
    const std::int64_t want = output_size[output_size.size() - D + i];
    const std::int64_t lo = (in - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1;
    const std::int64_t hi = lo + std::max(s[i], d[i]) - 1;
    XG_CHECK(want >= lo && want <= hi, ValueError, sig, ": requested an output size of ", output_size,
             ", but valid sizes of spatial dimension ", i, " range from ", lo, " to ", hi, " (for an input of shape ",
             input.sizes(), ")");
    op[i] = want - lo;
  }
  return op;
}

}  // namespace

ConvTranspose1dImpl::ConvTranspose1dImpl(std::int64_t in, std::int64_t out, ExpandingArray<1> k,
                                         ConvTranspose1dOptions o)
    : ConvImplBase("ConvTranspose1d", 1, in, out, expand(k, "ConvTranspose1d", "kernel_size"),
                   expand(o.stride, "ConvTranspose1d", "stride"), expand(o.padding, "ConvTranspose1d", "padding"),
                   expand(o.dilation, "ConvTranspose1d", "dilation"),
                   expand(o.output_padding, "ConvTranspose1d", "output_padding"), o.groups, o.bias, true,
                   o.padding_mode, o.activation, o.init, o.bias_init),
      options(std::move(o)) {
  reset();
}

Tensor ConvTranspose1dImpl::forward(const Tensor& input) {
  check_input(input);
  return activate(conv_transpose1d(input, weight, bias, stride[0], padding[0], output_padding[0], groups, dilation[0]));
}

Tensor ConvTranspose1dImpl::forward(const Tensor& input, const Shape& output_size) {
  check_input(input);
  const auto op = output_padding_for(signature(), input, output_size, kernel_size, stride, padding, dilation);
  return activate(conv_transpose1d(input, weight, bias, stride[0], padding[0], op[0], groups, dilation[0]));
}

ConvTranspose2dImpl::ConvTranspose2dImpl(std::int64_t in, std::int64_t out, ExpandingArray<2> k,
                                         ConvTranspose2dOptions o)
    : ConvImplBase("ConvTranspose2d", 2, in, out, expand(k, "ConvTranspose2d", "kernel_size"),
                   expand(o.stride, "ConvTranspose2d", "stride"), expand(o.padding, "ConvTranspose2d", "padding"),
                   expand(o.dilation, "ConvTranspose2d", "dilation"),
                   expand(o.output_padding, "ConvTranspose2d", "output_padding"), o.groups, o.bias, true,
                   o.padding_mode, o.activation, o.init, o.bias_init),
      options(std::move(o)) {
  reset();
}

Tensor ConvTranspose2dImpl::forward(const Tensor& input) {
  check_input(input);
  return activate(conv_transpose2d(input, weight, bias, {stride[0], stride[1]}, {padding[0], padding[1]},
                                   {output_padding[0], output_padding[1]}, groups, {dilation[0], dilation[1]}));
}

Tensor ConvTranspose2dImpl::forward(const Tensor& input, const Shape& output_size) {
  check_input(input);
  const auto op = output_padding_for(signature(), input, output_size, kernel_size, stride, padding, dilation);
  return activate(conv_transpose2d(input, weight, bias, {stride[0], stride[1]}, {padding[0], padding[1]},
                                   {op[0], op[1]}, groups, {dilation[0], dilation[1]}));
}

// ---- functional -------------------------------------------------------------------------------------

namespace functional {

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& o) {
  return xg::conv1d(input, weight, o.bias, o.stride, o.padding, o.dilation, o.groups);
}
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
  return xg::conv2d(input, weight, o.bias, o.stride, o.padding, o.dilation, o.groups);
}
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& o) {
  return xg::conv_transpose1d(input, weight, o.bias, o.stride, o.padding, o.output_padding, o.groups, o.dilation);
}
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& o) {
  return xg::conv_transpose2d(input, weight, o.bias, o.stride, o.padding, o.output_padding, o.groups, o.dilation);
}

}  // namespace functional

}  // namespace xg::nn
