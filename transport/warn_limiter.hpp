// Rate-limited warnings for the ZeroMQ API's bad requests (frames that do not decode as
// an envelope, payloads that do not decode as their request, unknown message types,
// oversized frames): a flood of garbage must not flood the node's log. Per kind, at most
// `per_second` lines are written in each wall-clock second; the rest are only counted,
// and the next line of that kind in a later second (or flush(), at stop) is preceded by
// one summary line "suppressed K <kind> warnings in the last second(s)". The transport
// counts every bad request anyway (server::bad_requests()).
//
// Threading: warn() from any thread (the transport thread and CAF workers); one mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/spdlog.h>

namespace pinpipe::transport {

class warn_limiter {
public:
  static constexpr int k_default_per_second = 10;
  explicit warn_limiter(std::shared_ptr<spdlog::logger> logger,
                        int per_second = k_default_per_second)
      : logger_(std::move(logger)), per_second_(per_second) {}

  /// Writes `line` (prefixed "kind: ") unless `kind` already had per_second lines this second.
  void warn(const std::string& kind, const std::string& line);
  /// Writes the pending summary lines.
  void flush();
  /// Lines not written so far, all kinds.
  uint64_t suppressed() const { return suppressed_total_.load(); }

private:
  struct window {
    int64_t second = 0;
    int written = 0;
    uint64_t suppressed = 0;
  };
  void summarize_locked(const std::string& kind, window& w);

  std::shared_ptr<spdlog::logger> logger_;
  const int per_second_;
  std::mutex mu_;
  std::map<std::string, window> windows_;
  std::atomic<uint64_t> suppressed_total_{0};
};

} // namespace pinpipe::transport
