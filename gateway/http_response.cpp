// Writing HTTP/1.1 replies (see http_response.hpp).
#include "gateway/http_response.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

namespace pinpipe::gateway::http {
namespace {

constexpr int k_write_timeout_ms = 5000;
constexpr size_t k_inline_body = 64 * 1024;

void format_head(std::string& out, const reply& r, bool keep_alive, int keep_alive_timeout_s,
                 std::string_view extra_headers) {
  out += "HTTP/1.1 ";
  out += std::to_string(r.status);
  out += ' ';
  out += reason(r.status);
  out += "\r\n";
  const bool has_content = !r.body.empty() || !r.content_type.empty();
  if (has_content && !r.content_type.empty()) {
    out += "Content-Type: ";
    out += r.content_type;
    out += "\r\n";
  }
  if (r.status != 204 && r.status >= 200) {
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\n";
  }
  out += extra_headers;
  if (keep_alive) {
    out += "Connection: Keep-Alive\r\nKeep-Alive: timeout=";
    out += std::to_string(keep_alive_timeout_s);
    out += "\r\n\r\n";
  } else {
    out += "Connection: close\r\n\r\n";
  }
}

} // namespace

const char* reason(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 409:
    return "Conflict";
  case 413:
    return "Payload Too Large";
  case 414:
    return "URI Too Long";
  case 415:
    return "Unsupported Media Type";
  case 422:
    return "Unprocessable Entity";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
  }
}

bool send_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w > 0) {
      p += w;
      n -= static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd, POLLOUT, 0};
      int pr = ::poll(&pfd, 1, k_write_timeout_ms);
      if (pr > 0) continue;
      if (pr < 0 && errno == EINTR) continue;
    }
    return false;
  }
  return true;
}

bool send_reply(int fd, const http_request& req, const reply& r, bool keep_alive,
                int keep_alive_timeout_s, std::string_view extra_headers) {
  thread_local std::string out;
  out.clear();
  if (out.capacity() > 4 * k_inline_body) out.shrink_to_fit(); // after a large inline reply
  format_head(out, r, keep_alive, keep_alive_timeout_s, extra_headers);
  if (req.method == "HEAD" || r.status == 204) return send_all(fd, out.data(), out.size());
  // Small bodies go in the same send; big ones are sent from their own buffer.
  if (r.body.size() <= k_inline_body) {
    out += r.body;
    return send_all(fd, out.data(), out.size());
  }
  return send_all(fd, out.data(), out.size()) && send_all(fd, r.body.data(), r.body.size());
}

void send_final(int fd, const reply& r, std::string_view extra_headers) {
  std::string out;
  format_head(out, r, false, 0, extra_headers);
  out += r.body;
  [[maybe_unused]] auto w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

} // namespace pinpipe::gateway::http
