// The HTTP server's loop (see http_server.hpp): binding and listening, the workers sharing
// one epoll instance, accepting (with the spare descriptor and a back-off when the process
// is out of descriptors), and the sweeper that closes idle keep-alive connections and
// request heads past their deadline and trims memory after large bodies. A connection's
// own work is in http_connection.cpp.
#include "gateway/http_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "gateway/http_server_impl.hpp"

namespace pinpipe::gateway {
namespace {

constexpr uint64_t k_listener_id = 0;
constexpr uint64_t k_wakeup_id = 1;
constexpr int k_max_accepts_per_wakeup = 256;
constexpr int64_t k_accept_backoff_ms = 100;

// What a client gets when the process is out of descriptors.
const std::string& fd_exhausted_reply() {
  static const std::string r = [] {
    const std::string body = R"({"error_code":503,"message":"the gateway is out of file )"
                             R"(descriptors: retry in a second"})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }();
  return r;
}

} // namespace

void http_server::impl::arm_listener() {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = k_listener_id;
  ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
}

void http_server::impl::accept_all() {
  for (int i = 0; i < k_max_accepts_per_wakeup; ++i) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // The client stays in the backlog and the listener stays readable: answer it with
        // the spare descriptor, or stop accepting for a while. Never re-arm at once.
        if (spare.shed_one(listen_fd, fd_exhausted_reply().data(), fd_exhausted_reply().size())) {
          ++ctr.fd_exhausted_rejections;
          continue;
        }
        ++ctr.accept_backoffs;
        accept_paused_until_ms.store(http_steady_ms() + k_accept_backoff_ms);
        return;
      }
      break; // EAGAIN: the backlog is empty
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_shared<http_connection>();
    c->fd = fd;
    c->last_active_ms.store(http_steady_ms());
    c->state.store(http_connection::idle);
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
  arm_listener();
}

int64_t http_server::impl::sweep_interval_ms() const {
  return std::clamp<int64_t>(opt.header_timeout_ms / 4, 20, 500);
}

void http_server::impl::sweep() {
  const int64_t now = http_steady_ms();
  // A paused listener is re-armed by whichever worker passes here first.
  int64_t paused = accept_paused_until_ms.load(std::memory_order_relaxed);
  if (paused != 0 && now >= paused && accept_paused_until_ms.compare_exchange_strong(paused, 0))
    arm_listener();
  if (now - last_sweep_ms.load(std::memory_order_relaxed) < sweep_interval_ms()) return;
  std::unique_lock<std::mutex> sl(sweep_mu, std::try_to_lock);
  if (!sl.owns_lock()) return;
  last_sweep_ms.store(now);
  const int64_t idle_limit = int64_t(opt.keep_alive_timeout_s) * 1000;
  std::vector<std::shared_ptr<http_connection>> idle, late;
  {
    std::lock_guard<std::mutex> lock(conns_mu);
    for (auto& [id, c] : conns) {
      const int64_t deadline = c->head_deadline_ms.load(std::memory_order_relaxed);
      const bool head_late = deadline != 0 && now >= deadline;
      if (!head_late && now - c->last_active_ms.load(std::memory_order_relaxed) < idle_limit)
        continue;
      int expected = http_connection::idle;
      if (c->state.compare_exchange_strong(expected, http_connection::busy))
        (head_late ? late : idle).push_back(c);
    }
  }
  for (auto& c : idle)
    close_conn(*c);
  for (auto& c : late)
    expire_head(*c);
  if (trimmer.maybe_trim(budget->reserved(), now)) ++ctr.memory_trims;
}

void http_server::impl::worker_loop() {
  while (!stopping.load(std::memory_order_acquire)) {
    epoll_event ev{};
    const int timeout = accept_paused_until_ms.load(std::memory_order_relaxed) != 0
                            ? static_cast<int>(k_accept_backoff_ms / 2)
                            : static_cast<int>(std::min<int64_t>(1000, sweep_interval_ms()));
    int n = ::epoll_wait(epoll_fd, &ev, 1, timeout);
    if (stopping.load(std::memory_order_acquire)) break;
    if (n > 0) {
      if (ev.data.u64 == k_listener_id) {
        accept_all();
      } else if (ev.data.u64 != k_wakeup_id) {
        std::shared_ptr<http_connection> c;
        {
          std::lock_guard<std::mutex> lock(conns_mu);
          auto it = conns.find(ev.data.u64);
          if (it != conns.end()) c = it->second;
        }
        int expected = http_connection::idle;
        if (c && c->state.compare_exchange_strong(expected, http_connection::busy)) serve(c);
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
  if (m.opt.max_header_bytes < 1024 || m.opt.header_timeout_ms < 1 ||
      m.opt.max_buffered_body_bytes < m.opt.max_request_bytes) {
    return status{errc::invalid_config,
                  "http server limits: need max_header_bytes >= 1024, header_timeout_ms >= 1 "
                  "and max_buffered_body_bytes >= max_request_bytes (got " +
                      std::to_string(m.opt.max_header_bytes) + ", " +
                      std::to_string(m.opt.header_timeout_ms) + ", " +
                      std::to_string(m.opt.max_buffered_body_bytes) + " < " +
                      std::to_string(m.opt.max_request_bytes) + ")"};
  }
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
  m.budget = std::make_unique<http::body_budget>(m.opt.max_buffered_body_bytes);
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

http_server_stats http_server::stats() const {
  const auto& m = *impl_;
  http_server_stats s;
  {
    std::lock_guard<std::mutex> lock(impl_->conns_mu);
    s.connections = static_cast<int64_t>(m.conns.size());
  }
  s.buffered_body_bytes = m.budget ? m.budget->reserved() : 0;
  s.header_timeouts = m.ctr.header_timeouts.load();
  s.headers_too_large = m.ctr.headers_too_large.load();
  s.body_budget_rejections = m.ctr.body_budget_rejections.load();
  s.fd_exhausted_rejections = m.ctr.fd_exhausted_rejections.load();
  s.accept_backoffs = m.ctr.accept_backoffs.load();
  s.memory_trims = m.ctr.memory_trims.load();
  return s;
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
