// The server's process-wide limits (see http_limits.hpp).
#include "gateway/http_limits.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pinpipe::gateway::http {

bool body_budget::try_reserve(int64_t n) {
  int64_t cur = reserved_.load(std::memory_order_relaxed);
  for (;;) {
    if (cur + n > cap_) return false;
    if (reserved_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed)) return true;
  }
}

void body_budget::release(int64_t n) {
  reserved_.fetch_sub(n, std::memory_order_relaxed);
}

void memory_trimmer::freed(int64_t bytes) {
  if (bytes >= k_large) freed_large_.fetch_add(bytes, std::memory_order_relaxed);
}

bool memory_trimmer::maybe_trim(int64_t in_use, int64_t now_ms) {
  if (freed_large_.load(std::memory_order_relaxed) < k_trim_after) return false;
  if (in_use > k_trim_after) return false; // still busy: the heap is in use anyway
  if (now_ms - last_trim_ms_.load(std::memory_order_relaxed) < k_min_interval_ms) return false;
  std::unique_lock<std::mutex> lock(mu_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  freed_large_.store(0, std::memory_order_relaxed);
  last_trim_ms_.store(now_ms, std::memory_order_relaxed);
#if defined(__GLIBC__)
  ::malloc_trim(0);
  return true;
#else
  return false;
#endif
}

spare_fd::spare_fd() {
  fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

spare_fd::~spare_fd() {
  if (fd_ >= 0) ::close(fd_);
}

bool spare_fd::shed_one(int listen_fd, const char* response, size_t len) {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ < 0) {
    fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC); // freed up since the last time?
    if (fd_ < 0) return false;
  }
  ::close(fd_);
  fd_ = -1;
  int c = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (c >= 0) {
    // Read what the client already sent: closing with unread input resets the connection,
    // which could destroy the answer before the client reads it.
    char drain[4096];
    [[maybe_unused]] auto r = ::recv(c, drain, sizeof drain, MSG_DONTWAIT);
    [[maybe_unused]] auto w = ::send(c, response, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::close(c);
  }
  fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return c >= 0;
}

} // namespace pinpipe::gateway::http
