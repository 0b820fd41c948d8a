// xgrad — writing files safely.
// atomic_write creates a file so that readers (and a crash half-way) see either the old file or
// the complete new one, never a truncated mix: every saver in xg::io writes through it.
//
//   xg::io::atomic_write("log.txt", [](std::ostream& os) { os << "epoch 3\n"; });
#pragma once
#include <filesystem>
#include <functional>
#include <iosfwd>

#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::io {

/// Writes `path` atomically: `write` fills a temporary file in the same directory, which is
/// flushed to disk (fsync) and then renamed over `path`. If `write` throws, or writing fails, the
/// temporary file is removed, `path` is left as it was, and the error propagates (write failures
/// are xg::IoError naming the file and giving the OS reason, e.g. "No space left on device").
/// Only a regular file or a missing path is replaced that way: an existing device, FIFO or socket
/// (/dev/null, /dev/stdout, a pipe) is written directly, every write and the final close checked;
/// a directory is an IoError.
void atomic_write(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);

/// The same for writers that need a file name rather than a stream (libraries such as HDF5 open
/// files themselves): `write` receives the temporary path to create. For a special file the
/// temporary file is made in the system's temporary directory and its bytes copied to `path`.
void atomic_write_file(const std::filesystem::path& path,
                       const std::function<void(const std::filesystem::path& temporary)>& write);

}  // namespace xg::io

XGRAD_API_END
