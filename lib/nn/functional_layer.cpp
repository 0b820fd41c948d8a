// Functional (a function as a layer) and Activation with its registry of names.
#include "xgrad/nn/functional_layer.hpp"

#include <map>
#include <ostream>

#include "xgrad/ops.hpp"

namespace xg::nn {

namespace {
// The named activations, one line per name; an empty function is the identity. Names and
// defaults follow Keras where it has the name (softmax over the last axis), xgrad's ops otherwise.
std::map<std::string, TensorFunction>& registry() {
  static std::map<std::string, TensorFunction> r = {
      {"linear", TensorFunction()},
      {"relu", [](const Tensor& x) { return xg::relu(x); }},
      {"tanh", [](const Tensor& x) { return xg::tanh(x); }},
      {"sigmoid", [](const Tensor& x) { return xg::sigmoid(x); }},
      {"elu", [](const Tensor& x) { return xg::elu(x); }},
      {"selu", [](const Tensor& x) { return xg::selu(x); }},
      {"gelu", [](const Tensor& x) { return xg::gelu(x); }},
      {"silu", [](const Tensor& x) { return xg::silu(x); }},
      {"swish", [](const Tensor& x) { return xg::silu(x); }},
      {"softplus", [](const Tensor& x) { return xg::softplus(x); }},
      {"softsign", [](const Tensor& x) { return xg::softsign(x); }},
      {"leaky_relu", [](const Tensor& x) { return xg::leaky_relu(x); }},
      {"hardtanh", [](const Tensor& x) { return xg::hardtanh(x); }},
      {"exponential", [](const Tensor& x) { return xg::exp(x); }},
      {"softmax", [](const Tensor& x) { return xg::softmax(x, -1); }},
      {"log_softmax", [](const Tensor& x) { return xg::log_softmax(x, -1); }},
  };
  return r;
}

const TensorFunction& lookup(const std::string& name, const char* who) {
  const auto& r = registry();
  auto it = r.find(name);
  if (it == r.end()) {
    std::string known;
    for (const auto& n : activation_names()) known += (known.empty() ? "" : ", ") + n;
    throw ValueError(xg::detail::concat(who, ": unknown activation '", name, "'; known names: ", known));
  }
  return it->second;
}
}  // namespace

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : registry()) names.push_back(name);
  return names;
}

void register_activation(const std::string& name, TensorFunction fn) {
  XG_CHECK(!name.empty(), ValueError, "register_activation: the name must not be empty");
  registry()[name] = std::move(fn);
}

// ---- Functional ---------------------------------------------------------------------------------

FunctionalImpl::FunctionalImpl(TensorFunction fn, std::string name)
    : fn_(std::move(fn)), function_name_(std::move(name)) {
  XG_CHECK(static_cast<bool>(fn_), ValueError, "Functional: the function is empty");
}

FunctionalImpl::FunctionalImpl(const std::string& activation_name)
    : fn_(lookup(activation_name, "Functional")), function_name_(activation_name) {
  if (!fn_) fn_ = [](const Tensor& x) { return x; };  // "linear"
}

Tensor FunctionalImpl::forward(const Tensor& input) { return fn_(input); }

void FunctionalImpl::pretty_print(std::ostream& os) const { os << "Functional(" << function_name_ << ")"; }

// ---- Activation ---------------------------------------------------------------------------------

Activation::Activation() : name_("linear") {}
Activation::Activation(const char* name) : Activation(std::string(name ? name : "")) {}
Activation::Activation(const std::string& name) : fn_(lookup(name, "Activation")), name_(name) {}
Activation::Activation(ModuleRef module) : module_(module.ptr()) {
  XG_CHECK(module_ != nullptr, ValueError, "Activation: the module handle is empty");
  name_ = module_->name();
}

Tensor Activation::operator()(const Tensor& x) const {
  if (module_) return (*module_)(x);
  if (fn_) return fn_(x);
  return x;
}

ModulePtr Activation::to_module() const {
  if (module_) return module_;
  if (fn_) return std::make_shared<FunctionalImpl>(fn_, name_);
  return std::make_shared<FunctionalImpl>(std::string("linear"));
}

}  // namespace xg::nn
