// World helpers: all_gather on top of all_reduce_sum, and checkpoints that carry every rank's
// generator state (Note [Checkpoints across ranks]).
#include "xgrad/train/world.hpp"

#include <exception>
#include <optional>
#include <string>

#include "xgrad/error.hpp"
#include "xgrad/io/safetensors.hpp"
#include "xgrad/random.hpp"

namespace xg::train {

World::~World() = default;

std::vector<std::vector<double>> all_gather(World& world, const std::vector<double>& values) {
  const int n = world.size(), me = world.rank();
  XG_CHECK(n >= 1 && me >= 0 && me < n, ValueError, "all_gather: the world reports rank ", me, " of size ", n);
  std::vector<double> lengths(static_cast<std::size_t>(n), 0.0);
  lengths[static_cast<std::size_t>(me)] = double(values.size());
  world.all_reduce_sum(lengths);
  // Each rank writes its values into its own slot of zeros: x + 0 = x, so the sum is exact.
  std::vector<std::size_t> offset(static_cast<std::size_t>(n) + 1, 0);
  for (int r = 0; r < n; ++r)
    offset[r + 1] = offset[r] + static_cast<std::size_t>(lengths[static_cast<std::size_t>(r)]);
  std::vector<double> all(offset.back(), 0.0);
  std::copy(values.begin(), values.end(),
            all.begin() + static_cast<std::ptrdiff_t>(offset[static_cast<std::size_t>(me)]));
  if (!all.empty()) world.all_reduce_sum(all);
  std::vector<std::vector<double>> out(static_cast<std::size_t>(n));
  for (int r = 0; r < n; ++r)
    out[r].assign(all.begin() + static_cast<std::ptrdiff_t>(offset[r]),
                  all.begin() + static_cast<std::ptrdiff_t>(offset[r + 1]));
  return out;
}

namespace {

constexpr const char* kWorldSize = "world.size";
std::string rng_key(int rank) { return "world.rng_state." + std::to_string(rank); }

// A generator state (text) as one number per byte, and back: exact in doubles.
std::vector<double> encode(const std::string& s) {
  std::vector<double> v;
  v.reserve(s.size());
  for (unsigned char c : s) v.push_back(double(c));
  return v;
}
std::string decode(const std::vector<double>& v) {
  std::string s;
  s.reserve(v.size());
  for (double x : v) s.push_back(static_cast<char>(static_cast<unsigned char>(x)));
  return s;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const io::Checkpoint& checkpoint, World& world) {
  for (const auto& [k, v] : checkpoint.metadata)
    XG_CHECK(k.rfind("world.", 0) != 0, ValueError, "save_checkpoint: metadata key '", k,
             "' uses the prefix 'world.', reserved for the ranks' generator states");
  const auto states = all_gather(world, encode(default_generator().get_state()));
  std::exception_ptr error;
  std::vector<double> failed{0.0};
  if (world.rank() == 0) {
    try {
      io::Checkpoint ck = checkpoint;
      ck.metadata[kWorldSize] = std::to_string(world.size());
      for (int r = 0; r < world.size(); ++r) ck.metadata[rng_key(r)] = decode(states[static_cast<std::size_t>(r)]);
      io::save_checkpoint(path, ck);
    } catch (...) {
      error = std::current_exception();
      failed[0] = 1.0;
    }
  }
  // Doubles as a barrier: no rank returns (and maybe reads the file) before rank 0 has written it.
  world.all_reduce_sum(failed);
  if (error) std::rethrow_exception(error);
  XG_CHECK(failed[0] == 0.0, IoError, "save_checkpoint: rank 0 failed to write '", path.string(), "' (see its error)");
}

nn::LoadStateDictResult load_checkpoint(const std::filesystem::path& path, io::Checkpoint& into, const World& world,
                                        const io::CheckpointLoadOptions& options) {
  // Validate this rank's generator state before anything is loaded (all or nothing).
  std::optional<Generator> rng;
  if (options.restore_rng_state) {
    const io::Metadata meta = io::load_safetensors_metadata(path);
    auto size = meta.find(kWorldSize);
    XG_CHECK(size != meta.end(), ValueError, "load_checkpoint: '", path.string(),
             "' holds no per-rank generator states (it was not saved by xg::train::save_checkpoint with a World); "
             "load it with restore_rng_state = false or with xg::io::load_checkpoint");
    XG_CHECK(size->second == std::to_string(world.size()), ValueError, "load_checkpoint: '", path.string(),
             "' was saved by ", size->second, " ranks, this run has ", world.size(),
             "; a bitwise resume needs the same number of ranks (pass restore_rng_state = false to resume anyway)");
    auto state = meta.find(rng_key(world.rank()));
    XG_CHECK(state != meta.end(), IoError, "load_checkpoint: '", path.string(), "' has no generator state for rank ",
             world.rank());
    rng.emplace();
    try {
      rng->set_state(state->second);
    } catch (const ValueError&) {
      throw IoError("load_checkpoint: '" + path.string() + "': the generator state of rank " +
                    std::to_string(world.rank()) + " is corrupt");
    }
  }
  auto result = io::load_checkpoint(path, into, options);
  if (rng) default_generator() = *rng;
  for (auto it = into.metadata.begin(); it != into.metadata.end();)
    it = it->first.rfind("world.", 0) == 0 ? into.metadata.erase(it) : std::next(it);
  return result;
}

}  // namespace xg::train
