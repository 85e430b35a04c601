// The node-to-node transport of a cluster (issue 13; docs/raft.md "Node links"): one
// peer_link (a ZeroMQ DEALER) per other member, all owned by ONE mesh thread, carrying
// Raft messages of any number of Raft groups as envelopes (messages/raft_wire.hpp) tagged
// with the cluster id and the sender's node id.
//
// Outbound: send(to, group, message) from any thread queues the message and wakes the
// mesh thread (inproc PAIR), which encodes it and sends it on the peer's link. Heartbeats
// and heartbeat answers are not sent one by one: the link collects them and sends ONE
// heartbeat_batch per peer per heartbeat interval (also when empty: it is the liveness
// beat), as Redpanda's heartbeat manager does.
//
// Inbound: the node's request server (transport::server, the ROUTER every peer connects
// to) hands node envelopes to on_envelope(). It checks and decodes them and calls the
// raft_handler once per Raft message (a heartbeat batch becomes one heartbeat per group).
// Refused and counted, never fatal: undecodable payloads (malformed), newer versions
// (unsupported_version), another cluster id, a sender that is not a configured member, a
// frame addressed to another node, and frames from a peer whose inbound side is cut by the
// fault switch.
//
// CURVE: with this node's key pair in link_settings, links are CURVE clients that present
// it, and every member needs its public key. The server side is the node's own server
// with its CURVE allowlist (transport/zap_handler.hpp): add member_keys() to it, and a
// node without the cluster's keys is refused at the handshake.
//
// Faults: set_faults() switches a link's fault switch on (transport/link_faults.hpp); it is
// off until then and nothing else turns it on.
//
// Threading: every public member is thread-safe; raft_handler runs on the thread that
// called on_envelope (the server's transport thread): it must not block.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.hpp"
#include "messages/raft_wire.hpp"
#include "messages/wire.hpp"
#include "transport/peer_link.hpp"

namespace pinpipe::transport {

struct mesh_config {
  link_settings link;                 ///< this node, cluster id, keys, timings
  std::vector<peer_endpoint> members; ///< every node of the cluster, this one included
};

/// Ok, or what is wrong with `c` and how to fix it (errc::invalid_config).
status validate(const mesh_config& c);

using raft_handler = std::function<void(messages::raft_group_id group, raft::message m)>;

/// Inbound frames the mesh refused, by reason, and those it accepted.
struct mesh_stats {
  uint64_t accepted = 0;
  uint64_t malformed = 0;
  uint64_t unsupported_version = 0;
  uint64_t wrong_cluster = 0;
  uint64_t unknown_node = 0; ///< sender not in the member list (or this node itself)
  uint64_t misaddressed = 0; ///< `to` is another node
  uint64_t cut_inbound = 0;  ///< discarded by a fault switch
  uint64_t send_refused = 0; ///< send() to a node that is not a peer, or after stop()
};

class peer_mesh {
public:
  /// Validates `cfg`, opens a link to every other member and starts the mesh thread.
  static result<std::unique_ptr<peer_mesh>> start(mesh_config cfg, raft_handler on_message);
  ~peer_mesh();
  peer_mesh(const peer_mesh&) = delete;
  peer_mesh& operator=(const peer_mesh&) = delete;
  /// Stops the thread (nothing is sent any more); idempotent. Later sends are refused.
  /// The sockets close when the mesh is destroyed.
  void stop();

  /// Queues one Raft message of `group` for node `to`. errc::invalid_argument when `to` is
  /// not another member, errc::unavailable after stop().
  status send(node_id to, messages::raft_group_id group, raft::message m);

  /// True for the envelope types this mesh handles (raft_message, heartbeat_batch).
  static bool is_node_message(messages::msg_type t);
  /// Takes one node envelope from the server; false when `env` is not a node message
  /// (the caller handles it). Refusals are counted in stats() and logged (rate-limited).
  bool on_envelope(const messages::envelope& env);

  /// The members' public keys (this node's included): for the server's CURVE allowlist.
  std::vector<std::string> member_keys() const;
  /// Turns on (or changes) the fault switch of the link to `peer`; errc::invalid_argument
  /// names a bad setting or an unknown peer.
  status set_faults(node_id peer, const fault_config& c);
  /// Turns every fault switch off.
  void clear_faults();

  bool is_up(node_id peer) const;
  result<link_stats> link(node_id peer) const;
  mesh_stats stats() const;
  node_id self() const { return cfg_.link.self; }

private:
  peer_mesh(mesh_config cfg, raft_handler on_message);
  void run();
  void refuse(std::atomic<uint64_t>& counter, const std::string& why);
  void wake();

  struct outgoing {
    node_id to;
    messages::raft_group_id group;
    raft::message m;
  };

  mesh_config cfg_;
  raft_handler on_message_;
  struct zmq_state;
  std::unique_ptr<zmq_state> z_;
  std::map<int32_t, std::unique_ptr<peer_link>> links_; ///< fixed after start()
  std::mutex mu_;
  std::deque<outgoing> queue_;
  bool wake_pending_ = false;
  bool stopped_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::atomic<uint64_t> accepted_{0}, malformed_{0}, unsupported_{0}, wrong_cluster_{0},
      unknown_node_{0}, misaddressed_{0}, cut_inbound_{0}, send_refused_{0};
  std::atomic<int64_t> last_refusal_log_ns_{0};
};

} // namespace pinpipe::transport
