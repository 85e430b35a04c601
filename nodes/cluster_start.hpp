// A node's cluster part (docs/cluster.md): with [cluster] nodes set, the node's log is a
// cluster::cluster_log (Raft-replicated partitions, replicated metadata) and the node
// links (transport::peer_mesh) carry the Raft messages between the nodes. This file
// starts both, routes node envelopes arriving on the node's request server to the links,
// and stops them in order. Without [cluster] nodes nothing here runs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cluster/cluster_log.hpp"
#include "cluster/membership.hpp"
#include "common/config.hpp"
#include "transport/server.hpp"

namespace pinpipe::transport {
class peer_mesh;
}

namespace pinpipe::cli {

class cluster_runtime {
public:
  /// Opens the replicated log under <data_dir>/cluster and starts the node links.
  static result<std::unique_ptr<cluster_runtime>> start(const config::config& cfg,
                                                        const cluster::membership& ms);
  /// The answer to a cluster_admin_request (messages/cluster_api.hpp).
  std::string admin_status_json() const;
  ~cluster_runtime();

  std::shared_ptr<cluster::cluster_log> log() const { return log_; }
  transport::peer_mesh* mesh() const { return mesh_.get(); }
  /// `h` plus the node links: node envelopes go to the mesh, cluster_admin requests are
  /// answered here, the rest goes to `h`.
  transport::handlers with_links(transport::handlers h) const;
  /// The members' public keys, for the server's CURVE allowlist (empty without keys).
  std::vector<std::string> member_keys() const;
  /// Hands leaderships to other replicas (bounded by `wait_ms`), then stops the links.
  void stop(int wait_ms);

private:
  cluster_runtime() = default;
  void admin(const messages::envelope& env, const transport::responder& rsp) const;
  cluster::membership ms_;
  bool faults_allowed_ = false;
  std::shared_ptr<cluster::cluster_log> log_;
  std::unique_ptr<transport::peer_mesh> mesh_;
};

} // namespace pinpipe::cli
