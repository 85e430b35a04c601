#include "common/rate_limited_log.hpp"

#include <chrono>

namespace pinpipe::logging {

rate_limited_log::rate_limited_log(std::shared_ptr<spdlog::logger> logger, summary_fn summary,
                                   int per_second, clock_fn now_s)
    : logger_(std::move(logger)), summary_(std::move(summary)),
      per_second_(per_second), now_s_(std::move(now_s)) {
  if (!now_s_)
    now_s_ = [] {
      return std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  if (!summary_)
    summary_ = [](const std::string& kind, uint64_t n, int per_s) {
      return kind + ": suppressed " + std::to_string(n) + " more such warnings (at most " +
             std::to_string(per_s) + " lines/s per kind)";
    };
}

void rate_limited_log::summarize_locked(const std::string& kind, window& w) {
  if (w.suppressed == 0) return;
  logger_->warn("{}", summary_(kind, w.suppressed, per_second_));
  w.suppressed = 0;
}

bool rate_limited_log::warn(const std::string& kind, const std::string& line) {
  const int64_t now = now_s_();
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
    return false;
  }
  ++w.written;
  logger_->warn("{}", line);
  return true;
}

void rate_limited_log::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [kind, w] : windows_)
    summarize_locked(kind, w);
}

} // namespace pinpipe::logging
