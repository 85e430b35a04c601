// Test helper: one plain TCP connection to an HTTP server on 127.0.0.1, for writing bytes
// exactly as a test wants them (split, trickled, malformed) and reading responses framed by
// Content-Length. Used by the http_server and http_limits tests.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <string>

namespace pinpipe::gateway::test {

struct raw_response {
  int status = 0;
  std::string head;
  std::string body;
};

class raw_conn {
public:
  /// Connects (blocking, receive timeout `timeout_s`).
  explicit raw_conn(int port, int timeout_s = 5) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    set_timeout_ms(timeout_s * 1000);
    int yes = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~raw_conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;
  int fd() const { return fd_; }
  bool connected() const { return connected_; }
  void set_timeout_ms(int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  bool send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t w = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (w <= 0) return false;
      off += static_cast<size_t>(w);
    }
    return true;
  }
  /// One response (Content-Length framed); status 0 when the connection closed or timed out.
  raw_response read() {
    raw_response r;
    for (;;) {
      auto end = buf_.find("\r\n\r\n");
      if (end != std::string::npos) {
        r.head = buf_.substr(0, end);
        size_t len = 0;
        auto p = lower(r.head).find("content-length:");
        if (p != std::string::npos) len = std::strtoul(r.head.c_str() + p + 15, nullptr, 10);
        if (buf_.size() >= end + 4 + len) {
          r.status = std::atoi(r.head.c_str() + 9);
          r.body = buf_.substr(end + 4, len);
          buf_.erase(0, end + 4 + len);
          return r;
        }
      }
      char tmp[8192];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return raw_response{};
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  /// True when the server closed the connection (EOF after any pending bytes, or a reset)
  /// within the receive timeout.
  bool closed_by_server() {
    char tmp[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }
  static std::string lower(std::string s) {
    for (auto& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

} // namespace pinpipe::gateway::test
