// The request server of a node: ONE transport thread owns a ZeroMQ ROUTER socket bound
// to the node's endpoint, receives envelopes (one per frame, after the ROUTER's identity
// frame) and hands each decoded request to the handler callback together with a
// `responder`. The handler must not block; it typically forwards to an actor. Replies may
// be produced later from any thread (an actor, the log's flusher thread for acks=all):
// `responder::reply` puts them on a thread-safe outbox and wakes the transport thread
// through an inproc PAIR socket, and the transport thread sends them on the ROUTER with
// the requester's identity frame. Bytes that do not decode as an envelope (garbage, a
// newer protocol version) are answered by the transport itself with an error_response.
// Bad requests are counted (bad_requests()) and logged at most 10 lines/s per kind, with a
// "suppressed K" summary line (log_lines_suppressed()); the stop line reports both.
//
// CURVE: when server_options has a key pair, the socket is a CURVE server and only
// clients that know the server's public key get through. With curve_check_clients, a ZAP
// handler (transport/zap_handler.hpp) served by the transport thread also requires the
// client's public key to be on curve_allowed_clients; refused clients are logged and get
// a ZAP error they can report.
//
// Limits: a frame larger than max_message_bytes is answered with an error_response
// (request_too_large, naming the limit) and dropped; libzmq itself closes a connection
// that sends a frame over twice that (it would otherwise buffer any announced size).
// Heartbeats (ZMQ_HEARTBEAT_*) drop connections whose client stopped answering.
// start() logs a warning when the socket listens beyond loopback without CURVE.
//
// Bursts: the thread reads every request already queued on the ROUTER (up to
// server_options::max_burst) before it sends replies; after each burst it calls the
// optional `on_drained` handler, so a handler can act on all requests of the burst at once
// (nodes/request_router merges produce requests this way). Replies pushed from the
// transport thread itself (e.g. from on_drained) do not wake it: they are sent right after.
//
// Lifecycle: construct -> start() (binds; returns once bound) -> ... -> stop() (or
// destructor). Replies after stop() are dropped. start/stop from one owning thread.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.hpp"
#include "messages/wire.hpp"

namespace pinpipe::transport {

struct server_options {
  /// ZeroMQ endpoint; "tcp://127.0.0.1:0" binds an ephemeral port (see server::endpoint()).
  std::string endpoint = "tcp://127.0.0.1:7070";
  std::string curve_secret_key; ///< Z85; with curve_public_key enables CURVE
  std::string curve_public_key;
  int poll_timeout_ms = 100;            ///< how often the thread checks for stop
  /// Larger frames get an error_response naming the limit; over twice this, libzmq closes
  /// the connection. <= 0: no limit.
  int64_t max_message_bytes = 64 << 20;
  /// libzmq heartbeats (ZMQ_HEARTBEAT_IVL/TIMEOUT/TTL; 0 = off), see transport/client.hpp.
  int heartbeat_ivl_ms = 1000;
  int heartbeat_timeout_ms = 5000;
  int heartbeat_ttl_ms = 10000;
  /// With CURVE: admit only clients whose public key (Z85) is in curve_allowed_clients
  /// (an empty list then admits nobody).
  bool curve_check_clients = false;
  std::vector<std::string> curve_allowed_clients;
  int max_burst = 1000;                 ///< requests read per burst before replies are sent
  /// After a burst of one or two requests (a client waiting for each answer), keep
  /// checking for the next request this long before sleeping in poll: such a client then
  /// does not pay a thread wake-up per request. Larger bursts (pipelined load) and idle
  /// periods never spin. The same after a round that only sent one or two replies made
  /// by other threads (acks=all from the sync thread): their clients are about to send
  /// the next request. 0 = always sleep.
  int spin_us = 250;
};

/// The warning start() logs for `opts` (empty when none): listening beyond loopback
/// (not 127.0.0.0/8, ::1, localhost, ipc:// or inproc://) without CURVE.
std::string exposure_warning(const server_options& opts);

namespace detail {
struct outbox;
}
} // namespace pinpipe::transport
namespace pinpipe::messages::fast {
struct envelope_view;
}
namespace pinpipe::transport {

/// Where a reply goes: the requester's identity and correlation id. Cheap to copy, safe to
/// use from any thread and after the server stopped (the reply is then dropped).
class responder {
public:
  responder() = default;
  responder(std::shared_ptr<detail::outbox> box, std::string identity, uint64_t correlation_id)
      : box_(std::move(box)), identity_(std::move(identity)), correlation_id_(correlation_id) {}
  /// Sends `env` back; its correlation_id is set to the request's.
  void reply(messages::envelope env) const;
  /// Sends back an envelope of `type` around an already encoded payload (one encode less).
  void reply_payload(messages::msg_type type, const std::string& payload,
                     const std::string& source) const;
  /// Answers a bad request (undecodable, unknown type, invalid) with an error_response
  /// carrying `st`, counts it in server::bad_requests() and logs it as a warning of `kind`,
  /// rate limited (transport/warn_limiter.hpp): a flood of garbage cannot flood the log.
  void reject(const status& st, const std::string& kind) const;
  uint64_t correlation_id() const { return correlation_id_; }

private:
  std::shared_ptr<detail::outbox> box_;
  std::string identity_;
  uint64_t correlation_id_ = 0;
};

using request_handler = std::function<void(messages::envelope request, responder reply)>;
/// Called on the transport thread after each burst of requests (see above).
using drain_handler = std::function<void()>;
/// Called first, with the envelope read in place (messages/fast_codec.hpp; the payload
/// points into the received frame, valid during the call only). Returns true when it took
/// the request; false sends it down the generic path (decode_envelope + on_request).
using fast_handler =
    std::function<bool(const messages::fast::envelope_view& env, const responder& reply)>;

/// The callbacks of a server; `on_drained` and `on_fast` may be empty.
struct handlers {
  request_handler on_request;
  drain_handler on_drained;
  fast_handler on_fast;
};

class server {
public:
  server(server_options opts, request_handler handler);
  server(server_options opts, handlers h);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and starts the transport thread; errc::unavailable when the bind fails.
  status start();
  /// Stops the thread and closes the sockets; idempotent.
  void stop();
  /// The bound endpoint, with the real port when an ephemeral one was asked for.
  std::string endpoint() const { return bound_endpoint_; }
  /// Requests received so far (including undecodable and oversized ones).
  uint64_t requests_received() const { return received_.load(); }
  /// Frames answered with request_too_large.
  uint64_t oversized_frames() const { return oversized_.load(); }
  /// Clients the CURVE allowlist refused (handshakes, so a retrying client counts often).
  uint64_t refused_clients() const { return refused_.load(); }
  /// Bad requests: frames without an envelope that decodes, oversized frames, and every
  /// request a handler answered with responder::reject (undecodable payload, unknown type).
  uint64_t bad_requests() const;
  /// Bad-request warnings the rate limit kept out of the log (10 lines/s per kind).
  uint64_t log_lines_suppressed() const;

private:
  void run(std::promise<status>* started);

  server_options opts_;
  request_handler handler_;
  drain_handler drained_;
  fast_handler fast_;
  std::shared_ptr<detail::outbox> outbox_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> oversized_{0};
  std::atomic<uint64_t> refused_{0};
  std::string bound_endpoint_;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace pinpipe::transport
