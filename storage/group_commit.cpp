#include "storage/group_commit.hpp"

#include <algorithm>
#include <chrono>

#include "common/disk_full_count.hpp"
#include "common/logging.hpp"
#include "storage/partition.hpp"

namespace pinpipe::storage {
namespace {

// Adaptive linger when flush_max_delay_us is 0.
constexpr std::chrono::microseconds linger_gap{100};
constexpr std::chrono::microseconds linger_max{1000};

} // namespace

void group_committer::start() {
  thread_ = std::thread([this] { loop(); });
}

void group_committer::enqueue(pending_ack a) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!stop_) {
      queue_.push_back(std::move(a));
      cv_.notify_one();
      return;
    }
  }
  // The flusher is gone (log closing): sync here.
  if (auto r = a.part->sync(); !r) a.res.st = r.error();
  if (a.cb && a.res.st.code() == errc::disk_full) {
    ++disk_full_errors_;
    ++disk_full_refusals();
  }
  if (a.cb) a.cb(std::move(a.res));
}

void group_committer::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// One fdatasync per distinct partition of `batch`, then every callback. Concurrent commits
// of the same partition are safe: each ack is in exactly one batch, and its bytes were
// written before it was put there.
void group_committer::commit(std::vector<pending_ack>& batch) {
  ++flush_rounds_;
  std::vector<std::pair<partition*, status>> synced;
  for (const auto& a : batch) {
    auto* p = a.part.get();
    if (std::any_of(synced.begin(), synced.end(), [p](const auto& s) { return s.first == p; })) {
      continue;
    }
    auto r = p->sync();
    ++fsyncs_;
    synced.emplace_back(p, r.ok() ? status::success() : r.error());
    if (!r) logging::get("storage")->error("group commit: {}", r.error().to_string());
  }
  for (auto& a : batch) {
    // Appends that rolled meanwhile left sealed segments to fsync: once more.
    if (a.part->take_sync_request()) enqueue(pending_ack{a.part, produce_result{}, nullptr});
    if (!a.cb) continue; // a sync of sealed segments only
    for (const auto& s : synced) {
      if (s.first == a.part.get() && !s.second.ok()) a.res.st = s.second;
    }
    if (a.res.st.code() == errc::disk_full) {
      ++disk_full_errors_;
      ++disk_full_refusals();
    }
    ++synced_batches_;
    a.cb(std::move(a.res));
  }
}

void group_committer::loop() {
  std::vector<pending_ack> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lk{mtx_};
      cv_.wait(lk, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty() && stop_) return;
      if (flush_max_delay_us_ > 0 && !stop_) {
        lk.unlock();
        std::this_thread::sleep_for(std::chrono::microseconds(flush_max_delay_us_));
        lk.lock();
      } else if (!stop_) {
        // Adaptive linger: while acks=all batches keep arriving (a burst of pipelined
        // requests still being read by the node's transport thread), let them join this
        // fsync: wait up to linger_gap for each next one, linger_max in all. A lone
        // request waits linger_gap once.
        const auto deadline = std::chrono::steady_clock::now() + linger_max;
        size_t seen = queue_.size();
        while (!stop_ && std::chrono::steady_clock::now() < deadline) {
          cv_.wait_for(lk, linger_gap, [&] { return stop_ || queue_.size() != seen; });
          if (queue_.size() == seen) break;
          seen = queue_.size();
        }
      }
      batch.swap(queue_);
    }
    commit(batch);
    batch.clear();
  }
}

} // namespace pinpipe::storage
