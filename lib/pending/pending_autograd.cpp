#include "xgrad/autograd.hpp"
namespace xg::autograd {
#define XG_PENDING(what) throw Error(std::string(what) + ": not implemented yet")
TensorList AutogradContext::get_saved_variables() const { XG_PENDING("get_saved_variables"); }
void AutogradContext::mark_non_differentiable(const TensorList&) { XG_PENDING("mark_non_differentiable"); }
bool AutogradContext::needs_input_grad(std::size_t) const { XG_PENDING("needs_input_grad"); }
namespace detail {
std::shared_ptr<AutogradContext> begin_custom_function(const CustomFunctionCall&, bool&) { XG_PENDING("Function"); }
void finish_custom_function(CustomFunctionCall&&, std::shared_ptr<AutogradContext>, TensorList&) { XG_PENDING("Function"); }
std::string demangle(const char* n) { return n; }
}  // namespace detail
bool gradcheck(const Fn&, const TensorList&, const GradcheckOptions&) { XG_PENDING("gradcheck"); }
bool gradgradcheck(const Fn&, const TensorList&, const GradcheckOptions&) { XG_PENDING("gradgradcheck"); }
namespace functional {
Tensor jacobian(const std::function<Tensor(const Tensor&)>&, const Tensor&, bool) { XG_PENDING("jacobian"); }
Tensor hessian(const std::function<Tensor(const Tensor&)>&, const Tensor&, bool) { XG_PENDING("hessian"); }
std::pair<Tensor, Tensor> vjp(const std::function<Tensor(const Tensor&)>&, const Tensor&, const Tensor&, bool) { XG_PENDING("vjp"); }
std::pair<Tensor, Tensor> jvp(const std::function<Tensor(const Tensor&)>&, const Tensor&, const Tensor&, bool) { XG_PENDING("jvp"); }
std::pair<Tensor, Tensor> hvp(const std::function<Tensor(const Tensor&)>&, const Tensor&, const Tensor&, bool) { XG_PENDING("hvp"); }
}  // namespace functional
}  // namespace xg::autograd
