// A client of a node's request server: one ZeroMQ DEALER socket connected to the node's
// ROUTER. Two ways to use it:
//  - pipelined: send() many envelopes, then receive() replies as they come (matched by
//    correlation id by the caller) - what the throughput benchmarks use;
//  - call(): send one request and wait for the reply with the same correlation id, up to
//    a timeout (replies to earlier, timed-out calls are discarded).
// The typed helper `request<Req>()` wraps a log API struct and unwraps its response.
//
// Threading: a client belongs to one thread at a time (ZeroMQ sockets are not
// thread-safe); make one client per thread. Each client has its own ZeroMQ context.
// With client_options::server_public_key set, the connection uses CURVE (with the
// client's own key pair when given, for nodes with an allowlist; else an ephemeral one).
//
// Failing fast: the client watches its connection (transport/link_monitor.hpp). A wait for
// a reply ends at once with errc::unavailable, instead of at its timeout, when the node
// refused the TCP connection and was never reached ("no node answering at ..."), refused
// the client's CURVE key, speaks another security mechanism, or the connection dropped
// after the request was sent (libzmq heartbeats: a node that stops answering them is
// dropped after heartbeat_timeout_ms). Timeouts say what state the connection was in.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "messages/codec.hpp"
#include "messages/log_api.hpp"
#include "messages/wire.hpp"

namespace pinpipe::transport {

struct client_options {
  std::string endpoint = "tcp://127.0.0.1:7070";
  std::string server_public_key; ///< Z85; non-empty = CURVE
  std::string name = "client";   ///< the envelope `source`
  /// The client's own CURVE key pair (Z85, as `pinpipe keygen` prints it), for a node that
  /// admits only listed clients; both empty = an ephemeral pair.
  std::string curve_public_key;
  std::string curve_secret_key;
  /// libzmq heartbeats (ZMQ_HEARTBEAT_IVL/TIMEOUT/TTL): a PING every ivl; a connection
  /// with no traffic for timeout is dropped (a waiting call then fails); ttl asks the node
  /// to drop us after that long without traffic. 0 = off.
  int heartbeat_ivl_ms = 1000;
  int heartbeat_timeout_ms = 5000;
  int heartbeat_ttl_ms = 10000;
  /// ZMQ_CONNECT_TIMEOUT: a TCP connect that takes longer is abandoned and retried.
  int connect_timeout_ms = 3000;
};

class client {
public:
  /// Creates the socket and connects (ZeroMQ connects in the background: an unreachable
  /// node shows up in the first wait for a reply, not here). Fails on a malformed endpoint
  /// or key.
  static result<std::unique_ptr<client>> connect(const client_options& opts);
  ~client();

  /// Queues one envelope for sending; errc::unavailable if the socket refuses it.
  status send(const messages::envelope& env);
  /// The next reply, waiting up to timeout_ms; errc::timeout when none came. With 0 it
  /// only takes a reply already queued (no system call): drain replies this way before
  /// sending the next requests, so they leave as one burst.
  result<messages::envelope> receive(int timeout_ms);
  /// Like receive, but hands the bytes of the reply to `fn` (valid during the call only)
  /// instead of decoding them: for readers of bulk replies (messages/fast_codec.hpp).
  status receive_bytes(int timeout_ms, const std::function<void(std::string_view)>& fn);
  /// send + wait for the reply with env.correlation_id (set to a fresh id when 0).
  result<messages::envelope> call(messages::envelope env, int timeout_ms);
  /// Sends raw bytes as one frame (tests of malformed input).
  status send_raw(const std::string& bytes);

  uint64_t next_correlation_id() { return ++last_id_; }
  const std::string& name() const { return opts_.name; }
  const std::string& endpoint() const { return opts_.endpoint; }

private:
  client(client_options opts);
  struct impl;
  std::unique_ptr<impl> impl_;
  client_options opts_;
  uint64_t last_id_ = 0;
};

/// Sends a log API request and returns its typed response. Transport failures and
/// error_response replies are error values; a response with error != ok is returned as
/// is (use messages::status_of to turn it into a status).
template <class Req>
result<messages::response_of<Req>> request(client& c, const Req& req, int timeout_ms) {
  auto env = messages::make_envelope(req, c.next_correlation_id(), c.name(), "broker");
  auto rep = c.call(std::move(env), timeout_ms);
  if (!rep) return rep.error();
  return messages::open_envelope<messages::response_of<Req>>(*rep);
}

} // namespace pinpipe::transport
