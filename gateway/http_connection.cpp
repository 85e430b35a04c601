// One client connection of the HTTP server (see http_server.hpp, http_server_impl.hpp):
// reading, parsing with the head deadline, the header-size limit and the body budget,
// answering requests in order, refusing what breaks a limit, and releasing the memory of
// a request once it is answered.
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "gateway/http_response.hpp"
#include "gateway/http_server_impl.hpp"

namespace pinpipe::gateway {

using http::parse_error;
using http::parse_state;

int64_t http_steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

namespace {

constexpr size_t k_recv_chunk = 64 * 1024;
constexpr size_t k_keep_in_capacity = 256 * 1024; ///< a bigger input buffer is given back

constexpr size_t k_keep_body_capacity = 4096; ///< a small body's buffer is reused

// Empties `r` for the next request on the connection, keeping the small buffers (fewer
// allocations per request); a large body buffer is freed. Returns the bytes freed.
int64_t reset_request(http_request& r) {
  r.method.clear();
  r.target.clear();
  r.path.clear();
  r.version.clear();
  r.headers.clear();
  r.params.clear();
  r.error.clear();
  r.body.clear();
  if (r.body.capacity() <= k_keep_body_capacity) return 0;
  const auto freed = static_cast<int64_t>(r.body.capacity());
  std::string().swap(r.body);
  return freed;
}

parse_state fail(parse_error& err, int status, std::string why) {
  err.status = status;
  err.why = std::move(why);
  return parse_state::error;
}

} // namespace

parse_state http_server::impl::parse(http_connection& c, parse_error& err) {
  if (!c.have_head) {
    // Leading empty lines between requests are tolerated (RFC 7230 3.5).
    size_t start = 0;
    while (c.in.size() >= start + 2 && c.in[start] == '\r' && c.in[start + 1] == '\n')
      start += 2;
    if (start > 0) {
      c.in.erase(0, start);
      c.head_scan = 0;
    }
    if (c.in.empty()) return parse_state::incomplete;
    if (c.head_deadline_ms.load(std::memory_order_relaxed) == 0)
      c.head_deadline_ms.store(http_steady_ms() + opt.header_timeout_ms, std::memory_order_relaxed);
    const size_t end = http::find_head_end(c.in, c.head_scan);
    const auto max_head = static_cast<size_t>(opt.max_header_bytes);
    if (end == std::string::npos) {
      if (c.in.size() > http::k_max_request_line && c.in.find("\r\n") == std::string::npos)
        return fail(err, 414,
                    "the request line is over " + std::to_string(http::k_max_request_line) +
                        " bytes: shorten the URL");
      if (c.in.size() > max_head) {
        ++ctr.headers_too_large;
        return fail(err, 431,
                    "the request head (request line and headers) is over the limit "
                    "of " +
                        std::to_string(max_head) +
                        " bytes ([gateway] max_header_bytes): send fewer or shorter "
                        "headers");
      }
      return parse_state::incomplete;
    }
    if (end > max_head) {
      ++ctr.headers_too_large;
      return fail(err, 431,
                  "the request head (request line and headers) is " + std::to_string(end) +
                      " bytes, over the limit of " + std::to_string(max_head) +
                      " bytes ([gateway] max_header_bytes): send fewer or shorter "
                      "headers");
    }
    reset_request(c.req);
    if (!http::parse_head(std::string_view(c.in).substr(0, end - 4), c.req, err)) {
      if (err.status == 431) ++ctr.headers_too_large;
      return parse_state::error;
    }
    if (!http::read_framing(c.req, c.framing, err)) return parse_state::error;
    c.in.erase(0, end);
    c.head_scan = 0;
    c.head_deadline_ms.store(0, std::memory_order_relaxed);
    c.have_head = true;
    c.sent_continue = false;
    c.chunks.reset();
    if (!c.framing.chunked) {
      const int64_t n = c.framing.length;
      if (n > opt.max_request_bytes)
        return fail(err, 413,
                    "the request body is over the limit of " +
                        std::to_string(opt.max_request_bytes) + " bytes");
      if (n > 0 && !budget->try_reserve(n)) {
        ++ctr.body_budget_rejections;
        return fail(err, 503,
                    "the gateway is buffering " + std::to_string(budget->reserved()) +
                        " bytes of request bodies and this one (" + std::to_string(n) +
                        " bytes) would pass its limit of " + std::to_string(budget->cap()) +
                        " bytes ([gateway] max_buffered_body_bytes): retry shortly");
      }
      c.reserved = n;
      // Body bytes that came with the head move to the body; the rest comes straight there.
      const size_t take = std::min(c.in.size(), static_cast<size_t>(n));
      c.req.body.reserve(static_cast<size_t>(n));
      c.req.body.assign(c.in, 0, take);
      c.in.erase(0, take);
      return parse_state::complete;
    }
  }
  // A chunked body: decode what arrived, and hold budget for what it occupies.
  auto st = c.chunks.feed(c.in, c.req.body, opt.max_request_bytes, err);
  if (st == parse_state::error) return st;
  const auto holding = static_cast<int64_t>(c.req.body.size() + c.in.size());
  if (holding > c.reserved) {
    if (!budget->try_reserve(holding - c.reserved)) {
      ++ctr.body_budget_rejections;
      return fail(err, 503,
                  "the gateway is buffering " + std::to_string(budget->reserved()) +
                      " bytes of request bodies, at its limit of " + std::to_string(budget->cap()) +
                      " bytes ([gateway] max_buffered_body_bytes): retry shortly");
    }
    c.reserved = holding;
  }
  return st;
}

bool http_server::impl::continue_if_expected(http_connection& c) {
  if (!c.have_head || c.sent_continue) return true;
  const auto* ex = c.req.find_header("Expect");
  if (!ex || !http::iequals(http::trim(*ex), "100-continue")) return true;
  c.sent_continue = true;
  static const char k_continue[] = "HTTP/1.1 100 Continue\r\n\r\n";
  if (http::send_all(c.fd, k_continue, sizeof k_continue - 1)) return true;
  close_conn(c);
  return false;
}

void http_server::impl::finish_request(http_connection& c) {
  if (c.reserved > 0) {
    budget->release(c.reserved);
    c.reserved = 0;
  }
  const int64_t body_freed = reset_request(c.req);
  c.have_head = false;
  c.framing = http::body_framing{};
  c.chunks.reset();
  int64_t freed = body_freed;
  if (c.in.capacity() > k_keep_in_capacity && c.in.size() < k_recv_chunk) {
    freed += static_cast<int64_t>(c.in.capacity());
    std::string(c.in).swap(c.in);
  }
  trimmer.freed(freed);
  if (freed >= http::memory_trimmer::k_large &&
      trimmer.maybe_trim(budget->reserved(), http_steady_ms()))
    ++ctr.memory_trims;
}

bool http_server::impl::respond(http_connection& c) {
  const http_request& req = c.req;
  const bool keep = !http::wants_close(req) && !stopping.load(std::memory_order_relaxed);
  reply r;
  if (req.method == "PATCH" || req.method == "OPTIONS") {
    r = on_error(req, 404);
  } else if (req.method != "GET" && req.method != "HEAD" && req.method != "POST" &&
             req.method != "PUT" && req.method != "DELETE") {
    http_request& mut = c.req;
    mut.error = "method " + req.method + " is not served: use GET, POST, PUT or DELETE";
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
  const bool sent = http::send_reply(c.fd, req, r, keep, opt.keep_alive_timeout_s);
  finish_request(c);
  if (!sent) {
    close_conn(c);
    return false;
  }
  if (!keep) {
    ::shutdown(c.fd, SHUT_WR);
    c.draining = true;
    c.in.clear();
  }
  c.just_served = true;
  return true;
}

bool http_server::impl::refuse(http_connection& c, const parse_error& err) {
  c.req.error = err.why;
  reply r;
  try {
    r = on_error(c.req, err.status);
  } catch (...) {
    r = reply{err.status, "", ""};
  }
  const char* extra = err.status == 503 ? "Retry-After: 1\r\n" : "";
  // A 413 or 503 with a known length (and no 100-continue pending) skips the body and
  // keeps the connection; anything else is answered and closed.
  const bool keep = (err.status == 413 || err.status == 503) && c.have_head && !c.framing.chunked &&
                    !c.req.has_header("Expect") && !http::wants_close(c.req);
  if (keep) {
    const size_t body = static_cast<size_t>(c.framing.length);
    if (c.in.size() >= body) {
      c.in.erase(0, body);
    } else {
      c.skip = static_cast<int64_t>(body - c.in.size());
      c.in.clear();
    }
    const bool sent = http::send_reply(c.fd, c.req, r, true, opt.keep_alive_timeout_s, extra);
    finish_request(c);
    if (!sent) {
      close_conn(c);
      return false;
    }
    return true;
  }
  http::send_reply(c.fd, c.req, r, false, opt.keep_alive_timeout_s, extra);
  ::shutdown(c.fd, SHUT_WR);
  c.draining = true;
  c.in.clear();
  finish_request(c);
  return true;
}

void http_server::impl::expire_head(http_connection& c) {
  ++ctr.header_timeouts;
  http_request req;
  req.error = "the request head was not complete within " + std::to_string(opt.header_timeout_ms) +
              " ms ([gateway] header_timeout_ms): send the request line and headers at once";
  reply r;
  try {
    r = on_error(req, 408);
  } catch (...) {
    r = reply{408, "", ""};
  }
  http::send_final(c.fd, r);
  close_conn(c);
}

bool http_server::impl::absorb(http_connection& c, std::string_view got) {
  for (;;) {
    if (c.draining) return true;
    if (c.have_head && !c.framing.chunked) {
      // A Content-Length body: straight into the request.
      const auto want = static_cast<size_t>(c.framing.length) - c.req.body.size();
      const size_t take = std::min(want, got.size());
      c.req.body.append(got.data(), take);
      got.remove_prefix(take);
      if (static_cast<int64_t>(c.req.body.size()) < c.framing.length)
        return continue_if_expected(c);
      if (!respond(c)) return false;
      continue;
    }
    if (!got.empty()) {
      c.in.append(got.data(), got.size());
      got = {};
    }
    if (c.in.empty() && !c.have_head) return true;
    parse_error err;
    const auto st = parse(c, err);
    if (st == parse_state::incomplete) {
      if (!c.have_head) {
        const int64_t deadline = c.head_deadline_ms.load(std::memory_order_relaxed);
        if (deadline != 0 && http_steady_ms() >= deadline) {
          expire_head(c);
          return false;
        }
        return true;
      }
      return continue_if_expected(c);
    }
    if (st == parse_state::error) {
      if (!refuse(c, err)) return false;
      continue;
    }
    if (c.framing.chunked && !respond(c)) return false;
    // A Content-Length head: loop to take its body.
  }
}

void http_server::impl::serve(const std::shared_ptr<http_connection>& cp) {
  http_connection& c = *cp;
  thread_local std::string chunk(k_recv_chunk, '\0');
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
    c.just_served = false;
    if (!absorb(c, got)) return;
    // Clients do not send the next request before reading this reply, so skip the recv()
    // that would only say EAGAIN: wait for the next event.
    if (c.just_served && c.in.empty() && !c.have_head && !c.draining) {
      rearm(c);
      return;
    }
  }
}

void http_server::impl::rearm(http_connection& c) {
  c.last_active_ms.store(http_steady_ms(), std::memory_order_relaxed);
  c.state.store(http_connection::idle, std::memory_order_release);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.u64 = c.id;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev) != 0) {
    int expected = http_connection::idle;
    if (c.state.compare_exchange_strong(expected, http_connection::busy)) close_conn(c);
  }
}

void http_server::impl::close_conn(http_connection& c) {
  if (c.reserved > 0) {
    budget->release(c.reserved);
    c.reserved = 0;
  }
  trimmer.freed(static_cast<int64_t>(c.req.body.capacity() + c.in.capacity()));
  c.req = http_request{};
  std::string().swap(c.in);
  c.state.store(http_connection::closed);
  ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  std::lock_guard<std::mutex> lock(conns_mu);
  conns.erase(c.id);
}

} // namespace pinpipe::gateway
