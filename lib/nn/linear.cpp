// Linear, Bilinear, Identity, Flatten, Unflatten.
#include "xgrad/nn/linear.hpp"

#include <cmath>
#include <ostream>

#include "xgrad/autograd.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

// ---- Linear ---------------------------------------------------------------------------------------

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, LinearOptions opts)
    : in_features(in), out_features(out), options(std::move(opts)) {
  XG_CHECK(in >= 0 && out >= 0, ValueError, "Linear: in_features and out_features must be non-negative, got ", in,
           " and ", out);
  reset();
}

void LinearImpl::reset() {
  weight = register_parameter("weight", empty({out_features, in_features}));
  bias = options.bias ? register_parameter("bias", empty({out_features})) : Tensor();
  if (options.activation.module()) register_module("activation", options.activation.module());
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // PyTorch's default: kaiming_uniform_ with a = √5 gives gain √(2/(1+5)) and bound
  // gain·√(3/fan_in) = 1/√fan_in; the bias draws from the same U(−1/√fan_in, 1/√fan_in).
  if (options.init.is_default()) init::kaiming_uniform_(weight, std::sqrt(5.0));
  else options.init(weight);
  if (!bias.defined()) return;
  if (options.bias_init.is_default()) {
    const double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  } else {
    options.bias_init(bias);
  }
}

Tensor LinearImpl::forward(const Tensor& input) {
  XG_CHECK(input.defined(), ValueError, "Linear: the input is undefined");
  XG_CHECK(input.dim() >= 1 && input.size(-1) == in_features, ShapeError, "Linear(in_features=", in_features,
           ", out_features=", out_features, "): expected an input whose last dimension is ", in_features,
           ", got shape ", input.sizes());
  return options.activation(linear(input, weight, bias));
}

void LinearImpl::pretty_print(std::ostream& os) const {
  os << "Linear(in_features=" << in_features << ", out_features=" << out_features
     << ", bias=" << (bias.defined() ? "true" : "false");
  // A module activation is printed as the child "(activation)".
  if (!options.activation.is_identity() && !options.activation.module())
    os << ", activation=" << options.activation.name();
  os << ")";
}

ModulePtr LinearImpl::clone() const {
  ModulePtr copy = Cloneable<LinearImpl>::clone();  // shares the activation module so far
  if (const ModulePtr& act = options.activation.module()) {
    auto& typed = static_cast<LinearImpl&>(*copy);
    ModulePtr act_copy = act->clone();
    typed.options.activation = Activation(ModuleRef(act_copy));
    typed.replace_module("activation", act_copy);
  }
  return copy;
}

// ---- Bilinear -------------------------------------------------------------------------------------

BilinearImpl::BilinearImpl(std::int64_t in1, std::int64_t in2, std::int64_t out, BilinearOptions opts)
    : in1_features(in1), in2_features(in2), out_features(out), options(opts) {
  XG_CHECK(in1 >= 0 && in2 >= 0 && out >= 0, ValueError,
           "Bilinear: in1_features, in2_features and out_features must be non-negative, got ", in1, ", ", in2, " and ",
           out);
  reset();
}

void BilinearImpl::reset() {
  weight = register_parameter("weight", empty({out_features, in1_features, in2_features}));
  bias = options.bias ? register_parameter("bias", empty({out_features})) : Tensor();
  reset_parameters();
}

void BilinearImpl::reset_parameters() {
  // torch.nn.Bilinear: bound = 1/√weight.size(1) = 1/√in1 for the weight and the bias alike.
  const double bound = in1_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in1_features)) : 0.0;
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}

Tensor BilinearImpl::forward(const Tensor& x1, const Tensor& x2) {
  XG_CHECK(x1.defined() && x2.defined(), ValueError, "Bilinear: an input is undefined");
  XG_CHECK(x1.dim() >= 1 && x1.size(-1) == in1_features && x2.dim() >= 1 && x2.size(-1) == in2_features, ShapeError,
           "Bilinear(in1_features=", in1_features, ", in2_features=", in2_features,
           "): expected inputs whose last dimensions are ", in1_features, " and ", in2_features, ", got shapes ",
           x1.sizes(), " and ", x2.sizes());
  const Shape lead(x1.sizes().begin(), x1.sizes().end() - 1);
  XG_CHECK(Shape(x2.sizes().begin(), x2.sizes().end() - 1) == lead, ShapeError,
           "Bilinear: the inputs must have the same leading dimensions, got shapes ", x1.sizes(), " and ", x2.sizes());
  const std::int64_t n = numel_of(lead);
  // y[b, k] = Σ_i Σ_j x1[b, i] A[k, i, j] x2[b, j]: first t[b, k, j] = Σ_i x1[b, i] A[k, i, j] as one
  // matrix product with A laid out [in1, out·in2], then contract j against x2.
  const Tensor a = weight.permute({1, 0, 2}).reshape({in1_features, out_features * in2_features});
  const Tensor t = mm(x1.reshape({n, in1_features}), a).view({n, out_features, in2_features});
  Tensor y = (t * x2.reshape({n, 1, in2_features})).sum({2});
  if (bias.defined()) y = y + bias;
  Shape out_shape = lead;
  out_shape.push_back(out_features);
  return y.reshape(out_shape);
}

void BilinearImpl::pretty_print(std::ostream& os) const {
  os << "Bilinear(in1_features=" << in1_features << ", in2_features=" << in2_features
     << ", out_features=" << out_features << ", bias=" << (bias.defined() ? "true" : "false") << ")";
}

// ---- Flatten / Unflatten --------------------------------------------------------------------------

Tensor FlattenImpl::forward(const Tensor& input) {
  XG_CHECK(input.defined(), ValueError, "Flatten: the input is undefined");
  return input.flatten(options.start_dim, options.end_dim);
}

void FlattenImpl::pretty_print(std::ostream& os) const {
  os << "Flatten(start_dim=" << options.start_dim << ", end_dim=" << options.end_dim << ")";
}

UnflattenImpl::UnflattenImpl(std::int64_t d, Shape s) : dim(d), sizes(std::move(s)) {
  XG_CHECK(!sizes.empty(), ValueError, "Unflatten: unflattened_size must not be empty");
  int inferred = 0;
  for (auto v : sizes) {
    XG_CHECK(v >= 0 || v == -1, ValueError, "Unflatten: unflattened_size ", sizes,
             " may hold non-negative sizes and one -1, got ", v);
    inferred += v == -1;
  }
  XG_CHECK(inferred <= 1, ValueError, "Unflatten: unflattened_size ", sizes, " may hold only one -1");
}

Tensor UnflattenImpl::forward(const Tensor& input) {
  XG_CHECK(input.defined(), ValueError, "Unflatten: the input is undefined");
  XG_CHECK(dim >= -input.dim() && dim < input.dim(), IndexError, "Unflatten: dim ", dim,
           " is out of range for an input of shape ", input.sizes());
  const std::int64_t n = input.size(dim);
  std::int64_t known = 1;
  bool has_inferred = false;
  for (auto v : sizes) {
    if (v == -1) has_inferred = true;
    else known *= v;
  }
  const bool fits = has_inferred ? (known > 0 && n % known == 0) || (known == 0 && n == 0) : known == n;
  XG_CHECK(fits, ShapeError, "Unflatten: dimension ", dim, " of the input (shape ", input.sizes(), ") has size ", n,
           ", which cannot be split into ", sizes);
  return input.unflatten(dim, sizes);
}

void UnflattenImpl::pretty_print(std::ostream& os) const {
  os << "Unflatten(dim=" << dim << ", unflattened_size=(";
  for (std::size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
  os << (sizes.size() == 1 ? ",))" : "))");
}

}  // namespace xg::nn
