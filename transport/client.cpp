#include "transport/client.hpp"

#include <algorithm>
#include <chrono>

#include <zmq.hpp>

#include "transport/curve.hpp"
#include "transport/link_monitor.hpp"

namespace pinpipe::transport {

namespace {
/// How long a wait for a reply polls only the socket before it also reads the monitor.
constexpr int first_wait_ms = 20;
} // namespace

/// A libzmq DEALER with its own context (and I/O thread), and the monitor of its connection.
struct client::impl {
  std::unique_ptr<zmq::context_t> ctx;
  std::unique_ptr<zmq::socket_t> sock;
  std::unique_ptr<link_monitor> mon;
  int rcvtimeo = -1; ///< ZMQ_RCVTIMEO as last set
};

client::client(client_options opts) : impl_(std::make_unique<impl>()), opts_(std::move(opts)) {}

client::~client() {
  impl_->mon.reset();
  if (impl_->sock) impl_->sock->close();
  if (impl_->ctx) impl_->ctx->close();
}

result<std::unique_ptr<client>> client::connect(const client_options& opts) {
  std::unique_ptr<client> c(new client(opts));
  if (opts.curve_public_key.empty() != opts.curve_secret_key.empty())
    return status{errc::invalid_argument,
                  "a client CURVE key pair needs both the public and the secret key"};
  c->impl_->ctx = std::make_unique<zmq::context_t>(1);
  c->impl_->sock = std::make_unique<zmq::socket_t>(*c->impl_->ctx, zmq::socket_type::dealer);
  try {
    auto& s = *c->impl_->sock;
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::sndhwm, 100000);
    s.set(zmq::sockopt::rcvhwm, 100000);
    s.set(zmq::sockopt::heartbeat_ivl, opts.heartbeat_ivl_ms);
    s.set(zmq::sockopt::heartbeat_timeout, opts.heartbeat_timeout_ms);
    s.set(zmq::sockopt::heartbeat_ttl, opts.heartbeat_ttl_ms);
    s.set(zmq::sockopt::connect_timeout, opts.connect_timeout_ms);
    if (!opts.server_public_key.empty()) {
      curve_keypair keys{opts.curve_public_key, opts.curve_secret_key};
      if (keys.public_key.empty()) {
        auto fresh = make_curve_keypair();
        if (!fresh) return fresh.error();
        keys = *fresh;
      }
      s.set(zmq::sockopt::curve_serverkey, opts.server_public_key);
      s.set(zmq::sockopt::curve_publickey, keys.public_key);
      s.set(zmq::sockopt::curve_secretkey, keys.secret_key);
    }
    auto mon = link_monitor::attach(*c->impl_->ctx, s, opts.endpoint, opts.heartbeat_timeout_ms);
    if (!mon) return mon.error();
    c->impl_->mon = std::move(*mon);
    s.connect(opts.endpoint);
  } catch (const zmq::error_t& e) {
    return status{errc::invalid_argument, "cannot connect to " + opts.endpoint + ": " + e.what() +
                                              " (expected an endpoint like tcp://127.0.0.1:7070"
                                              " and 40-char Z85 keys)"};
  }
  return c;
}

status client::send(const messages::envelope& env) {
  return send_raw(messages::encode_envelope(env));
}

status client::send_raw(const std::string& bytes) {
  impl_->mon->mark();
  try {
    if (!impl_->sock->send(zmq::buffer(bytes), zmq::send_flags::dontwait))
      return status{errc::unavailable, "send queue to " + opts_.endpoint +
                                           " is full (the node is not reading; is it up?)"};
  } catch (const zmq::error_t& e) {
    return status{errc::unavailable, std::string{"send failed: "} + e.what()};
  }
  return {};
}

status client::receive_bytes(int timeout_ms, const std::function<void(std::string_view)>& fn) {
  using clock = std::chrono::steady_clock;
  auto& sock = *impl_->sock;
  auto& mon = *impl_->mon;
  try {
    zmq::message_t msg;
    zmq::pollitem_t items[] = {{sock.handle(), 0, ZMQ_POLLIN, 0},
                               {mon.handle(), 0, ZMQ_POLLIN, 0}};
    auto take = [&] {
      return (items[0].revents & ZMQ_POLLIN) && sock.recv(msg, zmq::recv_flags::dontwait);
    };
    const auto deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
    bool got = false;
    if (timeout_ms == 0) {
      // Only a reply already queued.
      got = static_cast<bool>(sock.recv(msg, zmq::recv_flags::dontwait));
      if (!got) return status{errc::timeout, "no reply queued"};
    } else {
      // The usual case: the reply comes within a few ms. A blocking recv with a receive
      // timeout sleeps on the socket's own mailbox: about two system calls, where
      // zmq::poll costs four or more; the monitor is read only after first_wait.
      const int first = std::min(timeout_ms, first_wait_ms);
      if (impl_->rcvtimeo != first) {
        sock.set(zmq::sockopt::rcvtimeo, first);
        impl_->rcvtimeo = first;
      }
      got = static_cast<bool>(sock.recv(msg, zmq::recv_flags::none));
    }
    while (!got) {
      // The connection's events: a refused or dropped connection ends the wait.
      mon.drain();
      if (auto st = mon.verdict(); !st) return st;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left.count() <= 0)
        return status{errc::timeout, "no reply from " + opts_.endpoint + " within " +
                                         std::to_string(timeout_ms) + " ms (" +
                                         mon.timeout_hint() + ")"};
      zmq::poll(items, 2, left);
      got = take();
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
                                         std::to_string(timeout_ms) + " ms (" +
                                         impl_->mon->timeout_hint() + ")"};
      return rep;
    }
    // Correlation id 0: the server could not read our envelope at all; it is ours.
    if (rep->correlation_id == env.correlation_id || rep->correlation_id == 0) return rep;
    // A late reply to an earlier, timed-out call: drop it and keep waiting.
  }
}

} // namespace pinpipe::transport
