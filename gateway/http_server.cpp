// The epoll HTTP/1.1 server (see http_server.hpp): connection table, worker loop, request
// parsing (headers, Content-Length and chunked bodies) and response writing.
#include "gateway/http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace pinpipe::gateway {
namespace {

constexpr size_t k_max_header_bytes = 64 * 1024;
constexpr size_t k_max_request_line = 8192;
constexpr uint64_t k_listener_id = 0;
constexpr uint64_t k_wakeup_id = 1;
constexpr int k_write_timeout_ms = 5000;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
    v.remove_suffix(1);
  return v;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

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

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

enum class parse_state { incomplete, complete, error };

// Decodes a chunked body starting at `p`; on complete, `consumed` is the byte count up to
// and including the final CRLF (trailers are skipped).
parse_state dechunk(std::string_view p, int64_t limit, std::string& body, size_t& consumed,
                    int& err) {
  body.clear();
  size_t i = 0;
  for (;;) {
    size_t eol = p.find("\r\n", i);
    if (eol == std::string_view::npos)
      return p.size() - i > 1024 ? parse_state::error : parse_state::incomplete;
    std::string_view line = p.substr(i, eol - i);
    auto semi = line.find(';');
    if (semi != std::string_view::npos) line = line.substr(0, semi);
    line = trim(line);
    if (line.empty() || line.size() > 15) {
      err = 400;
      return parse_state::error;
    }
    uint64_t n = 0;
    for (char c : line) {
      int h = hex_value(c);
      if (h < 0) {
        err = 400;
        return parse_state::error;
      }
      n = n * 16 + static_cast<uint64_t>(h);
    }
    i = eol + 2;
    if (n == 0) {
      // Trailers until an empty line.
      for (;;) {
        size_t e = p.find("\r\n", i);
        if (e == std::string_view::npos) return parse_state::incomplete;
        bool empty = e == i;
        i = e + 2;
        if (empty) {
          consumed = i;
          return parse_state::complete;
        }
      }
    }
    if (static_cast<int64_t>(body.size() + n) > limit) {
      err = 413;
      return parse_state::error;
    }
    if (p.size() < i + n + 2) return parse_state::incomplete;
    body.append(p.data() + i, n);
    if (p.substr(i + n, 2) != "\r\n") {
      err = 400;
      return parse_state::error;
    }
    i += n + 2;
  }
}

bool known_method(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE" ||
         m == "CONNECT" || m == "OPTIONS" || m == "TRACE" || m == "PATCH" || m == "PRI";
}

} // namespace

std::string url_decode(std::string_view s, bool plus_to_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 1 < s.size()) {
      if (s[i + 1] == 'u' && i + 5 < s.size()) {
        int a = hex_value(s[i + 2]), b = hex_value(s[i + 3]), c2 = hex_value(s[i + 4]),
            d = hex_value(s[i + 5]);
        if (a >= 0 && b >= 0 && c2 >= 0 && d >= 0) {
          append_utf8(out, static_cast<unsigned>((a << 12) | (b << 8) | (c2 << 4) | d));
          i += 5;
          continue;
        }
      } else if (i + 2 < s.size()) {
        int a = hex_value(s[i + 1]), b = hex_value(s[i + 2]);
        if (a >= 0 && b >= 0) {
          out += static_cast<char>((a << 4) | b);
          i += 2;
          continue;
        }
      }
      out += c;
    } else if (plus_to_space && c == '+') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

const std::string* http_request::find_header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}
std::string http_request::header(std::string_view name) const {
  const auto* v = find_header(name);
  return v ? *v : std::string();
}
bool http_request::has_param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return true;
  return false;
}
std::string http_request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return "";
}

namespace {

// One client connection. Only the worker that moved `state` from idle to busy touches the
// buffers; the sweeper claims idle connections the same way before closing them.
struct connection {
  enum : int { idle = 0, busy = 1, closed = 2 };
  int fd = -1;
  uint64_t id = 0;
  std::atomic<int> state{busy};
  std::atomic<int64_t> last_active_ms{0};
  std::string in;        ///< bytes received, not yet consumed
  int64_t skip = 0;      ///< body bytes of a rejected request still to discard
  bool draining = false; ///< answered and shut down for writing: discard until EOF
  bool sent_continue = false;
  // Parsed head of the request being received (valid when head_len > 0).
  size_t head_len = 0;
  http_request req;
  bool chunked = false;
  int64_t content_length = 0;
};

} // namespace

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
  std::unordered_map<uint64_t, std::shared_ptr<connection>> conns;
  uint64_t next_id = 2;
  std::mutex sweep_mu;
  std::atomic<int64_t> last_sweep_ms{0};

  void worker_loop();
  void accept_all();
  void serve(const std::shared_ptr<connection>& c);
  void rearm(connection& c);
  void close_conn(connection& c);
  void sweep();
  // Parses what is buffered; returns complete with c.req filled, or error with `err`.
  parse_state parse(connection& c, int& err);
  // Sends a reply; false when the connection is gone.
  bool send_reply(connection& c, const http_request& req, const reply& r, bool keep_alive);
  bool send_all(int fd, const char* p, size_t n);
};

namespace {

bool wants_close(const http_request& req) {
  const std::string* conn = req.find_header("Connection");
  if (conn && iequals(trim(*conn), "close")) return true;
  if (req.version == "HTTP/1.0" && !(conn && iequals(trim(*conn), "keep-alive"))) return true;
  return false;
}

// Request line and headers of `head` (without the final empty line) into `req`.
bool parse_head(std::string_view head, http_request& req, int& err) {
  size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  if (line.size() > k_max_request_line) {
    err = 414;
    return false;
  }
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    err = 400;
    return false;
  }
  req.method.assign(line.substr(0, sp1));
  req.target.assign(line.substr(sp1 + 1, sp2 - sp1 - 1));
  req.version.assign(trim(line.substr(sp2 + 1)));
  if (!known_method(req.method) || (req.version != "HTTP/1.1" && req.version != "HTTP/1.0") ||
      req.target.empty()) {
    err = 400;
    return false;
  }
  std::string_view target = req.target;
  auto q = target.find('?');
  req.path = url_decode(target.substr(0, q), false);
  if (q != std::string_view::npos) {
    std::string_view qs = target.substr(q + 1);
    auto hash = qs.find('#');
    if (hash != std::string_view::npos) qs = qs.substr(0, hash);
    size_t i = 0;
    while (i <= qs.size()) {
      size_t amp = qs.find('&', i);
      if (amp == std::string_view::npos) amp = qs.size();
      std::string_view kv = qs.substr(i, amp - i);
      if (!kv.empty()) {
        auto eq = kv.find('=');
        std::string_view k = kv.substr(0, eq);
        std::string_view v = eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1);
        req.params.emplace_back(url_decode(k, true), url_decode(v, true));
      }
      i = amp + 1;
    }
  }
  size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string_view::npos) e = head.size();
    std::string_view h = head.substr(pos, e - pos);
    pos = e + 2;
    if (h.empty()) continue;
    auto colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      err = 400;
      return false;
    }
    req.headers.emplace_back(std::string(h.substr(0, colon)),
                             std::string(trim(h.substr(colon + 1))));
  }
  return true;
}

} // namespace

parse_state http_server::impl::parse(connection& c, int& err) {
  if (c.head_len == 0) {
    // Leading empty lines between requests are tolerated (RFC 7230 3.5).
    size_t start = 0;
    while (c.in.size() >= start + 2 && c.in[start] == '\r' && c.in[start + 1] == '\n')
      start += 2;
    if (start > 0) c.in.erase(0, start);
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c.in.size() > k_max_header_bytes) {
        err = c.in.find("\r\n") == std::string::npos ? 414 : 400;
        return parse_state::error;
      }
      return parse_state::incomplete;
    }
    c.req = http_request{};
    if (!parse_head(std::string_view(c.in).substr(0, end), c.req, err)) return parse_state::error;
    c.head_len = end + 4;
    c.chunked = false;
    c.content_length = 0;
    c.sent_continue = false;
    if (const auto* te = c.req.find_header("Transfer-Encoding")) {
      if (!iequals(trim(*te), "chunked")) {
        err = 400;
        return parse_state::error;
      }
      c.chunked = true;
    } else if (const auto* cl = c.req.find_header("Content-Length")) {
      std::string_view v = trim(*cl);
      if (v.empty() || v.size() > 18) {
        err = 400;
        return parse_state::error;
      }
      int64_t n = 0;
      for (char ch : v) {
        if (ch < '0' || ch > '9') {
          err = 400;
          return parse_state::error;
        }
        n = n * 10 + (ch - '0');
      }
      c.content_length = n;
      if (n > opt.max_request_bytes) {
        err = 413;
        return parse_state::error;
      }
      c.req.body.reserve(static_cast<size_t>(n));
    }
  }
  if (c.chunked) {
    size_t consumed = 0;
    auto st = dechunk(std::string_view(c.in).substr(c.head_len), opt.max_request_bytes, c.req.body,
                      consumed, err);
    if (st != parse_state::complete) return st;
    c.in.erase(0, c.head_len + consumed);
  } else {
    const size_t need = c.head_len + static_cast<size_t>(c.content_length);
    if (c.in.size() < need) return parse_state::incomplete;
    c.req.body.assign(c.in, c.head_len, static_cast<size_t>(c.content_length));
    c.in.erase(0, need);
  }
  c.head_len = 0;
  return parse_state::complete;
}

bool http_server::impl::send_all(int fd, const char* p, size_t n) {
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

bool http_server::impl::send_reply(connection& c, const http_request& req, const reply& r,
                                   bool keep_alive) {
  thread_local std::string out;
  out.clear();
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
  if (keep_alive) {
    out += "Connection: Keep-Alive\r\nKeep-Alive: timeout=";
    out += std::to_string(opt.keep_alive_timeout_s);
    out += "\r\n\r\n";
  } else {
    out += "Connection: close\r\n\r\n";
  }
  if (req.method != "HEAD" && r.status != 204) {
    // Small bodies go in the same send; big ones are sent from their own buffer.
    if (r.body.size() <= 64 * 1024) {
      out += r.body;
      return send_all(c.fd, out.data(), out.size());
    }
    return send_all(c.fd, out.data(), out.size()) && send_all(c.fd, r.body.data(), r.body.size());
  }
  return send_all(c.fd, out.data(), out.size());
}

void http_server::impl::rearm(connection& c) {
  c.last_active_ms.store(steady_ms(), std::memory_order_relaxed);
  c.state.store(connection::idle, std::memory_order_release);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.u64 = c.id;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev) != 0) {
    int expected = connection::idle;
    if (c.state.compare_exchange_strong(expected, connection::busy)) close_conn(c);
  }
}

void http_server::impl::close_conn(connection& c) {
  c.state.store(connection::closed);
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  std::lock_guard<std::mutex> lock(conns_mu);
  conns.erase(c.id);
}

void http_server::impl::serve(const std::shared_ptr<connection>& cp) {
  connection& c = *cp;
  thread_local std::string chunk(64 * 1024, '\0');
  for (;;) {
    ssize_t n = ::recv(c.fd, chunk.data(), chunk.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      rearm(c);
      return;
    }
    if (n <= 0) {
      close_conn(c);
      return;
    }
    std::string_view got(chunk.data(), static_cast<size_t>(n));
    if (c.draining) continue;
    if (c.skip > 0) {
      size_t drop = std::min<size_t>(static_cast<size_t>(c.skip), got.size());
      c.skip -= static_cast<int64_t>(drop);
      got.remove_prefix(drop);
    }
    c.in.append(got.data(), got.size());
    bool served = false;
    // Serve every complete request in the buffer (pipelined ones in order).
    for (;;) {
      if (c.in.empty()) break;
      int err = 0;
      auto st = parse(c, err);
      if (st == parse_state::incomplete) {
        if (c.head_len > 0 && !c.sent_continue) {
          const auto* ex = c.req.find_header("Expect");
          if (ex && iequals(trim(*ex), "100-continue")) {
            c.sent_continue = true;
            static const char k_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
            if (!send_all(c.fd, k_continue, sizeof k_continue - 1)) {
              close_conn(c);
              return;
            }
          }
        }
        break;
      }
      if (st == parse_state::error) {
        http_request& req = c.req;
        reply r;
        try {
          r = on_error(req, err);
        } catch (...) {
          r = reply{err, "", ""};
        }
        // A 413 with a known length (and no 100-continue pending) skips the body and keeps
        // the connection; anything else is answered and closed.
        const bool keep = err == 413 && !c.chunked && c.head_len > 0 &&
                          !c.req.has_header("Expect") && !wants_close(req);
        if (keep) {
          const size_t have = c.in.size() - c.head_len;
          const size_t body = static_cast<size_t>(c.content_length);
          if (have >= body) {
            c.in.erase(0, c.head_len + body);
          } else {
            c.skip = static_cast<int64_t>(body - have);
            c.in.clear();
          }
          c.head_len = 0;
          if (!send_reply(c, req, r, true)) {
            close_conn(c);
            return;
          }
          continue;
        }
        send_reply(c, req, r, false);
        ::shutdown(c.fd, SHUT_WR);
        c.draining = true;
        c.in.clear();
        c.head_len = 0;
        break;
      }
      // A complete request.
      const http_request& req = c.req;
      const bool keep = !wants_close(req) && !stopping.load(std::memory_order_relaxed);
      reply r;
      if (req.method == "PATCH" || req.method == "OPTIONS") {
        r = on_error(req, 404);
      } else if (req.method != "GET" && req.method != "HEAD" && req.method != "POST" &&
                 req.method != "PUT" && req.method != "DELETE") {
        r = on_error(req, 400);
      } else {
        try {
          r = on_request(req);
        } catch (...) {
          try {
            r = on_error(req, 500);
          } catch (...) {
            r = reply{500, "", ""};
          }
        }
      }
      if (!send_reply(c, req, r, keep) || !keep) {
        if (!keep) {
          ::shutdown(c.fd, SHUT_WR);
          c.draining = true;
          c.in.clear();
          break;
        }
        close_conn(c);
        return;
      }
      served = true;
    }
    // Clients do not send the next request before reading this reply, so skip the recv()
    // that would only say EAGAIN: wait for the next event.
    if (served && c.in.empty() && c.head_len == 0 && !c.draining) {
      rearm(c);
      return;
    }
  }
}

void http_server::impl::accept_all() {
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break; // EAGAIN, or out of descriptors: try again on the next event
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_shared<connection>();
    c->fd = fd;
    c->last_active_ms.store(steady_ms());
    c->state.store(connection::idle);
    {
      std::lock_guard<std::mutex> lock(conns_mu);
      c->id = next_id++;
      conns.emplace(c->id, c);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    ev.data.u64 = c->id;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      std::lock_guard<std::mutex> lock(conns_mu);
      conns.erase(c->id);
      ::close(fd);
    }
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = k_listener_id;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
}

void http_server::impl::sweep() {
  const int64_t now = steady_ms();
  if (now - last_sweep_ms.load(std::memory_order_relaxed) < 500) return;
  std::unique_lock<std::mutex> sl(sweep_mu, std::try_to_lock);
  if (!sl.owns_lock()) return;
  last_sweep_ms.store(now);
  const int64_t limit = int64_t(opt.keep_alive_timeout_s) * 1000;
  std::vector<std::shared_ptr<connection>> expired;
  {
    std::lock_guard<std::mutex> lock(conns_mu);
    for (auto& [id, c] : conns) {
      if (now - c->last_active_ms.load(std::memory_order_relaxed) < limit) continue;
      int expected = connection::idle;
      if (c->state.compare_exchange_strong(expected, connection::busy)) expired.push_back(c);
    }
  }
  for (auto& c : expired)
    close_conn(*c);
}

void http_server::impl::worker_loop() {
  while (!stopping.load(std::memory_order_acquire)) {
    epoll_event ev{};
    int n = ::epoll_wait(epoll_fd, &ev, 1, 1000);
    if (stopping.load(std::memory_order_acquire)) break;
    if (n > 0) {
      if (ev.data.u64 == k_listener_id) {
        accept_all();
      } else if (ev.data.u64 != k_wakeup_id) {
        std::shared_ptr<connection> c;
        {
          std::lock_guard<std::mutex> lock(conns_mu);
          auto it = conns.find(ev.data.u64);
          if (it != conns.end()) c = it->second;
        }
        int expected = connection::idle;
        if (c && c->state.compare_exchange_strong(expected, connection::busy)) serve(c);
      }
    }
    sweep();
  }
}

http_server::http_server(http_server_options opt, handler h, error_handler e)
    : impl_(std::make_unique<impl>()) {
  impl_->opt = std::move(opt);
  impl_->on_request = std::move(h);
  impl_->on_error = std::move(e);
}

http_server::~http_server() {
  stop();
}

status http_server::start() {
  auto& m = *impl_;
  if (m.listen_fd >= 0) return status{errc::invalid_request, "http server already started"};
  const std::string where = m.opt.host + ":" + std::to_string(m.opt.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_s = std::to_string(m.opt.port);
  if (::getaddrinfo(m.opt.host.c_str(), port_s.c_str(), &hints, &res) != 0 || !res) {
    return status{errc::io_error, "cannot listen on " + where + ": the host does not resolve"};
  }
  int fd = -1;
  for (addrinfo* a = res; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    // SO_REUSEADDR only (not SO_REUSEPORT, which would let a second server share the port).
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    return status{errc::io_error, "cannot listen on " + where +
                                      ": the port is taken or the host is not a local "
                                      "address; pick another port"};
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  m.bound_port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                          : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  m.listen_fd = fd;
  m.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  m.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = k_listener_id;
  ::epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  ev.events = EPOLLIN; // level-triggered and never read: wakes every worker on stop()
  ev.data.u64 = k_wakeup_id;
  ::epoll_ctl(m.epoll_fd, EPOLL_CTL_ADD, m.wake_fd, &ev);
  m.stopping = false;
  for (int i = 0; i < m.opt.threads; ++i)
    m.workers.emplace_back([&m] { m.worker_loop(); });
  return status::success();
}

int http_server::port() const {
  return impl_->bound_port;
}

void http_server::stop() {
  auto& m = *impl_;
  if (m.listen_fd < 0) return;
  m.stopping.store(true, std::memory_order_release);
  uint64_t one = 1;
  [[maybe_unused]] auto w = ::write(m.wake_fd, &one, sizeof one);
  for (auto& t : m.workers)
    t.join();
  m.workers.clear();
  {
    std::lock_guard<std::mutex> lock(m.conns_mu);
    for (auto& [id, c] : m.conns)
      ::close(c->fd);
    m.conns.clear();
  }
  ::close(m.listen_fd);
  ::close(m.wake_fd);
  ::close(m.epoll_fd);
  m.listen_fd = m.wake_fd = m.epoll_fd = -1;
}

} // namespace pinpipe::gateway
