// What happened to a client's connection, from libzmq's socket monitor (zmq_socket_monitor):
// libzmq connects, reconnects, handshakes and drops connections in its I/O thread and
// otherwise says nothing, so without this a refused connection, a CURVE key the node
// refuses and a node that stopped answering heartbeats all look like the same timeout.
//
// The client polls `handle()` beside its DEALER while it waits for a reply; `drain()` reads
// the queued events; `mark()` starts a request (disconnects after it count against it);
// `verdict()` says when waiting longer is pointless (an error naming why), and
// `timeout_hint()` explains a timeout by the connection's state. One thread at a time, as
// the client that owns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.hpp"

namespace zmq {
class context_t;
class socket_t;
} // namespace zmq

namespace pinpipe::transport {

class link_monitor {
public:
  /// Starts monitoring `sock` (call before sock.connect, so no event is missed).
  static result<std::unique_ptr<link_monitor>> attach(zmq::context_t& ctx, zmq::socket_t& sock,
                                                      std::string endpoint, int heartbeat_ms);
  ~link_monitor();

  /// The monitor's socket, for zmq::poll beside the client's own.
  void* handle() const;
  /// Reads every event queued so far (never blocks).
  void drain();
  /// A request is about to be sent: reads queued events (at most once per ms), then forgets
  /// earlier disconnects.
  void mark();
  /// Ok while a reply can still come; otherwise the reason it cannot (errc::unavailable):
  /// the node refused the TCP connection and was never reached, refused our CURVE key,
  /// speaks another security mechanism, or the connection dropped after mark().
  status verdict() const;
  /// Why no reply came, from the connection's state (for timeout messages).
  std::string timeout_hint() const;

private:
  link_monitor(std::string endpoint, int heartbeat_ms);
  void on_event(uint16_t event, uint32_t value);

  struct sockets;
  std::unique_ptr<sockets> s_;
  std::string endpoint_;
  int heartbeat_ms_ = 0;
  bool tcp_up_ = false;          ///< a TCP connection exists now
  bool attempt_tcp_ = false;     ///< the current connection attempt got a TCP connection
  bool handshake_ok_ = false;    ///< ... and its ZeroMQ handshake completed
  bool ever_handshake_ = false;  ///< some connection completed its handshake
  bool last_refused_ = false;    ///< the last connection attempt failed before TCP was up
  uint32_t auth_status_ = 0;     ///< ZAP status of the last refused handshake (400, 500)
  uint32_t protocol_error_ = 0;  ///< ZMQ_PROTOCOL_ERROR_* of the last failed handshake
  bool closed_in_handshake_ = false; ///< the node closed a connection before the handshake
  uint64_t drops_ = 0, drops_at_mark_ = 0; ///< connections lost after their handshake
  std::chrono::steady_clock::time_point last_drain_{}; ///< of mark()
};

} // namespace pinpipe::transport
