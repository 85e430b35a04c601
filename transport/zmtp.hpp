// A ZeroMQ connection without libzmq's I/O thread: ZMTP 3.0 (the ZeroMQ wire protocol,
// rfc.zeromq.org/spec/23) with the NULL mechanism, spoken by the calling thread over one
// TCP socket, as a DEALER to a node's ROUTER.
//
// Why: with libzmq every message crosses the application thread and the context's I/O
// thread on each side; a client that waits for each answer pays two thread wake-ups per
// request in its own process. Here the calling thread writes and reads the socket itself,
// as hiredis does for Redis. The node side stays libzmq.
//
// What it does: connect (blocking, with a deadline), the greeting and READY handshake,
// framing (short and long frames, multi-part messages: the last part is the body, as a
// DEALER sees a ROUTER's reply), PING answered with PONG, other commands skipped. What it
// does not: CURVE (use the libzmq client for that), reconnecting by itself (the owner
// reconnects), more than one peer.
//
// Threading: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace pinpipe::transport::zmtp {

/// Largest message accepted from the peer (the libzmq side's max_message_bytes is 64 MiB).
inline constexpr uint64_t max_message_bytes = 256ULL << 20;

class connection {
public:
  connection() = default;
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Connects to "tcp://HOST:PORT" and completes the handshake as a DEALER within
  /// timeout_ms. Errors name the endpoint and what failed (refused, timed out, not a
  /// ZeroMQ peer, security mechanism mismatch, peer's ERROR command).
  status open(const std::string& endpoint, int timeout_ms);
  bool is_open() const { return fd_ >= 0; }
  void close();

  /// Queues one single-part message. Queued messages are written together by flush(),
  /// which receive() calls first and send() calls once `send_batch_bytes` are waiting: a
  /// burst of small requests leaves in one system call.
  status send(std::string_view body);
  /// Writes every queued message. Blocks (reading incoming bytes into the receive buffer
  /// meanwhile, so neither side can stall the other) until the kernel took every byte, or
  /// write_timeout_ms passed (errc::timeout); errc::unavailable when the connection broke.
  status flush();
  /// Flushes, then hands the next message's body to `fn` (valid during the call). Waits
  /// up to timeout_ms for it: 0 = only what is buffered or readable without blocking.
  /// errc::timeout when none came; errc::unavailable when the connection broke or the
  /// peer broke the protocol (the connection is closed then).
  status receive(int timeout_ms, const std::function<void(std::string_view)>& fn);

  static constexpr size_t send_batch_bytes = 256 << 10;
  static constexpr int write_timeout_ms = 30000;

private:
  enum class frame_result { none, frame, broken };
  struct frame {
    uint8_t flags = 0;
    std::string_view body;
  };
  /// Reads whatever the socket has (non-blocking); false with `err` set when it broke.
  bool fill(status& err);
  /// Waits for readability (and writability when want_write) up to timeout_ms.
  int wait(bool want_write, int timeout_ms);
  /// The next complete frame in the buffer, if any.
  frame_result next_frame(frame& f, status& err);
  status write_all(std::string_view bytes, int timeout_ms);
  status fail(status st);

  int fd_ = -1;
  std::string endpoint_;
  std::unique_ptr<char[]> in_; ///< received bytes; [pos_, len_) not yet consumed
  size_t cap_ = 0, pos_ = 0, len_ = 0;
  std::string out_; ///< queued frames, not yet written
};

/// "tcp://HOST:PORT" -> host and port; errc::invalid_argument naming the problem.
status parse_tcp_endpoint(const std::string& endpoint, std::string& host, std::string& port);

} // namespace pinpipe::transport::zmtp
