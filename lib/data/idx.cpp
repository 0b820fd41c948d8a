// The IDX format (LeCun's MNIST files): magic 0x00 0x00 TT NN, NN big-endian uint32 sizes, then the
// elements in row-major order, big-endian. Reading trusts nothing: the header is checked against
// fixed limits, the data buffer grows only as bytes actually arrive (a header promising terabytes
// costs nothing when the file is short), and a file with bytes past the last element is refused.
#include "xgrad/data/idx.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/tensor_impl.hpp"
#include "data/gz_file.hpp"
#include "core/dispatch.hpp"

namespace xg::data {

namespace {

constexpr std::uint64_t kMaxDim = 0x7fffffff;                // sizes are int32 in other readers
constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 36;  // 64 GiB of elements

std::size_t element_bytes(unsigned type) {
  switch (type) {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
    case 0x0D:
      return 4;
    case 0x0E:
      return 8;
    default:
      return 0;
  }
}

std::uint32_t load_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

/// Element i of big-endian data of type S.
template <class S>
S load_be(const unsigned char* p) {
  unsigned char b[sizeof(S)];
  for (std::size_t k = 0; k < sizeof(S); ++k) b[k] = p[sizeof(S) - 1 - k];
  S v;
  std::memcpy(&v, b, sizeof(S));
  return v;
}

template <class S, class T>
void convert(const unsigned char* src, T* dst, std::size_t count) {
  if constexpr (sizeof(S) == 1) {
    for (std::size_t i = 0; i < count; ++i) {
      S v;
      std::memcpy(&v, src + i, 1);
      dst[i] = static_cast<T>(v);
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) dst[i] = static_cast<T>(load_be<S>(src + i * sizeof(S)));
  }
}

}  // namespace

Tensor read_idx(const std::string& path, Dtype dtype) {
  detail::GzReader in(path, "read_idx");
  unsigned char magic[4];
  const std::size_t got = in.read(magic, 4);
  XG_CHECK(got == 4, IoError, "read_idx: '", path, "' is too short to be an IDX file (", got, " bytes)");
  XG_CHECK(magic[0] == 0 && magic[1] == 0, IoError, "read_idx: '", path,
           "' does not start with the IDX magic 0x0000 (is it an IDX file?)");
  const unsigned type = magic[2], ndim = magic[3];
  const std::size_t esize = element_bytes(type);
  XG_CHECK(esize != 0, IoError, "read_idx: '", path, "' has the unknown element type 0x", std::hex, type,
           " (IDX knows 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)");
  XG_CHECK(ndim >= 1, IoError, "read_idx: '", path, "' declares 0 dimensions");

  std::vector<unsigned char> header(4 * std::size_t{ndim});
  XG_CHECK(in.read(header.data(), header.size()) == header.size(), IoError, "read_idx: '", path,
           "' is truncated inside its header (", ndim, " dimensions declared)");
  Shape shape;
  std::uint64_t count = 1, extent = 1;
  for (unsigned i = 0; i < ndim; ++i) {
    const std::uint64_t d = load_be32(&header[4 * i]);
    XG_CHECK(d <= kMaxDim, IoError, "read_idx: '", path, "' declares size ", d, " for dimension ", i,
             " (more than 2^31 - 1)");
    shape.push_back(static_cast<std::int64_t>(d));
    // count·d·esize <= kMaxBytes, checked without overflowing (count <= kMaxBytes before the step)
    XG_CHECK(d == 0 || count <= kMaxBytes / esize / d, IoError, "read_idx: '", path, "' declares the shape ", shape,
             "..., more than 2^36 bytes of data");
    count *= d;
    // The strides must fit too when a zero size makes the count 0 (up to 255 sizes of 2^31 - 1).
    XG_CHECK(!__builtin_mul_overflow(extent, std::max<std::uint64_t>(d, 1), &extent) && extent <= kMaxBytes, IoError,
             "read_idx: '", path, "' declares the shape ", shape, "..., whose strides overflow");
  }

  const std::uint64_t nbytes = count * esize;
  std::vector<unsigned char> data;
  std::uint64_t have = 0;
  while (have < nbytes) {  // grow with the bytes that really come
    const std::uint64_t step = std::min<std::uint64_t>(nbytes - have, std::max<std::uint64_t>(have, 1 << 20));
    data.resize(static_cast<std::size_t>(have + step));
    const std::size_t n = in.read(data.data() + have, static_cast<std::size_t>(step));
    have += n;
    XG_CHECK(n == step, IoError, "read_idx: '", path, "' is truncated: its header ", shape, " needs ", nbytes,
             " bytes of data but the file holds ", have);
  }
  XG_CHECK(in.at_end(), IoError, "read_idx: '", path, "' holds more data than its header ", shape, " declares (",
           nbytes, " bytes)");

  Tensor out = xg::detail::make_tensor(shape, dtype);
  kernels::dispatch_all(dtype, "read_idx", [&]<class T>() {
    T* dst = xg::detail::impl(out).ptr<T>();
    const auto n = static_cast<std::size_t>(count);
    switch (type) {
      case 0x08:
        convert<std::uint8_t>(data.data(), dst, n);
        break;
      case 0x09:
        convert<std::int8_t>(data.data(), dst, n);
        break;
      case 0x0B:
        convert<std::int16_t>(data.data(), dst, n);
        break;
      case 0x0C:
        convert<std::int32_t>(data.data(), dst, n);
        break;
      case 0x0D:
        convert<float>(data.data(), dst, n);
        break;
      default:
        convert<double>(data.data(), dst, n);
        break;
    }
  });
  return out;
}

// ---- writing -------------------------------------------------------------------------------------

namespace {

template <class S>
void store_be(S v, unsigned char* p) {
  unsigned char b[sizeof(S)];
  std::memcpy(b, &v, sizeof(S));
  for (std::size_t k = 0; k < sizeof(S); ++k) p[k] = b[sizeof(S) - 1 - k];
}

/// Encodes the values (as float64, exact for everything an IDX integer type holds) into S.
template <class S>
void encode(const std::vector<double>& values, std::vector<unsigned char>& out, IdxType type) {
  out.resize(values.size() * sizeof(S));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if constexpr (std::is_integral_v<S>) {
      XG_CHECK(v == std::trunc(v) && v >= static_cast<double>(std::numeric_limits<S>::min()) &&
                   v <= static_cast<double>(std::numeric_limits<S>::max()),
               ValueError, "write_idx: value ", v, " at position ", i, " does not fit the IDX element type 0x",
               std::hex, static_cast<unsigned>(type));
    }
    store_be(static_cast<S>(v), out.data() + i * sizeof(S));
  }
}

}  // namespace

void write_idx(const std::string& path, const Tensor& tensor, std::optional<IdxType> type) {
  XG_CHECK(tensor.defined(), ValueError, "write_idx: the tensor is undefined");
  XG_CHECK(tensor.dim() >= 1 && tensor.dim() <= 255, ShapeError, "write_idx: IDX holds 1 to 255 dimensions, got shape ",
           tensor.sizes());
  for (std::int64_t d = 0; d < tensor.dim(); ++d)
    XG_CHECK(static_cast<std::uint64_t>(tensor.size(d)) <= kMaxDim, ShapeError, "write_idx: dimension ", d,
             " of shape ", tensor.sizes(), " is larger than IDX allows (2^31 - 1)");
  // int64 is written exactly: through float64 only when every value is within 2^53 (they must fit
  // a 32-bit IDX type anyway, so larger ones are refused by encode's range check).
  const std::vector<double> values = tensor.to_vector<double>();
  IdxType t;
  if (type) {
    t = *type;
  } else if (tensor.dtype() == kFloat32) {
    t = IdxType::Float32;
  } else if (tensor.dtype() == kFloat64) {
    t = IdxType::Float64;
  } else {
    const bool bytes = std::all_of(values.begin(), values.end(), [](double v) { return v >= 0 && v <= 255; });
    t = bytes ? IdxType::UInt8 : IdxType::Int32;
  }
  if (tensor.dtype() == kInt64) {
    const std::vector<std::int64_t> ints = tensor.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < ints.size(); ++i)
      XG_CHECK(ints[i] >= INT32_MIN && ints[i] <= INT32_MAX, ValueError, "write_idx: value ", ints[i], " at position ",
               i, " does not fit any IDX integer type");
  }
  std::vector<unsigned char> body;
  switch (t) {
    case IdxType::UInt8:
      encode<std::uint8_t>(values, body, t);
      break;
    case IdxType::Int8:
      encode<std::int8_t>(values, body, t);
      break;
    case IdxType::Int16:
      encode<std::int16_t>(values, body, t);
      break;
    case IdxType::Int32:
      encode<std::int32_t>(values, body, t);
      break;
    case IdxType::Float32:
      encode<float>(values, body, t);
      break;
    case IdxType::Float64:
      encode<double>(values, body, t);
      break;
    default:
      throw ValueError(xg::detail::concat("write_idx: unknown IDX element type ", static_cast<unsigned>(t)));
  }
  std::vector<unsigned char> header(4 + 4 * static_cast<std::size_t>(tensor.dim()));
  header[2] = static_cast<unsigned char>(t);
  header[3] = static_cast<unsigned char>(tensor.dim());
  for (std::int64_t d = 0; d < tensor.dim(); ++d)
    store_be(static_cast<std::uint32_t>(tensor.size(d)), &header[4 + 4 * static_cast<std::size_t>(d)]);

  const bool gz = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  detail::GzWriter out(path, gz, "write_idx");
  out.write(header.data(), header.size());
  out.write(body.data(), body.size());
  out.close();
}

}  // namespace xg::data
