// safetensors: the exact bytes the reference library writes, round trips of every dtype, and a
// hardened reader (every defect is an IoError naming the file, never a crash or a huge allocation).
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <xgrad/io.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/xgrad.hpp>

#include "data/temp_dir.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {

std::string header_of(const std::string& bytes) {
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return bytes.substr(8, n);
}

// A file image with the given header text (unpadded) and `data_bytes` zero bytes of data.
std::string image(const std::string& header, std::size_t data_bytes) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + std::string(data_bytes, '\0');
}

std::string parse_error(const std::string& bytes) {
  try {
    io::parse_safetensors(bytes.data(), bytes.size(), "bad.safetensors");
  } catch (const IoError& e) { return e.what(); }
  return "no error";
}

}  // namespace

TEST_CASE("save_safetensors: bytes are those the safetensors library writes", "[io]") {
  OrderedDict<std::string, Tensor> d;
  d.insert("b", tensor({1.0f, 2.0f}));
  d.insert("c", tensor({true, false, true}));
  d.insert("a", tensor({std::int64_t{7}}));
  const std::string bytes = io::serialize_safetensors(d);
  // Data sorted by descending dtype (I64, F64, F32, BOOL) then by name; header padded to 8 bytes.
  const std::string expected_header =
      R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},)"
      R"("c":{"dtype":"BOOL","shape":[3],"data_offsets":[16,19]}})";
  const std::string header = header_of(bytes);
  CHECK(header.size() % 8 == 0);
  CHECK(header.substr(0, expected_header.size()) == expected_header);
  CHECK(header.find_first_not_of(' ', expected_header.size()) == std::string::npos);
  REQUIRE(bytes.size() == 8 + header.size() + 19);
  const char* data = bytes.data() + 8 + header.size();
  std::int64_t a;
  float b[2];
  std::memcpy(&a, data, 8);
  std::memcpy(b, data + 8, 8);
  CHECK(a == 7);
  CHECK(b[0] == 1.0f);
  CHECK(b[1] == 2.0f);
  CHECK(std::string(data + 16, 3) == std::string("\1\0\1", 3));
}

TEST_CASE("save_safetensors: metadata goes first in the header, keys sorted", "[io]") {
  OrderedDict<std::string, Tensor> d;
  d.insert("w", zeros({0}));
  const std::string header = header_of(io::serialize_safetensors(d, {{"z", "1"}, {"format", "pt"}}));
  CHECK(header.rfind(R"({"__metadata__":{"format":"pt","z":"1"},"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})",
                     0) == 0);
}

TEST_CASE("safetensors: every dtype, 0-d, empty and non-contiguous tensors round-trip through a file", "[io]") {
  testing::TempDir dir;
  OrderedDict<std::string, Tensor> d;
  manual_seed(3);
  d.insert("f32", randn({3, 4}));
  d.insert("f64", randn({2, 2, 2}, kFloat64));
  d.insert("i64", tensor({std::int64_t{-5}, std::int64_t{1} << 40, std::int64_t{3}}));
  d.insert("bool", tensor({true, false, false, true}));
  d.insert("scalar", scalar_tensor(2.5, kFloat64));
  d.insert("empty", zeros({2, 0, 3}));
  d.insert("transposed", randn({3, 5}).t());
  d.insert("layer.0.weight", randn({1}));
  const auto path = dir / "all.safetensors";
  io::save_safetensors(d, path, {{"epoch", "3"}});
  const auto c = io::read_safetensors(path);
  CHECK(c.metadata == io::Metadata{{"epoch", "3"}});
  REQUIRE(c.tensors.size() == d.size());
  for (const auto& item : d) {
    const Tensor& got = c.tensors[item.key()];
    INFO(item.key());
    CHECK(got.dtype() == item.value().dtype());
    CHECK(got.sizes() == item.value().sizes());
    CHECK(equal(got, item.value()));
  }
  CHECK(io::load_safetensors_metadata(path) == io::Metadata{{"epoch", "3"}});
}

TEST_CASE("save_safetensors: bad names and undefined tensors are ValueErrors and leave no file", "[io]") {
  testing::TempDir dir;
  OrderedDict<std::string, Tensor> d;
  d.insert("__metadata__", zeros({1}));
  CHECK_THROWS_AS(io::save_safetensors(d, dir / "x.safetensors"), ValueError);
  OrderedDict<std::string, Tensor> u;
  u.insert("w", Tensor());
  CHECK_THROWS_WITH(io::save_safetensors(u, dir / "x.safetensors"), Contains("'w' is undefined"));
  CHECK(std::filesystem::is_empty(dir.str()));
}

TEST_CASE("load_safetensors: narrower file dtypes are widened (F16, BF16 to float32; I32, U8 to int64)", "[io]") {
  // Hand-made: F16 [1.0, -2.5, 65504, 2^-24], BF16 [1.0, -3.0], I32 [-7], U8 [255].
  const std::string header =
      R"({"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},)"
      R"("i":{"dtype":"I32","shape":[1],"data_offsets":[12,16]},"u":{"dtype":"U8","shape":[1],"data_offsets":[16,17]}})";
  std::string bytes = image(header, 0);
  const unsigned char data[] = {0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x01, 0x00,  // F16
                                0x80, 0x3f, 0x40, 0xc0,                          // BF16
                                0xf9, 0xff, 0xff, 0xff,                          // I32 -7
                                0xff};                                           // U8 255
  bytes.append(reinterpret_cast<const char*>(data), sizeof data);
  const auto c = io::parse_safetensors(bytes.data(), bytes.size());
  CHECK(c.tensors["h"].to_vector<float>() == std::vector<float>{1.0f, -2.5f, 65504.0f, 0x1p-24f});
  CHECK(c.tensors["b"].to_vector<float>() == std::vector<float>{1.0f, -3.0f});
  CHECK(c.tensors["i"].to_vector<std::int64_t>() == std::vector<std::int64_t>{-7});
  CHECK(c.tensors["u"].to_vector<std::int64_t>() == std::vector<std::int64_t>{255});
}

TEST_CASE("load_safetensors: each kind of corrupt file is an IoError naming the file and the defect", "[io]") {
  const std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  CHECK(parse_error(image(ok, 8)) == "no error");
  CHECK_THAT(parse_error("abc"), Contains("bad.safetensors") && Contains("too short"));
  std::string huge(8, '\0');
  huge[5] = 0x10;  // 2^44
  CHECK_THAT(parse_error(huge + "{}"), Contains("exceeds the limit"));
  std::string longer = image(ok, 8);
  longer[0] = static_cast<char>(0xf0);
  CHECK_THAT(parse_error(longer), Contains("larger than the rest of the file"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32",)", 0)), Contains("not valid JSON"));
  CHECK_THAT(parse_error(image("[1, 2]  ", 0)), Contains("not a JSON object"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}})", 2)),
             Contains("tensor 'w'") && Contains("unknown or unsupported dtype \"F8\""));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8)),
             Contains("non-negative"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", 8)),
             Contains("go past the end"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8)),
             Contains("span 8 bytes but shape [3] of F32 needs 12"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8)),
             Contains("end before"));
  CHECK_THAT(parse_error(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                               8)),
             Contains("overlaps"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8)), Contains("gap"));
  CHECK_THAT(parse_error(image(ok, 12)), Contains("trailing"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8)),
             Contains("too many elements"));
  CHECK_THAT(parse_error(image(R"({"__metadata__":{"a":1}})", 0)), Contains("not a string"));
  CHECK_THAT(parse_error(image(R"({"w":[0, 8]})", 0)), Contains("must be an object"));
  CHECK_THAT(parse_error(image(R"({"w":{"dtype":"F32","shape":[2]}})", 0)), Contains("data_offsets"));
}

TEST_CASE("load_safetensors: every truncation of a valid file is an IoError", "[io]") {
  OrderedDict<std::string, Tensor> d;
  d.insert("w", ones({3, 2}));
  d.insert("n", tensor({std::int64_t{1}, std::int64_t{2}}));
  const std::string bytes = io::serialize_safetensors(d, {{"k", "v"}});
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    INFO(len);
    CHECK_THROWS_AS(io::parse_safetensors(bytes.data(), len), IoError);
  }
  CHECK(io::parse_safetensors(bytes.data(), bytes.size()).tensors.size() == 2);
}

TEST_CASE("load_safetensors: a missing file or a directory is an IoError naming it", "[io]") {
  testing::TempDir dir;
  CHECK_THROWS_WITH(io::load_safetensors(dir / "nope.safetensors"),
                    Contains("nope.safetensors") && Contains("no such file"));
  CHECK_THROWS_WITH(io::load_safetensors(dir.str()), Contains("not a regular file"));
}

TEST_CASE("atomic_write: a failing writer leaves the old file and no temporary behind", "[io]") {
  testing::TempDir dir;
  const auto path = dir / "f.txt";
  io::atomic_write(path, [](std::ostream& os) { os << "old"; });
  CHECK_THROWS_AS(io::atomic_write(path,
                                   [](std::ostream& os) {
                                     os << "partial";
                                     throw ValueError("stop");
                                   }),
                  ValueError);
  auto bytes = testing::read_bytes(path);
  CHECK(std::string(bytes.begin(), bytes.end()) == "old");
  CHECK(std::distance(std::filesystem::directory_iterator(dir.str()), std::filesystem::directory_iterator()) == 1);
  io::atomic_write(path, [](std::ostream& os) { os << "new"; });
  bytes = testing::read_bytes(path);
  CHECK(std::string(bytes.begin(), bytes.end()) == "new");
  CHECK_THROWS_WITH(io::atomic_write(dir / "no/such/dir/f", [](std::ostream&) {}), Contains("does not exist"));
}

namespace {
nn::Sequential small_net() {
  return nn::Sequential(nn::Linear(4, 8), nn::BatchNorm1d(8), nn::ReLU(), nn::Linear(8, 3));
}
}  // namespace

TEST_CASE("io::save and io::load: a model with buffers round-trips exactly", "[io]") {
  testing::TempDir dir;
  manual_seed(1);
  auto a = small_net();
  a->train();
  a->forward(randn({5, 4}));  // moves the running statistics away from their initial values
  io::save(*a, dir / "m.safetensors");
  auto b = small_net();
  const auto result = io::load(*b, dir / "m.safetensors");
  CHECK(result.missing_keys.empty());
  CHECK(result.unexpected_keys.empty());
  const auto sa = a->state_dict(), sb = b->state_dict();
  REQUIRE(sa.keys() == sb.keys());
  CHECK(sa.keys() == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                              "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"});
  for (const auto& item : sa) CHECK(equal(item.value(), sb[item.key()]));
  CHECK(sb["1.num_batches_tracked"].item<std::int64_t>() == 1);
}

TEST_CASE("io::load: strict loads report every mismatch at once; non-strict loads return the keys", "[io]") {
  testing::TempDir dir;
  auto a = nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
  io::save(*a, dir / "m.safetensors");
  auto b = nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 3), nn::Linear(3, 1));
  try {
    io::load(*b, dir / "m.safetensors");
    FAIL("no error");
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("m.safetensors") && Contains("size mismatch for '2.weight'") &&
                        Contains("missing keys: '3.weight', '3.bias'"));
  }
  auto c = nn::Sequential(nn::Linear(4, 8));
  const auto r = io::load(*c, dir / "m.safetensors", /*strict=*/false);
  CHECK(r.unexpected_keys.size() == 2);
  CHECK(equal(c->named_parameters()["0.weight"], a->named_parameters()["0.weight"]));
  // A float64 file into a float32 model is cast, strict or not (as PyTorch's load_state_dict).
  auto d = nn::Sequential(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2));
  d->to(kFloat64);
  io::save(*d, dir / "d.safetensors");
  io::load(*a, dir / "d.safetensors");
  CHECK(a->named_parameters()["0.weight"].dtype() == kFloat32);
  CHECK(allclose(a->named_parameters()["0.weight"], d->named_parameters()["0.weight"].to(kFloat32)));
}
