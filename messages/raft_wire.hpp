// The MessagePack encoding of the messages between the nodes of a cluster
// (docs/wire-protocol.md, "Node-to-node messages"): every raft::message, wrapped in a
// `peer_message` that says which cluster, which nodes and which Raft group it belongs to,
// and the `heartbeat_batch` that carries the heartbeats of ALL the Raft groups two nodes
// share in one message per heartbeat interval (Redpanda's heartbeat manager does the
// same: with ~20 partitions per node, per-group heartbeats would be 20x the traffic).
//
// Format rules, as for every pinpipe struct: each struct is a MessagePack array of its
// fields in declaration order, `version` first; fields are only ever appended. A reader
// keeps defaults for missing trailing fields and ignores extra ones. Decoding never
// throws and never crashes: garbage, truncation, trailing bytes, wrong types and enum
// values out of range are errc::malformed_message; a version above raft_wire_version
// (of any nested struct too) is errc::unsupported_version; version 0 is malformed.
//
// The envelope types are messages::msg_type::raft_message (payload: peer_message) and
// msg_type::heartbeat_batch (payload: heartbeat_batch). Pure functions, any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"
#include "raft/message.hpp"

namespace pinpipe::messages {

/// Version of the node-to-node structs this build writes and reads up to.
constexpr uint16_t raft_wire_version = 1;

/// A Raft group on the wire. Which group is which (the metadata group, a partition's
/// replica set) is the host's business; the transport only carries the number.
using raft_group_id = uint64_t;

/// One Raft message of one group between two nodes of one cluster.
struct peer_message {
  uint16_t version = raft_wire_version;
  std::string cluster; ///< the sender's [cluster] id: a mismatch is refused
  node_id from = raft::no_node;
  node_id to = raft::no_node;
  raft_group_id group = 0;
  raft::message message;
  friend bool operator==(const peer_message& a, const peer_message& b) {
    return a.version == b.version && a.cluster == b.cluster && a.from == b.from && a.to == b.to &&
           a.group == b.group && a.message == b.message;
  }
};

/// One group's heartbeat (in `beats`: leader -> follower, with the commit index capped at
/// the follower's match) or heartbeat answer (in `replies`: commit unused).
struct heartbeat_item {
  uint16_t version = raft_wire_version;
  raft_group_id group = 0;
  term_t term{0};
  offset_t commit = raft::no_offset;
  friend bool operator==(const heartbeat_item& a, const heartbeat_item& b) {
    return a.version == b.version && a.group == b.group && a.term == b.term && a.commit == b.commit;
  }
};

/// Everything heartbeat-like one node has for another in one interval. Sent every
/// interval even when empty: it is also the liveness beat of the node pair.
struct heartbeat_batch {
  uint16_t version = raft_wire_version;
  std::string cluster;
  node_id from = raft::no_node;
  node_id to = raft::no_node;
  uint64_t seq = 0; ///< counts the sender's batches to this peer (diagnostics)
  std::vector<heartbeat_item> beats;
  std::vector<heartbeat_item> replies;
  friend bool operator==(const heartbeat_batch& a, const heartbeat_batch& b) {
    return a.version == b.version && a.cluster == b.cluster && a.from == b.from && a.to == b.to &&
           a.seq == b.seq && a.beats == b.beats && a.replies == b.replies;
  }
};

std::string encode_raft_message(const raft::message& m);
result<raft::message> decode_raft_message(std::string_view bytes);

std::string encode_peer_message(const peer_message& m);
result<peer_message> decode_peer_message(std::string_view bytes);

std::string encode_heartbeat_batch(const heartbeat_batch& b);
result<heartbeat_batch> decode_heartbeat_batch(std::string_view bytes);

/// heartbeat and heartbeat_response travel in heartbeat batches, everything else alone.
inline bool is_heartbeat(const raft::message& m) {
  return m.type == raft::msg_type::heartbeat || m.type == raft::msg_type::heartbeat_response;
}

/// Adds a heartbeat (or heartbeat_response) of `group` to `b`, replacing an older one of
/// the same group and direction (only the newest matters). Other types are ignored.
void add_heartbeat(heartbeat_batch& b, raft_group_id group, const raft::message& m);

/// The per-group raft messages a batch stands for, beats first, in batch order.
std::vector<std::pair<raft_group_id, raft::message>> split_heartbeats(const heartbeat_batch& b);

} // namespace pinpipe::messages
