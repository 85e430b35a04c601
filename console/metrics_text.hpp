// pinpipe's Prometheus text (exposition format 0.0.4), written by ONE function for both
// places that serve it: the console's GET /metrics (console/api_overview.cpp, from the
// node's own state) and `pinpipe status --prometheus` (nodes/metrics.cpp, from the node over
// ZeroMQ and the local files). Each fills a metrics_snapshot with what it knows; the writer
// prints every family's HELP and TYPE lines whatever the snapshot holds, and a sample only
// for a known value, so both outputs name the same metrics and cannot drift.
//
// Families (all gauges; every name starts with pinpipe_):
//   pinpipe_node_up, pinpipe_console_up                      1 up, 0 not (absent: unknown)
//   pinpipe_partition_log_start / _high_watermark / _records {topic,partition}
//   pinpipe_group_committed_offset / pinpipe_group_lag       {group,topic,partition}
//   pinpipe_consumer_position / pinpipe_consumer_lag         {consumer,topic,partition}
//   pinpipe_lake_objects / pinpipe_lake_records
//   pinpipe_warehouse_rows{table}
//   pinpipe_actor_items / _errors / _dead_letters{actor}     pipeline actors' counters
//   pinpipe_bad_requests / pinpipe_log_lines_suppressed{actor} rejected requests (gateway,
//                                                            node-api) and unlogged warnings
//   pinpipe_disk_full_errors                                 log writes refused: disk full
//   pinpipe_batch_runs{state}, pinpipe_batch_last_success_timestamp_seconds
//
// Threading: plain functions over values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "actors/stats.hpp"

namespace pinpipe::console {

struct metrics_partition {
  std::string topic;
  int32_t partition = 0;
  int64_t log_start = 0;
  int64_t high_watermark = 0;
};

/// A reader's position in a partition: a consumer group's committed offset, or the
/// connector's / sink's next offset.
struct metrics_position {
  std::string consumer; ///< group name, or "connector" / "sink"
  std::string topic;
  int32_t partition = 0;
  int64_t position = 0;
  int64_t lag = -1; ///< high watermark - position; -1 = unknown (no sample)
};

struct metrics_snapshot {
  std::optional<bool> node_up;    ///< the node answered (the console runs inside it)
  std::optional<bool> console_up; ///< the console serves (known only to the console)
  std::vector<metrics_partition> partitions; ///< internal "__" topics left out by the caller
  std::vector<metrics_position> groups;
  std::vector<metrics_position> consumers;
  std::optional<int64_t> lake_objects;
  std::optional<int64_t> lake_records;
  std::vector<std::pair<std::string, int64_t>> tables; ///< rows per table; < 0 = missing
  std::vector<actors::actor_stats> actors; ///< pipeline actors, gateway, node-api
  std::optional<int64_t> disk_full_errors; ///< storage::file_log_stats::disk_full_errors
  std::map<std::string, int64_t> batch_runs; ///< attempts per state
  std::optional<int64_t> batch_last_success_s; ///< Unix seconds
};

/// Writes the whole exposition (every family, known samples) to `os`.
void write_prometheus(std::ostream& os, const metrics_snapshot& s);

/// Every family name write_prometheus prints, in its order (tests, docs).
const std::vector<std::string>& metric_families();

} // namespace pinpipe::console
