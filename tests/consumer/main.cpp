// Built against the installed package; prints the gradient of sum(x²) at x = (1, 2, 3).
#include <xgrad/xgrad.hpp>

#include <iostream>

int main() {
  auto x = xg::tensor({1.0, 2.0, 3.0}).requires_grad_();
  (x * x).sum().backward();
  const auto g = x.grad().to_vector<float>();
  const bool ok = g[0] == 2.0f && g[1] == 4.0f && g[2] == 6.0f;
  std::cout << "consumer: grad = " << g[0] << " " << g[1] << " " << g[2] << (ok ? " ok" : " WRONG") << "\n";
  return ok ? 0 : 1;
}
