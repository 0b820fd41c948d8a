// Shapes whose element count, strides or byte count do not fit in 64 bits, and allocations the
// machine cannot satisfy: every one is a typed error naming the op and the shape (Note [Checked
// shape arithmetic] in lib/core/tensor_impl.hpp), never a tensor with a wrapped element count.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "data/temp_dir.hpp"
#include "xgrad/data.hpp"
#include "xgrad/io.hpp"
#include "xgrad/xgrad.hpp"

using namespace xg;
using Catch::Contains;

namespace {
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// A safetensors file: 8-byte little-endian header length, the JSON header, then `data_bytes` zeros.
std::vector<unsigned char> safetensors_bytes(const std::string& header, std::size_t data_bytes) {
  std::vector<unsigned char> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>((header.size() >> (8 * i)) & 0xff);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data_bytes, 0);
  return out;
}
}  // namespace

TEST_CASE("factories: a shape whose element count overflows int64 is a ValueError naming the op", "[core][overflow]") {
  CHECK_THROWS_MATCHES(zeros({std::int64_t{1} << 32, std::int64_t{1} << 32}), ValueError,
                       Catch::Matchers::Predicate<ValueError>([](const ValueError& e) {
                         const std::string m = e.what();
                         return m.rfind("zeros: shape [4294967296, 4294967296]", 0) == 0 &&
                                m.find("too many elements") != std::string::npos;
                       }));
  CHECK_THROWS_WITH(ones({std::int64_t{1} << 62, 4}), Contains("ones: shape [4611686018427387904, 4]"));
  CHECK_THROWS_WITH(zeros({kMax, 2}), Contains("zeros: shape [9223372036854775807, 2]"));
  CHECK_THROWS_AS(empty({kMax, kMax}), ValueError);
  CHECK_THROWS_WITH(full({kMax, 3}, 1.0), Contains("full: shape"));
  CHECK_THROWS_WITH(randn({std::int64_t{1} << 40, std::int64_t{1} << 40}), Contains("randn: shape"));
  CHECK_THROWS_WITH(rand({std::int64_t{1} << 40, std::int64_t{1} << 40}), Contains("rand: shape"));
  CHECK_THROWS_WITH(randint(0, 3, {std::int64_t{1} << 40, std::int64_t{1} << 40}), Contains("randint: shape"));
  CHECK_THROWS_WITH(eye(std::int64_t{1} << 40, std::int64_t{1} << 40), Contains("eye: shape"));
  // The strides overflow even when a zero size makes the count 0.
  CHECK_THROWS_WITH(zeros({0, std::int64_t{1} << 62, 4}), Contains("zeros: shape [0, 4611686018427387904, 4]"));
  // Legitimately empty tensors with large sizes still work.
  CHECK(zeros({0, std::int64_t{1} << 40}).numel() == 0);
  CHECK(zeros({std::int64_t{1} << 40, 0}).numel() == 0);
}

TEST_CASE("factories: an allocation that cannot succeed is an OutOfMemoryError stating the bytes", "[core][overflow]") {
  // 2^40 float32 elements = 4 TiB: more than any test machine has.
  CHECK_THROWS_MATCHES(zeros({std::int64_t{1} << 40}), OutOfMemoryError,
                       Catch::Matchers::Predicate<OutOfMemoryError>([](const OutOfMemoryError& e) {
                         const std::string m = e.what();
                         return m.rfind("zeros: out of memory: cannot allocate 4.00 TiB (4398046511104 bytes)", 0) ==
                                    0 &&
                                m.find("float32 tensor of shape [1099511627776]") != std::string::npos;
                       }));
  CHECK_THROWS_WITH(linspace(0, 1, std::int64_t{1} << 40),
                    Contains("linspace: out of memory") && Contains("4398046511104 bytes"));
  CHECK_THROWS_AS(empty({std::int64_t{1} << 40}, kFloat64), OutOfMemoryError);
  // Elements fit in int64 but bytes do not: still the op's OutOfMemoryError.
  CHECK_THROWS_WITH(empty({std::int64_t{1} << 62}, kFloat64), Contains("empty: out of memory"));
  CHECK_THROWS_WITH(randperm(std::int64_t{1} << 60), Contains("randperm: out of memory"));
  // It is an xg::Error like every other error.
  CHECK_THROWS_AS(zeros({std::int64_t{1} << 40}), Error);
}

TEST_CASE("arange: a range with more elements than int64 can count says so", "[core][overflow]") {
  CHECK_THROWS_WITH(arange(0, 1e30), "arange: 1e+30 elements is too many (the range from 0 to 1e+30 with step 1)");
  CHECK_THROWS_WITH(arange(0.0, 1.0, 1e-30), Contains("arange: 1e+30 elements is too many"));
  CHECK_THROWS_WITH(arange(0.0, std::numeric_limits<double>::infinity()),
                    Contains("arange: start, end and step must be finite"));
  CHECK_THROWS_AS(arange(0.0, std::nan(""), 1.0), ValueError);
  // 10^13 elements fit in int64 but not in memory.
  CHECK_THROWS_WITH(arange(0, 1e13), Contains("arange: out of memory"));
  CHECK(arange(0, 5).numel() == 5);
}

TEST_CASE("views: reshape, view and expand check the element count of the new shape", "[core][overflow]") {
  const Tensor e = zeros({0});
  // [2^62, 4] wraps to 0 elements: it must not pass as a shape for an empty tensor.
  CHECK_THROWS_WITH(e.reshape({std::int64_t{1} << 62, 4}), Contains("reshape: shape [4611686018427387904, 4]"));
  CHECK_THROWS_WITH(e.view({std::int64_t{1} << 32, std::int64_t{1} << 32}), Contains("view: shape"));
  CHECK_THROWS_AS(e.reshape({-1, std::int64_t{1} << 62, 4}), Error);
  CHECK(e.reshape({0, std::int64_t{1} << 40}).numel() == 0);
  const Tensor one = ones({1, 1});
  CHECK_THROWS_WITH(one.expand({std::int64_t{1} << 32, std::int64_t{1} << 32}),
                    Contains("expand: shape [4294967296, 4294967296] has too many elements"));
  CHECK_THROWS_WITH(one.expand({-5, 3}), Contains("expand: invalid size -5"));
  // A large expand that fits is a view of one element.
  const Tensor big = one.expand({std::int64_t{1} << 31, std::int64_t{1} << 31});
  CHECK(big.numel() == std::int64_t{1} << 62);
  CHECK(big.select(0, 1000).select(0, 7).item<float>() == 1.0f);
}

TEST_CASE("from_blob: strides whose extent overflows are a ValueError", "[core][overflow]") {
  float x = 1;
  CHECK_THROWS_WITH(from_blob(&x, {kMax, 2}, {1, 1}, kFloat32), Contains("from_blob"));
  CHECK_THROWS_WITH(from_blob(&x, {3, 3}, {kMax, 1}, kFloat32), Contains("from_blob: shape [3, 3] with strides"));
  CHECK(from_blob(&x, {1}, kFloat32).item<float>() == 1.0f);
}

TEST_CASE("conv and pool: hyper-parameters that overflow the output size are errors, not garbage", "[core][overflow]") {
  const Tensor x = ones({1, 1, 4, 4}), w = ones({1, 1, 3, 3});
  // padding 2^62: the padded size overflows int64 in 64-bit arithmetic.
  CHECK_THROWS_WITH(conv2d(x, w, {}, 1, std::int64_t{1} << 62), Contains("conv2d: the output size overflows"));
  CHECK_THROWS_AS(conv2d(x, w, {}, 1, kMax / 2), ValueError);
  // A huge dilation makes the kernel larger than any input (instead of wrapping to a small one).
  CHECK_THROWS_WITH(conv2d(x, w, {}, 1, 0, std::int64_t{1} << 62), Contains("is larger than the padded input"));
  CHECK_THROWS_AS(conv_transpose2d(x, w, {}, kMax / 2), Error);
  CHECK_THROWS_AS(max_pool2d(x, 2, 1, 0, std::int64_t{1} << 62), ShapeError);
  CHECK_THROWS_AS(max_pool2d(x, kMax, 1), ShapeError);
  CHECK(conv2d(x, w, {}, 1, 1).sizes() == Shape{1, 1, 4, 4});
}

TEST_CASE("safetensors: a header whose shape overflows is rejected as an IoError", "[core][overflow][io]") {
  testing::TempDir dir;
  const std::string headers[] = {
      R"({"t":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})",
      R"({"t":{"dtype":"F32","shape":[9223372036854775807,2],"data_offsets":[0,0]}})",
      R"({"t":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,0]}})",
      // zero elements, but strides beyond int64
      R"({"t":{"dtype":"F32","shape":[0,4611686018427387904,4],"data_offsets":[0,0]}})",
  };
  for (const auto& h : headers) {
    const std::string path = dir / "bad.safetensors";
    testing::write_bytes(path, safetensors_bytes(h, 0));
    CHECK_THROWS_AS(io::load_safetensors(path), IoError);
    const auto bytes = safetensors_bytes(h, 0);
    CHECK_THROWS_WITH(io::parse_safetensors(bytes.data(), bytes.size()), Contains("too many elements"));
  }
}

TEST_CASE("read_idx: a header whose strides overflow is rejected as an IoError", "[core][overflow][io]") {
  testing::TempDir dir;
  // ubyte, 4 dimensions: 0, then three of 2^31 - 1 (zero elements, strides of 2^93).
  std::vector<unsigned char> bytes = {0, 0, 0x08, 4, 0, 0, 0, 0};
  for (int i = 0; i < 3; ++i) bytes.insert(bytes.end(), {0x7f, 0xff, 0xff, 0xff});
  const std::string path = dir / "bad.idx";
  testing::write_bytes(path, bytes);
  CHECK_THROWS_WITH(data::read_idx(path), Contains("read_idx") && Contains("overflow"));
}

TEST_CASE("narrow and slice: start, length and step near INT64_MAX do not wrap", "[core][overflow]") {
  constexpr std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const Tensor x = arange(6, kFloat64).reshape({2, 3});
  // start + length used to wrap to a negative number and pass the range check
  CHECK_THROWS_AS(narrow(x, 1, 1, big), IndexError);
  CHECK_THROWS_AS(narrow(x, 1, big, 1), IndexError);
  CHECK_THROWS_WITH(narrow(x, 1, -big, 1), Catch::Contains("narrow: start -9223372036854775807 and length 1"));
  // ceil((end - start) / step) used to overflow for a huge step
  const Tensor s = slice(x, 1, 0, 3, big);
  REQUIRE(s.shape() == Shape{2, 1});
  CHECK(s.select(0, 1).item<double>() == 3.0);
  CHECK(slice(x, 1, 1, 3, big - 1).shape() == Shape{2, 1});
  CHECK(slice(x, 1, 3, 3, big).shape() == Shape{2, 0});
}
