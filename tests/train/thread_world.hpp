// An in-process World for tests: n ranks are n threads of this process that meet in a shared hub
// for each collective (sums are taken in rank order, so every rank gets the same bits).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "xgrad/error.hpp"
#include "xgrad/train/world.hpp"

namespace xg::testing {

class ThreadHub {
 public:
  explicit ThreadHub(int n) : n_(n), slots_(static_cast<std::size_t>(n)) {}
  int size() const { return n_; }
  /// Every rank's vector, once all n ranks have called it (a reusable rendezvous: a round's result
  /// is only replaced when all ranks arrived for the next round, i.e. after they all read it).
  std::vector<std::vector<double>> exchange(int rank, const std::vector<double>& values) {
    std::unique_lock<std::mutex> lock(mutex_);
    slots_[static_cast<std::size_t>(rank)] = values;
    const std::uint64_t round = round_;
    if (++arrived_ == n_) {
      result_ = slots_;
      arrived_ = 0;
      ++round_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return round_ != round; });
    }
    return result_;
  }

 private:
  int n_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::vector<double>> slots_, result_;
  int arrived_ = 0;
  std::uint64_t round_ = 0;
};

class ThreadWorld final : public train::World {
 public:
  ThreadWorld(std::shared_ptr<ThreadHub> hub, int rank) : hub_(std::move(hub)), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_->size(); }
  void all_reduce_sum(std::vector<double>& values) override {
    ++collectives;
    const auto all = hub_->exchange(rank_, values);
    for (const auto& v : all)
      XG_CHECK(v.size() == values.size(), ValueError, "ThreadWorld: all_reduce_sum of lengths ", values.size(), " and ",
               v.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      double s = 0;
      for (const auto& v : all) s += v[i];
      values[i] = s;
    }
  }
  void broadcast(std::vector<double>& values, int root) override {
    ++collectives;
    const auto all = hub_->exchange(rank_, values);
    XG_CHECK(all[static_cast<std::size_t>(root)].size() == values.size(), ValueError,
             "ThreadWorld: broadcast of lengths ", values.size(), " and ", all[static_cast<std::size_t>(root)].size());
    values = all[static_cast<std::size_t>(root)];
  }
  std::int64_t collectives = 0;

 private:
  std::shared_ptr<ThreadHub> hub_;
  int rank_;
};

/// Runs body(rank, world) on n threads, one per rank, and rethrows the first rank's exception.
inline void run_ranks(int n, const std::function<void(int, const std::shared_ptr<ThreadWorld>&)>& body) {
  auto hub = std::make_shared<ThreadHub>(n);
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r)
    threads.emplace_back([&, r] {
      try {
        body(r, std::make_shared<ThreadWorld>(hub, r));
      } catch (...) { errors[static_cast<std::size_t>(r)] = std::current_exception(); }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace xg::testing
