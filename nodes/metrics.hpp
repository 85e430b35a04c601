// What `pinpipe status` reports, as plain values, and its two renderings: aligned tables
// for people and the Prometheus text exposition format (version 0.0.4) for scrapers.
// Also the console helpers the other commands share: the aligned-table printer (batch runs,
// query results) and the progress line of long work (gen-source, emulate, batch run).
//
// Where it fits: cmd_status.cpp collects a status_snapshot (the node over ZeroMQ, the lake
// directory, the warehouse file) and hands it to print_status or print_prometheus. Nothing
// here does I/O other than writing to the given stream.
//
// Prometheus metrics: print_prometheus hands the snapshot to console::write_prometheus
// (console/metrics_text.hpp), the writer of the console's /metrics too, which lists the
// families; both outputs name the same metrics.
//
// Threading: plain functions over values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "actors/stats.hpp"
#include "pipeline/batch/scheduler.hpp"

namespace pinpipe::cli {

/// Rows of text cells under a header, printed with every column padded to its widest cell;
/// columns whose cells are all integers (or empty / "-") are right-aligned.
struct text_table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
void print_table(std::ostream& os, const text_table& t, const std::string& indent = "");

/// Progress of long work: on a TTY one line rewritten in place ("\r"), otherwise a plain
/// line at most every `interval` (so logs and CI output stay short), and always the last.
class progress_line {
public:
  progress_line(std::ostream& os, bool tty,
                std::chrono::milliseconds interval = std::chrono::milliseconds(2000));
  /// Shows `text` (rate-limited unless `force`).
  void update(const std::string& text, bool force = false);
  /// Shows `text` as the final state and ends the line.
  void finish(const std::string& text);

private:
  std::ostream& os_;
  bool tty_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_;
  bool shown_ = false;
  std::string last_text_; ///< the last line printed (finish() does not repeat it)
};

struct partition_status {
  std::string topic;
  int32_t partition = 0;
  bool is_stream = false;
  int64_t log_start = 0;
  int64_t high_watermark = 0;
};

/// A position that reads a partition: a consumer group's committed offset, the connector's
/// position (offset after the last complete lake object) or the sink's (stream_positions).
struct consumer_position {
  std::string consumer; ///< group name, "connector (lake)" or "sink (stream tables)"
  std::string topic;
  int32_t partition = 0;
  int64_t position = 0; ///< next offset it will read
  int64_t lag = -1;     ///< high watermark - position; -1 when the node was not reachable
};

struct status_snapshot {
  std::string data_dir;
  std::string endpoint;
  bool node_up = false;
  std::string node_error; ///< why the node could not be asked
  std::vector<partition_status> partitions;
  std::vector<consumer_position> groups;   ///< consumer groups (from the node)
  std::vector<consumer_position> pipeline; ///< connector and sink (from local files)
  int64_t lake_objects = 0, lake_records = 0;
  std::string lake_dir;
  std::vector<std::pair<std::string, int64_t>> tables; ///< -1 = table missing
  std::string warehouse_path;
  bool warehouse_exists = false;
  std::vector<batch::run_record> runs; ///< every attempt, oldest first (the table shows the
                                       ///< last status_runs_shown)
  /// The node's counters (node_stats_request): its pipeline actors, gateway included.
  std::vector<actors::actor_stats> actors;
  std::optional<int64_t> disk_full_errors; ///< log writes refused: disk full (when known)
};

/// Batch run attempts the table view shows (the newest ones).
constexpr size_t status_runs_shown = 10;

void print_status(std::ostream& os, const status_snapshot& s);
void print_prometheus(std::ostream& os, const status_snapshot& s);

/// batch_runs rows as a table: run id, scheduled, start, end, state, attempt, error.
text_table runs_table(const std::vector<batch::run_record>& runs);

} // namespace pinpipe::cli
