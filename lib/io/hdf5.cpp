// HDF5 through the C library. Layout: one dataset per tensor, groups from the dots of its name,
// a "dtype" string attribute per dataset, metadata as string attributes of the root group. Types
// are those h5py writes and reads: IEEE little-endian floats, 64-bit integers, and h5py's boolean
// (an int8 enum {FALSE, TRUE}), so `h5py.File(p)["0/weight"][()]` is the numpy array expected.
//
// The HDF5 library prints its error stack to stderr by default; every entry point here silences
// it for its duration and turns the innermost message into the xg::IoError instead.
#include "xgrad/io/hdf5.hpp"

#include "xgrad/error.hpp"
#include "xgrad/io/file.hpp"

#ifdef XGRAD_HAVE_HDF5
#include <algorithm>
#include <hdf5.h>

#include <cstring>
#include <fstream>
#include <limits>
#include <new>
#include <utility>
#include <vector>
#endif

namespace xg::io {

namespace fs = std::filesystem;

#ifndef XGRAD_HAVE_HDF5

namespace {
[[noreturn]] void no_hdf5(const char* fn) {
  throw IoError(std::string(fn) +
                ": this build of xgrad has no HDF5 support (libhdf5 was not found when it was configured); install "
                "libhdf5-dev (scripts/install-deps.sh does) and configure again, or use the safetensors functions");
}
}  // namespace

bool hdf5_available() { return false; }
void save_hdf5(const OrderedDict<std::string, Tensor>&, const fs::path&, const Metadata&) { no_hdf5("save_hdf5"); }
void save_hdf5(const nn::Module&, const fs::path&, const Metadata&) { no_hdf5("save_hdf5"); }
OrderedDict<std::string, Tensor> load_hdf5(const fs::path&) { no_hdf5("load_hdf5"); }
Metadata load_hdf5_metadata(const fs::path&) { no_hdf5("load_hdf5_metadata"); }
nn::LoadStateDictResult load_hdf5(nn::Module&, const fs::path&, bool) { no_hdf5("load_hdf5"); }

#else

namespace {

static_assert(sizeof(bool) == 1, "bool tensors are written as one byte per element");

// An owned HDF5 identifier, released with H5Idec_ref (which closes any kind of object).
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Id& operator=(Id&& o) noexcept {
    std::swap(id_, o.id_);
    return *this;
  }
  ~Id() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Silences HDF5's automatic error printing for the lifetime of the guard. The first guard also
// asks libhdf5 not to tear itself down at exit: every file and object is closed by the Id handles
// already, and libhdf5 1.10's teardown prints "infinite loop closing library" after many failed
// opens of corrupt files (its internal free lists), which would be noise in the user's stderr.
class QuietErrors {
 public:
  QuietErrors() {
    static const bool no_atexit = [] {
      H5dont_atexit();
      return true;
    }();
    (void)no_atexit;
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The most specific message of HDF5's current error stack (empty if none).
std::string hdf5_message() {
  std::string msg;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned, const H5E_error2_t* e, void* out) -> herr_t {
        auto& s = *static_cast<std::string*>(out);
        if (s.empty() && e->desc && *e->desc) s = e->desc;
        return 0;
      },
      &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg;
}

[[noreturn]] void fail(const char* fn, const fs::path& path, const std::string& what) {
  const std::string detail_msg = hdf5_message();
  throw IoError(std::string(fn) + ": '" + path.string() + "': " + what +
                (detail_msg.empty() ? "" : " (HDF5: " + detail_msg + ")"));
}

const char* dtype_attr(Dtype t) {
  switch (t) {
    case kFloat32:
      return "float32";
    case kFloat64:
      return "float64";
    case kInt64:
      return "int64";
    case kBool:
      return "bool";
  }
  return "?";
}

// h5py's boolean type: an enum over int8 with FALSE = 0 and TRUE = 1.
Id bool_type() {
  Id t(H5Tenum_create(H5T_NATIVE_INT8));
  const signed char f = 0, tr = 1;
  H5Tenum_insert(t.get(), "FALSE", &f);
  H5Tenum_insert(t.get(), "TRUE", &tr);
  return t;
}

Id vlen_string_type() {
  Id t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

void write_string_attribute(hid_t obj, const std::string& name, const std::string& value, const fs::path& path) {
  Id type = vlen_string_type();
  Id space(H5Screate(H5S_SCALAR));
  Id attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!attr.ok()) fail("save_hdf5", path, "cannot create the attribute '" + name + "'");
  const char* p = value.c_str();
  if (H5Awrite(attr.get(), type.get(), &p) < 0) fail("save_hdf5", path, "cannot write the attribute '" + name + "'");
}

// Splits "a.b.c" into {"a", "b", "c"}; empty parts are a ValueError.
std::vector<std::string> split_name(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    XG_CHECK(!parts.back().empty(), ValueError, "save_hdf5: the name '", name,
             "' has an empty component (names are split at dots into groups)");
    XG_CHECK(parts.back().find('/') == std::string::npos, ValueError, "save_hdf5: the name '", name,
             "' contains '/', which HDF5 reserves as the group separator");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

void write_file(const OrderedDict<std::string, Tensor>& tensors, const fs::path& tmp, const fs::path& path,
                const Metadata& metadata) {
  // The HDF5 1.8 file format (superblock v2, object headers v2) checksums every piece of
  // metadata, so a corrupted file is refused at open instead of being parsed: libhdf5 1.10 is not
  // robust against corrupted metadata of the older, unchecksummed format (it can crash). h5py
  // and every HDF5 library since 1.8 read it.
  Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18);
  Id file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
  if (!file.ok()) fail("save_hdf5", path, "cannot create the file");
  for (const auto& [k, v] : metadata) write_string_attribute(file.get(), k, v, path);
  Id booltype = bool_type();
  for (const auto& item : tensors) {
    XG_CHECK(item.value().defined(), ValueError, "save_hdf5: tensor '", item.key(), "' is undefined");
    const auto parts = split_name(item.key());
    // Create (or reuse) the groups on the way.
    std::string where;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      where += "/" + parts[i];
      const htri_t exists = H5Lexists(file.get(), where.c_str(), H5P_DEFAULT);
      if (exists > 0) {
        Id obj(H5Oopen(file.get(), where.c_str(), H5P_DEFAULT));
        XG_CHECK(obj.ok() && H5Iget_type(obj.get()) == H5I_GROUP, ValueError, "save_hdf5: '", item.key(),
                 "' needs the group '", where, "', but a tensor of that name is saved too");
      } else {
        Id g(H5Gcreate2(file.get(), where.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        if (!g.ok()) fail("save_hdf5", path, "cannot create the group '" + where + "'");
      }
    }
    where += "/" + parts.back();
    XG_CHECK(H5Lexists(file.get(), where.c_str(), H5P_DEFAULT) <= 0, ValueError, "save_hdf5: '", item.key(),
             "' would be the dataset '", where, "', which is already a group of other tensors");
    const Tensor t = item.value().detach().contiguous();
    const auto& shape = t.sizes();
    Id space;
    if (shape.empty()) {
      space = Id(H5Screate(H5S_SCALAR));
    } else {
      std::vector<hsize_t> dims(shape.begin(), shape.end());
      space = Id(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    }
    hid_t file_type = H5T_IEEE_F32LE, mem_type = H5T_NATIVE_FLOAT;
    switch (t.dtype()) {
      case kFloat32:
        break;
      case kFloat64:
        file_type = H5T_IEEE_F64LE, mem_type = H5T_NATIVE_DOUBLE;
        break;
      case kInt64:
        file_type = H5T_STD_I64LE, mem_type = H5T_NATIVE_INT64;
        break;
      case kBool:
        file_type = mem_type = booltype.get();
        break;
    }
    Id ds(H5Dcreate2(file.get(), where.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!ds.ok()) fail("save_hdf5", path, "cannot create the dataset '" + where + "'");
    if (t.numel() > 0 && H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr()) < 0)
      fail("save_hdf5", path, "cannot write the dataset '" + where + "'");
    write_string_attribute(ds.get(), "dtype", dtype_attr(t.dtype()), path);
  }
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) fail("save_hdf5", path, "cannot flush the file");
}

struct VisitState {
  const fs::path* path;
  hid_t file;
  OrderedDict<std::string, Tensor>* out;
  std::string error;  // set by the callback (exceptions must not cross the C library)
};

Tensor read_dataset(hid_t ds, const std::string& name, const fs::path& path) {
  const std::string where = "dataset '" + name + "'";
  Id type(H5Dget_type(ds));
  Id space(H5Dget_space(ds));
  if (!type.ok() || !space.ok()) fail("load_hdf5", path, "cannot read the type of " + where);
  const H5S_class_t sclass = H5Sget_simple_extent_type(space.get());
  if (sclass != H5S_SCALAR && sclass != H5S_SIMPLE)
    fail("load_hdf5", path, where + " has no elements (null dataspace)");
  const int ndims = H5Sget_simple_extent_ndims(space.get());
  if (ndims < 0 || ndims > 64) fail("load_hdf5", path, "cannot read the shape of " + where);
  std::vector<hsize_t> dims(static_cast<std::size_t>(ndims));
  if (ndims > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    fail("load_hdf5", path, "cannot read the shape of " + where);
  Shape shape;
  std::uint64_t count = 1, extent = 1;
  for (hsize_t d : dims) {
    // The count and the strides (also when a zero size makes the count 0) must fit in int64.
    if (d > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max()) ||
        __builtin_mul_overflow(count, d, &count) ||
        __builtin_mul_overflow(extent, std::max<std::uint64_t>(d, 1), &extent) ||
        extent > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      fail("load_hdf5", path, where + " has too many elements");
    shape.push_back(static_cast<std::int64_t>(d));
  }
  const H5T_class_t tclass = H5Tget_class(type.get());
  const std::size_t tsize = H5Tget_size(type.get());
  Dtype dtype;
  hid_t mem_type;
  Id owned_mem_type;
  if (tclass == H5T_FLOAT) {
    dtype = tsize <= 4 ? kFloat32 : kFloat64;
    mem_type = tsize <= 4 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
  } else if (tclass == H5T_INTEGER) {
    dtype = kInt64;
    mem_type = H5T_NATIVE_INT64;
  } else if (tclass == H5T_ENUM && tsize == 1) {
    // h5py's bool; the values are read as stored and then compared with 0.
    dtype = kBool;
    owned_mem_type = Id(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
    mem_type = owned_mem_type.get();
    if (!owned_mem_type.ok() || H5Tget_size(mem_type) != 1)
      fail("load_hdf5", path, where + " has an unsupported enum type");
  } else {
    fail("load_hdf5", path,
         detail::concat(where, " has an unsupported element type (HDF5 class ", static_cast<int>(tclass), ", ", tsize,
                        " bytes); supported: floats, integers and h5py booleans"));
  }
  Tensor t;
  try {
    t = empty(shape, dtype);
  } catch (const OutOfMemoryError& e) {
    fail("load_hdf5", path, detail::concat(where, " of shape ", shape, " does not fit in memory (", e.what(), ")"));
  }
  if (count == 0) return t;
  if (dtype == kBool) {
    std::vector<unsigned char> bytes(static_cast<std::size_t>(count));
    if (H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
      fail("load_hdf5", path, "cannot read " + where);
    bool* out = t.data_ptr<bool>();
    for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = bytes[i] != 0;
  } else if (H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data_ptr()) < 0) {
    fail("load_hdf5", path, "cannot read " + where);
  }
  return t;
}

herr_t visit_link(hid_t group, const char* name, const H5L_info_t* info, void* data) {
  auto& st = *static_cast<VisitState*>(data);
  if (info->type != H5L_TYPE_HARD) return 0;  // soft and external links are not followed
  try {
    Id obj(H5Oopen(group, name, H5P_DEFAULT));
    if (!obj.ok()) fail("load_hdf5", *st.path, std::string("cannot open the object '") + name + "'");
    if (H5Iget_type(obj.get()) != H5I_DATASET) return 0;
    std::string key = name;
    for (char& c : key)
      if (c == '/') c = '.';
    if (st.out->contains(key)) return 0;  // the same dataset reached through a second hard link
    st.out->insert(key, read_dataset(obj.get(), key, *st.path));
  } catch (const std::exception& e) {
    st.error = e.what();
    return -1;
  }
  return 0;
}

// A truncated file is refused before libhdf5 sees it (opening one makes libhdf5 1.10 leak internal
// objects): the superblock at offset 0 records the end-of-file address, which must not lie past
// the file's size. Layouts from the HDF5 file format specification, section II.A.
void check_not_truncated(const fs::path& path, const char* fn) {
  std::ifstream in(path, std::ios::binary);
  unsigned char sb[96] = {};
  in.read(reinterpret_cast<char*>(sb), sizeof sb);
  const auto got = static_cast<std::size_t>(in.gcount());
  static const unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (got < 8 || std::memcmp(sb, kSignature, 8) != 0) return;  // H5Fis_hdf5 decides
  const unsigned version = sb[8];
  std::size_t offsets_size = 0, eof_at = 0;
  if (version == 0 || version == 1) {
    offsets_size = sb[13];
    eof_at = 24 + (version == 1 ? 4 : 0) + 2 * offsets_size;  // after base and free-space addresses
  } else if (version == 2 || version == 3) {
    offsets_size = sb[9];
    eof_at = 12 + 2 * offsets_size;  // after base and superblock-extension addresses
  } else {
    return;
  }
  XG_CHECK(got >= 48, IoError, fn, ": '", path.string(), "': the file is truncated (", got,
           " bytes, shorter than its superblock)");
  if (offsets_size != 8) return;
  XG_CHECK(got >= eof_at + 8, IoError, fn, ": '", path.string(), "': the file is truncated (", got,
           " bytes, shorter than its superblock)");
  std::uint64_t eof = 0;
  for (int i = 7; i >= 0; --i) eof = (eof << 8) | sb[eof_at + static_cast<std::size_t>(i)];
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  XG_CHECK(ec || eof == ~std::uint64_t{0} || size >= eof, IoError, fn, ": '", path.string(),
           "': the file is truncated (", size, " bytes, its superblock says ", eof, ")");
}

Id open_for_reading(const fs::path& path, const char* fn) {
  std::error_code ec;
  XG_CHECK(fs::is_regular_file(path, ec), IoError, fn, ": cannot open '", path.string(),
           fs::exists(path, ec) ? "': not a regular file" : "': no such file");
  check_not_truncated(path, fn);
  const htri_t is_h5 = H5Fis_hdf5(path.c_str());
  if (is_h5 <= 0) fail(fn, path, "not an HDF5 file (no HDF5 signature found)");
  // Strong close: closing the file also closes anything a failed read left open in it.
  Id fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!file.ok()) fail(fn, path, "cannot open the file: it is truncated or corrupt");
  return file;
}

}  // namespace

bool hdf5_available() { return true; }

void save_hdf5(const OrderedDict<std::string, Tensor>& tensors, const fs::path& path, const Metadata& metadata) {
  for (const auto& item : tensors) split_name(item.key());  // name errors before any file is made
  QuietErrors quiet;
  atomic_write_file(path, [&](const fs::path& tmp) { write_file(tensors, tmp, path, metadata); });
}

void save_hdf5(const nn::Module& module, const fs::path& path, const Metadata& metadata) {
  save_hdf5(module.state_dict(), path, metadata);
}

OrderedDict<std::string, Tensor> load_hdf5(const fs::path& path) {
  QuietErrors quiet;
  Id file = open_for_reading(path, "load_hdf5");
  OrderedDict<std::string, Tensor> out;
  VisitState st{&path, file.get(), &out, {}};
  const herr_t rc = H5Lvisit(file.get(), H5_INDEX_NAME, H5_ITER_INC, visit_link, &st);
  if (!st.error.empty()) throw IoError(st.error);
  if (rc < 0) fail("load_hdf5", path, "cannot list the datasets: the file is corrupt");
  return out;
}

Metadata load_hdf5_metadata(const fs::path& path) {
  QuietErrors quiet;
  Id file = open_for_reading(path, "load_hdf5_metadata");
  struct State {
    Metadata out;
  } st;
  const herr_t rc = H5Aiterate_by_name(
      file.get(), "/", H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t loc, const char* name, const H5A_info_t*, void* data) -> herr_t {
        auto& s = *static_cast<State*>(data);
        Id attr(H5Aopen(loc, name, H5P_DEFAULT));
        if (!attr.ok()) return -1;
        Id type(H5Aget_type(attr.get()));
        Id space(H5Aget_space(attr.get()));
        if (H5Tget_class(type.get()) != H5T_STRING || H5Sget_simple_extent_npoints(space.get()) != 1) return 0;
        if (H5Tis_variable_str(type.get()) > 0) {
          Id mem = vlen_string_type();
          char* value = nullptr;
          if (H5Aread(attr.get(), mem.get(), &value) < 0) return -1;
          s.out[name] = value ? value : "";
          H5free_memory(value);
        } else {
          const std::size_t n = H5Tget_size(type.get());
          Id mem(H5Tcopy(H5T_C_S1));
          H5Tset_size(mem.get(), n + 1);
          std::vector<char> buf(n + 1, '\0');
          if (H5Aread(attr.get(), mem.get(), buf.data()) < 0) return -1;
          s.out[name] = std::string(buf.data(), strnlen(buf.data(), n));
        }
        return 0;
      },
      &st, H5P_DEFAULT);
  if (rc < 0) fail("load_hdf5_metadata", path, "cannot read the attributes of the root group");
  return st.out;
}

nn::LoadStateDictResult load_hdf5(nn::Module& module, const fs::path& path, bool strict) {
  const auto tensors = load_hdf5(path);
  try {
    return module.load_state_dict(tensors, strict);
  } catch (const ValueError& e) { throw ValueError("loading '" + path.string() + "': " + e.what()); }
}

#endif

}  // namespace xg::io
