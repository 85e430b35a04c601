// Internal to gateway/: a small HTTP/1.1 server on epoll, replacing cpp-httplib on the hot
// path (profiling showed httplib spending most of the produce time in poll() before every
// read/write, two send()s per response and case-insensitive header maps).
//
// What it speaks: HTTP/1.0 and 1.1 requests, keep-alive (closed after `keep_alive_timeout_s`
// idle, on "Connection: close", or for HTTP/1.0 without "Connection: keep-alive"), bodies
// with Content-Length or "Transfer-Encoding: chunked", "Expect: 100-continue", HEAD (as GET
// without the body). Requests over `max_request_bytes` get 413: with a Content-Length the
// body is skipped and the connection stays usable; a chunked one is answered and closed.
// The path is percent-decoded (not '+'), query parameters are decoded ('+' is a space), as
// httplib did. Pipelined requests are served in order. One response = one send().
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
};

class http_server {
public:
  /// Answers a request; exceptions become error(req, 500).
  using handler = std::function<reply(const http_request&)>;
  /// Answers what the server rejects itself: 400 (malformed), 404 (PATCH/OPTIONS: no
  /// route), 413 (over max_request_bytes), 414 (request line too long), 500 (handler threw).
  /// `req` holds what was parsed (method and path may be empty).
  using error_handler = std::function<reply(const http_request& req, int status)>;

  http_server(http_server_options opt, handler h, error_handler e);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and listens (io_error naming the address when that fails), starts the workers.
  status start();
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
