// The log: topics of partitions of records, the self-hosted counterpart of MSK and
// Kinesis. This header is the narrow interface every other part of pinpipe uses;
// `open_file_log` is the durable implementation (segments, indexes, recovery, group
// commit; on-disk format in storage/format.hpp and docs/log-format.md), `make_memory_log`
// an in-memory one with the same behaviour minus durability, for tests.
//
// Threading: every method is safe to call from any thread. Produce callbacks run either
// on the calling thread (errors, acks none/leader; acks all with commit_on::caller) or on
// the log's flusher thread (acks all, after fsync); they must be quick and must not call
// back into the log.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "common/types.hpp"

namespace pinpipe::storage {

/// One record as produced. `timestamp_ms` 0 means "assign the append time".
struct record {
  std::optional<std::string> key;
  std::string value;
  int64_t timestamp_ms = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  friend bool operator==(const record& a, const record& b) {
    return a.key == b.key && a.value == b.value && a.timestamp_ms == b.timestamp_ms &&
           a.headers == b.headers;
  }
};

/// A record read back from the log, with its offset.
struct stored_record {
  offset_t offset;
  record rec;
};

/// How much durability a producer waits for before its callback fires.
enum class acks : int8_t {
  none = 0,   ///< answered at once (the callback still fires, after the append)
  leader = 1, ///< answered after the batch is written to the segment (page cache)
  all = -1,   ///< answered after the batch is fsynced (and, replicated, on a quorum)
};

/// Per-topic settings; -1 means "use the log default".
struct topic_config {
  int32_t partitions = 1;
  bool is_stream = false;       ///< a Kinesis-style stream (partitions shown as shards)
  int64_t retention_bytes = -1; ///< per partition
  int64_t retention_ms = -1;
  int64_t segment_bytes = -1;
  int64_t segment_ms = -1;
  /// Which creation of this name the topic is: create_topic sets a fresh value (its creation
  /// time in microseconds, so a recreated topic always gets a larger one) and topic.meta keeps
  /// it; 0 = created before incarnations were recorded. Readers that keep positions across
  /// polls (the lake connector) compare it to notice a deleted and recreated topic.
  int64_t incarnation = 0;
  /// A cluster's log: replicas per partition (-1 = [cluster] replication_factor). A
  /// one-node log ignores it.
  int32_t replication_factor = -1;
};

/// Settings of the whole log (from the [log] section of the config file).
struct log_config {
  std::string dir;                               ///< <data-dir>/log
  int64_t segment_bytes = 128LL << 20;           ///< roll a segment past this size
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;   ///< roll a segment older than this
  int64_t retention_bytes = -1;                  ///< per partition; -1 = unlimited
  int64_t retention_ms = 7LL * 24 * 3600 * 1000; ///< -1 = keep forever
  int32_t max_record_bytes = 1 << 20;            ///< key + value + headers of one record
  int32_t index_interval_bytes = 4096;           ///< one sparse index entry per this many bytes
  bool preallocate = true;                       ///< zero-fill segments ahead of the write position
  int32_t flush_max_delay_us = 0;                ///< group commit: fixed wait; 0 = adaptive linger
  int32_t max_open_files = 256; ///< closed segment files open at once (fd cache, fd_cache.hpp)
};

/// A produce request: one batch of records for one partition.
struct produce_request {
  std::string topic;
  partition_id partition{0};
  std::vector<record> records;
  acks required_acks = acks::leader;
  int64_t producer_id = -1;   ///< >= 0 makes the request idempotent
  int32_t base_sequence = -1; ///< sequence of the first record, per (producer, partition)
};

struct produce_result {
  status st;                ///< not ok: nothing of the batch was appended
  offset_t base_offset{-1}; ///< offset of the first record
  offset_t last_offset{-1}; ///< offset of the last record
  int64_t append_time_ms = 0;
  bool duplicate = false; ///< an idempotent retry: offsets are those of the first append
};

using produce_callback = std::function<void(produce_result)>;

/// Where produce_many runs the group commit (fsync) of its acks=all requests.
enum class commit_on : int8_t {
  flusher, ///< queued for the log's flusher thread; produce_many returns at once
  caller,  ///< fsynced on the calling thread before produce_many returns (one fsync per
           ///< partition for the whole call); the callbacks run there too
};

/// A stored record as the log reads it, pointing into the log's read buffer: valid only
/// during the visitor call that receives it (log_store::fetch_each).
struct record_view {
  offset_t offset{0};
  int64_t timestamp_ms = 0;
  bool has_key = false;
  std::string_view key;
  std::string_view value;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
};
/// Receives the records of fetch_each in offset order; returning false stops the fetch.
using record_visitor = std::function<bool(const record_view&)>;

/// `v` pointing at the fields of `s` (its vectors reused).
inline void view_of(const stored_record& s, record_view& v) {
  v.offset = s.offset;
  v.timestamp_ms = s.rec.timestamp_ms;
  v.has_key = s.rec.key.has_value();
  v.key = s.rec.key ? std::string_view(*s.rec.key) : std::string_view();
  v.value = s.rec.value;
  v.headers.clear();
  for (const auto& h : s.rec.headers)
    v.headers.emplace_back(h.first, h.second);
}

/// An owning copy of a viewed record.
inline stored_record to_stored(const record_view& v) {
  stored_record s;
  s.offset = v.offset;
  if (v.has_key) s.rec.key.emplace(v.key);
  s.rec.value.assign(v.value);
  s.rec.timestamp_ms = v.timestamp_ms;
  s.rec.headers.reserve(v.headers.size());
  for (const auto& [name, value] : v.headers)
    s.rec.headers.emplace_back(std::string(name), std::string(value));
  return s;
}

struct fetch_result {
  std::vector<stored_record> records; ///< in offset order, starting at or after the asked offset
  offset_t high_watermark{0};         ///< offset the next appended record will get
  offset_t log_start{0};              ///< first offset still stored
};

enum class offset_spec { earliest, latest, by_timestamp };

struct partition_info {
  partition_id id{0};
  offset_t log_start{0};
  offset_t high_watermark{0};
  int64_t size_bytes = 0;
  int32_t segments = 0;
  // Replication (a cluster's log, docs/cluster.md); a one-node log leaves them empty.
  int32_t leader = -1;           ///< node id of the partition's leader; -1 = none known
  int64_t leader_term = 0;       ///< the Raft term of that leader
  std::vector<int32_t> replicas; ///< node ids of the replica set; empty = not replicated
  std::vector<int32_t> in_sync;  ///< replicas caught up with the leader (as the leader sees them)
};

struct topic_info {
  std::string name;
  topic_config config;
  std::vector<partition_info> partitions;
};

/// Committed position of a consumer group on one partition.
struct group_offset {
  std::string topic;
  partition_id partition{0};
  offset_t offset{0}; ///< the next offset the group will read
  std::string metadata;
};

class log_store {
public:
  virtual ~log_store() = default;

  // -- topics ---------------------------------------------------------------------------
  /// Names: 1..249 chars of [A-Za-z0-9._-], not starting with '.' (reserved for the log's
  /// own files); names starting with "__" are internal.
  virtual status create_topic(const std::string& name, const topic_config& cfg) = 0;
  virtual status delete_topic(const std::string& name) = 0;
  virtual std::vector<topic_info> list_topics() const = 0;
  virtual result<topic_info> describe_topic(const std::string& name) const = 0;

  // -- writes ---------------------------------------------------------------------------
  /// Appends the batch atomically (all records or none) and calls `cb` exactly once.
  virtual void produce(produce_request req, produce_callback cb) = 0;
  /// Appends several requests, in order, calling cbs[i] exactly once for reqs[i] (the
  /// vectors have the same size). Each request stays atomic and gets its own dense range
  /// of offsets; per partition, offsets follow the order of `reqs`. An implementation may
  /// write consecutive non-idempotent requests for the same partition and acks as ONE
  /// batch (one write, one group-commit entry, one fsync); a request that is invalid on
  /// its own (e.g. an oversized record) fails alone. Idempotent requests are never merged.
  /// With commit_on::caller every acks=all callback has run when it returns (a server
  /// thread that reads requests in bursts commits each burst itself, with no thread
  /// hand-off). The default produces them one by one and ignores `where`.
  virtual void produce_many(std::vector<produce_request> reqs, std::vector<produce_callback> cbs,
                            commit_on where = commit_on::flusher) {
    (void)where;
    for (size_t i = 0; i < reqs.size(); ++i)
      produce(std::move(reqs[i]), std::move(cbs[i]));
  }

  // -- reads ----------------------------------------------------------------------------
  /// Records from `from` on, at most about `max_bytes` (but always at least one record
  /// when one exists). `from` == high watermark gives an empty result; beyond it or
  /// below log start gives offset_out_of_range.
  virtual result<fetch_result> fetch(const std::string& topic, partition_id p, offset_t from,
                                     int32_t max_bytes) const = 0;
  /// fetch, without copying the records: each goes to `fn` as a view into the stored
  /// bytes, in offset order, with the same max_bytes rule; the result carries the high
  /// watermark and log start, and no records. The default runs fetch() and hands out
  /// views of its copies.
  virtual result<fetch_result> fetch_each(const std::string& topic, partition_id p, offset_t from,
                                          int32_t max_bytes, const record_visitor& fn) const {
    auto r = fetch(topic, p, from, max_bytes);
    if (!r) return r;
    record_view v;
    for (const auto& s : r->records) {
      view_of(s, v);
      if (!fn(v)) break;
    }
    r->records.clear();
    return r;
  }
  /// earliest: log start; latest: high watermark; by_timestamp: first offset whose
  /// timestamp >= ts_ms (high watermark when none).
  virtual result<offset_t> list_offset(const std::string& topic, partition_id p, offset_spec spec,
                                       int64_t ts_ms = 0) const = 0;
  /// Calls `cb` once, as soon as the partition's high watermark is > `after` (at once if it
  /// already is). Returns an id for cancel_watch. Used for long-poll fetches.
  virtual uint64_t watch(const std::string& topic, partition_id p, offset_t after,
                         std::function<void()> cb) = 0;
  virtual void cancel_watch(uint64_t id) = 0;

  // -- consumer groups (stored in the internal topic "__consumer_offsets") ---------------
  virtual status commit_offsets(const std::string& group,
                                const std::vector<group_offset>& offs) = 0;
  virtual std::vector<group_offset> committed_offsets(const std::string& group) const = 0;

  // -- maintenance ----------------------------------------------------------------------
  /// Deletes whole closed segments past retention; never the active one.
  virtual void enforce_retention() = 0;
  /// Flushes everything and stops background threads; later calls fail with unavailable.
  virtual void close() = 0;
};

/// Opens (creating if needed) the durable log under cfg.dir, running recovery first.
result<std::unique_ptr<log_store>> open_file_log(const log_config& cfg);

/// A log kept in memory, same semantics without durability (tests).
std::unique_ptr<log_store> make_memory_log(const log_config& cfg = {});

/// Checks a topic name; the status says what is wrong with it.
status validate_topic_name(const std::string& name);

} // namespace pinpipe::storage
