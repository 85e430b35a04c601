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
// With client_options::server_public_key set, the connection uses CURVE (an ephemeral
// client key pair is generated). With client_options::inline_io the calling thread
// speaks ZeroMQ's wire protocol itself (no libzmq context, no I/O thread).
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
  /// Speak ZeroMQ's protocol (ZMTP 3.0, NULL mechanism) on the calling thread instead of
  /// through a libzmq context and its I/O thread (transport/zmtp.hpp): two thread
  /// hand-offs fewer per request, for clients that wait for each answer. Differences:
  ///  - send() queues; the queue is written by the next receive(), call() or flush() (or
  ///    once 256 KiB wait), so a burst of requests leaves in one system call;
  ///  - connect() connects and fails at once when the node is not there;
  ///  - no CURVE;
  ///  - a broken connection fails the call that sees it and is opened again by the next
  ///    send (requests in flight on it are lost, as with a node restart);
  ///  - heartbeats (PING) are answered while the client waits in receive().
  bool inline_io = false;
};

class client {
public:
  /// Creates the socket and connects (ZeroMQ connects in the background: an unreachable
  /// node shows up as timeouts, not here). Fails on a malformed endpoint or key.
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
  /// Writes what send() queued (inline_io); with libzmq its I/O thread does that already.
  status flush();

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
