// The process-wide count of writes refused because the disk was full (ENOSPC or EDQUOT):
// the log counts each produce batch (append or group-commit fsync) and topic creation it
// answers with errc::disk_full here, besides its own storage::file_log_stats. The node
// reports it as pinpipe_disk_full_errors (console /metrics, `pinpipe status --prometheus`)
// without reaching into the storage engine. Header-only; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>

namespace pinpipe {

/// One counter per process (an inline function's static: the same in every unit).
inline std::atomic<uint64_t>& disk_full_refusals() {
  static std::atomic<uint64_t> count{0};
  return count;
}

} // namespace pinpipe
