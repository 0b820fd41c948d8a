// Reading and writing through zlib's gz* functions, which pass plain files through unchanged.
#include "data/gz_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "xgrad/error.hpp"

namespace xg::data::detail {

GzReader::GzReader(const std::string& path, const char* op) : path_(path), op_(op) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  XG_CHECK(std::filesystem::exists(status), IoError, op, ": '", path, "' does not exist");
  XG_CHECK(!std::filesystem::is_directory(status), IoError, op, ": '", path, "' is a directory, not a file");
  file_ = gzopen(path.c_str(), "rb");
  XG_CHECK(file_ != nullptr, IoError, op, ": cannot open '", path, "' (", std::strerror(errno), ")");
  gzbuffer(file_, 1 << 17);
}

GzReader::~GzReader() {
  if (file_) gzclose_r(file_);
}

void GzReader::check_error() {
  int err = Z_OK;
  const char* msg = gzerror(file_, &err);
  if (err == Z_OK) return;
  if (err == Z_BUF_ERROR)  // the input ended inside the compressed stream
    throw IoError(xg::detail::concat(op_, ": '", path_, "' is truncated (its gzip stream ends early)"));
  if (err == Z_ERRNO)
    throw IoError(xg::detail::concat(op_, ": cannot read '", path_, "' (", std::strerror(errno), ")"));
  throw IoError(xg::detail::concat(op_, ": '", path_, "' is corrupt (", msg ? msg : "gzip error", ")"));
}

std::size_t GzReader::read(void* buf, std::size_t n) {
  auto* out = static_cast<unsigned char*>(buf);
  std::size_t got = 0;
  while (got < n) {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
    const int r = gzread(file_, out + got, want);
    if (r < 0) check_error();
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  if (got < n) check_error();  // a short read is the end of the data, unless zlib says otherwise
  return got;
}

bool GzReader::at_end() {
  unsigned char byte;
  return read(&byte, 1) == 0;
}

std::string GzReader::read_all() {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const std::size_t n = read(buf, sizeof buf);
    out.append(buf, n);
    if (n < sizeof buf) return out;
  }
}

GzWriter::GzWriter(const std::string& path, bool compress, const char* op) : path_(path), op_(op) {
  file_ = gzopen(path.c_str(), compress ? "wb6" : "wbT");  // "T": write without compression
  XG_CHECK(file_ != nullptr, IoError, op, ": cannot create '", path, "' (", std::strerror(errno), ")");
}

GzWriter::~GzWriter() {
  if (file_) gzclose_w(file_);
}

void GzWriter::write(const void* buf, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(buf);
  while (n > 0) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30));
    const int w = gzwrite(file_, p, chunk);
    XG_CHECK(w > 0, IoError, op_, ": cannot write to '", path_, "'");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

void GzWriter::close() {
  gzFile f = file_;
  file_ = nullptr;
  XG_CHECK(gzclose_w(f) == Z_OK, IoError, op_, ": cannot finish writing '", path_, "'");
}

}  // namespace xg::data::detail
