// xgrad's version, semantic versioning (major.minor.patch): the macros give the version of the
// headers a program compiled against, xg::version() the version of the library it runs with.
//
//   static_assert(XGRAD_VERSION >= XGRAD_VERSION_NUMBER(0, 2, 0));
//   std::cout << "xgrad " << xg::version() << "\n";   // "0.2.0"
#pragma once

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

#define XGRAD_VERSION_MAJOR 0
#define XGRAD_VERSION_MINOR 2
#define XGRAD_VERSION_PATCH 0
/// One comparable number: major × 10000 + minor × 100 + patch.
#define XGRAD_VERSION_NUMBER(major, minor, patch) ((major)*10000 + (minor)*100 + (patch))
#define XGRAD_VERSION XGRAD_VERSION_NUMBER(XGRAD_VERSION_MAJOR, XGRAD_VERSION_MINOR, XGRAD_VERSION_PATCH)

namespace xg {
/// The version of the library the program is linked with, "major.minor.patch".
const char* version();
}  // namespace xg

XGRAD_API_END
