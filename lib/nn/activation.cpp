// The activation layers and their functional forms: thin wrappers over the ops of xgrad/ops.hpp
// (lib/ops/activation.cpp, unary_ops.def and nn_ops.cpp hold the math and the derivatives).
#include "xgrad/nn/activation.hpp"

#include <ostream>

#include "nn/format.hpp"
#include "xgrad/ops.hpp"

namespace xg::nn {

using detail::py_float;

// ---- functional -------------------------------------------------------------------------------

namespace functional {
// The overloads taking the layers' options; the rest of F's activations are the ops themselves.
Tensor leaky_relu(const Tensor& x, const LeakyReLUOptions& o) { return ::xg::leaky_relu(x, o.negative_slope); }
Tensor rrelu(const Tensor& x, const RReLUFuncOptions& o) { return ::xg::rrelu(x, o.lower, o.upper, o.training); }
Tensor elu(const Tensor& x, const ELUOptions& o) { return ::xg::elu(x, o.alpha); }
Tensor celu(const Tensor& x, const CELUOptions& o) { return ::xg::celu(x, o.alpha); }
Tensor gelu(const Tensor& x, const GELUOptions& o) { return ::xg::gelu(x, o.approximate); }
Tensor softplus(const Tensor& x, const SoftplusOptions& o) { return ::xg::softplus(x, o.beta, o.threshold); }
Tensor hardtanh(const Tensor& x, const HardtanhOptions& o) { return ::xg::hardtanh(x, o.min_val, o.max_val); }
}  // namespace functional

namespace F = functional;

// ---- parameter-free layers --------------------------------------------------------------------

Tensor SigmoidImpl::forward(const Tensor& x) { return F::sigmoid(x); }
void SigmoidImpl::pretty_print(std::ostream& os) const { os << "Sigmoid()"; }
Tensor TanhImpl::forward(const Tensor& x) { return F::tanh(x); }
void TanhImpl::pretty_print(std::ostream& os) const { os << "Tanh()"; }
Tensor ReLUImpl::forward(const Tensor& x) { return F::relu(x); }
void ReLUImpl::pretty_print(std::ostream& os) const { os << "ReLU()"; }
Tensor SELUImpl::forward(const Tensor& x) { return F::selu(x); }
void SELUImpl::pretty_print(std::ostream& os) const { os << "SELU()"; }
Tensor SiLUImpl::forward(const Tensor& x) { return F::silu(x); }
void SiLUImpl::pretty_print(std::ostream& os) const { os << "SiLU()"; }
Tensor MishImpl::forward(const Tensor& x) { return F::mish(x); }
void MishImpl::pretty_print(std::ostream& os) const { os << "Mish()"; }
Tensor SoftsignImpl::forward(const Tensor& x) { return F::softsign(x); }
void SoftsignImpl::pretty_print(std::ostream& os) const { os << "Softsign()"; }
Tensor HardsigmoidImpl::forward(const Tensor& x) { return F::hardsigmoid(x); }
void HardsigmoidImpl::pretty_print(std::ostream& os) const { os << "Hardsigmoid()"; }

// ---- layers with options ----------------------------------------------------------------------

LeakyReLUImpl::LeakyReLUImpl(LeakyReLUOptions o) : options(o) { reset(); }
Tensor LeakyReLUImpl::forward(const Tensor& x) { return F::leaky_relu(x, options); }
void LeakyReLUImpl::pretty_print(std::ostream& os) const {
  os << "LeakyReLU(negative_slope=" << py_float(options.negative_slope) << ")";
}

RReLUImpl::RReLUImpl(RReLUOptions o) : options(o) {
  XG_CHECK(o.lower <= o.upper, ValueError, "RReLU: lower (", o.lower, ") must not exceed upper (", o.upper, ")");
  reset();
}
Tensor RReLUImpl::forward(const Tensor& x) {
  return F::rrelu(x, {.lower = options.lower, .upper = options.upper, .training = is_training()});
}
void RReLUImpl::pretty_print(std::ostream& os) const {
  os << "RReLU(lower=" << py_float(options.lower) << ", upper=" << py_float(options.upper) << ")";
}

PReLUImpl::PReLUImpl(PReLUOptions o) : options(o) {
  XG_CHECK(o.num_parameters >= 1, ValueError, "PReLU: num_parameters must be at least 1, got ", o.num_parameters);
  reset();
}
void PReLUImpl::reset() { weight = register_parameter("weight", full({options.num_parameters}, options.init)); }
Tensor PReLUImpl::forward(const Tensor& x) { return F::prelu(x, weight); }
void PReLUImpl::pretty_print(std::ostream& os) const { os << "PReLU(num_parameters=" << options.num_parameters << ")"; }

ELUImpl::ELUImpl(ELUOptions o) : options(o) { reset(); }
Tensor ELUImpl::forward(const Tensor& x) { return F::elu(x, options); }
void ELUImpl::pretty_print(std::ostream& os) const { os << "ELU(alpha=" << py_float(options.alpha) << ")"; }

CELUImpl::CELUImpl(CELUOptions o) : options(o) {
  XG_CHECK(o.alpha != 0, ValueError, "CELU: alpha cannot be 0 (the negative part is α(exp(x/α) − 1))");
  reset();
}
Tensor CELUImpl::forward(const Tensor& x) { return F::celu(x, options); }
void CELUImpl::pretty_print(std::ostream& os) const { os << "CELU(alpha=" << py_float(options.alpha) << ")"; }

GELUImpl::GELUImpl(GELUOptions o) : options(std::move(o)) {
  XG_CHECK(options.approximate == "none" || options.approximate == "tanh", ValueError,
           "GELU: approximate must be \"none\" or \"tanh\", got \"", options.approximate, "\"");
  reset();
}
Tensor GELUImpl::forward(const Tensor& x) { return F::gelu(x, options); }
void GELUImpl::pretty_print(std::ostream& os) const { os << "GELU(approximate='" << options.approximate << "')"; }

SoftplusImpl::SoftplusImpl(SoftplusOptions o) : options(o) {
  XG_CHECK(o.beta != 0, ValueError, "Softplus: beta cannot be 0 (the result is log(1 + exp(βx)) / β)");
  reset();
}
Tensor SoftplusImpl::forward(const Tensor& x) { return F::softplus(x, options); }
void SoftplusImpl::pretty_print(std::ostream& os) const {
  // PyTorch's defaults are the integers 1 and 20, printed without ".0".
  os << "Softplus(beta=" << detail::py_number(options.beta) << ", threshold=" << detail::py_number(options.threshold)
     << ")";
}

HardtanhImpl::HardtanhImpl(HardtanhOptions o) : options(o) {
  XG_CHECK(o.min_val <= o.max_val, ValueError, "Hardtanh: min_val (", o.min_val, ") must not exceed max_val (",
           o.max_val, ")");
  reset();
}
Tensor HardtanhImpl::forward(const Tensor& x) { return F::hardtanh(x, options); }
void HardtanhImpl::pretty_print(std::ostream& os) const {
  os << "Hardtanh(min_val=" << py_float(options.min_val) << ", max_val=" << py_float(options.max_val) << ")";
}

SoftmaxImpl::SoftmaxImpl(std::int64_t d) : dim(d) { reset(); }
Tensor SoftmaxImpl::forward(const Tensor& x) { return F::softmax(x, dim); }
void SoftmaxImpl::pretty_print(std::ostream& os) const { os << "Softmax(dim=" << dim << ")"; }

LogSoftmaxImpl::LogSoftmaxImpl(std::int64_t d) : dim(d) { reset(); }
Tensor LogSoftmaxImpl::forward(const Tensor& x) { return F::log_softmax(x, dim); }
void LogSoftmaxImpl::pretty_print(std::ostream& os) const { os << "LogSoftmax(dim=" << dim << ")"; }

}  // namespace xg::nn
