// HDF5: round trips in C++, the layout h5py sees, and corrupt files as IoErrors.
#include <catch2/catch.hpp>

#include <xgrad/io.hpp>
#include <xgrad/nn.hpp>
#include <xgrad/xgrad.hpp>

#include "data/temp_dir.hpp"
#include "io/python.hpp"

using namespace xg;
using Catch::Matchers::Contains;

namespace {
OrderedDict<std::string, Tensor> sample() {
  manual_seed(11);
  OrderedDict<std::string, Tensor> d;
  d.insert("features.0.weight", randn({3, 4}));
  d.insert("features.0.bias", randn({3}, kFloat64));
  d.insert("head.count", tensor({std::int64_t{-3}, std::int64_t{1} << 50}));
  d.insert("head.mask", tensor({true, false, true}));
  d.insert("scalar", scalar_tensor(std::int64_t{42}, kInt64));
  d.insert("empty", zeros({0, 2}));
  d.insert("transposed", randn({2, 3}).t());
  return d;
}
}  // namespace

TEST_CASE("save_hdf5 and load_hdf5: every dtype, 0-d and empty tensors round-trip; metadata too", "[io][hdf5]") {
  if (!io::hdf5_available()) {
    CHECK_THROWS_WITH(io::load_hdf5("x.h5"), Contains("no HDF5 support"));
    return;
  }
  testing::TempDir dir;
  const auto d = sample();
  io::save_hdf5(d, dir / "t.h5", {{"epoch", "7"}, {"note", "héllo"}});
  const auto got = io::load_hdf5(dir / "t.h5");
  REQUIRE(got.size() == d.size());
  for (const auto& item : d) {
    INFO(item.key());
    const Tensor* g = got.find(item.key());
    REQUIRE(g != nullptr);
    CHECK(g->dtype() == item.value().dtype());
    CHECK(g->sizes() == item.value().sizes());
    CHECK(equal(*g, item.value()));
  }
  CHECK(io::load_hdf5_metadata(dir / "t.h5") == io::Metadata{{"epoch", "7"}, {"note", "héllo"}});
}

TEST_CASE("save_hdf5: names that cannot become groups are ValueErrors and leave no file", "[io][hdf5]") {
  if (!io::hdf5_available()) return;
  testing::TempDir dir;
  OrderedDict<std::string, Tensor> clash;
  clash.insert("a", zeros({1}));
  clash.insert("a.b", zeros({1}));
  CHECK_THROWS_WITH(io::save_hdf5(clash, dir / "x.h5"), Contains("'a.b' needs the group '/a'"));
  OrderedDict<std::string, Tensor> clash2;
  clash2.insert("a.b", zeros({1}));
  clash2.insert("a", zeros({1}));
  CHECK_THROWS_WITH(io::save_hdf5(clash2, dir / "x.h5"), Contains("already a group"));
  OrderedDict<std::string, Tensor> bad;
  bad.insert("a..b", zeros({1}));
  CHECK_THROWS_WITH(io::save_hdf5(bad, dir / "x.h5"), Contains("empty component"));
  CHECK(std::filesystem::is_empty(dir.str()));
}

TEST_CASE("load_hdf5: a model round-trips; strict mismatches are ValueErrors naming the file", "[io][hdf5]") {
  if (!io::hdf5_available()) return;
  testing::TempDir dir;
  manual_seed(2);
  auto a = nn::Sequential(nn::Linear(3, 5), nn::BatchNorm1d(5), nn::Linear(5, 2));
  a->forward(randn({4, 3}));
  io::save_hdf5(*a, dir / "m.h5");
  auto b = nn::Sequential(nn::Linear(3, 5), nn::BatchNorm1d(5), nn::Linear(5, 2));
  io::load_hdf5(*b, dir / "m.h5");
  for (const auto& item : a->state_dict()) CHECK(equal(item.value(), b->state_dict()[item.key()]));
  auto c = nn::Sequential(nn::Linear(3, 5));
  CHECK_THROWS_WITH(io::load_hdf5(*c, dir / "m.h5"), Contains("m.h5") && Contains("unexpected keys"));
}

TEST_CASE("load_hdf5: missing, foreign, truncated and corrupted files are IoErrors", "[io][hdf5]") {
  if (!io::hdf5_available()) return;
  testing::TempDir dir;
  CHECK_THROWS_WITH(io::load_hdf5(dir / "none.h5"), Contains("no such file"));
  testing::write_text(dir / "text.h5", "this is not HDF5 at all, just some text");
  CHECK_THROWS_WITH(io::load_hdf5(dir / "text.h5"), Contains("text.h5") && Contains("not an HDF5 file"));
  io::save_hdf5(sample(), dir / "ok.h5");
  const auto bytes = testing::read_bytes(dir / "ok.h5");
  for (std::size_t len : {std::size_t{0}, std::size_t{8}, std::size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    INFO(len);
    testing::write_bytes(dir / "cut.h5", {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len)});
    CHECK_THROWS_AS(io::load_hdf5(dir / "cut.h5"), IoError);
  }
  // Flipping bytes after the signature: whatever the library makes of it, never a crash, and
  // failures are IoErrors.
  int failures = 0;
  for (std::size_t pos = 8; pos < bytes.size(); pos += 97) {
    auto bad = bytes;
    bad[pos] ^= 0x5a;
    testing::write_bytes(dir / "bad.h5", bad);
    try {
      io::load_hdf5(dir / "bad.h5");
    } catch (const IoError&) { ++failures; }
  }
  CHECK(failures > 0);
}

TEST_CASE("save_hdf5: h5py reads the datasets, groups, dtypes and attributes; xgrad reads h5py's files",
          "[io][hdf5][python]") {
  if (!io::hdf5_available()) return;
  const auto python = testing::python_with("h5py, numpy");
  if (!python) {
    WARN("skipped: no python3 with h5py (python3-h5py)");
    return;
  }
  testing::TempDir dir;
  io::save_hdf5(sample(), dir / "x.h5", {{"epoch", "7"}});
  testing::write_text(dir / "check.py", R"PY(
import sys, h5py, numpy as np
d = sys.argv[1]
with h5py.File(d + '/x.h5', 'r') as f:
    assert f.attrs['epoch'] == '7', f.attrs['epoch']
    w = f['features/0/weight']
    assert w.shape == (3, 4) and w.dtype == np.float32 and w.attrs['dtype'] == 'float32'
    assert f['features/0/bias'].dtype == np.float64
    assert f['head/count'].dtype == np.int64 and list(f['head/count'][()]) == [-3, 1 << 50]
    m = f['head/mask'][()]
    assert m.dtype == np.bool_ and list(m) == [True, False, True], m
    assert f['scalar'].shape == () and f['scalar'][()] == 42
    assert f['empty'].shape == (0, 2)
    assert np.array_equal(f['transposed'][()], f['transposed'][()].T.T)
    assert f['transposed'].shape == (3, 2)
with h5py.File(d + '/from_h5py.h5', 'w') as f:
    f['flat.name'] = np.arange(6, dtype=np.float32).reshape(2, 3)
    f['grp/half'] = np.array([1.5, -2.0], dtype=np.float16)
    f['grp/i32'] = np.array([7, -8], dtype=np.int32)
    f['grp/flags'] = np.array([False, True])
    f['grp/sub/d'] = np.float64(3.25)
    f.attrs['source'] = 'h5py'
)PY");
  std::string args = "'";
  args.append(dir.str()).append("'");
  const int code = testing::run_python(*python, dir / "check.py", args, dir / "log.txt");
  const auto log = testing::read_bytes(dir / "log.txt");
  INFO("python output:\n" << std::string(log.begin(), log.end()));
  REQUIRE(code == 0);
  const auto got = io::load_hdf5(dir / "from_h5py.h5");
  CHECK(got.keys() == std::vector<std::string>{"flat.name", "grp.flags", "grp.half", "grp.i32", "grp.sub.d"});
  CHECK(equal(got["flat.name"], arange(6, kFloat32).reshape({2, 3})));
  CHECK(got["grp.half"].to_vector<float>() == std::vector<float>{1.5f, -2.0f});
  CHECK(got["grp.i32"].to_vector<std::int64_t>() == std::vector<std::int64_t>{7, -8});
  CHECK(got["grp.flags"].to_vector<bool>() == std::vector<bool>{false, true});
  CHECK(got["grp.sub.d"].dim() == 0);
  CHECK(got["grp.sub.d"].item<double>() == 3.25);
  CHECK(io::load_hdf5_metadata(dir / "from_h5py.h5") == io::Metadata{{"source", "h5py"}});
}
