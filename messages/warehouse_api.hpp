// Node control requests about the batch runs and the warehouse (same envelope and
// conventions as messages/log_api.hpp: MessagePack arrays, `version` first, fields only
// appended). The node answers them from its own data directory, so the CLI does not open
// the warehouse file while a node owns it (nodes/node_queries.hpp):
//
//   batch_runs_request (44)       -> batch_runs_response (45)       `pinpipe batch runs`, status
//   batch_trigger_request (46)    -> batch_trigger_response (47)    `pinpipe batch trigger`
//   warehouse_counts_request (48) -> warehouse_counts_response (49) `pinpipe status`
//
// Every response carries `warehouse_path`, the file the node answered from, so that a caller
// given another data directory can tell. A node without the scheduler role answers
// batch_runs / batch_trigger with errc::unavailable; a node without pipeline roles answers
// all three with it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/log_api.hpp"

namespace pinpipe::messages {

/// One attempt of a DAG run (a batch_runs row; pipeline/batch/scheduler.hpp run_record).
struct wire_run_record {
  std::string run_id;
  std::string dag_id;
  std::string scheduled_time;
  std::string start_time; ///< "" while queued
  std::string end_time;   ///< "" while queued or running
  std::string state;
  int32_t attempt = 0;
  std::string error;
  MSGPACK_DEFINE(run_id, dag_id, scheduled_time, start_time, end_time, state, attempt, error)
  friend bool operator==(const wire_run_record& a, const wire_run_record& b) {
    return a.run_id == b.run_id && a.dag_id == b.dag_id && a.scheduled_time == b.scheduled_time &&
           a.start_time == b.start_time && a.end_time == b.end_time && a.state == b.state &&
           a.attempt == b.attempt && a.error == b.error;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_run_record& x) {
  return f(x.run_id, x.dag_id, x.scheduled_time, x.start_time, x.end_time, x.state, x.attempt,
           x.error);
}

/// Requests without fields: only the version.
#define PINPIPE_EMPTY_REQUEST(name)                                                                \
  struct name {                                                                                    \
    uint16_t version = protocol_version;                                                           \
    MSGPACK_DEFINE(version)                                                                        \
    friend bool operator==(const name& a, const name& b) { return a.version == b.version; }        \
  };                                                                                               \
  template <class Inspector> typename Inspector::result_type inspect(Inspector& f, name& x) {      \
    return f(x.version);                                                                           \
  }
PINPIPE_EMPTY_REQUEST(batch_runs_request)
PINPIPE_EMPTY_REQUEST(batch_trigger_request)
PINPIPE_EMPTY_REQUEST(warehouse_counts_request)
#undef PINPIPE_EMPTY_REQUEST

struct batch_runs_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::string warehouse_path;
  std::vector<wire_run_record> runs; ///< every attempt of the node's DAG, oldest first
  MSGPACK_DEFINE(version, error, message, warehouse_path, runs)
  friend bool operator==(const batch_runs_response& a, const batch_runs_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.warehouse_path == b.warehouse_path && a.runs == b.runs;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_runs_response& x) {
  return f(x.version, x.error, x.message, x.warehouse_path, x.runs);
}

struct batch_trigger_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::string warehouse_path;
  std::string run_id; ///< the queued manual run ("manual__<time>")
  MSGPACK_DEFINE(version, error, message, warehouse_path, run_id)
  friend bool operator==(const batch_trigger_response& a, const batch_trigger_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.warehouse_path == b.warehouse_path && a.run_id == b.run_id;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, batch_trigger_response& x) {
  return f(x.version, x.error, x.message, x.warehouse_path, x.run_id);
}

/// Rows of one warehouse table; -1 = the table does not exist (yet).
struct wire_table_count {
  std::string table;
  int64_t rows = -1;
  MSGPACK_DEFINE(table, rows)
  friend bool operator==(const wire_table_count& a, const wire_table_count& b) {
    return a.table == b.table && a.rows == b.rows;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_table_count& x) {
  return f(x.table, x.rows);
}

/// A stream sink's committed position: the next offset of (stream, shard) to read.
struct wire_stream_position {
  std::string stream;
  int32_t shard = 0;
  int64_t next_offset = 0;
  MSGPACK_DEFINE(stream, shard, next_offset)
  friend bool operator==(const wire_stream_position& a, const wire_stream_position& b) {
    return a.stream == b.stream && a.shard == b.shard && a.next_offset == b.next_offset;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_stream_position& x) {
  return f(x.stream, x.shard, x.next_offset);
}

struct warehouse_counts_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::string warehouse_path;
  bool exists = false;                  ///< false: no warehouse file yet (nothing below)
  std::vector<wire_table_count> tables; ///< the tables `pinpipe status` reports, in order
  std::vector<wire_stream_position> positions;
  MSGPACK_DEFINE(version, error, message, warehouse_path, exists, tables, positions)
  friend bool operator==(const warehouse_counts_response& a, const warehouse_counts_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.warehouse_path == b.warehouse_path && a.exists == b.exists && a.tables == b.tables &&
           a.positions == b.positions;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, warehouse_counts_response& x) {
  return f(x.version, x.error, x.message, x.warehouse_path, x.exists, x.tables, x.positions);
}

#define PINPIPE_CONTROL_TRAITS(req, rsp)                                                           \
  template <> struct message_traits<req> {                                                         \
    static constexpr msg_type type = msg_type::req;                                                \
    using response = rsp;                                                                          \
  };                                                                                               \
  template <> struct message_traits<rsp> {                                                         \
    static constexpr msg_type type = msg_type::rsp;                                                \
    using response = void;                                                                         \
  };
PINPIPE_CONTROL_TRAITS(batch_runs_request, batch_runs_response)
PINPIPE_CONTROL_TRAITS(batch_trigger_request, batch_trigger_response)
PINPIPE_CONTROL_TRAITS(warehouse_counts_request, warehouse_counts_response)
#undef PINPIPE_CONTROL_TRAITS

} // namespace pinpipe::messages
