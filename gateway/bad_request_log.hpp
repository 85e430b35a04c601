// Internal to gateway/: warnings about rejected requests, rate limited so that a flood of
// bad requests cannot flood the log. Per kind (the HTTP status), at most `per_second` lines
// are written in each wall-clock second; the rest are counted, and the next line of that
// kind in a later second (or flush(), called when the gateway stops) first writes one
// summary line "suppressed K ...". Every rejected request is counted in the gateway's
// counters regardless (gateway_stats::bad_requests, errors_by_status).
//
// Threading: warn() and flush() are called concurrently; one mutex, held for a map lookup.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/spdlog.h>

namespace pinpipe::gateway {

class bad_request_log {
public:
  static constexpr int k_default_per_second = 10;

  bad_request_log(std::shared_ptr<spdlog::logger> logger, int per_second = k_default_per_second)
      : logger_(std::move(logger)), per_second_(per_second) {}

  /// Writes `line` as a warning unless this kind already had `per_second` lines this second.
  void warn(int kind, const std::string& line);
  /// Writes the pending "suppressed" summaries.
  void flush();
  /// Lines not written so far (all kinds).
  int64_t suppressed() const { return suppressed_total_.load(); }

private:
  struct window {
    int64_t second = 0;
    int written = 0;
    int64_t suppressed = 0;
  };
  void summarize_locked(int kind, window& w);

  std::shared_ptr<spdlog::logger> logger_;
  const int per_second_;
  std::mutex mu_;
  std::map<int, window> windows_;
  std::atomic<int64_t> suppressed_total_{0};
};

} // namespace pinpipe::gateway
