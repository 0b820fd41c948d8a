// Internal: reading files that may be gzip-compressed (zlib reads plain files as they are), with
// every failure turned into an IoError that names the operation and the path.
#pragma once
#include <cstddef>
#include <string>

typedef struct gzFile_s* gzFile;  // NOLINT: zlib's own declaration, so zlib.h stays in the .cpp

namespace xg::data::detail {

class GzReader {
 public:
  /// Opens `path`; IoError naming `op` when it is missing, not a regular file or unreadable.
  GzReader(const std::string& path, const char* op);
  ~GzReader();
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;
  /// Reads up to n bytes; fewer only at the end of the data. IoError for a corrupt or truncated
  /// gzip stream.
  std::size_t read(void* buf, std::size_t n);
  /// True when no byte is left (reads one to find out; a corrupt tail raises IoError).
  bool at_end();
  /// The whole remaining content.
  std::string read_all();

 private:
  void check_error();
  gzFile file_ = nullptr;
  std::string path_;
  const char* op_;
};

/// Writes a file, gzip-compressed or plain.
class GzWriter {
 public:
  GzWriter(const std::string& path, bool compress, const char* op);
  ~GzWriter();
  GzWriter(const GzWriter&) = delete;
  GzWriter& operator=(const GzWriter&) = delete;
  void write(const void* buf, std::size_t n);
  /// Flushes and closes; IoError if that fails (the destructor closes silently).
  void close();

 private:
  gzFile file_ = nullptr;
  std::string path_;
  const char* op_;
};

}  // namespace xg::data::detail
