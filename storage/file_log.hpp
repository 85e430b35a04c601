// Extras of the durable log (open_file_log in storage/log.hpp) that only operations
// tooling and tests need: group-commit counters and the topic metadata file format.
//
// topic.meta (written atomically: tmp + fsync + rename + directory fsync) holds
// "key=value" lines: version=1, partitions, is_stream (0/1), retention_bytes,
// retention_ms, segment_bytes, segment_ms (-1 = log default).
//
// Threading: file_log_stats_of is safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/log.hpp"

namespace pinpipe::storage {

struct file_log_stats {
  uint64_t fsyncs = 0;          ///< fdatasync calls made by the flusher (group commits)
  uint64_t synced_batches = 0;  ///< acks=all batches answered after such an fsync
  uint64_t flush_rounds = 0;    ///< times the flusher woke up with work
  uint64_t merged_groups = 0;   ///< batches written by produce_many for several requests
  uint64_t merged_requests = 0; ///< requests that went into those merged batches
  uint64_t cached_files = 0;    ///< closed segment files open in the fd cache now
  /// Writes refused because the disk was full (ENOSPC/EDQUOT): appends and group-commit
  /// fsyncs answered with errc::disk_full (one per batch; merged requests count once),
  /// and topic creations. Exposed as pinpipe_disk_full_errors.
  uint64_t disk_full_errors = 0;
};

/// The counters of a log made by open_file_log; nullopt for other implementations.
std::optional<file_log_stats> file_log_stats_of(const log_store& log);

/// Raises the process's soft RLIMIT_NOFILE to its hard limit (the node does this at
/// start: each active segment holds 3 descriptors). Returns the soft limit now in force
/// and, in `before`, the one before.
uint64_t raise_open_files_limit(uint64_t* before = nullptr);

std::string encode_topic_meta(const topic_config& cfg);
result<topic_config> decode_topic_meta(const std::string& text, const std::string& path);

} // namespace pinpipe::storage
