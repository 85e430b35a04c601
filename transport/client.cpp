#include "transport/client.hpp"

#include <chrono>

#include <zmq.hpp>

#include "transport/curve.hpp"
#include "transport/zmtp.hpp"

namespace pinpipe::transport {

namespace {
constexpr int inline_connect_timeout_ms = 5000;
} // namespace

/// Either a libzmq DEALER (its own context and I/O thread) or, with inline_io, a ZMTP
/// connection served by the calling thread.
struct client::impl {
  std::unique_ptr<zmq::context_t> ctx;
  std::unique_ptr<zmq::socket_t> sock;
  std::unique_ptr<zmtp::connection> conn;
};

client::client(client_options opts) : impl_(std::make_unique<impl>()), opts_(std::move(opts)) {}

client::~client() {
  if (impl_->sock) impl_->sock->close();
  if (impl_->ctx) impl_->ctx->close();
}

result<std::unique_ptr<client>> client::connect(const client_options& opts) {
  std::unique_ptr<client> c(new client(opts));
  if (opts.inline_io) {
    if (!opts.server_public_key.empty())
      return status{errc::invalid_argument,
                    "inline_io speaks ZeroMQ's NULL mechanism only: leave it off to use the "
                    "node's CURVE key"};
    c->impl_->conn = std::make_unique<zmtp::connection>();
    if (auto st = c->impl_->conn->open(opts.endpoint, inline_connect_timeout_ms); !st) return st;
    return c;
  }
  c->impl_->ctx = std::make_unique<zmq::context_t>(1);
  c->impl_->sock = std::make_unique<zmq::socket_t>(*c->impl_->ctx, zmq::socket_type::dealer);
  try {
    auto& s = *c->impl_->sock;
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::sndhwm, 100000);
    s.set(zmq::sockopt::rcvhwm, 100000);
    if (!opts.server_public_key.empty()) {
      auto keys = make_curve_keypair();
      if (!keys) return keys.error();
      s.set(zmq::sockopt::curve_serverkey, opts.server_public_key);
      s.set(zmq::sockopt::curve_publickey, keys->public_key);
      s.set(zmq::sockopt::curve_secretkey, keys->secret_key);
    }
    s.connect(opts.endpoint);
  } catch (const zmq::error_t& e) {
    return status{errc::invalid_argument, "cannot connect to " + opts.endpoint + ": " + e.what() +
                                              " (expected an endpoint like tcp://127.0.0.1:7070"
                                              " and a 40-char Z85 server key)"};
  }
  return c;
}

status client::send(const messages::envelope& env) {
  return send_raw(messages::encode_envelope(env));
}

status client::send_raw(const std::string& bytes) {
  if (auto& conn = impl_->conn) {
    // A broken connection is opened again here; requests in flight on it are lost (their
    // callers time out), as when a node restarts under a libzmq client.
    if (!conn->is_open()) {
      if (auto st = conn->open(opts_.endpoint, inline_connect_timeout_ms); !st) return st;
    }
    return conn->send(bytes);
  }
  try {
    if (!impl_->sock->send(zmq::buffer(bytes), zmq::send_flags::dontwait))
      return status{errc::unavailable, "send queue to " + opts_.endpoint +
                                           " is full (the node is not reading; is it up?)"};
  } catch (const zmq::error_t& e) {
    return status{errc::unavailable, std::string{"send failed: "} + e.what()};
  }
  return {};
}

status client::flush() {
  if (impl_->conn) return impl_->conn->flush();
  return {};
}

status client::receive_bytes(int timeout_ms, const std::function<void(std::string_view)>& fn) {
  if (impl_->conn) return impl_->conn->receive(timeout_ms, fn);
  auto& sock = *impl_->sock;
  zmq::pollitem_t item{sock.handle(), 0, ZMQ_POLLIN, 0};
  try {
    zmq::message_t msg;
    // A reply already queued: no poll (a system call) needed.
    if (!sock.recv(msg, zmq::recv_flags::dontwait)) {
      if (timeout_ms == 0) return status{errc::timeout, "no reply queued"}; // no system call
      zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms));
      if (!(item.revents & ZMQ_POLLIN))
        return status{errc::timeout, "no reply from " + opts_.endpoint + " within " +
                                         std::to_string(timeout_ms) +
                                         " ms (is the node running, and the key right?)"};
      if (!sock.recv(msg, zmq::recv_flags::dontwait))
        return status{errc::timeout, "no reply from " + opts_.endpoint};
    }
    fn(std::string_view(static_cast<const char*>(msg.data()), msg.size()));
    return {};
  } catch (const zmq::error_t& e) {
    return status{errc::unavailable, std::string{"receive failed: "} + e.what()};
  }
}

result<messages::envelope> client::receive(int timeout_ms) {
  result<messages::envelope> out = status{errc::internal, "no reply"};
  if (auto st = receive_bytes(timeout_ms,
                              [&](std::string_view b) { out = messages::decode_envelope(b); });
      !st)
    return st;
  return out;
}

result<messages::envelope> client::call(messages::envelope env, int timeout_ms) {
  if (env.correlation_id == 0) env.correlation_id = next_correlation_id();
  if (env.source.empty()) env.source = opts_.name;
  if (auto st = send(env); !st) return st;
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    auto rep = receive(static_cast<int>(std::max<int64_t>(0, left.count())));
    if (!rep) {
      if (rep.error().code() == errc::timeout)
        return status{errc::timeout, "no reply from " + opts_.endpoint + " within " +
                                         std::to_string(timeout_ms) +
                                         " ms (is the node running, and the key right?)"};
      return rep;
    }
    // Correlation id 0: the server could not read our envelope at all; it is ours.
    if (rep->correlation_id == env.correlation_id || rep->correlation_id == 0) return rep;
    // A late reply to an earlier, timed-out call: drop it and keep waiting.
  }
}

} // namespace pinpipe::transport
