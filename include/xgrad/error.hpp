// xgrad — the exception types every check throws.
// All derive from xg::Error (a std::runtime_error); the message names the op and the shapes or
// values involved, e.g. "matmul: shapes [64, 784] and [256, 10] cannot be multiplied (784 != 256)".
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg {

/// Base of every error xgrad raises.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Shapes that do not fit the op (broadcasting, matmul inner sizes, reshape element counts).
class ShapeError : public Error {
 public:
  using Error::Error;
};
/// A dtype the op does not accept (e.g. a float tensor used as indices).
class DtypeError : public Error {
 public:
  using Error::Error;
};
/// A bad value or hyper-parameter (negative size, eps <= 0, step of zero).
class ValueError : public Error {
 public:
  using Error::Error;
};
/// An index or dimension out of range.
class IndexError : public Error {
 public:
  using Error::Error;
};
/// Misuse of the autograd: backward twice, grad of a tensor that does not require grad,
/// a saved tensor modified in place, NaN found in anomaly mode.
class AutogradError : public Error {
 public:
  using Error::Error;
};
/// Reading or writing files (missing, truncated, corrupt, disk full; the message gives the OS reason).
class IoError : public Error {
 public:
  using Error::Error;
};
/// An allocation the system cannot satisfy; the message names the op, the shape and the bytes asked
/// for (thrown instead of std::bad_alloc by everything that allocates tensor storage).
class OutOfMemoryError : public Error {
 public:
  using Error::Error;
};
/// A gradient check that found a mismatch (see xg::autograd::gradcheck).
class GradcheckError : public Error {
 public:
  using Error::Error;
};
/// A failure of the distributed layer: an MPI call that failed (the message names the collective,
/// the tensor's shape and dtype and MPI's error string), use before xg::distributed::init(), or a
/// build without MPI.
class DistributedError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

}  // namespace xg

/// XG_CHECK(cond, ErrorType, message parts...): throws ErrorType(concat(parts)) when cond is false.
/// The parts are streamed, so shapes, dtypes and numbers can be passed as they are.
#define XG_CHECK(cond, ErrorType, ...)                          \
  do {                                                          \
    if (!(cond)) [[unlikely]]                                   \
      throw ::xg::ErrorType(::xg::detail::concat(__VA_ARGS__)); \
  } while (false)

XGRAD_API_END
