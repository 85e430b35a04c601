#include "transport/warn_limiter.hpp"

#include <chrono>

namespace pinpipe::transport {

void warn_limiter::summarize_locked(const std::string& kind, window& w) {
  if (w.suppressed == 0) return;
  logger_->warn("{}: suppressed {} more such warnings (at most {} lines/s per kind; "
                "every one is counted in the node's bad request counter)",
                kind, w.suppressed, per_second_);
  w.suppressed = 0;
}

void warn_limiter::warn(const std::string& kind, const std::string& line) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  std::lock_guard<std::mutex> lock(mu_);
  auto& w = windows_[kind];
  if (w.second != now) {
    summarize_locked(kind, w);
    w.second = now;
    w.written = 0;
  }
  if (w.written >= per_second_) {
    ++w.suppressed;
    ++suppressed_total_;
    return;
  }
  ++w.written;
  logger_->warn("{}: {}", kind, line);
}

void warn_limiter::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [kind, w] : windows_)
    summarize_locked(kind, w);
}

} // namespace pinpipe::transport
