// Internal to gateway/http_*.cpp: the state behind http_server (see http_server.hpp). The
// server loop (http_server.cpp) owns the listener, the workers and the sweeper; a
// connection's reads, requests and replies are in http_connection.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/http_limits.hpp"
#include "gateway/http_parse.hpp"
#include "gateway/http_server.hpp"

namespace pinpipe::gateway {

/// One client connection. Only the worker that moved `state` from idle to busy touches the
/// buffers; the sweeper claims idle connections the same way before closing them.
struct http_connection {
  enum : int { idle = 0, busy = 1, closed = 2 };
  int fd = -1;
  uint64_t id = 0;
  std::atomic<int> state{busy};
  std::atomic<int64_t> last_active_ms{0};
  /// When the request head being received must be complete (0: none in progress).
  std::atomic<int64_t> head_deadline_ms{0};
  std::string in; ///< received, not yet parsed: a head, chunked body bytes, pipelined requests
  size_t head_scan = 0;  ///< where the search for the end of the head resumes
  int64_t skip = 0;      ///< body bytes of a refused request still to discard
  bool draining = false; ///< answered and shut down for writing: discard until EOF
  bool sent_continue = false;
  bool just_served = false; ///< a reply went out during the current read
  // The request being received: its head is parsed when have_head.
  bool have_head = false;
  http_request req;
  http::body_framing framing;
  http::chunked_decoder chunks;
  int64_t reserved = 0; ///< bytes this connection holds of the body budget
};

struct http_server::impl {
  http_server_options opt;
  handler on_request;
  error_handler on_error;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  int bound_port = -1;
  std::atomic<bool> stopping{false};
  std::vector<std::thread> workers;
  std::mutex conns_mu;
  std::unordered_map<uint64_t, std::shared_ptr<http_connection>> conns;
  uint64_t next_id = 2;
  std::mutex sweep_mu;
  std::atomic<int64_t> last_sweep_ms{0};
  /// Accepting is paused (listener not armed) until this time; 0 = armed.
  std::atomic<int64_t> accept_paused_until_ms{0};
  std::unique_ptr<http::body_budget> budget;
  http::memory_trimmer trimmer;
  http::spare_fd spare;
  struct counters {
    std::atomic<int64_t> header_timeouts{0}, headers_too_large{0}, body_budget_rejections{0},
        fd_exhausted_rejections{0}, accept_backoffs{0}, memory_trims{0};
  } ctr;

  // http_server.cpp: the loop.
  void worker_loop();
  void accept_all();
  void arm_listener();
  void sweep();
  int64_t sweep_interval_ms() const;

  // http_connection.cpp: one connection.
  void serve(const std::shared_ptr<http_connection>& c);
  /// Consumes `got` (and what is buffered): answers every complete request. False when the
  /// connection was closed (or handed to draining) and must not be re-armed.
  bool absorb(http_connection& c, std::string_view got);
  /// Parses what c.in holds: the head, then a chunked body. complete: c.req is ready (or,
  /// for a Content-Length body, the head is parsed and the body goes to c.req.body).
  http::parse_state parse(http_connection& c, http::parse_error& err);
  /// Answers a complete request; false when the connection is closed or draining.
  bool respond(http_connection& c);
  /// Answers a refused request; false when the connection is closed or draining.
  bool refuse(http_connection& c, const http::parse_error& err);
  /// Frees the request (its body, its share of the budget) once it is answered.
  void finish_request(http_connection& c);
  /// Sends 100 Continue when the client waits for it.
  bool continue_if_expected(http_connection& c);
  /// 408 (best effort) and close, for a head past its deadline.
  void expire_head(http_connection& c);
  void rearm(http_connection& c);
  void close_conn(http_connection& c);
};

int64_t http_steady_ms();

} // namespace pinpipe::gateway
