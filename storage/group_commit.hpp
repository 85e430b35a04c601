// Group commit of the file log: acks=all appends wait here for the fsync that makes them
// durable. One flusher thread takes everything queued, lingers briefly while more keeps
// arriving (log.flush_max_delay_us, or adaptively: up to 100 us per new entry, 1 ms in
// all), does one partition::sync per distinct partition and then runs the callbacks
// (with the fsync's error, if any). commit() runs the same group commit on the calling
// thread (produce_many with commit_on::caller).
//
// An entry without a callback only asks for a sync: a roll by an acks none/leader append
// left a sealed segment to fsync (partition::take_sync_request).
//
// Lifecycle: start() after the partitions are open; stop() drains the queue and joins.
// Threading: enqueue/commit from any thread; callbacks run on the flusher or committer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/log.hpp"

namespace pinpipe::storage {

class partition;

/// An appended batch waiting for its fsync.
struct pending_ack {
  std::shared_ptr<partition> part;
  produce_result res;
  produce_callback cb; ///< empty: only a sync is wanted
};

class group_committer {
public:
  explicit group_committer(int32_t flush_max_delay_us) : flush_max_delay_us_(flush_max_delay_us) {}
  ~group_committer() { stop(); }
  group_committer(const group_committer&) = delete;
  group_committer& operator=(const group_committer&) = delete;

  void start();
  /// Queues `a` for the flusher; once stopped, syncs and answers it here.
  void enqueue(pending_ack a);
  /// One group commit of `batch` on this thread.
  void commit(std::vector<pending_ack>& batch);
  /// Drains the queue and joins the flusher (idempotent).
  void stop();

  uint64_t fsyncs() const { return fsyncs_.load(); }
  uint64_t synced_batches() const { return synced_batches_.load(); }
  uint64_t flush_rounds() const { return flush_rounds_.load(); }
  /// Callbacks answered with errc::disk_full because their fsync failed so.
  uint64_t disk_full_errors() const { return disk_full_errors_.load(); }

private:
  void loop();

  const int32_t flush_max_delay_us_;
  std::mutex mtx_;
  std::condition_variable cv_;
  std::vector<pending_ack> queue_;
  bool stop_ = false;
  std::thread thread_;
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> synced_batches_{0};
  std::atomic<uint64_t> flush_rounds_{0};
  std::atomic<uint64_t> disk_full_errors_{0};
};

} // namespace pinpipe::storage
