// ZeroMQ's authentication protocol (ZAP, rfc 27) for a CURVE server: which clients may in.
// Without a ZAP handler libzmq admits every client that knows the server's public key;
// with this one only clients whose public key is on the allowlist complete the handshake.
// The others get a ZAP status 400, which libzmq passes to the client (a libzmq client sees
// ZMQ_EVENT_HANDSHAKE_FAILED_AUTH; pinpipe's client turns it into a clear error).
//
// The handler is a REP socket bound to inproc://zeromq.zap.01 in the server's ZeroMQ
// context, BEFORE the server's own socket binds, and is served by the server's transport
// thread (it polls handle() beside its ROUTER and calls serve_one()). Refusals are logged,
// at most once per key every log_every_ms, with the count of refusals in between.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"

namespace zmq {
class context_t;
class socket_t;
} // namespace zmq

namespace pinpipe::transport {

class zap_handler {
public:
  /// Binds the handler in `ctx`; the allowlist holds Z85 public keys (40 chars).
  static result<std::unique_ptr<zap_handler>> bind(zmq::context_t& ctx,
                                                   const std::vector<std::string>& allowed);
  ~zap_handler();

  void* handle() const;
  /// Answers the queued requests (never blocks).
  void serve_queued();

  uint64_t refused() const { return refused_; }
  uint64_t admitted() const { return admitted_; }

private:
  zap_handler() = default;
  bool decide(const std::string& mechanism, const std::string& key_z85,
              const std::string& address);

  struct sockets;
  std::unique_ptr<sockets> s_;
  std::set<std::string> allowed_;
  uint64_t refused_ = 0, admitted_ = 0;
  struct log_state {
    std::chrono::steady_clock::time_point last;
    uint64_t suppressed = 0;
  };
  std::unordered_map<std::string, log_state> logged_; ///< per refused key, bounded
};

} // namespace pinpipe::transport
