// Cluster administration requests (docs/cluster.md, docs/wire-protocol.md "Cluster
// administration"), same envelope and conventions as messages/log_api.hpp.
//
//   cluster_admin_request (60) -> cluster_admin_response (61)
//
// `action` says what to do:
//   "status"      this node's view: members up or down, which groups it leads (JSON body);
//   "move_leader" move topic/partition's leadership to `node` (sent to the current leader;
//                 another node answers not_leader with the leader's endpoint);
//   "link_faults" test hook, refused unless the node's [faults] allow = true: `cut` true cuts
//                 this node's links to and from `node` (both ways); otherwise the link to
//                 `node` drops, duplicates, delays and reorders frames with the given
//                 probabilities (all 0 = heal it); node 0 with nothing set heals every link.
#pragma once

#include <cstdint>
#include <string>

#include "messages/log_api.hpp"

namespace pinpipe::messages {

struct cluster_admin_request {
  uint16_t version = protocol_version;
  std::string action;
  std::string topic;
  int32_t partition = 0;
  int32_t node = 0;
  bool cut = false;
  // link_faults, appended later (older senders omit them: 0 = off)
  double drop = 0, duplicate = 0, delay = 0, reorder = 0;
  uint64_t seed = 1;
  MSGPACK_DEFINE(version, action, topic, partition, node, cut, drop, duplicate, delay, reorder, seed)
  friend bool operator==(const cluster_admin_request& a, const cluster_admin_request& b) {
    return a.version == b.version && a.action == b.action && a.topic == b.topic &&
           a.partition == b.partition && a.node == b.node && a.cut == b.cut &&
           a.drop == b.drop && a.duplicate == b.duplicate && a.delay == b.delay &&
           a.reorder == b.reorder && a.seed == b.seed;
  }
};

struct cluster_admin_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  std::string body;            ///< "status": a JSON object
  std::string leader_endpoint; ///< not_leader: where to send it instead
  MSGPACK_DEFINE(version, error, message, body, leader_endpoint)
  friend bool operator==(const cluster_admin_response& a, const cluster_admin_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.body == b.body && a.leader_endpoint == b.leader_endpoint;
  }
};

template <> struct message_traits<cluster_admin_request> {
  static constexpr msg_type type = msg_type::cluster_admin_request;
  using response = cluster_admin_response;
};
template <> struct message_traits<cluster_admin_response> {
  static constexpr msg_type type = msg_type::cluster_admin_response;
};

} // namespace pinpipe::messages
