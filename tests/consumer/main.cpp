// Built against the installed package (the static or the shared library), as a user's program is.
// Checks what must work across the library boundary (Note [Symbol visibility] in
// include/xgrad/export.hpp): the gradient of sum(x²) at x = (1, 2, 3); an xg::ShapeError thrown
// inside the library and caught here by its own type and by its base xg::Error; a Module
// subclassed here, whose forward the library's Module::operator() calls through the vtable and
// whose parameters the library's registry names.
#include <xgrad/xgrad.hpp>

#include <iostream>
#include <string>

namespace {

// y = scale * linear(x): a library layer and a parameter of this program's own.
struct ScaledLinearImpl : xg::nn::Module {
  ScaledLinearImpl() {
    linear = register_module("linear", xg::nn::Linear(3, 2));
    scale = register_parameter("scale", xg::full({1}, 2.0));
  }
  xg::Tensor forward(const xg::Tensor& x) override { return linear(x) * scale; }
  xg::nn::Linear linear{nullptr};
  xg::Tensor scale;
};
XG_MODULE(ScaledLinear);

bool check(bool ok, const std::string& what) {
  std::cout << "consumer: " << what << (ok ? " ok" : " WRONG") << "\n";
  return ok;
}

}  // namespace

int main() {
  bool ok = true;

  auto x = xg::tensor({1.0, 2.0, 3.0}).requires_grad_();
  (x * x).sum().backward();
  const auto g = x.grad().to_vector<float>();
  ok &= check(g[0] == 2.0f && g[1] == 4.0f && g[2] == 6.0f,
              "grad = " + std::to_string(g[0]) + " " + std::to_string(g[1]) + " " + std::to_string(g[2]));

  std::string message;
  try {
    xg::matmul(xg::zeros({2, 3}), xg::zeros({4, 5}));
  } catch (const xg::ShapeError& e) { message = e.what(); }
  ok &= check(message.find("matmul") != std::string::npos, "caught xg::ShapeError: " + message);
  bool caught_as_base = false;
  try {
    xg::zeros({2}).view({3});
  } catch (const xg::Error&) { caught_as_base = true; }
  ok &= check(caught_as_base, "caught a library error as xg::Error");

  ScaledLinear model;
  const auto names = model->named_parameters().keys();
  ok &= check(model->name() == "ScaledLinear" && names.size() == 3 && names[0] == "scale" &&
                  names[1] == "linear.weight" && names[2] == "linear.bias",
              "subclassed Module " + model->name() + " registers " + std::to_string(names.size()) + " parameters");
  auto input = xg::ones({4, 3});
  model(input).sum().backward();
  // d/dscale sum(scale * linear(x)) = sum(linear(x)); d/dbias = 4 rows * scale = 8 per output.
  const float expected = model->linear(input).sum().item<float>();
  const auto bias_grad = model->linear->bias.grad().to_vector<float>();
  ok &= check(
      std::abs(model->scale.grad().item<float>() - expected) < 1e-4f && bias_grad[0] == 8.0f && bias_grad[1] == 8.0f,
      "backward through the subclass: d scale = " + std::to_string(model->scale.grad().item<float>()) +
          ", d bias = " + std::to_string(bias_grad[0]));
  return ok ? 0 : 1;
}
