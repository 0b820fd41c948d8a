// libFuzzer target for the safetensors reader (see docs/saving.md, "Fuzzing").
// Property checked besides the sanitizers: any input either parses or throws xg::IoError (any
// other exception escapes and is reported as a crash), and whatever parses survives a
// write/read round trip unchanged.
#include <cstdint>
#include <cstring>
#include <xgrad/io.hpp>
#include <xgrad/xgrad.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xg::io::SafetensorsContents c;
  try {
    c = xg::io::parse_safetensors(data, size, "fuzz-input");
  } catch (const xg::IoError&) { return 0; }
  for (const auto& item : c.tensors)
    if (item.key().empty()) return 0;  // readable but refused by the writer (PyTorch never makes one)
  const std::string bytes = xg::io::serialize_safetensors(c.tensors, c.metadata);
  const auto again = xg::io::parse_safetensors(bytes.data(), bytes.size(), "round-trip");
  if (again.metadata != c.metadata || again.tensors.size() != c.tensors.size()) __builtin_trap();
  for (const auto& item : c.tensors) {
    const xg::Tensor* t = again.tensors.find(item.key());
    if (!t || t->dtype() != item.value().dtype() || t->sizes() != item.value().sizes() ||
        (t->nbytes() > 0 && std::memcmp(t->data_ptr(), item.value().data_ptr(), t->nbytes()) != 0))
      __builtin_trap();
  }
  return 0;
}
