// Node control requests beside the log API (same envelope, same conventions as
// messages/log_api.hpp: MessagePack arrays, `version` first, fields only appended).
//
//   flush_lake_request (40) -> flush_lake_response (41)
//   node_stats_request (42) -> node_stats_response (43)
//
// flush_lake: "close the lake objects up to now". The node's connector moves every record
// the batch topics hold when the request arrives into lake objects, writes the partly full
// ones, and only then answers. `pinpipe batch run` sends it before reading the lake, so a
// run includes everything produced before it started. A node without the connector role
// answers errc::unavailable.
//
// node_stats: the node's counters, as the console's /metrics shows them, for `pinpipe
// status --prometheus`: every pipeline actor's (gateway included) and the log's disk-full
// refusals (-1 when the node cannot tell).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/log_api.hpp"

namespace pinpipe::messages {

struct flush_lake_request {
  uint16_t version = protocol_version;
  MSGPACK_DEFINE(version)
  friend bool operator==(const flush_lake_request& a, const flush_lake_request& b) {
    return a.version == b.version;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_lake_request& x) {
  return f(x.version);
}

struct flush_lake_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  int64_t objects_written = 0; ///< by this node's connector since it started
  std::string lake_dir;        ///< the directory the connector writes
  MSGPACK_DEFINE(version, error, message, objects_written, lake_dir)
  friend bool operator==(const flush_lake_response& a, const flush_lake_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.objects_written == b.objects_written && a.lake_dir == b.lake_dir;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_lake_response& x) {
  return f(x.version, x.error, x.message, x.objects_written, x.lake_dir);
}

struct node_stats_request {
  uint16_t version = protocol_version;
  MSGPACK_DEFINE(version)
  friend bool operator==(const node_stats_request& a, const node_stats_request& b) {
    return a.version == b.version;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stats_request& x) {
  return f(x.version);
}

/// One actor's counters (actors/stats.hpp actor_stats, without its text fields).
struct wire_actor_counters {
  std::string name;
  int64_t items = 0;
  int64_t errors = 0;
  int64_t dead_letters = 0;
  int64_t bad_requests = 0;
  int64_t log_lines_suppressed = 0;
  MSGPACK_DEFINE(name, items, errors, dead_letters, bad_requests, log_lines_suppressed)
  friend bool operator==(const wire_actor_counters& a, const wire_actor_counters& b) {
    return a.name == b.name && a.items == b.items && a.errors == b.errors &&
           a.dead_letters == b.dead_letters && a.bad_requests == b.bad_requests &&
           a.log_lines_suppressed == b.log_lines_suppressed;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_actor_counters& x) {
  return f(x.name, x.items, x.errors, x.dead_letters, x.bad_requests, x.log_lines_suppressed);
}

struct node_stats_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::vector<wire_actor_counters> actors;
  int64_t disk_full_errors = -1; ///< log writes refused with disk_full; -1 = unknown
  MSGPACK_DEFINE(version, error, message, actors, disk_full_errors)
  friend bool operator==(const node_stats_response& a, const node_stats_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.actors == b.actors && a.disk_full_errors == b.disk_full_errors;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_stats_response& x) {
  return f(x.version, x.error, x.message, x.actors, x.disk_full_errors);
}

template <> struct message_traits<node_stats_request> {
  static constexpr msg_type type = msg_type::node_stats_request;
  using response = node_stats_response;
};
template <> struct message_traits<node_stats_response> {
  static constexpr msg_type type = msg_type::node_stats_response;
  using response = void;
};

template <> struct message_traits<flush_lake_request> {
  static constexpr msg_type type = msg_type::flush_lake_request;
  using response = flush_lake_response;
};
template <> struct message_traits<flush_lake_response> {
  static constexpr msg_type type = msg_type::flush_lake_response;
  using response = void;
};

} // namespace pinpipe::messages
