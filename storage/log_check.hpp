// Operator tools over a log directory that no node has open: `pinpipe log verify` (every
// damaged batch of every segment, read only) and `pinpipe log repair` (an explicit cut of
// one partition at its first damage). Both walk segments with storage/segment_scan.hpp,
// the same rules recovery uses.
//
// Threading: plain functions; repair takes the log's lock (flock on <dir>/.lock) and fails
// when a node holds it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "common/types.hpp"

namespace pinpipe::storage {

/// One damaged place in a segment.
struct damage_report {
  enum class kind {
    repairable, ///< only header fields outside the CRC: recovery rewrites them
    lost,       ///< unreadable bytes in the middle; verified batches follow them
    tail,       ///< nothing after it verifies (a torn write; recovery cuts it when active)
    gap,        ///< a segment ends before the next one starts (offsets missing)
  };
  std::string topic;
  int32_t partition = 0;
  std::string file;
  int64_t pos = 0;          ///< byte position in `file`
  int64_t bytes = 0;        ///< damaged bytes from pos
  int64_t first_offset = 0; ///< first offset affected
  int64_t end_offset = 0;   ///< offsets [first_offset, end_offset) affected (tail: unknown = first)
  std::string reason;
  kind what = kind::lost;
};

struct verify_summary {
  int topics = 0;
  int partitions = 0;
  int segments = 0;
  int64_t batches = 0; ///< verified batches
  std::vector<damage_report> damage;
};

/// Checks every batch of every segment of every topic under `log_dir`.
result<verify_summary> verify_log(const std::string& log_dir);

/// What cutting one partition at its first damage removes.
struct repair_plan {
  std::string partition_dir;
  bool needed = false;
  damage_report first; ///< the first damage (when needed)
  std::vector<damage_report> headers; ///< repairable batches: headers rewritten, nothing lost
  std::string cut_file;
  int64_t cut_pos = 0;            ///< cut_file is truncated here
  std::vector<std::string> files; ///< whole files deleted (later segments and their indexes)
  int64_t removed_bytes = 0;
  int64_t removed_from = 0; ///< offsets [removed_from, removed_to) are removed
  int64_t removed_to = 0;
};

/// What cutting one partition at its first damage removes; with `apply`, makes the cut:
/// headers of repairable batches are rewritten, the segment with the first lost or torn
/// bytes is truncated there (its indexes deleted, rebuilt on the next open), later
/// segments are deleted, and a line saying what was removed is appended to
/// <partition dir>/repairs.txt. Holds the log's lock throughout (unavailable when a node
/// has the log open).
result<repair_plan> repair_partition(const std::string& log_dir, const std::string& topic,
                                     partition_id p, bool apply);

/// "offsets a..b removed" (or that none are) for a plan.
std::string removed_text(const repair_plan& plan);

/// "file byte N: reason (offsets a..b ...)" for an operator.
std::string describe(const damage_report& d);

} // namespace pinpipe::storage
