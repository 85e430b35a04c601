#include "transport/peer_link.hpp"

#include <algorithm>

#include <zmq.hpp>

#include "common/logging.hpp"
#include "messages/codec.hpp"

namespace pinpipe::transport {

namespace {
int64_t ns_of(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
} // namespace

peer_link::peer_link(zmq::context_t& ctx, const link_settings& s, peer_endpoint peer)
    : ctx_(ctx), s_(s), peer_(std::move(peer)), source_("node-" + std::to_string(s.self.value)),
      backoff_ms_(s.reconnect_min_ms) {
  pending_.cluster = s_.cluster;
  pending_.from = s_.self;
  pending_.to = peer_.id;
  c_.backoff_ms = backoff_ms_;
  // Salt: the ordered pair of node ids, so 1->2 and 2->1 decide differently.
  faults_.set(fault_config{}, (uint64_t(uint32_t(s_.self.value)) << 32) | uint32_t(peer_.id.value));
  const auto now = clock::now();
  next_heartbeat_ = now;
  open_socket(now);
  // The first socket gets a whole timeout to hear from the peer before it is replaced.
  reopen_at_ = now + std::chrono::milliseconds(s_.peer_timeout_ms);
}

peer_link::~peer_link() {
  close_socket();
}

void peer_link::open_socket(clock::time_point now) {
  auto log = logging::get("transport");
  auto sock = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
  try {
    sock->set(zmq::sockopt::linger, 0);
    sock->set(zmq::sockopt::immediate, 1);
    sock->set(zmq::sockopt::sndhwm, s_.send_hwm);
    sock->set(zmq::sockopt::reconnect_ivl, s_.reconnect_min_ms);
    sock->set(zmq::sockopt::reconnect_ivl_max, s_.reconnect_max_ms);
    if (!s_.curve_secret_key.empty()) {
      sock->set(zmq::sockopt::curve_serverkey, peer_.curve_public_key);
      sock->set(zmq::sockopt::curve_publickey, s_.curve_public_key);
      sock->set(zmq::sockopt::curve_secretkey, s_.curve_secret_key);
    }
    sock->connect(peer_.endpoint);
  } catch (const zmq::error_t& e) {
    // The config was validated, so this is unexpected: retry after the backoff.
    log->error("node link to node {} at {}: cannot open a socket: {}", peer_.id.value,
               peer_.endpoint, e.what());
    reopen_at_ = now + std::chrono::milliseconds(backoff_ms_);
    return;
  }
  sock_ = std::move(sock);
  opened_at_ = now;
  if (opened_once_) ++c_.reconnects;
  opened_once_ = true;
}

void peer_link::close_socket() {
  sock_.reset();
  old_sock_.reset();
}

void peer_link::retire_socket(clock::time_point now) {
  // Kept for a while as a fallback: frames go out on it until the new socket has a
  // connection, so replacing a socket that still works loses nothing.
  if (!sock_) return;
  old_sock_ = std::move(sock_);
  old_close_at_ = now + std::chrono::milliseconds(s_.peer_timeout_ms);
}

void* peer_link::socket_handle() const {
  return sock_ ? sock_->handle() : nullptr;
}

void peer_link::drain_input() {
  // Peers answer node messages with nothing; a frame here is an error_response of the
  // peer's transport (say, a frame over its size limit). Log it and move on.
  if (!sock_) return;
  zmq::message_t m;
  try {
    while (sock_->recv(m, zmq::recv_flags::dontwait)) {
      auto env =
          messages::decode_envelope(std::string_view(static_cast<const char*>(m.data()), m.size()));
      if (env && env->type == messages::msg_type::error_response) {
        auto err = messages::decode_payload<messages::error_response>(env->payload.data);
        if (err)
          logging::get("transport")
              ->warn("node {} refused a frame from this node: {}", peer_.id.value, err->message);
      }
    }
  } catch (const zmq::error_t&) {
  }
}

void peer_link::heard(bool heartbeat_frame) {
  last_heard_ns_.store(ns_of(clock::now()));
  ++c_.frames_received;
  if (heartbeat_frame)
    ++c_.heartbeat_frames_received;
  else
    ++c_.messages_received;
}

void peer_link::set_faults(const fault_config& c) {
  faults_.set(c, (uint64_t(uint32_t(s_.self.value)) << 32) | uint32_t(peer_.id.value));
}

void peer_link::send(messages::raft_group_id group, const raft::message& m, clock::time_point now) {
  if (messages::is_heartbeat(m)) {
    messages::add_heartbeat(pending_, group, m);
    return;
  }
  messages::peer_message pm;
  pm.cluster = s_.cluster;
  pm.from = s_.self;
  pm.to = peer_.id;
  pm.group = group;
  pm.message = m;
  ++c_.messages_sent;
  emit(messages::encode_envelope(messages::msg_type::raft_message, 0, source_,
                                 messages::encode_peer_message(pm)),
       now, false);
}

void peer_link::emit(std::string frame, clock::time_point now, bool heartbeat_frame) {
  auto v = faults_.decide(now, heartbeat_frame);
  if (heartbeat_frame) {
    if (v.cut || v.dropped) ++c_.fault_dropped_heartbeats;
  } else {
    if (v.cut) ++c_.fault_cut_outbound;
    if (v.dropped) ++c_.fault_dropped;
    if (v.duplicated) ++c_.fault_duplicated;
    if (v.delayed) ++c_.fault_delayed;
    if (v.reordered) ++c_.fault_reordered;
  }
  for (auto at : v.sends) {
    if (at <= now)
      transmit(frame);
    else
      delayed_.emplace(at, frame);
  }
}

void peer_link::transmit(const std::string& frame) {
  if (!sock_) {
    ++c_.unreachable_drops;
    return;
  }
  try {
    if (sock_->send(zmq::buffer(frame), zmq::send_flags::dontwait)) {
      ++c_.frames_sent;
      old_sock_.reset(); // the new connection works
      return;
    }
    if (old_sock_ && old_sock_->send(zmq::buffer(frame), zmq::send_flags::dontwait)) {
      ++c_.frames_sent;
      return;
    }
  } catch (const zmq::error_t&) {
  }
  ++c_.unreachable_drops; // no completed connection (ZMQ_IMMEDIATE) or queue full
}

void peer_link::flush_heartbeats(clock::time_point now) {
  ++pending_.seq;
  messages::heartbeat_batch b = pending_;
  pending_.beats.clear();
  pending_.replies.clear();
  ++c_.heartbeat_frames_sent;
  c_.heartbeat_items_sent += b.beats.size() + b.replies.size();
  emit(messages::encode_envelope(messages::msg_type::heartbeat_batch, 0, source_,
                                 messages::encode_heartbeat_batch(b)),
       now, true);
}

void peer_link::tick(clock::time_point now) {
  auto log = logging::get("transport");
  const int64_t heard = last_heard_ns_.load();
  const bool alive = heard != 0 && ns_of(now) - heard <= int64_t(s_.peer_timeout_ms) * 1000000;
  if (alive && !up_) {
    up_ = true;
    ++c_.came_up;
    backoff_ms_ = s_.reconnect_min_ms;
    log->info("node link: node {} at {} is up", peer_.id.value, peer_.endpoint);
    // The peer is back (we hear it): connect a fresh socket now rather than wait for
    // libzmq's own reconnect backoff (up to reconnect_max_ms) on the old one.
    if (sock_ && c_.went_down > 0) retire_socket(now);
    if (!sock_) open_socket(now);
  } else if (!alive && up_) {
    up_ = false;
    ++c_.went_down;
    log->warn("node link: node {} at {} is down (nothing heard for {} ms); reconnecting",
              peer_.id.value, peer_.endpoint, s_.peer_timeout_ms);
    reopen_at_ = now; // a fresh socket at once; later ones after a growing backoff
  }
  if (!up_ && now >= reopen_at_) {
    // Paranoid Pirate: the peer stays silent; replace the socket (the old connection may
    // be dead without TCP knowing) and wait twice as long before the next attempt. There
    // is always a socket in between, so a peer that hears us while we do not hear it (a
    // one-way cut) keeps getting our heartbeats.
    retire_socket(now);
    open_socket(now);
    reopen_at_ = now + std::chrono::milliseconds(backoff_ms_);
    backoff_ms_ = std::min(backoff_ms_ * 2, s_.reconnect_max_ms);
  }
  if (!sock_ && now >= reopen_at_) open_socket(now);
  if (old_sock_ && now >= old_close_at_) old_sock_.reset();
  c_.up = up_;
  c_.backoff_ms = backoff_ms_;

  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    transmit(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
  }
  if (now >= next_heartbeat_) {
    flush_heartbeats(now);
    next_heartbeat_ = now + std::chrono::milliseconds(s_.heartbeat_interval_ms);
  }
}

peer_link::clock::time_point peer_link::next_deadline() const {
  auto t = next_heartbeat_;
  if (!delayed_.empty()) t = std::min(t, delayed_.begin()->first);
  if (!sock_) t = std::min(t, reopen_at_);
  // Liveness is checked at least every heartbeat interval (next_heartbeat_ covers it).
  return t;
}

link_stats peer_link::stats() const {
  link_stats s;
  s.up = c_.up;
  s.backoff_ms = c_.backoff_ms;
  s.frames_sent = c_.frames_sent;
  s.messages_sent = c_.messages_sent;
  s.heartbeat_frames_sent = c_.heartbeat_frames_sent;
  s.heartbeat_items_sent = c_.heartbeat_items_sent;
  s.frames_received = c_.frames_received;
  s.messages_received = c_.messages_received;
  s.heartbeat_frames_received = c_.heartbeat_frames_received;
  s.unreachable_drops = c_.unreachable_drops;
  s.fault_dropped = c_.fault_dropped;
  s.fault_dropped_heartbeats = c_.fault_dropped_heartbeats;
  s.fault_duplicated = c_.fault_duplicated;
  s.fault_delayed = c_.fault_delayed;
  s.fault_reordered = c_.fault_reordered;
  s.fault_cut_outbound = c_.fault_cut_outbound;
  s.fault_cut_inbound = c_.fault_cut_inbound;
  s.went_down = c_.went_down;
  s.came_up = c_.came_up;
  s.reconnects = c_.reconnects;
  return s;
}

} // namespace pinpipe::transport
