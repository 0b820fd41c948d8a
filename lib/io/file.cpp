// Atomic file replacement: temporary file in the target's directory (so rename stays on one file
// system and is atomic under POSIX), fsync of the data before the rename, and of the directory
// after it, so that a power cut leaves either the old or the new file.
#include "xgrad/io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <streambuf>
#include <system_error>
#include <vector>

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
    throw IoError(
        detail::concat("cannot write '", path.string(), "': renaming the temporary file failed: ", ec.message()));
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

// An output stream buffer over a file descriptor that remembers the first failed write(2) with its
// errno, so that the error can give the OS reason (ENOSPC, EIO, EPIPE...). std::ofstream loses it.
class FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  FdBuf(const FdBuf&) = delete;
  FdBuf& operator=(const FdBuf&) = delete;
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n >= static_cast<std::streamsize>(buf_.size())) {  // large blocks (tensor data) go straight out
      if (!drain() || !write_all(s, static_cast<std::size_t>(n))) return 0;
      return n;
    }
    return std::streambuf::xsputn(s, n);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const auto n = static_cast<std::size_t>(pptr() - pbase());
    setp(buf_.data(), buf_.data() + buf_.size());
    return write_all(buf_.data(), n);
  }
  bool write_all(const char* p, std::size_t n) {
    if (error_ != 0) return false;
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : EIO;
        return false;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }
  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

// Writes through `write` into the open descriptor `fd`, then closes it; IoError naming `path` with
// the OS reason if any write, the flush, the fsync (regular files only) or the close fails.
void write_fd(int fd, const fs::path& path, bool regular, const std::function<void(std::ostream&)>& write) {
  struct CloseOnError {
    int fd;
    bool armed = true;
    ~CloseOnError() {
      if (armed) ::close(fd);
    }
  } closer{fd};
  FdBuf buf(fd);
  std::ostream os(&buf);
  write(os);
  os.flush();
  if (buf.error() != 0 || !os.good())
    throw IoError(detail::concat("cannot write '", path.string(),
                                 "': ", buf.error() != 0 ? std::strerror(buf.error()) : "the writer failed"));
  if (regular && ::fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
    throw IoError(detail::concat("cannot write '", path.string(), "': ", errno_text()));
  closer.armed = false;
  if (::close(fd) != 0 && errno != EINTR)
    throw IoError(detail::concat("cannot write '", path.string(), "': closing failed: ", errno_text()));
}

// Note [Saving to special files]
// The temporary-file-and-rename dance is only right for a regular file (or a path that does not
// exist yet): renamed over /dev/null it would replace the device by a regular file, and over a FIFO
// it would replace the pipe. Anything else that exists is written directly, every write checked.
enum class Target { Replace, Direct };

Target classify(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Target::Replace;
    throw IoError(detail::concat("cannot write '", path.string(), "': ", errno_text()));
  }
  if (S_ISREG(st.st_mode)) return Target::Replace;
  if (S_ISDIR(st.st_mode)) throw IoError(detail::concat("cannot write '", path.string(), "': ", std::strerror(EISDIR)));
  return Target::Direct;
}

int open_direct(const fs::path& path) {
  int fd;
  do fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) throw IoError(detail::concat("cannot write '", path.string(), "': ", errno_text()));
  return fd;
}

}  // namespace

void atomic_write(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  if (classify(path) == Target::Direct) {
    write_fd(open_direct(path), path, /*regular=*/false, write);
    return;
  }
  const fs::path tmp = make_temporary(path);
  RemoveOnError guard{tmp};
  int fd;
  do fd = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  XG_CHECK(fd >= 0, IoError, "cannot write '", path.string(), "': cannot open '", tmp.string(), "': ", errno_text());
  write_fd(fd, path, /*regular=*/true, write);
  commit(tmp, path);
  guard.armed = false;
}

void atomic_write_file(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  if (classify(path) == Target::Direct) {
    // The writer needs a file name: it writes a temporary file in the system's temporary
    // directory, whose bytes are then copied to the special file with every write checked.
    std::error_code ec;
    const fs::path dir = fs::temp_directory_path(ec);
    XG_CHECK(!ec, IoError, "cannot write '", path.string(), "': no temporary directory: ", ec.message());
    const fs::path tmp = make_temporary(dir / path.filename());
    RemoveOnError guard{tmp};
    write(tmp);
    std::ifstream in(tmp, std::ios::binary);
    XG_CHECK(in.good(), IoError, "cannot write '", path.string(), "': cannot read back '", tmp.string(), "'");
    write_fd(open_direct(path), path, /*regular=*/false, [&](std::ostream& os) { os << in.rdbuf(); });
    return;
  }
  const fs::path tmp = make_temporary(path);
  RemoveOnError guard{tmp};
  write(tmp);
  commit(tmp, path);
  guard.armed = false;
}

}  // namespace xg::io
