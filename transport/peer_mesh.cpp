#include "transport/peer_mesh.hpp"

#include <algorithm>
#include <set>

#include <zmq.hpp>

#include "common/logging.hpp"

namespace pinpipe::transport {

struct peer_mesh::zmq_state {
  zmq::context_t ctx{1};
  zmq::socket_t wake_in{ctx, zmq::socket_type::pair};
  zmq::socket_t wake_out{ctx, zmq::socket_type::pair}; ///< under mu_
};

status validate(const mesh_config& c) {
  auto bad = [](std::string why) { return status{errc::invalid_config, std::move(why)}; };
  const auto& l = c.link;
  if (l.self.value <= 0)
    return bad("this node's id is " + std::to_string(l.self.value) +
               "; node ids are positive integers ([node] id)");
  if (l.heartbeat_interval_ms < 1 || l.peer_timeout_ms <= l.heartbeat_interval_ms)
    return bad("node link timing: heartbeat interval " + std::to_string(l.heartbeat_interval_ms) +
               " ms and peer timeout " + std::to_string(l.peer_timeout_ms) +
               " ms; the timeout must be longer than the interval (a few intervals)");
  if (l.reconnect_min_ms < 1 || l.reconnect_max_ms < l.reconnect_min_ms)
    return bad("node link reconnect backoff [" + std::to_string(l.reconnect_min_ms) + ", " +
               std::to_string(l.reconnect_max_ms) + "] ms is invalid; use 1 <= min <= max");
  const bool curve = !l.curve_secret_key.empty() || !l.curve_public_key.empty();
  if (curve && (l.curve_secret_key.size() != 40 || l.curve_public_key.size() != 40))
    return bad("this node's CURVE key pair is incomplete: set both curve_public_key and "
               "curve_secret_key (40 characters each, from `pinpipe keygen`)");
  std::set<int32_t> ids;
  bool self_listed = false;
  for (const auto& m : c.members) {
    const std::string who = "cluster member " + std::to_string(m.id.value);
    if (m.id.value <= 0) return bad(who + ": node ids are positive integers");
    if (!ids.insert(m.id.value).second)
      return bad(who + " is listed twice; every node id appears once in [cluster] nodes");
    if (m.endpoint.rfind("tcp://", 0) != 0 && m.endpoint.rfind("ipc://", 0) != 0 &&
        m.endpoint.rfind("inproc://", 0) != 0)
      return bad(who + " has endpoint '" + m.endpoint +
                 "'; write it as ID@tcp://HOST:PORT, e.g. 2@tcp://10.0.0.2:7070");
    if (curve && m.curve_public_key.size() != 40)
      return bad(who + " has no CURVE public key (40 characters) but this node uses CURVE on "
                       "node links; give every member its public key");
    if (m.id == l.self) self_listed = true;
  }
  if (!self_listed)
    return bad("this node's id " + std::to_string(l.self.value) +
               " is not in the cluster's member list; add it to [cluster] nodes or fix [node] id");
  return {};
}

peer_mesh::peer_mesh(mesh_config cfg, raft_handler on_message)
    : cfg_(std::move(cfg)), on_message_(std::move(on_message)), z_(std::make_unique<zmq_state>()) {}

result<std::unique_ptr<peer_mesh>> peer_mesh::start(mesh_config cfg, raft_handler on_message) {
  if (auto st = validate(cfg); !st.ok()) return st;
  std::unique_ptr<peer_mesh> m(new peer_mesh(std::move(cfg), std::move(on_message)));
  try {
    const std::string ep = "inproc://pinpipe-mesh-" + std::to_string(uintptr_t(m.get()));
    m->z_->wake_in.set(zmq::sockopt::linger, 0);
    m->z_->wake_out.set(zmq::sockopt::linger, 0);
    m->z_->wake_in.bind(ep);
    m->z_->wake_out.connect(ep);
    for (const auto& p : m->cfg_.members)
      if (p.id != m->cfg_.link.self)
        m->links_.emplace(p.id.value, std::make_unique<peer_link>(m->z_->ctx, m->cfg_.link, p));
  } catch (const zmq::error_t& e) {
    return status{errc::internal, std::string{"cannot set up the node links: "} + e.what()};
  }
  // Sockets made here move to the mesh thread; starting a thread is a full barrier.
  m->thread_ = std::thread([p = m.get()] { p->run(); });
  logging::get("transport")
      ->info("node links of node {} (cluster '{}'): {} peers{}", m->cfg_.link.self.value,
             m->cfg_.link.cluster, m->links_.size(),
             m->cfg_.link.curve_secret_key.empty() ? "" : ", CURVE");
  return m;
}

peer_mesh::~peer_mesh() {
  stop();
}

void peer_mesh::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  stop_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
  // The links (and their sockets) stay until destruction: other threads may still read
  // their counters.
}

void peer_mesh::wake() {
  std::lock_guard<std::mutex> lock(mu_);
  if (wake_pending_) return;
  wake_pending_ = true;
  try {
    z_->wake_out.send(zmq::const_buffer("", 0), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
  }
}

status peer_mesh::send(node_id to, messages::raft_group_id group, raft::message m) {
  if (links_.find(to.value) == links_.end() || stop_) {
    ++send_refused_;
    if (stop_) return status{errc::unavailable, "the node links are stopped"};
    return status{errc::invalid_argument,
                  "node " + std::to_string(to.value) + " is not a peer of node " +
                      std::to_string(cfg_.link.self.value) + " (not in [cluster] nodes)"};
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(outgoing{to, group, std::move(m)});
    if (wake_pending_) return {};
  }
  wake();
  return {};
}

bool peer_mesh::is_node_message(messages::msg_type t) {
  return t == messages::msg_type::raft_message || t == messages::msg_type::heartbeat_batch;
}

void peer_mesh::refuse(std::atomic<uint64_t>& counter, const std::string& why) {
  ++counter;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_refusal_log_ns_.load();
  if (now - last >= 1000000000 && last_refusal_log_ns_.compare_exchange_strong(last, now)) {
    auto s = stats();
    logging::get("transport")
        ->warn("node {} refused a node message: {} (so far: {} malformed, {} newer version, {} "
               "other cluster, {} unknown node, {} misaddressed)",
               cfg_.link.self.value, why, s.malformed, s.unsupported_version, s.wrong_cluster,
               s.unknown_node, s.misaddressed);
  }
}

bool peer_mesh::on_envelope(const messages::envelope& env) {
  if (!is_node_message(env.type)) return false;
  const bool heartbeat = env.type == messages::msg_type::heartbeat_batch;
  std::string cluster;
  node_id from, to;
  messages::peer_message pm;
  messages::heartbeat_batch hb;
  status st;
  if (heartbeat) {
    auto r = messages::decode_heartbeat_batch(env.payload.data);
    if (r) {
      hb = std::move(*r);
      cluster = hb.cluster, from = hb.from, to = hb.to;
    } else {
      st = r.error();
    }
  } else {
    auto r = messages::decode_peer_message(env.payload.data);
    if (r) {
      pm = std::move(*r);
      cluster = pm.cluster, from = pm.from, to = pm.to;
      if (pm.message.from != pm.from || pm.message.to != pm.to)
        st = status{errc::malformed_message, "raft message " + raft::to_string(pm.message) +
                                                 " inside an envelope from node " +
                                                 std::to_string(pm.from.value) + " to " +
                                                 std::to_string(pm.to.value)};
    } else {
      st = r.error();
    }
  }
  const std::string src = " (envelope source '" + env.source + "')";
  if (!st.ok()) {
    refuse(st.code() == errc::unsupported_version ? unsupported_ : malformed_, st.message() + src);
    return true;
  }
  if (cluster != cfg_.link.cluster) {
    refuse(wrong_cluster_, "it belongs to cluster '" + cluster + "', this node to '" +
                               cfg_.link.cluster + "'" + src + "; check [cluster] on both nodes");
    return true;
  }
  auto it = links_.find(from.value);
  if (it == links_.end()) {
    refuse(unknown_node_,
           "node " + std::to_string(from.value) + " is not in this node's [cluster] nodes" + src);
    return true;
  }
  if (to != cfg_.link.self) {
    refuse(misaddressed_, "it is addressed to node " + std::to_string(to.value) +
                              ", this is node " + std::to_string(cfg_.link.self.value) + src +
                              "; the member lists of the nodes differ");
    return true;
  }
  peer_link& link = *it->second;
  if (link.cut_inbound()) {
    ++cut_inbound_;
    link.count_cut_inbound();
    return true;
  }
  ++accepted_;
  link.heard(heartbeat);
  if (!on_message_) return true;
  if (heartbeat) {
    for (auto& [group, m] : messages::split_heartbeats(hb))
      on_message_(group, std::move(m));
  } else {
    on_message_(pm.group, std::move(pm.message));
  }
  return true;
}

std::vector<std::string> peer_mesh::member_keys() const {
  std::vector<std::string> keys;
  for (const auto& m : cfg_.members)
    if (!m.curve_public_key.empty()) keys.push_back(m.curve_public_key);
  return keys;
}

status peer_mesh::set_faults(node_id peer, const fault_config& c) {
  if (auto why = check(c); !why.empty()) return status{errc::invalid_argument, why};
  auto it = links_.find(peer.value);
  if (it == links_.end())
    return status{errc::invalid_argument,
                  "node " + std::to_string(peer.value) + " is not a peer of this node"};
  it->second->set_faults(c);
  logging::get("transport")
      ->warn("fault switch of the link {} -> {} set: drop {} duplicate {} delay {} reorder {}{}{}",
             cfg_.link.self.value, peer.value, c.drop, c.duplicate, c.delay, c.reorder,
             c.cut_outbound ? ", outbound cut" : "", c.cut_inbound ? ", inbound cut" : "");
  return {};
}

void peer_mesh::clear_faults() {
  for (auto& [id, link] : links_)
    link->set_faults(fault_config{});
}

bool peer_mesh::is_up(node_id peer) const {
  auto it = links_.find(peer.value);
  return it != links_.end() && it->second->stats().up;
}

result<link_stats> peer_mesh::link(node_id peer) const {
  auto it = links_.find(peer.value);
  if (it == links_.end())
    return status{errc::invalid_argument,
                  "node " + std::to_string(peer.value) + " is not a peer of this node"};
  return it->second->stats();
}

mesh_stats peer_mesh::stats() const {
  mesh_stats s;
  s.accepted = accepted_;
  s.malformed = malformed_;
  s.unsupported_version = unsupported_;
  s.wrong_cluster = wrong_cluster_;
  s.unknown_node = unknown_node_;
  s.misaddressed = misaddressed_;
  s.cut_inbound = cut_inbound_;
  s.send_refused = send_refused_;
  return s;
}

void peer_mesh::run() {
  auto log = logging::get("transport");
  std::vector<zmq::pollitem_t> items;
  std::vector<peer_link*> polled;
  std::deque<outgoing> batch;
  while (!stop_) {
    auto now = peer_link::clock::now();
    auto deadline = now + std::chrono::milliseconds(cfg_.link.heartbeat_interval_ms);
    items.clear();
    polled.clear();
    items.push_back({z_->wake_in.handle(), 0, ZMQ_POLLIN, 0});
    for (auto& [id, link] : links_) {
      deadline = std::min(deadline, link->next_deadline());
      if (void* h = link->socket_handle()) {
        items.push_back({h, 0, ZMQ_POLLIN, 0});
        polled.push_back(link.get());
      }
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    try {
      zmq::poll(items.data(), items.size(),
                std::chrono::milliseconds(std::max<int64_t>(0, wait.count() + 1)));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      log->error("node links: poll failed: {}", e.what());
      break;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      zmq::message_t m;
      while (z_->wake_in.recv(m, zmq::recv_flags::dontwait)) {
      }
    }
    for (size_t i = 1; i < items.size(); ++i)
      if (items[i].revents & ZMQ_POLLIN) polled[i - 1]->drain_input();
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(queue_);
      wake_pending_ = false;
    }
    now = peer_link::clock::now();
    for (auto& o : batch)
      links_.at(o.to.value)->send(o.group, o.m, now);
    batch.clear();
    for (auto& [id, link] : links_)
      link->tick(now);
  }
}

} // namespace pinpipe::transport
