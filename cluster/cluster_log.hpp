// The log of a node in a replicated cluster (docs/cluster.md): a storage::log_store, so
// the broker actor, the request router, the gateway and every pipeline role use it as
// they use the one-node file log, over Raft-replicated partitions.
//
//  - Metadata (topics, replica sets, reported leaders, consumer group offsets) is the
//    state machine of the metadata Raft group (cluster/metadata.hpp). Changes are proposed
//    to that group's leader; on another node they are forwarded to it.
//  - Each partition is one Raft group over its replica set (cluster/replica_host.hpp).
//    A produce is proposed to the partition's leader: here when this node leads it, else
//    forwarded to the leader (one hop). While there is no leader, or leadership moves,
//    the request is retried with backoff until `request_timeout_ms`; an idempotent
//    request keeps its producer id and sequence, so a retry never duplicates. A request
//    without a producer id whose outcome became unknown (the leader failed after taking
//    it) is answered with that error rather than resent.
//  - Reads are served from this node's replica (committed batches only: the high
//    watermark is the commit index) and forwarded when it has none.
//
// Threading: every member is thread-safe. Produce callbacks run on the replica host's
// thread or a forwarder thread.
#pragma once

#include <memory>
#include <string>

#include "cluster/membership.hpp"
#include "common/status.hpp"
#include "raft/message.hpp"
#include "storage/log.hpp"

namespace pinpipe::cluster {

struct cluster_options {
  membership ms;
  std::string dir;                   ///< <data_dir>/cluster
  storage::log_config log_defaults;  ///< record limits and topic defaults
  int32_t default_partitions = 1;
  std::string curve_public_key;      ///< this node's pair (to reach the others with CURVE)
  std::string curve_secret_key;
  int request_timeout_ms = 10000;    ///< bound on retries while there is no leader
  int forward_timeout_ms = 1500;     ///< one forwarded request to another node
};

class cluster_log : public storage::log_store {
public:
  using sender = std::function<void(node_id to, uint64_t group, raft::message m)>;

  /// Opens the replicas found under o.dir and starts the replica host.
  static result<std::shared_ptr<cluster_log>> open(cluster_options o);

  /// Where outgoing Raft messages go (the node links); set once they exist. Until then
  /// they are dropped (Raft resends).
  virtual void set_sender(sender s) = 0;
  /// Whether the node link to a member is up (the node links' liveness); until set, every
  /// member counts as up. A leader whose link is down is not forwarded to: the request
  /// waits for the next election instead of for a dead node's timeout.
  virtual void set_liveness(std::function<bool(node_id)> up) = 0;
  /// A Raft message from another node.
  virtual void deliver(uint64_t group, raft::message m) = 0;
  /// Waits until the metadata group has a leader (a quorum is up); timeout otherwise.
  virtual status wait_for_quorum(int timeout_ms) = 0;
  /// `topics move-leader`: moves a partition's leadership to `to`.
  virtual status move_leader(const std::string& topic, int32_t partition, node_id to) = 0;
  /// Before a clean shutdown: hands every leadership of this node to another replica.
  virtual void hand_off_leadership(int wait_ms) = 0;
  /// The metadata group's leader as this node sees it (0 = none).
  virtual node_id metadata_leader() const = 0;
  /// "topic/partition" of every partition this node leads, sorted.
  virtual std::vector<std::string> led_partitions() const = 0;
  /// The leader of topic/partition as this node sees it (0 = none known).
  virtual node_id leader_of(const std::string& topic, int32_t partition) const = 0;
};

} // namespace pinpipe::cluster
