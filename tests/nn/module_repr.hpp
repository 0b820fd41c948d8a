// Test helper: a module as PyTorch-style printing shows it (`os << module`), for comparing reprs.
#pragma once
#include <sstream>
#include <string>

#include <xgrad/nn/module.hpp>

namespace xg::testing {

inline std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace xg::testing
