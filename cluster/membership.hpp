// The members of a cluster, read from the [cluster] section of the config: who the
// nodes are, where they listen, their CURVE keys, and the settings every node must
// share. A node with an empty [cluster] nodes list is a one-node cluster (not replicated).
//
// Conflicting configs: the node list, the replication factor and the cluster id are
// hashed into the cluster id the node links carry (`wire_cluster_id`), so a node started
// with a different list is refused by the others' links (counted as wrong_cluster, with a
// warning naming both ids) instead of silently joining a different cluster.
//
// Threading: plain values.
#pragma once

#include <string>
#include <vector>

#include "common/config.hpp"
#include "common/status.hpp"
#include "common/types.hpp"

namespace pinpipe::cluster {

struct member {
  node_id id{0};
  std::string endpoint;         ///< "tcp://10.0.0.2:7070": its [node] listen as others reach it
  std::string curve_public_key; ///< Z85, empty without CURVE
};

struct membership {
  node_id self{0};
  std::vector<member> members; ///< sorted by id, self included
  std::string cluster_id;      ///< [cluster] cluster_id as configured
  std::string wire_cluster_id; ///< cluster_id plus a hash of the shared settings
  int32_t replication_factor = 1;
  int32_t election_timeout_ms = 1000;
  int32_t heartbeat_ms = 50;

  bool replicated() const { return !members.empty(); }
  const member* find(node_id id) const;
  std::vector<node_id> ids() const;
};

/// The membership of `cfg` ([node] id, [cluster]); an empty `members` when [cluster] nodes
/// is empty. errc::invalid_config naming the key and what to do: a malformed "ID@ENDPOINT",
/// duplicate ids or endpoints, [node] id not in the list, keys for only some members, a
/// replication factor above the number of nodes.
result<membership> membership_of(const config::config& cfg);

/// min(3, nodes) when `configured` is 0, else `configured`.
int32_t effective_replication_factor(int32_t configured, size_t nodes);

} // namespace pinpipe::cluster
