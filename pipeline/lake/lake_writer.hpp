// The lake writer and the connector loop: pinpipe's counterpart of the MSK Connect S3 sink
// (the Kafka Connect S3 sink of the course's AWS setup). The connector consumes every topic matching "<uid>\..*" from the
// log and the writer turns each partition's records into lake objects:
//
//   <lake_dir>/topics/<topic>/partition=<p>/<topic>+<p>+<start offset, 10 digits>.json
//
// Object format: the record values, in offset order, one per line, each line terminated by
// '\n' (JSON lines; Spark, DuckDB and pandas read it as is). A raw '\n' or '\r' inside a
// value (only possible as JSON whitespace or in a non-JSON value) is written as a space, so
// line n of an object is always offset start + n. Layout and names: lake_layout.hpp,
// docs/lake.md.
//
// Exactly-once: an object appears atomically (written as "<name>.tmp", fsynced, renamed,
// directory fsynced) and its name is its first offset. On start the writer resumes after the
// last complete object of each partition and deletes leftover temp files, so a crash at
// any moment loses nothing and, since object boundaries depend only on the records
// (flush_size and record timestamps), rewrites nothing differently.
//
// A topic that is deleted and recreated in the log starts over: the connector compares the
// topic's incarnation (storage::topic_config::incarnation) with the one it recorded in
// <lake_dir>/incarnations/<topic>, moves the old topic's objects to
// <lake_dir>/retired/<topic>/incarnation=<old>/ (names unchanged) and lands the new topic
// from offset 0 in the usual place. The batch job reads topics/ only.
//
// Lifecycle/threading: one lake_writer (one connector) per lake directory; not
// thread-safe, used by the connector actor's thread only. Dropping it discards buffered
// records (they are re-read from the log on the next start).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.hpp"
#include "pipeline/lake/lake_layout.hpp"

namespace pinpipe::logclient {
class log_client;
}

namespace pinpipe::lake {

struct writer_options {
  std::string lake_dir; ///< the "bucket", default <data-dir>/lake
  /// Records per object (flush.size). The course uses 1, which makes one file per record:
  /// a million-record lake would be a million files, slow to write (two fsyncs each) and
  /// to list and read. 500 (the [connector] flush_size default too) keeps objects around
  /// 0.1-0.5 MB (pins are ~0.7 KB) while rotate_interval_ms still bounds how long a record
  /// waits. Set 1 for the course layout.
  int32_t flush_size = 500;
  /// rotate.interval.ms on record timestamps; <= 0 disables time-based rotation.
  int64_t rotate_interval_ms = 60000;
};

class lake_writer {
public:
  explicit lake_writer(writer_options opt);

  /// Next offset to consume for (topic, partition). The first call scans the partition
  /// directory once: it deletes leftover temp files of a crash and returns the offset after
  /// the last complete object (0 when there is none). Later calls return the offset after
  /// the records already added (buffered or written).
  result<int64_t> resume_offset(const std::string& topic, int32_t partition);

  /// Adds a record. Records must arrive in offset order, dense, starting at
  /// resume_offset(). Before adding, a partly full object whose first record is at least
  /// rotate_interval_ms older than this record is closed; after adding, an object with
  /// flush_size records is written. On error nothing of this record was added.
  status add(const std::string& topic, int32_t partition, int64_t offset, int64_t timestamp_ms,
             std::string_view value);

  /// Moves a partition forward over a gap in the log (records deleted by retention):
  /// writes the partly full object, if any, and expects `offset` next.
  status skip_to(const std::string& topic, int32_t partition, int64_t offset);

  /// Closes partly full objects whose first record timestamp is at least rotate_interval_ms
  /// before `now_ms`, so idle partitions still flush.
  status flush_due(int64_t now_ms);

  /// Writes every partly full object (clean shutdown).
  status flush_all();

  /// A topic that was deleted and recreated: writes its partly full objects, then moves
  /// <lake_dir>/topics/<topic> whole to `to_dir` (object names unchanged; parent
  /// directories made and fsynced) and forgets the topic's positions, so it starts over
  /// from offset 0 in topics/<topic>. `to_dir` must not exist yet.
  status retire_topic(const std::string& topic, const std::string& to_dir);

  int64_t objects_written() const { return objects_written_; }
  int64_t records_buffered() const;
  const writer_options& options() const { return opt_; }

private:
  struct partition_state {
    std::string dir; ///< absolute partition directory
    bool dir_exists = false;
    int64_t next_offset = 0;  ///< offset add() expects next
    int64_t start_offset = 0; ///< first offset of the buffered object
    int64_t first_ts = 0;     ///< timestamp of its first record
    int32_t count = 0;        ///< records buffered
    std::string buf;          ///< the buffered object's bytes
  };
  using part_key = std::pair<std::string, int32_t>;

  result<partition_state*> state(const std::string& topic, int32_t partition);
  status scan(const std::string& topic, int32_t partition, partition_state& ps);
  status write_object(const std::string& topic, int32_t partition, partition_state& ps);

  writer_options opt_;
  std::map<part_key, partition_state> parts_;
  int64_t objects_written_ = 0;
};

/// The connector loop body, used by the connector actor: for every topic matching
/// "<uid>\..*" in the log and every partition, fetch from the writer's position and feed
/// the writer. Not thread-safe (one actor owns it); the log itself is thread-safe.
class connector {
public:
  connector(logclient::log_client& log, std::string uid, writer_options opt);

  /// One pass over all matching partitions, one fetch each. Returns the records moved
  /// (0 = caught up). Keeps going past a failing partition and returns the first error
  /// after the pass when nothing could be moved.
  result<int64_t> poll_once(int32_t max_bytes_per_partition = 1 << 20);

  /// Moves every record the matching partitions hold at the call (their high watermarks
  /// then) into the writer, then writes every partly full object: afterwards the lake holds
  /// each partition at least up to that point. What a batch run asks for before it reads
  /// the lake. Returns the records moved; partitions that fail are skipped and the first
  /// error is returned after the others were done.
  result<int64_t> catch_up(int32_t max_bytes_per_partition = 1 << 20);

  /// See lake_writer::flush_due; call it on a timer with the wall clock.
  status flush_due(int64_t now_ms) { return writer_.flush_due(now_ms); }
  status flush_all() { return writer_.flush_all(); }
  const lake_writer& writer() const { return writer_; }

private:
  status poll_partition(const std::string& topic, int32_t partition, int64_t log_start,
                        int64_t high_watermark, int32_t max_bytes, int64_t& moved);
  /// Notices a recreated topic (topic_config::incarnation differs from the one recorded in
  /// <lake_dir>/incarnations/<topic>): its old objects move to
  /// <lake_dir>/retired/<topic>/incarnation=<old>/ under their names, it starts over from
  /// offset 0, and a log line says so. Records the incarnation of a topic seen first.
  status check_incarnation(const std::string& topic, int64_t incarnation);

  logclient::log_client& log_;
  std::string uid_;
  lake_writer writer_;
  std::map<std::string, int64_t> incarnations_; ///< per topic, as recorded in the lake
};

} // namespace pinpipe::lake
