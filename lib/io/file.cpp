// Atomic file replacement: temporary file in the target's directory (so rename stays on one file
// system and is atomic under POSIX), fsync of the data before the rename, and of the directory
// after it, so that a power cut leaves either the old or the new file.
#include "xgrad/io/file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include "xgrad/error.hpp"

namespace xg::io {
namespace {

namespace fs = std::filesystem;

std::string errno_text() { return std::strerror(errno); }

// Creates an empty, uniquely named file next to `path`; returns its name.
fs::path make_temporary(const fs::path& path) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  XG_CHECK(fs::is_directory(dir, ec), IoError, "cannot write '", path.string(), "': the directory '", dir.string(),
           "' does not exist");
  // A unique name opened with O_EXCL and mode 0666, so the umask applies and the file ends with
  // the permissions of any newly written file (mkstemp would make it private to its owner).
  static std::atomic<std::uint64_t> counter{0};
  std::string tmpl;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    std::string base = ".";  // (appended piecewise: GCC 12 warns falsely on "." + string + "...")
    base.append(path.filename().string())
        .append(".tmp.")
        .append(std::to_string(::getpid()))
        .append(".")
        .append(std::to_string(counter.fetch_add(1)));
    tmpl = (dir / base).string();
    fd = ::open(tmpl.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  XG_CHECK(fd >= 0, IoError, "cannot write '", path.string(), "': cannot create a temporary file in '", dir.string(),
           "': ", errno_text());
  ::close(fd);
  return tmpl;
}

void sync_path(const fs::path& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) return;  // best effort for directories on file systems that refuse it
  ::fsync(fd);
  ::close(fd);
}

// Renames `tmp` over `path` after syncing it; removes `tmp` if that fails.
void commit(const fs::path& tmp, const fs::path& path) {
  sync_path(tmp, false);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw IoError(detail::concat("cannot write '", path.string(), "': renaming the temporary file failed: ", ec.message()));
  }
  sync_path(path.has_parent_path() ? path.parent_path() : fs::path("."), true);
}

struct RemoveOnError {
  fs::path tmp;
  bool armed = true;
  ~RemoveOnError() {
    if (armed) {
      std::error_code ec;
      fs::remove(tmp, ec);
    }
  }
};

}  // namespace

void atomic_write(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  const fs::path tmp = make_temporary(path);
  RemoveOnError guard{tmp};
  {
    std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
    XG_CHECK(os.good(), IoError, "cannot write '", path.string(), "': cannot open '", tmp.string(), "'");
    write(os);
    os.flush();
    XG_CHECK(os.good(), IoError, "cannot write '", path.string(), "': writing failed (disk full?)");
    os.close();
    XG_CHECK(!os.fail(), IoError, "cannot write '", path.string(), "': closing the file failed");
  }
  commit(tmp, path);
  guard.armed = false;
}

void atomic_write_file(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  const fs::path tmp = make_temporary(path);
  RemoveOnError guard{tmp};
  write(tmp);
  commit(tmp, path);
  guard.armed = false;
}

}  // namespace xg::io
