#include <sstream>
#include "xgrad/tensor.hpp"
namespace xg {
std::string Tensor::str() const {
  if (!defined()) return "[ undefined tensor ]";
  std::ostringstream os;
  os << "tensor(shape=" << sizes() << ", dtype=" << dtype() << ")";
  return os.str();
}
}  // namespace xg
