// The safetensors format (https://github.com/huggingface/safetensors):
//
//   [8 bytes: N, little-endian u64][N bytes: JSON header, space-padded][data]
//   header = {"__metadata__": {"k": "v", …}, "name": {"dtype": "F32", "shape": [2, 3],
//             "data_offsets": [begin, end]}, …}     offsets relative to the start of data
//
// Note [Safetensors validation]
// Every number in the header is untrusted. The reader checks, before touching any data, that the
// header fits the file, that each tensor's byte range is exactly shape × element size (with
// overflow-checked products), and that the ranges, sorted, tile the data section from 0 to its end
// with neither gap nor overlap — the rules the reference implementation enforces. Only then are
// bytes copied, each copy bounded by the checked ranges.
#include "xgrad/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "xgrad/error.hpp"
#include "xgrad/io/file.hpp"

namespace xg::io {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// ---- dtypes -----------------------------------------------------------------------------------

// The file dtypes we read: the four native ones and narrower ones widened on load.
enum class FileDtype { F32, F64, I64, BOOL, F16, BF16, I8, I16, I32, U8, U16, U32 };

struct DtypeInfo {
  const char* name;
  FileDtype file;
  std::size_t size;
  Dtype loaded_as;
};
constexpr DtypeInfo kDtypes[] = {
    {"F32", FileDtype::F32, 4, kFloat32}, {"F64", FileDtype::F64, 8, kFloat64}, {"I64", FileDtype::I64, 8, kInt64},
    {"BOOL", FileDtype::BOOL, 1, kBool},  {"F16", FileDtype::F16, 2, kFloat32}, {"BF16", FileDtype::BF16, 2, kFloat32},
    {"I8", FileDtype::I8, 1, kInt64},     {"I16", FileDtype::I16, 2, kInt64},   {"I32", FileDtype::I32, 4, kInt64},
    {"U8", FileDtype::U8, 1, kInt64},     {"U16", FileDtype::U16, 2, kInt64},   {"U32", FileDtype::U32, 4, kInt64},
};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& d : kDtypes)
    if (name == d.name) return &d;
  return nullptr;
}

const char* file_dtype_name(Dtype t) {
  switch (t) {
    case kFloat32:
      return "F32";
    case kFloat64:
      return "F64";
    case kInt64:
      return "I64";
    case kBool:
      return "BOOL";
  }
  return "?";
}
// The order the safetensors library lays data out in: descending by its dtype enum
// (… BOOL < … < F32 < F64 < I64 …), then by name.
int dtype_rank(Dtype t) {
  switch (t) {
    case kBool:
      return 0;
    case kFloat32:
      return 1;
    case kFloat64:
      return 2;
    case kInt64:
      return 3;
  }
  return 0;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exp = 113;
    while (!(mant & 0x400u)) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

// Reads a little-endian value of type T at p (no alignment assumed).
template <class T>
T load_le(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
    auto* b = reinterpret_cast<unsigned char*>(&v);
    std::reverse(b, b + sizeof(T));
  }
  return v;
}

// Copies `count` elements of file dtype `d` from `src` into the tensor `dst` (of d.loaded_as).
void decode(const DtypeInfo& d, const unsigned char* src, std::size_t count, Tensor& dst) {
  auto widen_int = [&](auto tag) {
    using T = decltype(tag);
    auto* out = dst.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::int64_t>(load_le<T>(src + i * sizeof(T)));
  };
  auto copy_same = [&](auto tag) {
    using T = decltype(tag);
    auto* out = dst.data_ptr<T>();
    if constexpr (std::endian::native == std::endian::little) {
      if (count) std::memcpy(out, src, count * sizeof(T));
    } else {
      for (std::size_t i = 0; i < count; ++i) out[i] = load_le<T>(src + i * sizeof(T));
    }
  };
  switch (d.file) {
    case FileDtype::F32:
      copy_same(float{});
      break;
    case FileDtype::F64:
      copy_same(double{});
      break;
    case FileDtype::I64:
      copy_same(std::int64_t{});
      break;
    case FileDtype::BOOL: {
      // Any non-zero byte is true (a byte other than 0/1 stored into a bool would be undefined).
      auto* out = dst.data_ptr<bool>();
      for (std::size_t i = 0; i < count; ++i) out[i] = src[i] != 0;
      break;
    }
    case FileDtype::F16: {
      auto* out = dst.data_ptr<float>();
      for (std::size_t i = 0; i < count; ++i) out[i] = half_to_float(load_le<std::uint16_t>(src + 2 * i));
      break;
    }
    case FileDtype::BF16: {
      auto* out = dst.data_ptr<float>();
      for (std::size_t i = 0; i < count; ++i)
        out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(load_le<std::uint16_t>(src + 2 * i)) << 16);
      break;
    }
    case FileDtype::I8:
      widen_int(std::int8_t{});
      break;
    case FileDtype::I16:
      widen_int(std::int16_t{});
      break;
    case FileDtype::I32:
      widen_int(std::int32_t{});
      break;
    case FileDtype::U8:
      widen_int(std::uint8_t{});
      break;
    case FileDtype::U16:
      widen_int(std::uint16_t{});
      break;
    case FileDtype::U32:
      widen_int(std::uint32_t{});
      break;
  }
}

// ---- reading ----------------------------------------------------------------------------------

// Where the bytes come from: a file or a memory image. read() is only called with ranges that
// were checked against size().
class Source {
 public:
  virtual ~Source() = default;
  virtual std::uint64_t size() const = 0;
  virtual void read(std::uint64_t offset, std::size_t n, unsigned char* out) = 0;
  const std::string& name() const { return name_; }

 protected:
  explicit Source(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

class MemorySource final : public Source {
 public:
  MemorySource(const void* data, std::size_t size, std::string name)
      : Source(std::move(name)), data_(static_cast<const unsigned char*>(data)), size_(size) {}
  std::uint64_t size() const override { return size_; }
  void read(std::uint64_t offset, std::size_t n, unsigned char* out) override {
    if (n) std::memcpy(out, data_ + offset, n);
  }

 private:
  const unsigned char* data_;
  std::size_t size_;
};

class FileSource final : public Source {
 public:
  explicit FileSource(const fs::path& path) : Source(path.string()), in_(path, std::ios::binary) {
    std::error_code ec;
    XG_CHECK(fs::is_regular_file(path, ec), IoError, "load_safetensors: cannot open '", path.string(),
             fs::exists(path, ec) ? "': not a regular file" : "': no such file");
    XG_CHECK(in_.good(), IoError, "load_safetensors: cannot open '", path.string(), "' for reading");
    in_.seekg(0, std::ios::end);
    const auto end = in_.tellg();
    XG_CHECK(end >= 0, IoError, "load_safetensors: cannot determine the size of '", path.string(), "'");
    size_ = static_cast<std::uint64_t>(end);
  }
  std::uint64_t size() const override { return size_; }
  void read(std::uint64_t offset, std::size_t n, unsigned char* out) override {
    if (!n) return;
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(n));
    XG_CHECK(in_.gcount() == static_cast<std::streamsize>(n), IoError, "load_safetensors: '", name(),
             "': unexpected end of file reading ", n, " bytes at offset ", offset,
             " (was the file truncated while reading?)");
  }

 private:
  std::ifstream in_;
  std::uint64_t size_ = 0;
};

struct Entry {
  std::string name;
  const DtypeInfo* dtype;
  Shape shape;
  std::uint64_t begin, end, count;
};

struct Header {
  std::uint64_t data_start = 0;
  std::vector<Entry> entries;  // sorted by begin
  Metadata metadata;
};

[[noreturn]] void fail(const Source& src, const std::string& what) {
  throw IoError("load_safetensors: '" + src.name() + "': " + what);
}

std::uint64_t as_u64(const json& v, const Source& src, const std::string& what) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer() && v.get<std::int64_t>() >= 0) return static_cast<std::uint64_t>(v.get<std::int64_t>());
  fail(src, what + " must be a non-negative integer, got " + v.dump());
}

/// The header's JSON object, after the 8-byte little-endian length that precedes it; `data_start`
/// receives where the tensor data begins.
json read_header_json(Source& src, std::uint64_t& data_start) {
  const std::uint64_t size = src.size();
  if (size < 8)
    fail(src, detail::concat("the file is ", size, " bytes long, too short for the 8-byte header length (truncated?)"));
  unsigned char len_bytes[8];
  src.read(0, 8, len_bytes);
  const auto n = load_le<std::uint64_t>(len_bytes);
  if (n > kMaxSafetensorsHeader)
    fail(src, detail::concat("the header length ", n, " exceeds the limit of ", kMaxSafetensorsHeader,
                             " bytes (not a safetensors file?)"));
  if (n > size - 8)
    fail(src, detail::concat("the header length ", n, " is larger than the rest of the file (", size - 8,
                             " bytes): the file is truncated or not a safetensors file"));
  if (n < 2) fail(src, detail::concat("the header length ", n, " is too small to hold a JSON object"));
  std::string text(static_cast<std::size_t>(n), '\0');
  src.read(8, text.size(), reinterpret_cast<unsigned char*>(text.data()));

  json header;
  try {
    header = json::parse(text);
  } catch (const json::exception& e) { fail(src, std::string("the header is not valid JSON: ") + e.what()); }
  if (!header.is_object()) fail(src, "the header is not a JSON object");
  data_start = 8 + n;
  return header;
}

void read_metadata(const json& v, Source& src, Metadata& metadata) {
  if (!v.is_object()) fail(src, "\"__metadata__\" must be an object of strings");
  for (auto m = v.begin(); m != v.end(); ++m) {
    if (!m.value().is_string()) fail(src, "\"__metadata__\" entry '" + m.key() + "' is not a string");
    metadata[m.key()] = m.value().get<std::string>();
  }
}

/// One tensor's entry, checked: a known dtype, a shape whose element count and strides fit in
/// int64, and data offsets inside the `data_size` bytes that span exactly the shape's bytes.
Entry read_entry(const std::string& key, const json& v, std::uint64_t data_size, Source& src) {
  const std::string where = "tensor '" + key + "'";
  if (!v.is_object()) fail(src, where + ": its entry must be an object with dtype, shape and data_offsets");
  const auto dt = v.find("dtype"), sh = v.find("shape"), off = v.find("data_offsets");
  if (dt == v.end() || sh == v.end() || off == v.end())
    fail(src, where + ": its entry must have \"dtype\", \"shape\" and \"data_offsets\"");
  if (!dt->is_string()) fail(src, where + ": \"dtype\" must be a string");
  Entry e;
  e.name = key;
  e.dtype = find_dtype(dt->get<std::string>());
  if (!e.dtype)
    fail(src, where + ": unknown or unsupported dtype " + dt->dump() +
                  " (supported: F32, F64, I64, BOOL, F16, BF16, I8, I16, I32, U8, U16, U32)");
  if (!sh->is_array()) fail(src, where + ": \"shape\" must be an array");
  std::uint64_t count = 1, extent = 1;
  bool overflow = false;
  for (const auto& d : *sh) {
    const std::uint64_t dim = as_u64(d, src, where + ": each dimension of \"shape\"");
    if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail(src, where + ": dimension " + d.dump() + " is too large");
    e.shape.push_back(static_cast<std::int64_t>(dim));
    overflow = overflow || __builtin_mul_overflow(count, dim, &count);
    // Strides must fit too, even when a zero size makes the count 0 ([0, 2^62, 4]).
    overflow = overflow || __builtin_mul_overflow(extent, std::max<std::uint64_t>(dim, 1), &extent) ||
               extent > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
  std::uint64_t nbytes = 0;
  overflow = overflow || __builtin_mul_overflow(count, static_cast<std::uint64_t>(e.dtype->size), &nbytes);
  if (overflow) fail(src, where + ": the shape " + sh->dump() + " has too many elements");
  if (!off->is_array() || off->size() != 2) fail(src, where + ": \"data_offsets\" must be [begin, end]");
  e.begin = as_u64((*off)[0], src, where + ": data_offsets begin");
  e.end = as_u64((*off)[1], src, where + ": data_offsets end");
  e.count = count;
  if (e.end < e.begin) fail(src, where + ": data_offsets " + off->dump() + " end before they begin");
  if (e.end > data_size)
    fail(src, detail::concat(where, ": data_offsets ", off->dump(), " go past the end of the data (", data_size,
                             " bytes): the file is truncated or corrupt"));
  if (e.end - e.begin != nbytes)
    fail(src, detail::concat(where, ": data_offsets ", off->dump(), " span ", e.end - e.begin, " bytes but shape ",
                             sh->dump(), " of ", e.dtype->name, " needs ", nbytes));
  return e;
}

/// Sorts the entries by offset and checks that they tile the `data_size` bytes of data exactly:
/// no overlap, no gap, nothing after the last tensor.
void sort_and_check_layout(std::vector<Entry>& entries, std::uint64_t data_size, Source& src) {
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const auto& e : entries) {
    if (e.begin < expected)
      fail(src, detail::concat("tensor '", e.name, "' overlaps the tensor before it (it begins at byte ", e.begin,
                               ", the previous one ends at ", expected, ")"));
    if (e.begin > expected)
      fail(src, detail::concat("the data has a gap before tensor '", e.name, "' (bytes ", expected, " to ", e.begin,
                               " belong to no tensor)"));
    expected = e.end;
  }
  if (expected != data_size)
    fail(src, detail::concat("the tensors cover ", expected, " bytes of data but the file holds ", data_size,
                             " after the header (trailing garbage or a wrong header)"));
}

Header read_header(Source& src) {
  Header h;
  const json header = read_header_json(src, h.data_start);
  const std::uint64_t data_size = src.size() - h.data_start;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") read_metadata(it.value(), src, h.metadata);
    else h.entries.push_back(read_entry(it.key(), it.value(), data_size, src));
  }
  sort_and_check_layout(h.entries, data_size, src);
  return h;
}

SafetensorsContents read_all(Source& src) {
  Header h = read_header(src);
  SafetensorsContents out;
  out.metadata = std::move(h.metadata);
  std::vector<unsigned char> buffer;
  for (const auto& e : h.entries) {
    Tensor t = empty(e.shape, e.dtype->loaded_as);
    const std::size_t nbytes = static_cast<std::size_t>(e.end - e.begin);
    if (e.dtype->loaded_as == kBool || e.dtype->size != element_size(e.dtype->loaded_as) ||
        std::endian::native != std::endian::little) {
      buffer.resize(nbytes);
      src.read(h.data_start + e.begin, nbytes, buffer.data());
      decode(*e.dtype, buffer.data(), static_cast<std::size_t>(e.count), t);
    } else {
      src.read(h.data_start + e.begin, nbytes, static_cast<unsigned char*>(t.data_ptr()));
    }
    out.tensors.insert(e.name, std::move(t));
  }
  return out;
}

// ---- writing ----------------------------------------------------------------------------------

std::string quoted(const std::string& s, const char* what) {
  try {
    return json(s).dump();
  } catch (const json::exception&) {
    throw ValueError(std::string("save_safetensors: the ") + what + " '" + s + "' is not valid UTF-8");
  }
}

}  // namespace

namespace {
// Writes the file to `os` without building it in memory (models can be large).
void write_safetensors(std::ostream& os, const OrderedDict<std::string, Tensor>& tensors, const Metadata& metadata) {
  struct Item {
    const std::string* name;
    Tensor data;  // contiguous
  };
  std::vector<Item> items;
  items.reserve(tensors.size());
  for (const auto& it : tensors) {
    XG_CHECK(!it.first.empty(), ValueError, "save_safetensors: a tensor has an empty name");
    XG_CHECK(it.first != "__metadata__", ValueError,
             "save_safetensors: '__metadata__' is reserved and cannot name a tensor");
    XG_CHECK(it.second.defined(), ValueError, "save_safetensors: tensor '", it.first, "' is undefined");
    items.push_back({&it.first, it.second.detach().contiguous()});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    const int ra = dtype_rank(a.data.dtype()), rb = dtype_rank(b.data.dtype());
    return ra != rb ? ra > rb : *a.name < *b.name;
  });

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      if (!first) header += ',';
      first = false;
      header += quoted(k, "metadata key") + ":" + quoted(v, "metadata value");
    }
    header += "}";
  }
  std::uint64_t offset = 0;
  for (const auto& it : items) {
    if (header.size() > 1) header += ',';
    header += quoted(*it.name, "tensor name");
    header += ":{\"dtype\":\"";
    header += file_dtype_name(it.data.dtype());
    header += "\",\"shape\":[";
    for (std::size_t d = 0; d < it.data.sizes().size(); ++d) {
      if (d) header += ',';
      header += std::to_string(it.data.sizes()[d]);
    }
    const std::uint64_t nbytes = it.data.nbytes();
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + nbytes) + "]}";
    offset += nbytes;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  const std::uint64_t n = header.size();
  char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xffu);
  os.write(len, 8);
  os.write(header.data(), static_cast<std::streamsize>(header.size()));
  std::vector<char> swapped;
  for (const auto& it : items) {
    const auto* p = static_cast<const char*>(it.data.data_ptr());
    const std::size_t nbytes = it.data.nbytes();
    if constexpr (std::endian::native == std::endian::little) {
      os.write(p, static_cast<std::streamsize>(nbytes));
    } else {
      const std::size_t w = it.data.element_size();
      swapped.assign(p, p + nbytes);
      for (std::size_t i = 0; i < nbytes; i += w) std::reverse(swapped.begin() + i, swapped.begin() + i + w);
      os.write(swapped.data(), static_cast<std::streamsize>(nbytes));
    }
  }
}
}  // namespace

std::string serialize_safetensors(const OrderedDict<std::string, Tensor>& tensors, const Metadata& metadata) {
  std::ostringstream os;
  write_safetensors(os, tensors, metadata);
  return os.str();
}

void save_safetensors(const OrderedDict<std::string, Tensor>& tensors, const fs::path& path, const Metadata& metadata) {
  atomic_write(path, [&](std::ostream& os) { write_safetensors(os, tensors, metadata); });
}

SafetensorsContents read_safetensors(const fs::path& path) {
  FileSource src(path);
  return read_all(src);
}

OrderedDict<std::string, Tensor> load_safetensors(const fs::path& path) { return read_safetensors(path).tensors; }

Metadata load_safetensors_metadata(const fs::path& path) {
  FileSource src(path);
  return read_header(src).metadata;
}

SafetensorsContents parse_safetensors(const void* data, std::size_t size, const std::string& name) {
  MemorySource src(data, size, name);
  return read_all(src);
}

}  // namespace xg::io
