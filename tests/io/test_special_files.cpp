// Saving to paths that are not regular files (Note [Saving to special files] in lib/io/file.cpp):
// /dev/null stays a device, /dev/full reports "No space left on device" (also as root, where the
// old temporary-file-and-rename path used to succeed), a directory is an IoError, and a FIFO
// receives the bytes. The same for safetensors, HDF5, ModelCheckpoint and CSVLogger.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "data/temp_dir.hpp"
#include "train/train_helpers.hpp"
#include "xgrad/io.hpp"
#include "xgrad/optim.hpp"
#include "xgrad/train.hpp"

using namespace xg;
using Catch::Contains;

namespace {
bool is_char_device(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}
bool have(const char* path) { return is_char_device(path); }
}  // namespace

TEST_CASE("atomic_write: /dev/null is written, not replaced by a regular file", "[io][special]") {
  if (!have("/dev/null")) {
    WARN("no /dev/null: skipped");
    return;
  }
  io::atomic_write("/dev/null", [](std::ostream& os) { os << std::string(200000, 'x'); });
  CHECK(is_char_device("/dev/null"));
  nn::Linear lin(3, 2);
  io::save(*lin, "/dev/null");
  CHECK(is_char_device("/dev/null"));
  io::save_safetensors({{"w", ones({4})}}, "/dev/null");
  CHECK(is_char_device("/dev/null"));
  if (io::hdf5_available()) {
    io::save_hdf5({{"w", ones({4})}}, "/dev/null");
    CHECK(is_char_device("/dev/null"));
  }
}

TEST_CASE("atomic_write: /dev/full is an IoError with the OS reason", "[io][special]") {
  if (!have("/dev/full")) {
    WARN("no /dev/full: skipped");
    return;
  }
  CHECK_THROWS_MATCHES(io::atomic_write("/dev/full", [](std::ostream& os) { os << "abc"; }), IoError,
                       Catch::Matchers::Predicate<IoError>([](const IoError& e) {
                         return std::string(e.what()) == "cannot write '/dev/full': No space left on device";
                       }));
  // Large writes that bypass the buffer fail the same way.
  CHECK_THROWS_WITH(io::atomic_write("/dev/full", [](std::ostream& os) { os << std::string(1 << 20, 'x'); }),
                    Contains("No space left on device"));
  nn::Linear lin(3, 2);
  CHECK_THROWS_WITH(io::save(*lin, "/dev/full"), Contains("No space left on device"));
  if (io::hdf5_available()) CHECK_THROWS_WITH(io::save_hdf5(*lin, "/dev/full"), Contains("No space left on device"));
  CHECK(is_char_device("/dev/full"));
}

TEST_CASE("atomic_write: a directory is an IoError, and a regular file is still replaced atomically", "[io][special]") {
  testing::TempDir dir;
  CHECK_THROWS_WITH(io::atomic_write(dir.str(), [](std::ostream& os) { os << "x"; }), Contains("Is a directory"));
  const std::string path = dir / "f.txt";
  io::atomic_write(path, [](std::ostream& os) { os << "first"; });
  io::atomic_write(path, [](std::ostream& os) { os << "second"; });
  std::ifstream in(path);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "second");
  // No temporary file is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.str()), {}) == 1);
  CHECK_THROWS_WITH(io::atomic_write(dir / "missing/f.txt", [](std::ostream& os) { os << "x"; }),
                    Contains("does not exist"));
}

TEST_CASE("atomic_write: a FIFO receives the bytes and stays a FIFO", "[io][special]") {
  testing::TempDir dir;
  const std::string fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);
    received.assign(std::istreambuf_iterator<char>(in), {});
  });
  io::atomic_write(fifo, [](std::ostream& os) { os << "through the pipe"; });
  reader.join();
  CHECK(received == "through the pipe");
  struct stat st {};
  REQUIRE(::stat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("ModelCheckpoint and CSVLogger: special files are written directly and failures raise IoError",
          "[io][special][train]") {
  if (!have("/dev/null") || !have("/dev/full")) {
    WARN("no /dev/null or /dev/full: skipped");
    return;
  }
  data::TensorDataset set = testing::blobs(64, 1);
  data::DataLoader loader(set, {.batch_size = 32});
  nn::Sequential net = testing::small_mlp();
  nn::CrossEntropyLoss ce;
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  auto to_null = std::make_shared<train::ModelCheckpoint>("/dev/null");
  auto csv_null = std::make_shared<train::CSVLogger>("/dev/null");
  train::fit(net, ce, opt, loader, {.epochs = 2, .callbacks = {to_null, csv_null}, .verbose = 0});
  CHECK(to_null->saved().size() == 2);
  CHECK(is_char_device("/dev/null"));

  auto to_full = std::make_shared<train::ModelCheckpoint>("/dev/full");
  CHECK_THROWS_WITH(train::fit(net, ce, opt, loader, {.epochs = 1, .callbacks = {to_full}, .verbose = 0}),
                    Contains("No space left on device"));
  auto csv_full = std::make_shared<train::CSVLogger>("/dev/full");
  CHECK_THROWS_WITH(train::fit(net, ce, opt, loader, {.epochs = 1, .callbacks = {csv_full}, .verbose = 0}),
                    Contains("CSVLogger: writing '/dev/full' failed: No space left on device"));
  CHECK(is_char_device("/dev/full"));
}
