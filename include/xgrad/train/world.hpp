// xgrad — the ranks a training run is spread over, as fit() and evaluate() see them: a World
// tells this process's rank and the number of ranks, and sums or broadcasts a few numbers across
// them. The training toolkit needs nothing more to average losses and metrics, keep callbacks'
// decisions identical and write files on rank 0 only. xg::distributed::train_world() is the MPI
// World; tests use in-process ones. Null means one process.
//
//   auto world = xg::distributed::train_world();                  // after xg::distributed::init()
//   xg::train::fit(ddp_model, ce, opt, loader, {.epochs = 5, .world = world});
//   xg::train::save_checkpoint("ckpt.safetensors", {.model = net.get(), .optimizer = &opt}, *world);
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "xgrad/io/checkpoint.hpp"
#include "xgrad/export.hpp"

XGRAD_API_BEGIN

namespace xg::train {

/// The group of processes a run is spread over (one rank each). Every method except rank() and
/// size() is collective: every rank must call it, in the same order, with vectors of the same
/// length. Implementations must make all_reduce_sum's result identical on every rank.
///
///   struct Solo : xg::train::World {   // the trivial world of one
///     int rank() const override { return 0; }
///     int size() const override { return 1; }
///     void all_reduce_sum(std::vector<double>&) override {}
///     void broadcast(std::vector<double>&, int) override {}
///   };
class World {
 public:
  virtual ~World();
  /// This process's rank, 0 <= rank() < size().
  virtual int rank() const = 0;
  /// The number of ranks.
  virtual int size() const = 0;
  /// Replaces `values`, on every rank, by their elementwise sum over the ranks.
  virtual void all_reduce_sum(std::vector<double>& values) = 0;
  /// Replaces `values`, on every rank, by rank `root`'s.
  virtual void broadcast(std::vector<double>& values, int root) = 0;
};

/// Every rank's `values` in rank order, on every rank; lengths may differ between ranks. Two
/// all_reduce_sum calls (the lengths, then the values zero-padded into each rank's slot, so the
/// sums are exact).
///   auto all = xg::train::all_gather(world, {double(local_count)});   // all[r][0]: rank r's count
std::vector<std::vector<double>> all_gather(World& world, const std::vector<double>& values);

/// True for rank 0 or without a world (one process): the rank that prints and writes files.
inline bool is_rank_zero(const World* world) { return world == nullptr || world->rank() == 0; }

// ---- checkpoints across ranks ------------------------------------------------------------------

// Note [Checkpoints across ranks]
// Under data parallelism every rank holds the same parameters, optimizer state and scheduler
// state (DDP keeps them bitwise equal), but not the same random generator: each rank should draw
// its own dropout masks and augmentations, so xg::default_generator() differs per rank (seed it
// e.g. with seed + rank). A checkpoint written by rank 0 alone would carry rank 0's generator, and
// every rank resuming from it would then draw rank 0's numbers: the run would no longer repeat
// the uninterrupted one. So save_checkpoint gathers every rank's generator state into the file's
// metadata ("world.size", "world.rng_state.<r>") and load_checkpoint restores, on each rank, that
// rank's own state. A run saved at N ranks therefore resumes bitwise at N ranks. Resuming at
// another number of ranks is possible with restore_rng_state = false (the data shards, the
// generators and the effective batch change, so it cannot be bitwise anyway).

/// Saves a checkpoint of a run over `world` (collective): rank 0 writes `path` (atomically) with its
/// model, optimizer and scheduler and every rank's generator state (Note [Checkpoints across
/// ranks]); the other ranks' `checkpoint` objects are not read. When it returns on any rank the
/// file is complete. If rank 0 cannot write, it rethrows its error and the other ranks throw
/// IoError saying rank 0 failed. Metadata keys starting with "world." are reserved.
///   xg::train::save_checkpoint("ckpt.safetensors", {.model = net.get(), .optimizer = &opt, .epoch = e + 1}, *world);
void save_checkpoint(const std::filesystem::path& path, const io::Checkpoint& checkpoint, World& world);

/// Every rank reads the checkpoint `path` (as io::load_checkpoint) and then restores its own rank's
/// generator state. Not collective (each rank reads the file on its own). ValueError when
/// restore_rng_state is set and the file was saved by a different number of ranks (naming both),
/// or holds no per-rank states.
///   io::Checkpoint ck{.model = net.get(), .optimizer = &opt};
///   xg::train::load_checkpoint("ckpt.safetensors", ck, *world);   // ck.epoch: where to resume
nn::LoadStateDictResult load_checkpoint(const std::filesystem::path& path, io::Checkpoint& into, const World& world,
                                        const io::CheckpointLoadOptions& options = {});

}  // namespace xg::train

XGRAD_API_END
