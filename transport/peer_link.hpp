// One node link: this node's ZeroMQ DEALER towards ONE peer's ROUTER (the peer's request
// server), owned by the mesh thread (transport/peer_mesh.hpp), plus what we know about
// the peer: is it alive, when did we last hear from it, how long to back off before the
// next reconnect, the heartbeats waiting for the next interval, and the link's fault
// switch.
//
// Links are one-way: we send on our DEALER; the peer's frames arrive on OUR ROUTER
// (transport::server) and reach the mesh through peer_mesh::on_envelope, which calls
// heard(). So liveness is "a frame from the peer within peer_timeout_ms"; every node
// sends each peer a heartbeat batch every heartbeat interval, even an empty one.
//
// Reconnects follow the zguide's Paranoid Pirate: a peer silent for peer_timeout_ms is
// marked down and our socket to it is replaced by a fresh one at once, and again after a
// backoff that doubles (reconnect_min_ms .. reconnect_max_ms) for as long as the peer
// stays silent; the backoff resets when the peer is heard again. A replaced socket is
// kept as a fallback until the new one connects, so there is never a gap in what we send
// (a peer we cannot hear may still hear us: a one-way cut). ZMQ_IMMEDIATE: frames for a
// peer without a completed connection (down, refusing our CURVE key) are dropped and
// counted instead of queueing stale Raft traffic; Raft resends what matters.
//
// Threading: heard(), cut_inbound(), set_faults() and stats() from any thread (the
// server's transport thread calls heard()); everything else from the mesh thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/types.hpp"
#include "messages/raft_wire.hpp"
#include "transport/link_faults.hpp"

namespace zmq {
class context_t;
class socket_t;
} // namespace zmq

namespace pinpipe::transport {

/// A member of the cluster as this node sees it.
struct peer_endpoint {
  node_id id{0};
  std::string endpoint;         ///< the peer's request server, "tcp://10.0.0.2:7070"
  std::string curve_public_key; ///< Z85; required when the cluster uses CURVE
};

/// Settings shared by all links of a node.
struct link_settings {
  node_id self{0};
  std::string cluster;
  std::string curve_public_key; ///< this node's key pair; both set = CURVE on node links
  std::string curve_secret_key;
  int heartbeat_interval_ms = 50;
  int peer_timeout_ms = 500;   ///< no frame for this long: the peer is down
  int reconnect_min_ms = 100;  ///< first backoff after the peer went silent
  int reconnect_max_ms = 3000; ///< the backoff doubles up to this
  int send_hwm = 10000;        ///< frames queued per link before sends are dropped
};

/// Counters of one link (monotonic except `up` and `backoff_ms`).
struct link_stats {
  bool up = false;
  int backoff_ms = 0;
  uint64_t frames_sent = 0;   ///< frames handed to ZeroMQ (copies included)
  uint64_t messages_sent = 0; ///< raft messages (not heartbeats) given to the link
  uint64_t heartbeat_frames_sent = 0;
  uint64_t heartbeat_items_sent = 0; ///< group heartbeats and answers inside those frames
  uint64_t frames_received = 0;      ///< accepted frames from the peer
  uint64_t messages_received = 0;
  uint64_t heartbeat_frames_received = 0;
  uint64_t unreachable_drops = 0; ///< no connection to send on (down, refused, HWM)
  /// Raft messages the fault switch acted on. Heartbeat batches depend on timing, not on
  /// the traffic, so only their losses (dropped or cut) are counted, apart.
  uint64_t fault_dropped = 0, fault_duplicated = 0, fault_delayed = 0, fault_reordered = 0;
  uint64_t fault_cut_outbound = 0;
  uint64_t fault_dropped_heartbeats = 0;
  uint64_t fault_cut_inbound = 0; ///< frames of any kind discarded on arrival
  uint64_t went_down = 0, came_up = 0;
  uint64_t reconnects = 0; ///< sockets opened after the first
};

class peer_link {
public:
  using clock = std::chrono::steady_clock;

  peer_link(zmq::context_t& ctx, const link_settings& s, peer_endpoint peer);
  ~peer_link();
  peer_link(const peer_link&) = delete;
  peer_link& operator=(const peer_link&) = delete;

  const peer_endpoint& peer() const { return peer_; }

  // ---- mesh thread ----
  /// Sends one raft message of `group` now (through the fault switch), or, for a
  /// heartbeat or heartbeat answer, keeps it for the next heartbeat batch.
  void send(messages::raft_group_id group, const raft::message& m, clock::time_point now);
  /// Liveness, reconnects, the heartbeat batch when due, delayed frames when due.
  void tick(clock::time_point now);
  /// When tick() next has something to do.
  clock::time_point next_deadline() const;
  /// The DEALER (for polling) or null while backing off; drain_input() reads what came.
  void* socket_handle() const;
  void drain_input();

  // ---- any thread ----
  /// A frame from the peer arrived (on our ROUTER) and was accepted.
  void heard(bool heartbeat_frame);
  bool cut_inbound() const { return faults_.cut_inbound(); }
  void count_cut_inbound() { ++c_.fault_cut_inbound; }
  void set_faults(const fault_config& c);
  fault_config faults() const { return faults_.snapshot(); }
  link_stats stats() const;

private:
  void open_socket(clock::time_point now);
  void close_socket();
  void retire_socket(clock::time_point now);
  void emit(std::string frame, clock::time_point now, bool heartbeat_frame); ///< via faults
  void transmit(const std::string& frame);                                   ///< onto the socket
  void flush_heartbeats(clock::time_point now);

  zmq::context_t& ctx_;
  link_settings s_;
  peer_endpoint peer_;
  std::string source_; ///< envelope source, "node-<id>"
  std::unique_ptr<zmq::socket_t> sock_;
  std::unique_ptr<zmq::socket_t> old_sock_; ///< replaced, used until sock_ connects
  clock::time_point old_close_at_{};
  bool opened_once_ = false;
  bool up_ = false;
  clock::time_point opened_at_{};
  clock::time_point reopen_at_{};
  clock::time_point next_heartbeat_{};
  int backoff_ms_;
  messages::heartbeat_batch pending_;
  std::multimap<clock::time_point, std::string> delayed_;
  link_faults faults_;
  std::atomic<int64_t> last_heard_ns_{0}; ///< steady clock; 0 = never

  struct counters {
    std::atomic<bool> up{false};
    std::atomic<int> backoff_ms{0};
    std::atomic<uint64_t> frames_sent{0}, messages_sent{0}, heartbeat_frames_sent{0},
        heartbeat_items_sent{0}, frames_received{0}, messages_received{0},
        heartbeat_frames_received{0}, unreachable_drops{0}, fault_dropped{0},
        fault_dropped_heartbeats{0}, fault_duplicated{0}, fault_delayed{0}, fault_reordered{0},
        fault_cut_outbound{0}, fault_cut_inbound{0}, went_down{0}, came_up{0}, reconnects{0};
  };
  counters c_;
};

} // namespace pinpipe::transport
