// Wire basics shared by every pinpipe message: the protocol version, the message type
// numbers, the `bytes` blob type and the envelope that carries one message between
// processes (transport/ sends one envelope per ZeroMQ frame).
//
// Envelope wire format (MessagePack, one array, fields in this order; see
// docs/wire-protocol.md for a worked example):
//
//   [ version: uint16,        protocol version of the sender (ours: protocol_version)
//     type: uint16,           msg_type of the payload
//     source: str,            free-form sender name ("cli", "node-1"), may be empty
//     destination: str,       free-form receiver name ("broker"), may be empty
//     correlation_id: uint64, chosen by the requester, copied into the response
//     payload: bin ]          the MessagePack encoding of the message struct
//
// Evolution is append-only: a newer sender may append fields, an older reader ignores
// them; a message whose version is greater than ours is refused with
// errc::unsupported_version. This header pulls in msgpack but not CAF: the `inspect`
// templates are plain templates that CAF instantiates in actor code only.
#pragma once

#include <cstdint>
#include <string>

#include <msgpack.hpp>

#include "common/status.hpp"
#include "common/types.hpp"

namespace pinpipe::messages {

/// Version this build speaks. Bumped when a field is appended to any message.
constexpr uint16_t protocol_version = 1;

/// What an envelope's payload holds. Values are wire format: append only.
enum class msg_type : uint16_t {
  none = 0,
  error_response = 1,
  create_topic_request = 10,
  create_topic_response = 11,
  delete_topic_request = 12,
  delete_topic_response = 13,
  list_topics_request = 14,
  list_topics_response = 15,
  describe_topic_request = 16,
  describe_topic_response = 17,
  produce_request = 20,
  produce_response = 21,
  fetch_request = 22,
  fetch_response = 23,
  list_offsets_request = 24,
  list_offsets_response = 25,
  commit_offsets_request = 30,
  commit_offsets_response = 31,
  fetch_offsets_request = 32,
  fetch_offsets_response = 33,
  flush_lake_request = 40, ///< node control (messages/control_api.hpp)
  flush_lake_response = 41,
  node_stats_request = 42, ///< node control: the node's counters (messages/control_api.hpp)
  node_stats_response = 43,
  batch_runs_request = 44, ///< node control: the batch runs (messages/warehouse_api.hpp)
  batch_runs_response = 45,
  batch_trigger_request = 46, ///< node control: queue a manual batch run
  batch_trigger_response = 47,
  warehouse_counts_request = 48, ///< node control: warehouse table counts, sink positions
  warehouse_counts_response = 49,
  raft_message = 50,    ///< node to node: messages/raft_wire.hpp peer_message
  heartbeat_batch = 51, ///< node to node: messages/raft_wire.hpp heartbeat_batch
  cluster_admin_request = 60, ///< cluster administration (messages/cluster_api.hpp)
  cluster_admin_response = 61,
};

/// Stable name of a message type ("produce_request"), "unknown" for others.
const char* to_string(msg_type t);

/// An opaque byte string, packed as MessagePack `bin` (a plain std::string packs as `str`).
struct bytes {
  std::string data;
  friend bool operator==(const bytes& a, const bytes& b) { return a.data == b.data; }
  friend bool operator!=(const bytes& a, const bytes& b) { return !(a == b); }
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, bytes& x) {
  return f(x.data);
}

/// One message in flight between two processes.
struct envelope {
  uint16_t version = protocol_version;
  msg_type type = msg_type::none;
  std::string source;
  std::string destination;
  uint64_t correlation_id = 0;
  bytes payload;
  MSGPACK_DEFINE(version, type, source, destination, correlation_id, payload)
  friend bool operator==(const envelope& a, const envelope& b) {
    return a.version == b.version && a.type == b.type && a.source == b.source &&
           a.destination == b.destination && a.correlation_id == b.correlation_id &&
           a.payload == b.payload;
  }
  friend bool operator!=(const envelope& a, const envelope& b) { return !(a == b); }
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, envelope& x) {
  return f(x.version, x.type, x.source, x.destination, x.correlation_id, x.payload);
}

} // namespace pinpipe::messages

namespace pinpipe {
/// CAF inspection of the strong integer types (offset_t, partition_id, ...): the raw value.
template <class Inspector, class Tag, class Rep>
typename Inspector::result_type inspect(Inspector& f, strong_int<Tag, Rep>& x) {
  return f(x.value);
}
} // namespace pinpipe

MSGPACK_ADD_ENUM(pinpipe::errc);
MSGPACK_ADD_ENUM(pinpipe::messages::msg_type);

// MessagePack adaptors: strong ints travel as plain integers, `bytes` as bin.
namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
  namespace adaptor {

  template <class Tag, class Rep> struct convert<pinpipe::strong_int<Tag, Rep>> {
    const msgpack::object& operator()(const msgpack::object& o,
                                      pinpipe::strong_int<Tag, Rep>& v) const {
      v.value = o.as<Rep>();
      return o;
    }
  };

  template <class Tag, class Rep> struct pack<pinpipe::strong_int<Tag, Rep>> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const pinpipe::strong_int<Tag, Rep>& v) const {
      o.pack(v.value);
      return o;
    }
  };

  template <> struct convert<pinpipe::messages::bytes> {
    const msgpack::object& operator()(const msgpack::object& o, pinpipe::messages::bytes& v) const {
      if (o.type == msgpack::type::BIN)
        v.data.assign(o.via.bin.ptr, o.via.bin.size);
      else if (o.type == msgpack::type::STR)
        v.data.assign(o.via.str.ptr, o.via.str.size);
      else
        throw msgpack::type_error();
      return o;
    }
  };

  template <> struct pack<pinpipe::messages::bytes> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const pinpipe::messages::bytes& v) const {
      o.pack_bin(static_cast<uint32_t>(v.data.size()));
      o.pack_bin_body(v.data.data(), static_cast<uint32_t>(v.data.size()));
      return o;
    }
  };

  } // namespace adaptor
} // MSGPACK_API_VERSION_NAMESPACE
} // namespace msgpack
