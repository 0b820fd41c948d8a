// libFuzzer target for the HDF5 reader: the input is written to a temporary file and loaded.
// Any outcome but success or xg::IoError is a crash. libhdf5 itself is not instrumented, so the
// fuzzer explores its paths blindly; crashes inside libhdf5 are libhdf5's (see docs/saving.md).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <xgrad/io.hpp>
#include <xgrad/xgrad.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/xgrad-fuzz-hdf5-" + std::to_string(::getpid()) + ".h5";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    xg::io::load_hdf5(path);
    xg::io::load_hdf5_metadata(path);
  } catch (const xg::IoError&) {}
  return 0;
}
