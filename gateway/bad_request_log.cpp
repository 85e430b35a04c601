#include "gateway/bad_request_log.hpp"

#include <chrono>

namespace pinpipe::gateway {

void bad_request_log::summarize_locked(int kind, window& w) {
  if (w.suppressed == 0) return;
  logger_->warn("suppressed {} more warnings about HTTP {} replies (at most {} per second are "
                "written; gateway stats count them all)",
                w.suppressed, kind, per_second_);
  w.suppressed = 0;
}

void bad_request_log::warn(int kind, const std::string& line) {
  using namespace std::chrono;
  const int64_t now_s = duration_cast<seconds>(steady_clock::now().time_since_epoch()).count();
  std::lock_guard<std::mutex> lock(mu_);
  auto& w = windows_[kind];
  if (w.second != now_s) {
    summarize_locked(kind, w);
    w.second = now_s;
    w.written = 0;
  }
  if (w.written < per_second_) {
    ++w.written;
    logger_->warn("{}", line);
  } else {
    ++w.suppressed;
    ++suppressed_total_;
  }
}

void bad_request_log::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [kind, w] : windows_)
    summarize_locked(kind, w);
}

} // namespace pinpipe::gateway
