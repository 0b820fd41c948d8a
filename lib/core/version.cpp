// The library's version (include/xgrad/version.hpp; CMakeLists.txt reads the same macros).
#include "xgrad/version.hpp"

namespace xg {

#define XGRAD_STR2(x) #x
#define XGRAD_STR(x) XGRAD_STR2(x)
const char* version() {
  return XGRAD_STR(XGRAD_VERSION_MAJOR) "." XGRAD_STR(XGRAD_VERSION_MINOR) "." XGRAD_STR(XGRAD_VERSION_PATCH);
}
#undef XGRAD_STR
#undef XGRAD_STR2

}  // namespace xg
