// Internal to gateway/: a small HTTP/1.1 server on epoll, replacing cpp-httplib on the hot
// path (profiling showed httplib spending most of the produce time in poll() before every
// read/write, two send()s per response and case-insensitive header maps).
//
// What it speaks: HTTP/1.0 and 1.1 requests, keep-alive (closed after `keep_alive_timeout_s`
// idle, on "Connection: close", or for HTTP/1.0 without "Connection: keep-alive"), bodies
// with Content-Length or "Transfer-Encoding: chunked", "Expect: 100-continue", HEAD (as GET
// without the body). The path is percent-decoded (not '+'), query parameters are decoded
// ('+' is a space), as httplib did. Pipelined requests are served in order. One response =
// one send().
//
// Limits (http_limits; what a hostile or careless client cannot do to the process):
//   - 413: a body over `max_request_bytes` (with a Content-Length the body is skipped and
//     the connection stays usable; a chunked one is answered and closed);
//   - 431: a request head (request line + headers) over `max_header_bytes`, however it
//     arrives; 414: a request line over 8 KiB;
//   - 408: a head not complete `header_timeout_ms` after its first byte (slowloris);
//   - 400: framing a proxy could read differently (two different Content-Length values,
//     Content-Length with Transfer-Encoding, a space before a header's colon, ...);
//   - 503 + Retry-After: a body that would take the bytes buffered for request bodies over
//     all connections past `max_buffered_body_bytes`; memory is returned to the system
//     (malloc_trim) once large bodies are gone;
//   - out of descriptors (EMFILE/ENFILE on accept): a spare descriptor is given up to
//     accept the waiting client and answer it 503, and accepting backs off when even that
//     fails, so the server never spins.
// Files: http_parse (request head, framing, chunked bodies), http_response (writing
// replies), http_limits (the body budget, the spare descriptor, memory trimming),
// http_connection (one connection's reads, requests and replies), http_server (the
// listener, the workers, the sweeper of idle and late connections).
//
// Threading: `threads` workers share one epoll instance; every connection is registered
// EPOLLONESHOT, so exactly one worker reads it, runs the handler (which may block, e.g.
// acks=all produce or a long poll) and writes the reply, then re-arms it. An idle
// keep-alive connection holds no thread. Handlers run concurrently on the workers.
// Lifecycle: construct, start() (binds, listens, starts the workers), stop() (wakes the
// workers, lets in-flight handlers finish, closes every connection). Idempotent stop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace pinpipe::gateway {

/// A reply as the handlers produce it; the server adds Content-Length and Connection.
struct reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json"; ///< empty (with an empty body): no header
};

/// One parsed request.
struct http_request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< as sent: path and query
  std::string path;    ///< percent-decoded path without the query
  std::string version; ///< "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers; ///< in order, names as sent
  std::vector<std::pair<std::string, std::string>> params;  ///< decoded query parameters
  std::string body;                                         ///< de-chunked
  /// Set by the server on a request it rejects itself: what was wrong and what to do (the
  /// error handler puts it in the envelope); empty otherwise.
  std::string error;

  /// First header with this name (ASCII case-insensitive), or nullptr.
  const std::string* find_header(std::string_view name) const;
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const { return find_header(name) != nullptr; }
  bool has_param(std::string_view name) const;
  /// First value of the parameter, "" when absent.
  std::string param(std::string_view name) const;
};

struct http_server_options {
  std::string host = "127.0.0.1";
  int port = 0; ///< 0 = ephemeral
  int threads = 8;
  int64_t max_request_bytes = 10 << 20;
  int keep_alive_timeout_s = 5;
  int64_t max_header_bytes = 64 * 1024;          ///< request line + headers -> 431 beyond
  int64_t header_timeout_ms = 10000;             ///< head complete within this -> 408 after
  int64_t max_buffered_body_bytes = 256LL << 20; ///< all connections -> 503 beyond
};

/// What the server refused or shed by itself (thread-safe snapshot).
struct http_server_stats {
  int64_t connections = 0;             ///< open now
  int64_t buffered_body_bytes = 0;     ///< reserved for request bodies now
  int64_t header_timeouts = 0;         ///< 408s (and connections closed at the head deadline)
  int64_t headers_too_large = 0;       ///< 431s
  int64_t body_budget_rejections = 0;  ///< 503s for max_buffered_body_bytes
  int64_t fd_exhausted_rejections = 0; ///< clients answered 503 because accept hit EMFILE
  int64_t accept_backoffs = 0;         ///< times accepting paused (no spare descriptor either)
  int64_t memory_trims = 0;            ///< malloc_trim calls after large bodies
};

class http_server {
public:
  /// Answers a request; exceptions become error(req, 500).
  using handler = std::function<reply(const http_request&)>;
  /// Answers what the server rejects itself: 400 (malformed or ambiguous framing), 404
  /// (PATCH/OPTIONS: no route), 408 (head too slow), 413 (over max_request_bytes), 414
  /// (request line too long), 431 (head too large), 500 (handler threw), 503 (body budget
  /// full; the server adds Retry-After). `req` holds what was parsed (method and path may be
  /// empty) and req.error says why (empty for 404 and 500).
  using error_handler = std::function<reply(const http_request& req, int status)>;

  http_server(http_server_options opt, handler h, error_handler e);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and listens (io_error naming the address when that fails; invalid_config for
  /// limits that cannot work), starts the workers.
  status start();
  http_server_stats stats() const;
  /// The bound port; -1 before start().
  int port() const;
  void stop();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

/// httplib's decode_url: %XX and %uXXXX escapes; '+' becomes ' ' when `plus_to_space`.
std::string url_decode(std::string_view s, bool plus_to_space);

} // namespace pinpipe::gateway
