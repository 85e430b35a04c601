// Requests and responses of the log API (the broker's service), as they travel inside
// an envelope's payload. Each struct is a MessagePack array of its fields in
// declaration order, `version` first; fields are only ever appended (an older reader
// ignores trailing fields it does not know, a newer reader keeps defaults for missing
// ones). Each has a CAF `inspect` listing the same fields (actor code sends the decoded
// structs as CAF messages) and operator== for tests. Full field tables with types and
// meanings: docs/wire-protocol.md.
//
//   request (msg_type)                 response (msg_type)
//   create_topic_request  (10)      -> create_topic_response  (11)
//   delete_topic_request  (12)      -> delete_topic_response  (13)
//   list_topics_request   (14)      -> list_topics_response   (15)
//   describe_topic_request(16)      -> describe_topic_response(17)
//   produce_request       (20)      -> produce_response       (21)
//   fetch_request         (22)      -> fetch_response         (23)
//   list_offsets_request  (24)      -> list_offsets_response  (25)
//   commit_offsets_request(30)      -> commit_offsets_response(31)
//   fetch_offsets_request (32)      -> fetch_offsets_response (33)
//   any request that cannot be served at all -> error_response (1)
//
// Every response carries `error` (errc, 0 = ok) and `message` (empty when ok).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "messages/wire.hpp"

namespace pinpipe::messages {

// -- shared parts -------------------------------------------------------------------------

/// One record. `has_key` distinguishes "no key" from an empty key.
struct wire_record {
  uint16_t version = protocol_version;
  bool has_key = false;
  std::string key;
  std::string value;
  int64_t timestamp_ms = 0; ///< 0 in a produce request: the broker assigns the append time
  std::vector<std::pair<std::string, std::string>> headers;
  MSGPACK_DEFINE(version, has_key, key, value, timestamp_ms, headers)
  friend bool operator==(const wire_record& a, const wire_record& b) {
    return a.version == b.version && a.has_key == b.has_key && a.key == b.key &&
           a.value == b.value && a.timestamp_ms == b.timestamp_ms && a.headers == b.headers;
  }
};
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, wire_record& x) {
  return f(x.version, x.has_key, x.key, x.value, x.timestamp_ms, x.headers);
}

/// A record read back, with its offset.
struct wire_stored_record {
  uint16_t version = protocol_version;
  offset_t offset{0};
  wire_record record;
  MSGPACK_DEFINE(version, offset, record)
  friend bool operator==(const wire_stored_record& a, const wire_stored_record& b) {
    return a.version == b.version && a.offset == b.offset && a.record == b.record;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_stored_record& x) {
  return f(x.version, x.offset, x.record);
}

/// Topic settings; -1 means "the broker's default".
struct wire_topic_config {
  uint16_t version = protocol_version;
  int32_t partitions = 1;
  bool is_stream = false;
  int64_t retention_bytes = -1;
  int64_t retention_ms = -1;
  int64_t segment_bytes = -1;
  int64_t segment_ms = -1;
  int64_t incarnation = 0; ///< which creation of the name (set by the node; ignored in create)
  int32_t replication_factor = -1; ///< clusters: replicas per partition (-1 = the default)
  MSGPACK_DEFINE(version, partitions, is_stream, retention_bytes, retention_ms, segment_bytes,
                 segment_ms, incarnation, replication_factor)
  friend bool operator==(const wire_topic_config& a, const wire_topic_config& b) {
    return a.version == b.version && a.partitions == b.partitions && a.is_stream == b.is_stream &&
           a.retention_bytes == b.retention_bytes && a.retention_ms == b.retention_ms &&
           a.segment_bytes == b.segment_bytes && a.segment_ms == b.segment_ms &&
           a.incarnation == b.incarnation && a.replication_factor == b.replication_factor;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_topic_config& x) {
  return f(x.version, x.partitions, x.is_stream, x.retention_bytes, x.retention_ms, x.segment_bytes,
           x.segment_ms, x.incarnation, x.replication_factor);
}

struct wire_partition_info {
  uint16_t version = protocol_version;
  partition_id id{0};
  offset_t log_start{0};
  offset_t high_watermark{0};
  int64_t size_bytes = 0;
  int32_t segments = 0;
  // Added for clusters (older senders omit them: the defaults mean "not replicated").
  int32_t leader = -1;
  int64_t leader_term = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> in_sync;
  MSGPACK_DEFINE(version, id, log_start, high_watermark, size_bytes, segments, leader, leader_term,
                 replicas, in_sync)
  friend bool operator==(const wire_partition_info& a, const wire_partition_info& b) {
    return a.version == b.version && a.id == b.id && a.log_start == b.log_start &&
           a.high_watermark == b.high_watermark && a.size_bytes == b.size_bytes &&
           a.segments == b.segments && a.leader == b.leader && a.leader_term == b.leader_term &&
           a.replicas == b.replicas && a.in_sync == b.in_sync;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_partition_info& x) {
  return f(x.version, x.id, x.log_start, x.high_watermark, x.size_bytes, x.segments, x.leader,
           x.leader_term, x.replicas, x.in_sync);
}

struct wire_topic_info {
  uint16_t version = protocol_version;
  std::string name;
  wire_topic_config config;
  std::vector<wire_partition_info> partitions;
  MSGPACK_DEFINE(version, name, config, partitions)
  friend bool operator==(const wire_topic_info& a, const wire_topic_info& b) {
    return a.version == b.version && a.name == b.name && a.config == b.config &&
           a.partitions == b.partitions;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_topic_info& x) {
  return f(x.version, x.name, x.config, x.partitions);
}

/// Committed position of a consumer group on one partition (next offset to read).
struct wire_group_offset {
  uint16_t version = protocol_version;
  std::string topic;
  partition_id partition{0};
  offset_t offset{0};
  std::string metadata;
  MSGPACK_DEFINE(version, topic, partition, offset, metadata)
  friend bool operator==(const wire_group_offset& a, const wire_group_offset& b) {
    return a.version == b.version && a.topic == b.topic && a.partition == b.partition &&
           a.offset == b.offset && a.metadata == b.metadata;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_group_offset& x) {
  return f(x.version, x.topic, x.partition, x.offset, x.metadata);
}

// -- generic error ------------------------------------------------------------------------

/// Sent instead of the expected response when a request could not be read or routed
/// (malformed envelope, future version, unknown message type, node shutting down).
struct error_response {
  uint16_t version = protocol_version;
  errc error = errc::internal;
  std::string message;
  MSGPACK_DEFINE(version, error, message)
  friend bool operator==(const error_response& a, const error_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, error_response& x) {
  return f(x.version, x.error, x.message);
}

// -- topics -------------------------------------------------------------------------------

struct create_topic_request {
  uint16_t version = protocol_version;
  std::string name;
  wire_topic_config config;
  MSGPACK_DEFINE(version, name, config)
  friend bool operator==(const create_topic_request& a, const create_topic_request& b) {
    return a.version == b.version && a.name == b.name && a.config == b.config;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_topic_request& x) {
  return f(x.version, x.name, x.config);
}

struct create_topic_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  MSGPACK_DEFINE(version, error, message)
  friend bool operator==(const create_topic_response& a, const create_topic_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_topic_response& x) {
  return f(x.version, x.error, x.message);
}

struct delete_topic_request {
  uint16_t version = protocol_version;
  std::string name;
  MSGPACK_DEFINE(version, name)
  friend bool operator==(const delete_topic_request& a, const delete_topic_request& b) {
    return a.version == b.version && a.name == b.name;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_topic_request& x) {
  return f(x.version, x.name);
}

struct delete_topic_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  MSGPACK_DEFINE(version, error, message)
  friend bool operator==(const delete_topic_response& a, const delete_topic_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_topic_response& x) {
  return f(x.version, x.error, x.message);
}

struct list_topics_request {
  uint16_t version = protocol_version;
  MSGPACK_DEFINE(version)
  friend bool operator==(const list_topics_request& a, const list_topics_request& b) {
    return a.version == b.version;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_topics_request& x) {
  return f(x.version);
}

struct list_topics_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::vector<wire_topic_info> topics;
  MSGPACK_DEFINE(version, error, message, topics)
  friend bool operator==(const list_topics_response& a, const list_topics_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.topics == b.topics;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_topics_response& x) {
  return f(x.version, x.error, x.message, x.topics);
}

struct describe_topic_request {
  uint16_t version = protocol_version;
  std::string name;
  MSGPACK_DEFINE(version, name)
  friend bool operator==(const describe_topic_request& a, const describe_topic_request& b) {
    return a.version == b.version && a.name == b.name;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, describe_topic_request& x) {
  return f(x.version, x.name);
}

struct describe_topic_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  wire_topic_info topic;
  MSGPACK_DEFINE(version, error, message, topic)
  friend bool operator==(const describe_topic_response& a, const describe_topic_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.topic == b.topic;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, describe_topic_response& x) {
  return f(x.version, x.error, x.message, x.topic);
}

// -- produce / fetch ----------------------------------------------------------------------

/// acks: 0 = none, 1 = leader (written), -1 = all (fsynced). producer_id >= 0 with
/// base_sequence makes the batch idempotent.
struct produce_request {
  uint16_t version = protocol_version;
  std::string topic;
  partition_id partition{0};
  std::vector<wire_record> records;
  int8_t acks = 1;
  int64_t producer_id = -1;
  int32_t base_sequence = -1;
  MSGPACK_DEFINE(version, topic, partition, records, acks, producer_id, base_sequence)
  friend bool operator==(const produce_request& a, const produce_request& b) {
    return a.version == b.version && a.topic == b.topic && a.partition == b.partition &&
           a.records == b.records && a.acks == b.acks && a.producer_id == b.producer_id &&
           a.base_sequence == b.base_sequence;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, produce_request& x) {
  return f(x.version, x.topic, x.partition, x.records, x.acks, x.producer_id, x.base_sequence);
}

struct produce_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  offset_t base_offset{-1};
  offset_t last_offset{-1};
  bool duplicate = false;
  MSGPACK_DEFINE(version, error, message, base_offset, last_offset, duplicate)
  friend bool operator==(const produce_response& a, const produce_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.base_offset == b.base_offset && a.last_offset == b.last_offset &&
           a.duplicate == b.duplicate;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, produce_response& x) {
  return f(x.version, x.error, x.message, x.base_offset, x.last_offset, x.duplicate);
}

/// max_wait_ms > 0: when no record is at `offset` yet, the broker holds the request up
/// to that long and answers as soon as one arrives (long poll).
struct fetch_request {
  uint16_t version = protocol_version;
  std::string topic;
  partition_id partition{0};
  offset_t offset{0};
  int32_t max_bytes = 1 << 20;
  int32_t max_wait_ms = 0;
  MSGPACK_DEFINE(version, topic, partition, offset, max_bytes, max_wait_ms)
  friend bool operator==(const fetch_request& a, const fetch_request& b) {
    return a.version == b.version && a.topic == b.topic && a.partition == b.partition &&
           a.offset == b.offset && a.max_bytes == b.max_bytes && a.max_wait_ms == b.max_wait_ms;
  }
};
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, fetch_request& x) {
  return f(x.version, x.topic, x.partition, x.offset, x.max_bytes, x.max_wait_ms);
}

struct fetch_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::vector<wire_stored_record> records;
  offset_t high_watermark{0};
  offset_t log_start{0};
  MSGPACK_DEFINE(version, error, message, records, high_watermark, log_start)
  friend bool operator==(const fetch_response& a, const fetch_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.records == b.records && a.high_watermark == b.high_watermark &&
           a.log_start == b.log_start;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_response& x) {
  return f(x.version, x.error, x.message, x.records, x.high_watermark, x.log_start);
}

/// spec: 0 = earliest (log start), 1 = latest (high watermark), 2 = by timestamp (first
/// offset whose timestamp >= timestamp_ms).
struct list_offsets_request {
  uint16_t version = protocol_version;
  std::string topic;
  partition_id partition{0};
  uint8_t spec = 0;
  int64_t timestamp_ms = 0;
  MSGPACK_DEFINE(version, topic, partition, spec, timestamp_ms)
  friend bool operator==(const list_offsets_request& a, const list_offsets_request& b) {
    return a.version == b.version && a.topic == b.topic && a.partition == b.partition &&
           a.spec == b.spec && a.timestamp_ms == b.timestamp_ms;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_offsets_request& x) {
  return f(x.version, x.topic, x.partition, x.spec, x.timestamp_ms);
}

struct list_offsets_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  offset_t offset{-1};
  MSGPACK_DEFINE(version, error, message, offset)
  friend bool operator==(const list_offsets_response& a, const list_offsets_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.offset == b.offset;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_offsets_response& x) {
  return f(x.version, x.error, x.message, x.offset);
}

// -- consumer groups ----------------------------------------------------------------------

struct commit_offsets_request {
  uint16_t version = protocol_version;
  std::string group;
  std::vector<wire_group_offset> offsets;
  MSGPACK_DEFINE(version, group, offsets)
  friend bool operator==(const commit_offsets_request& a, const commit_offsets_request& b) {
    return a.version == b.version && a.group == b.group && a.offsets == b.offsets;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_offsets_request& x) {
  return f(x.version, x.group, x.offsets);
}

struct commit_offsets_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  MSGPACK_DEFINE(version, error, message)
  friend bool operator==(const commit_offsets_response& a, const commit_offsets_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, commit_offsets_response& x) {
  return f(x.version, x.error, x.message);
}

struct fetch_offsets_request {
  uint16_t version = protocol_version;
  std::string group;
  MSGPACK_DEFINE(version, group)
  friend bool operator==(const fetch_offsets_request& a, const fetch_offsets_request& b) {
    return a.version == b.version && a.group == b.group;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_offsets_request& x) {
  return f(x.version, x.group);
}

struct fetch_offsets_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::vector<wire_group_offset> offsets;
  MSGPACK_DEFINE(version, error, message, offsets)
  friend bool operator==(const fetch_offsets_response& a, const fetch_offsets_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.offsets == b.offsets;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fetch_offsets_response& x) {
  return f(x.version, x.error, x.message, x.offsets);
}

// -- type table -----------------------------------------------------------------------------

/// message_traits<T>::type is T's msg_type; response_of<Req> names the response struct.
template <class T> struct message_traits;

#define PINPIPE_MESSAGE_TRAITS(T, RESP)                                                            \
  template <> struct message_traits<T> {                                                           \
    static constexpr msg_type type = msg_type::T;                                                  \
    using response = RESP;                                                                         \
  };
PINPIPE_MESSAGE_TRAITS(error_response, void)
PINPIPE_MESSAGE_TRAITS(create_topic_request, create_topic_response)
PINPIPE_MESSAGE_TRAITS(create_topic_response, void)
PINPIPE_MESSAGE_TRAITS(delete_topic_request, delete_topic_response)
PINPIPE_MESSAGE_TRAITS(delete_topic_response, void)
PINPIPE_MESSAGE_TRAITS(list_topics_request, list_topics_response)
PINPIPE_MESSAGE_TRAITS(list_topics_response, void)
PINPIPE_MESSAGE_TRAITS(describe_topic_request, describe_topic_response)
PINPIPE_MESSAGE_TRAITS(describe_topic_response, void)
PINPIPE_MESSAGE_TRAITS(produce_request, produce_response)
PINPIPE_MESSAGE_TRAITS(produce_response, void)
PINPIPE_MESSAGE_TRAITS(fetch_request, fetch_response)
PINPIPE_MESSAGE_TRAITS(fetch_response, void)
PINPIPE_MESSAGE_TRAITS(list_offsets_request, list_offsets_response)
PINPIPE_MESSAGE_TRAITS(list_offsets_response, void)
PINPIPE_MESSAGE_TRAITS(commit_offsets_request, commit_offsets_response)
PINPIPE_MESSAGE_TRAITS(commit_offsets_response, void)
PINPIPE_MESSAGE_TRAITS(fetch_offsets_request, fetch_offsets_response)
PINPIPE_MESSAGE_TRAITS(fetch_offsets_response, void)
#undef PINPIPE_MESSAGE_TRAITS

template <class Req> using response_of = typename message_traits<Req>::response;

/// The error status carried by a response (`ok` when error == errc::ok).
template <class Resp> status status_of(const Resp& r) {
  return r.error == errc::ok ? status{} : status{r.error, r.message};
}

/// `r` with its error code and message taken from `st` (the reverse of status_of).
template <class Resp> Resp with_status(Resp r, const status& st) {
  r.error = st.code();
  r.message = st.message();
  return r;
}

} // namespace pinpipe::messages
