// Internal to gateway/: the server's process-wide limits, shared by every connection.
//   - body_budget: bytes reserved for request bodies over all connections, capped by
//     max_buffered_body_bytes; a body that does not fit is refused (503) instead of growing
//     the process. Once large bodies are released, memory_trimmer hands the freed heap back
//     to the system (glibc keeps it otherwise: 724 MB stayed after 150 x 9 MiB bodies).
//   - spare_fd: one descriptor held in reserve, so that when accept() fails with EMFILE the
//     server can still take the waiting client, answer it 503 and close it, instead of
//     leaving it in the backlog (the listener would stay readable: a busy loop).
// Thread-safe: atomics, and a mutex for the descriptor swap.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace pinpipe::gateway::http {

class body_budget {
public:
  explicit body_budget(int64_t cap) : cap_(cap) {}
  /// Reserves `n` more bytes; false (nothing reserved) when that would pass the cap.
  bool try_reserve(int64_t n);
  /// Gives back `n` bytes reserved before.
  void release(int64_t n);
  int64_t reserved() const { return reserved_.load(std::memory_order_relaxed); }
  int64_t cap() const { return cap_; }

private:
  const int64_t cap_;
  std::atomic<int64_t> reserved_{0};
};

/// Calls malloc_trim(0) (glibc) when at least `k_trim_after` bytes of large buffers were
/// freed and few are still in use; at most once per `k_min_interval_ms`.
class memory_trimmer {
public:
  static constexpr int64_t k_large = 1 << 20;      ///< a buffer this big counts as large
  static constexpr int64_t k_trim_after = 8 << 20; ///< freed large bytes before a trim
  static constexpr int64_t k_min_interval_ms = 200;
  /// A buffer of `bytes` was freed.
  void freed(int64_t bytes);
  /// Trims when due and `in_use` (bytes still buffered) is small; true when it trimmed.
  bool maybe_trim(int64_t in_use, int64_t now_ms);

private:
  std::atomic<int64_t> freed_large_{0};
  std::atomic<int64_t> last_trim_ms_{0};
  std::mutex mu_;
};

class spare_fd {
public:
  spare_fd();
  ~spare_fd();
  spare_fd(const spare_fd&) = delete;
  spare_fd& operator=(const spare_fd&) = delete;
  /// After accept() failed with EMFILE/ENFILE: frees the spare descriptor, accepts one
  /// waiting client on `listen_fd`, sends it `response` and closes it, then takes the spare
  /// again. False when there was no spare or no client (the caller backs off).
  bool shed_one(int listen_fd, const char* response, size_t len);

private:
  std::mutex mu_;
  int fd_ = -1;
};

} // namespace pinpipe::gateway::http
