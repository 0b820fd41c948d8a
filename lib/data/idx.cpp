// IDX reader (the MNIST file format): big-endian header, then the raw elements.
#include "xgrad/data/idx.hpp"

#include <zlib.h>

#include <cstring>
#include <memory>
#include <vector>

#include "core/tensor_impl.hpp"
#include "kernels/dispatch.hpp"

namespace xg::data {

namespace {
std::vector<unsigned char> read_all(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files as they are, gzip files decompressed
  XG_CHECK(f != nullptr, IoError, "read_idx: cannot open '", path, "'");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(f, gzclose);
  std::vector<unsigned char> data;
  unsigned char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      throw IoError(detail::concat("read_idx: '", path, "' is corrupt (", msg, ")"));
    }
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
  }
  return data;
}

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
}  // namespace

Tensor read_idx(const std::string& path, Dtype dtype) {
  const std::vector<unsigned char> data = read_all(path);
  XG_CHECK(data.size() >= 4, IoError, "read_idx: '", path, "' is too short to be an IDX file (", data.size(),
           " bytes)");
  XG_CHECK(data[0] == 0 && data[1] == 0, IoError, "read_idx: '", path, "' does not start with the IDX magic 0x0000");
  const unsigned type = data[2], ndim = data[3];
  XG_CHECK(type == 0x08, IoError, "read_idx: '", path, "' has element type 0x", std::hex, type,
           "; only unsigned bytes (0x08) are supported");
  XG_CHECK(ndim >= 1 && ndim <= 4, IoError, "read_idx: '", path, "' declares ", ndim, " dimensions (expected 1 to 4)");
  const std::size_t header = 4 + 4 * std::size_t{ndim};
  XG_CHECK(data.size() >= header, IoError, "read_idx: '", path, "' is truncated inside its header");
  Shape shape;
  std::size_t count = 1;
  for (unsigned i = 0; i < ndim; ++i) {
    const std::uint32_t d = be32(&data[4 + 4 * i]);
    XG_CHECK(d <= (1u << 28) && count <= (std::size_t{1} << 34) / (d ? d : 1), IoError, "read_idx: '", path,
             "' declares an implausible size ", d, " for dimension ", i);
    shape.push_back(d);
    count *= d;
  }
  XG_CHECK(data.size() - header == count, IoError, "read_idx: '", path, "' holds ", data.size() - header,
           " data bytes but its header ", shape, " needs ", count, (data.size() - header < count ? " (truncated)" : ""));
  Tensor out = detail::make_tensor(shape, dtype);
  kernels::dispatch_all(dtype, "read_idx", [&]<class T>() {
    T* p = detail::impl(out).ptr<T>();
    const unsigned char* src = data.data() + header;
    for (std::size_t i = 0; i < count; ++i) p[i] = static_cast<T>(src[i]);
  });
  return out;
}

}  // namespace xg::data
