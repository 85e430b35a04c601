#include "transport/link_monitor.hpp"

#include <chrono>
#include <cstring>

#include <zmq.hpp>

namespace pinpipe::transport {

namespace {
constexpr auto mark_every = std::chrono::milliseconds(1);
} // namespace

struct link_monitor::sockets {
  zmq::socket_t pair;
};

link_monitor::link_monitor(std::string endpoint, int heartbeat_ms)
    : endpoint_(std::move(endpoint)), heartbeat_ms_(heartbeat_ms) {}

link_monitor::~link_monitor() = default;

result<std::unique_ptr<link_monitor>> link_monitor::attach(zmq::context_t& ctx,
                                                           zmq::socket_t& sock,
                                                           std::string endpoint,
                                                           int heartbeat_ms) {
  std::unique_ptr<link_monitor> m(new link_monitor(std::move(endpoint), heartbeat_ms));
  const std::string addr =
      "inproc://pinpipe-monitor-" + std::to_string(reinterpret_cast<uintptr_t>(m.get()));
  constexpr int events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_CONNECT_RETRIED | ZMQ_EVENT_DISCONNECTED |
                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
  if (zmq_socket_monitor(sock.handle(), addr.c_str(), events) != 0)
    return status{errc::internal, std::string{"cannot monitor the client socket: "} +
                                      zmq_strerror(zmq_errno())};
  try {
    m->s_ = std::make_unique<sockets>(sockets{zmq::socket_t(ctx, zmq::socket_type::pair)});
    m->s_->pair.set(zmq::sockopt::linger, 0);
    m->s_->pair.connect(addr);
  } catch (const zmq::error_t& e) {
    return status{errc::internal, std::string{"cannot read the client socket's events: "} +
                                      e.what()};
  }
  return m;
}

void* link_monitor::handle() const {
  return s_->pair.handle();
}

void link_monitor::drain() {
  for (;;) {
    zmq::message_t head, addr;
    try {
      if (!s_->pair.recv(head, zmq::recv_flags::dontwait)) return;
      if (head.more()) (void)s_->pair.recv(addr, zmq::recv_flags::dontwait);
    } catch (const zmq::error_t&) {
      return;
    }
    if (head.size() < 6) continue;
    uint16_t event = 0;
    uint32_t value = 0;
    std::memcpy(&event, head.data(), 2);
    std::memcpy(&value, static_cast<const char*>(head.data()) + 2, 4);
    on_event(event, value);
  }
}

void link_monitor::on_event(uint16_t event, uint32_t value) {
  switch (event) {
  case ZMQ_EVENT_CONNECTED:
    tcp_up_ = attempt_tcp_ = true;
    last_refused_ = false;
    handshake_ok_ = false;
    break;
  case ZMQ_EVENT_CONNECT_RETRIED:
    // A retry that no CONNECTED preceded: the attempt failed before TCP was up (refused).
    last_refused_ = !attempt_tcp_;
    attempt_tcp_ = tcp_up_ = false;
    break;
  case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
    handshake_ok_ = ever_handshake_ = true;
    auth_status_ = protocol_error_ = 0;
    closed_in_handshake_ = false;
    break;
  case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
    auth_status_ = value;
    break;
  case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
    protocol_error_ = value;
    break;
  case ZMQ_EVENT_DISCONNECTED:
    if (handshake_ok_) {
      ++drops_;
    } else if (auth_status_ == 0 && protocol_error_ == 0) {
      closed_in_handshake_ = true;
    }
    handshake_ok_ = false;
    tcp_up_ = false;
    break;
  default:
    break;
  }
}

void link_monitor::mark() {
  // Reading the monitor costs a system call; pipelined senders call this per request.
  // Reading at most once per mark_every lets a drop of the last moment count against the
  // next request, which then fails as lost (while no connection is up it was not sent).
  const auto now = std::chrono::steady_clock::now();
  if (now - last_drain_ >= mark_every) {
    drain();
    last_drain_ = now;
  }
  drops_at_mark_ = drops_;
}

status link_monitor::verdict() const {
  if (auth_status_ != 0)
    return status{errc::unavailable,
                  "the node at " + endpoint_ + " refused this client's CURVE key (ZAP status " +
                      std::to_string(auth_status_) +
                      "): its [node] curve_allowed_clients / curve_allowed_clients_dir must list "
                      "the client's public key"};
  if (protocol_error_ == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
    return status{errc::unavailable,
                  "the node at " + endpoint_ +
                      " uses another security mechanism than this client in the ZeroMQ "
                      "handshake (a CURVE node needs --server-key or [node] curve_public_key; a "
                      "plain node needs none)"};
  if (protocol_error_ != 0)
    return status{errc::unavailable, "the ZeroMQ handshake with " + endpoint_ +
                                         " failed (protocol error " +
                                         std::to_string(protocol_error_) +
                                         "; is the server key right, and is it a pinpipe node?)"};
  if (!ever_handshake_ && closed_in_handshake_ && !tcp_up_)
    return status{errc::unavailable,
                  "the node at " + endpoint_ +
                      " closed the connection during the ZeroMQ handshake: its security "
                      "settings differ from this client's (a CURVE node needs --server-key "
                      "with its public key; a plain node needs none)"};
  if (!ever_handshake_ && last_refused_)
    return status{errc::unavailable,
                  "no node answering at " + endpoint_ + " (is `pinpipe node` running?)"};
  if (drops_ != drops_at_mark_)
    return status{errc::unavailable,
                  "the connection to " + endpoint_ +
                      " was lost while waiting for the reply (the node stopped, restarted or "
                      "missed its heartbeats for " +
                      std::to_string(heartbeat_ms_) +
                      " ms); the request may or may not have been applied"};
  return {};
}

std::string link_monitor::timeout_hint() const {
  if (handshake_ok_) return "the node is connected but did not answer; is it overloaded?";
  if (tcp_up_)
    return "the node accepted the TCP connection but never completed the ZeroMQ handshake; is "
           "it stopped (SIGSTOP) or overloaded?";
  if (last_refused_) return "no node answering there; is `pinpipe node` running?";
  return "no TCP connection could be made; is the host reachable and `pinpipe node` running?";
}

} // namespace pinpipe::transport
