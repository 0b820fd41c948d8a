// Samplers: the Sampler base and DistributedSampler (PyTorch's arithmetic, xgrad's generator).
#include "xgrad/data/sampler.hpp"

#include <numeric>

#include "data/random_util.hpp"
#include "xgrad/error.hpp"

namespace xg::data {

Sampler::~Sampler() = default;

void Sampler::set_epoch(std::int64_t epoch) {
  XG_CHECK(epoch >= 0, ValueError, "Sampler::set_epoch: the epoch must be non-negative, got ", epoch);
  epoch_ = epoch;
}

DistributedSampler::DistributedSampler(std::int64_t dataset_size, DistributedSamplerOptions options)
    : dataset_size_(dataset_size), o_(options) {
  XG_CHECK(o_.num_replicas >= 1, ValueError, "DistributedSampler: num_replicas must be >= 1, got ", o_.num_replicas,
           " (pass the world size, or use xg::distributed::make_sampler)");
  XG_CHECK(o_.rank >= 0 && o_.rank < o_.num_replicas, ValueError, "DistributedSampler: invalid rank ", o_.rank,
           ", rank should be in the interval [0, ", o_.num_replicas - 1, "] for num_replicas = ", o_.num_replicas);
  XG_CHECK(dataset_size_ >= 0, ValueError, "DistributedSampler: the dataset size must be >= 0, got ", dataset_size_);
  // PyTorch: drop_last and N mod R != 0 → ⌈(N − R) / R⌉, which is ⌊N / R⌋ (0 when N < R);
  // otherwise ⌈N / R⌉ (with N mod R = 0 both are N / R).
  const std::int64_t n = dataset_size_, r = o_.num_replicas;
  num_samples_ = o_.drop_last ? n / r : (n + r - 1) / r;
}

DistributedSampler::DistributedSampler(const Dataset& dataset, DistributedSamplerOptions options)
    : DistributedSampler(dataset.defined() ? dataset.size() : -1, options) {
  XG_CHECK(dataset.defined(), ValueError, "DistributedSampler: the dataset is undefined");
}

std::vector<std::int64_t> DistributedSampler::indices(std::int64_t epoch) const {
  XG_CHECK(epoch >= 0, ValueError, "DistributedSampler::indices: the epoch must be non-negative, got ", epoch);
  std::vector<std::int64_t> order(static_cast<std::size_t>(dataset_size_));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  if (o_.shuffle) {
    // PyTorch seeds a fresh generator with seed + epoch; so does this (mod 2^64).
    Generator gen(o_.seed + static_cast<std::uint64_t>(epoch));
    detail::shuffle(order, gen);
  }
  const std::int64_t total = total_size();
  if (!o_.drop_last) {
    // Pad by repeating the order from its start, cycling when the shortfall exceeds N.
    for (std::int64_t i = dataset_size_; i < total; ++i)
      order.push_back(order[static_cast<std::size_t>((i - dataset_size_) % dataset_size_)]);
  } else {
    order.resize(static_cast<std::size_t>(total));
  }
  std::vector<std::int64_t> mine;
  mine.reserve(static_cast<std::size_t>(num_samples_));
  for (std::int64_t i = o_.rank; i < total; i += o_.num_replicas) mine.push_back(order[static_cast<std::size_t>(i)]);
  return mine;
}

}  // namespace xg::data
