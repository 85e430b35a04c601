// The readable side of one replica of one partition's Raft group: the batches this node
// stores for it, the commit index, and the group's current leader as this node sees it.
// Consumers read here (fetch, list_offset, watch) from any thread; the replica host's
// thread mirrors into it every persist request it wrote and every commit it learned.
//
// Visibility: nothing past the high watermark is ever returned. The high watermark is the
// end of the last committed DATA batch: the no-op batch a new leader appends (one offset,
// docs/raft.md) is skipped by reads, and a committed tail of no-ops is not counted, so an
// idle partition's high watermark does not move when leadership does. Offsets of no-ops
// are gaps in the offset sequence, as control batches are in Kafka.
//
// Payloads are record batches in the storage format (storage/format.hpp) encoded with
// base offset 0; a reader adds the entry's base.
//
// Threading: every public member is thread-safe. Watch callbacks run on the host thread
// (or the caller's, when already satisfied); they must be quick.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "raft/node.hpp"
#include "storage/log.hpp"

namespace pinpipe::cluster {

class replica_view {
public:
  replica_view(std::string topic, int32_t partition);

  // -- the host's side -------------------------------------------------------------------
  /// The log found on disk at start.
  void load(const raft::durable_state& d);
  /// A persist request the host wrote: reset, truncate, append (payloads are moved out).
  void apply(raft::persist_request& r);
  /// The commit index advanced to `commit`; wakes the watches it satisfies.
  void set_commit(offset_t commit);
  /// The group's leader and term as this replica sees them; `in_sync` on the leader.
  void set_role(int32_t leader, int64_t term, std::vector<int32_t> in_sync);
  /// The partition is gone (topic deleted): every watch fires, later reads fail.
  void close();

  // -- readers (any thread) --------------------------------------------------------------
  result<storage::fetch_result> fetch(offset_t from, int32_t max_bytes) const;
  result<storage::fetch_result> fetch_each(offset_t from, int32_t max_bytes,
                                           const storage::record_visitor& fn) const;
  result<offset_t> list_offset(storage::offset_spec spec, int64_t ts_ms) const;
  uint64_t watch(offset_t after, std::function<void()> cb);
  void cancel_watch(uint64_t id);

  offset_t high_watermark() const;
  /// The end of the last data batch found on disk at start (load()): readers that need
  /// what this replica already had wait until the high watermark reaches it.
  offset_t loaded_data_end() const;
  offset_t log_start() const;
  int64_t size_bytes() const;
  int32_t leader() const;
  int64_t term() const;
  std::vector<int32_t> in_sync() const;
  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }

private:
  struct batch {
    offset_t base{0};
    offset_t last{0};
    bool data = true;
    std::shared_ptr<const std::string> payload;
  };
  struct waiter {
    offset_t after;
    std::function<void()> cb;
  };
  /// The batches holding [from, hw) (up to about max_bytes), copied under the lock.
  result<std::vector<batch>> pick(offset_t from, int32_t max_bytes, storage::fetch_result& meta) const;
  void recompute_hw_locked();
  std::vector<std::function<void()>> due_watches_locked();

  const std::string topic_;
  const int32_t partition_;
  mutable std::mutex mu_;
  std::deque<batch> batches_;
  offset_t log_start_{0};
  offset_t commit_{-1};
  offset_t hw_{0};
  offset_t loaded_data_end_{0};
  int64_t bytes_ = 0;
  bool closed_ = false;
  int32_t leader_ = -1;
  int64_t term_ = 0;
  std::vector<int32_t> in_sync_;
  uint64_t next_watch_ = 1;
  std::map<uint64_t, waiter> watches_;
};

} // namespace pinpipe::cluster
