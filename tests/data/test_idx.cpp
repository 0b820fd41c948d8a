// IDX files: round trips of every element type, plain and gzip-compressed, the exact bytes of a
// small file, and one hand-made broken file for every way a file can be damaged (each an
// IoError, none a crash or an oversized allocation).
#include <catch2/catch.hpp>

#include <cstdint>

#include "data/temp_dir.hpp"
#include "xgrad/data.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using namespace xg::data;
using xg::testing::TempDir;

namespace {
/// An IDX header: magic 00 00 type ndim, then the sizes big-endian.
std::vector<unsigned char> header(unsigned char type, const std::vector<std::uint32_t>& dims) {
  std::vector<unsigned char> h = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) h.push_back(static_cast<unsigned char>(d >> s));
  return h;
}

/// CRC-32 (the IEEE polynomial, reflected), bit by bit, as gzip's trailer holds it.
std::uint32_t crc32_of(const std::vector<unsigned char>& bytes) {
  std::uint32_t crc = 0xffffffffu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

/// A gzip file holding `bytes` in one stored (uncompressed) deflate block (RFC 1951/1952), made
/// by hand so that the test does not rely on the code under test to compress.
void write_gz(const std::string& path, const std::vector<unsigned char>& bytes) {
  REQUIRE(bytes.size() < 65536);
  const auto n = static_cast<std::uint32_t>(bytes.size()), crc = crc32_of(bytes);
  std::vector<unsigned char> gz = {0x1f,
                                   0x8b,
                                   8,
                                   0,
                                   0,
                                   0,
                                   0,
                                   0,
                                   0,
                                   0xff,  // header
                                   1,     // final stored block
                                   static_cast<unsigned char>(n),
                                   static_cast<unsigned char>(n >> 8),
                                   static_cast<unsigned char>(~n),
                                   static_cast<unsigned char>(~n >> 8)};
  gz.insert(gz.end(), bytes.begin(), bytes.end());
  for (std::uint32_t v : {crc, n})
    for (int s = 0; s < 32; s += 8) gz.push_back(static_cast<unsigned char>(v >> s));
  xg::testing::write_bytes(path, gz);
}

std::vector<unsigned char> concat(std::vector<unsigned char> a, const std::vector<unsigned char>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

TEST_CASE("write_idx: a small byte tensor is written as the IDX format specifies") {
  TempDir dir;
  write_idx(dir / "a-idx2-ubyte", tensor({{1, 2, 3}, {4, 5, 255}}));
  const std::vector<unsigned char> expected = {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255};
  CHECK(xg::testing::read_bytes(dir / "a-idx2-ubyte") == expected);
}

TEST_CASE("read_idx: reads a hand-written file and converts to the dtype asked") {
  TempDir dir;
  xg::testing::write_bytes(dir / "x", concat(header(0x08, {2, 2}), {0, 127, 128, 255}));
  CHECK(read_idx(dir / "x").equal(tensor({{0.0f, 127.0f}, {128.0f, 255.0f}})));
  write_gz(dir / "x.gz", concat(header(0x08, {2, 2}), {0, 127, 128, 255}));
  CHECK(read_idx(dir / "x.gz").equal(tensor({{0.0f, 127.0f}, {128.0f, 255.0f}})));
  CHECK(read_idx(dir / "x", kInt64).equal(tensor({{0, 127}, {128, 255}})));
  CHECK(read_idx(dir / "x", kFloat64).dtype() == kFloat64);
  // signed bytes and big-endian int16
  xg::testing::write_bytes(dir / "s", concat(header(0x09, {2}), {0xff, 0x05}));
  CHECK(read_idx(dir / "s", kInt64).equal(tensor({-1, 5})));
  xg::testing::write_bytes(dir / "h", concat(header(0x0B, {2}), {0x01, 0x02, 0xff, 0xfe}));
  CHECK(read_idx(dir / "h", kInt64).equal(tensor({258, -2})));
}

TEST_CASE("read_idx and write_idx: every element type round-trips, plain and gzip") {
  TempDir dir;
  manual_seed(0);
  const std::vector<std::pair<Tensor, std::optional<IdxType>>> cases = {
      {randint(0, 256, {3, 4, 5}), std::nullopt},  // → UInt8
      {randint(-1000, 1000, {7}), std::nullopt},   // → Int32
      {randint(-128, 128, {2, 3}), IdxType::Int8}, {randint(-30000, 30000, {4}), IdxType::Int16},
      {randn({2, 3, 2, 2}), std::nullopt},   // → Float32
      {randn({5}, kFloat64), std::nullopt},  // → Float64
  };
  for (const auto& [t, type] : cases) {
    for (const std::string name : {"t-idx", "t-idx.gz"}) {
      write_idx(dir / name, t, type);
      auto back = read_idx(dir / name, t.dtype());
      CHECK(back.equal(t));
    }
    const auto gz = xg::testing::read_bytes(dir / "t-idx.gz");
    REQUIRE(gz.size() >= 2);
    CHECK((gz[0] == 0x1f && gz[1] == 0x8b));
  }
  write_idx(dir / "b", tensor({true, false}));
  CHECK(read_idx(dir / "b", kInt64).equal(tensor({1, 0})));
}

TEST_CASE("write_idx: values that the element type cannot hold throw ValueError") {
  TempDir dir;
  CHECK_THROWS_AS(write_idx(dir / "a", tensor({300}), IdxType::UInt8), ValueError);
  CHECK_THROWS_AS(write_idx(dir / "a", tensor({-1}), IdxType::UInt8), ValueError);
  CHECK_THROWS_AS(write_idx(dir / "a", tensor({1.5f}), IdxType::Int32), ValueError);
  CHECK_THROWS_AS(write_idx(dir / "a", tensor({std::int64_t{1} << 40})), ValueError);
  CHECK_THROWS_AS(write_idx(dir / "a", scalar_tensor(1.0)), ShapeError);
  CHECK_THROWS_AS(write_idx(dir / "no-such-dir/a", tensor({1})), IoError);
}

TEST_CASE("read_idx: missing files, directories and short files throw IoError naming the path") {
  TempDir dir;
  CHECK_THROWS_AS(read_idx(dir / "missing"), IoError);
  CHECK_THROWS_WITH(read_idx(dir / "missing"), Catch::Contains(dir / "missing") && Catch::Contains("does not exist"));
  CHECK_THROWS_AS(read_idx(dir.str()), IoError);
  xg::testing::write_bytes(dir / "empty", {});
  CHECK_THROWS_WITH(read_idx(dir / "empty"), Catch::Contains("too short"));
  xg::testing::write_bytes(dir / "three", {0, 0, 8});
  CHECK_THROWS_WITH(read_idx(dir / "three"), Catch::Contains("too short"));
}

TEST_CASE("read_idx: a bad magic, element type or dimension count throws IoError") {
  TempDir dir;
  xg::testing::write_bytes(dir / "magic", {1, 0, 8, 1, 0, 0, 0, 1, 7});
  CHECK_THROWS_WITH(read_idx(dir / "magic"), Catch::Contains("magic"));
  xg::testing::write_bytes(dir / "type", concat(header(0x07, {1}), {7}));
  CHECK_THROWS_WITH(read_idx(dir / "type"), Catch::Contains("element type"));
  xg::testing::write_bytes(dir / "nodim", {0, 0, 8, 0});
  CHECK_THROWS_WITH(read_idx(dir / "nodim"), Catch::Contains("0 dimensions"));
}

TEST_CASE("read_idx: truncated headers and data throw IoError") {
  TempDir dir;
  auto h = header(0x08, {2, 3, 4});
  xg::testing::write_bytes(dir / "header", {h.begin(), h.begin() + 9});
  CHECK_THROWS_WITH(read_idx(dir / "header"), Catch::Contains("truncated inside its header"));
  xg::testing::write_bytes(dir / "data", concat(h, std::vector<unsigned char>(23, 1)));
  CHECK_THROWS_WITH(read_idx(dir / "data"), Catch::Contains("truncated") && Catch::Contains("24"));
  xg::testing::write_bytes(dir / "float", concat(header(0x0D, {2}), {0x3f, 0x80, 0, 0, 0x40}));
  CHECK_THROWS_AS(read_idx(dir / "float"), IoError);
  write_gz(dir / "data.gz", concat(h, std::vector<unsigned char>(23, 1)));
  CHECK_THROWS_WITH(read_idx(dir / "data.gz"), Catch::Contains("truncated"));
}

TEST_CASE("read_idx: data beyond what the header declares throws IoError") {
  TempDir dir;
  xg::testing::write_bytes(dir / "long", concat(header(0x08, {2}), {1, 2, 3}));
  CHECK_THROWS_WITH(read_idx(dir / "long"), Catch::Contains("more data"));
}

TEST_CASE("read_idx: oversized headers throw IoError without allocating what they claim") {
  TempDir dir;
  xg::testing::write_bytes(dir / "dim", concat(header(0x08, {0x80000000u, 1}), {1}));
  CHECK_THROWS_WITH(read_idx(dir / "dim"), Catch::Contains("2^31"));
  xg::testing::write_bytes(dir / "total", concat(header(0x08, {65536, 65536, 65536}), {1}));
  CHECK_THROWS_WITH(read_idx(dir / "total"), Catch::Contains("2^36"));
  xg::testing::write_bytes(dir / "double", concat(header(0x0E, {0x7fffffffu, 5}), {1}));
  CHECK_THROWS_WITH(read_idx(dir / "double"), Catch::Contains("2^36"));
  // 62 GiB claimed, under the limit: the read stops at the real end of the file
  xg::testing::write_bytes(dir / "claim", concat(header(0x08, {0x7fffffffu, 31}), std::vector<unsigned char>(100, 0)));
  CHECK_THROWS_WITH(read_idx(dir / "claim"), Catch::Contains("truncated"));
  write_gz(dir / "claim.gz", concat(header(0x08, {0x7fffffffu, 31}), std::vector<unsigned char>(100, 0)));
  CHECK_THROWS_WITH(read_idx(dir / "claim.gz"), Catch::Contains("truncated"));
}

TEST_CASE("read_idx: cut and damaged gzip streams throw IoError") {
  TempDir dir;
  manual_seed(1);
  write_idx(dir / "ok.gz", randint(0, 256, {40, 40}));
  const auto gz = xg::testing::read_bytes(dir / "ok.gz");
  REQUIRE(gz.size() > 40);
  CHECK(read_idx(dir / "ok.gz").numel() == 1600);
  // without the 8-byte trailer (CRC and length): all data decompresses, the stream is unfinished
  xg::testing::write_bytes(dir / "notrailer.gz", {gz.begin(), gz.end() - 8});
  CHECK_THROWS_AS(read_idx(dir / "notrailer.gz"), IoError);
  xg::testing::write_bytes(dir / "half.gz", {gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2)});
  CHECK_THROWS_AS(read_idx(dir / "half.gz"), IoError);
  // a wrong CRC
  auto bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0xff;
  xg::testing::write_bytes(dir / "crc.gz", bad_crc);
  CHECK_THROWS_AS(read_idx(dir / "crc.gz"), IoError);
  // garbage in the compressed data, at several places
  for (std::size_t at : {std::size_t{12}, gz.size() / 3, gz.size() / 2, gz.size() - 12}) {
    auto damaged = gz;
    for (std::size_t k = at; k < at + 4 && k < damaged.size(); ++k) damaged[k] ^= 0x5a;
    xg::testing::write_bytes(dir / "damaged.gz", damaged);
    CHECK_THROWS_AS(read_idx(dir / "damaged.gz"), IoError);
  }
}
