// One partition of the file log: its directory of segments (storage/segment.hpp), the
// high watermark, the idempotent producer state and the roll/retention rules.
//
// Lifecycle: `open` (recovery) or `create`; appends/fetches while the log runs; `close`.
// Threading: one mutex per partition guards the segment list, the active segment's
// write position and the producer state. Appends write under it (one pwrite per batch);
// fetches take it only to pick the segment and position, then pread without it; the
// flusher's `sync` fdatasyncs outside it.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/types.hpp"
#include "storage/log.hpp"
#include "storage/producer_state.hpp"
#include "storage/segment.hpp"

namespace pinpipe::storage {

struct partition_settings {
  segment_settings seg;
  int64_t segment_ms = 0;
  int64_t retention_bytes = -1;
  int64_t retention_ms = -1;
};

class partition {
public:
  /// Opens an existing partition directory (recovering its active segment) or, when it
  /// holds no segment, starts one at offset 0.
  static result<std::unique_ptr<partition>> open(const std::string& pdir, const std::string& topic,
                                                 partition_id id, const partition_settings& s);

  /// Appends an encoded batch (base offset patched in here), honouring idempotence.
  /// `batch` is the encoded batch from format::encode_batch, `h` its header.
  produce_result append(std::string& batch, format::batch_header h, int64_t producer_id,
                        int32_t base_sequence, int64_t now_ms);
  /// fdatasync of everything written so far (group commit), sealed segments and the
  /// directory included. Returns the offset it covers. Never holds the lock while syncing.
  result<offset_t> sync();
  /// True when a roll left a sealed segment to fsync (the log asks its flusher to sync).
  bool sync_wanted() const { return sync_wanted_.load(std::memory_order_relaxed); }
  /// sync_wanted(), and true only once until the next sync(): who gets true queues one.
  bool take_sync_request() { return sync_wanted() && !sync_queued_.exchange(true); }

  result<fetch_result> fetch(offset_t from, int32_t max_bytes) const;
  /// fetch, handing each record to `fn` as a view instead of copying it (records left empty).
  result<fetch_result> fetch_each(offset_t from, int32_t max_bytes, const record_visitor& fn) const;
  result<offset_t> list_offset(offset_spec spec, int64_t ts_ms) const;
  offset_t high_watermark() const;
  partition_info info() const;
  /// Deletes closed segments past retention; returns how many.
  int enforce_retention(int64_t now_ms);

private:
  partition(std::string pdir, std::string topic, partition_id id, const partition_settings& s)
      : pdir_(std::move(pdir)), topic_(std::move(topic)), id_(id), settings_(s) {}
  status roll_locked(int64_t now_ms);
  /// Segment holding `o` (o within [log_start, hw)), lock held.
  size_t segment_index_locked(offset_t o) const;

  const std::string pdir_;
  const std::string topic_;
  const partition_id id_;
  const partition_settings settings_;
  mutable std::mutex mtx_;
  std::vector<std::shared_ptr<segment>> segments_; ///< by base offset; back() is active
  /// Rolled (sealed, files released) segments not fsynced yet, and the directory: a roll runs under mtx_
  /// and must not wait for the disk there (a stalled fsync would stall every read of
  /// the partition), so sync() does these fsyncs, outside the lock, before the active one.
  std::vector<std::shared_ptr<segment>> unsynced_;
  uint64_t dir_changes_ = 0; ///< rolls so far (each created a file)
  uint64_t dir_synced_ = 0;  ///< dir_changes_ covered by the last directory fsync
  std::atomic<bool> sync_wanted_{false}; ///< unsynced_ non-empty (read without mtx_)
  std::atomic<bool> sync_queued_{false}; ///< a sync for unsynced_ is queued (take_sync_request)
  producer_state producers_;
};

} // namespace pinpipe::storage
