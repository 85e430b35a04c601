// The ZeroMQ API's bad-request warnings (frames that do not decode as an envelope, payloads
// that do not decode as their request, unknown message types, oversized frames): the common
// rate limiter (common/rate_limited_log.hpp, 10 lines/s per kind, then one "suppressed K"
// summary) with the transport's wording, each line prefixed "<kind>: ". The transport counts
// every bad request anyway (server::bad_requests()). No logic of its own.
//
// Threading: as rate_limited_log (any thread; the transport thread and CAF workers).
#pragma once

#include <memory>
#include <string>

#include "common/rate_limited_log.hpp"

namespace pinpipe::transport {

class warn_limiter : public logging::rate_limited_log {
public:
  explicit warn_limiter(std::shared_ptr<spdlog::logger> logger,
                        int per_second = k_default_per_second)
      : rate_limited_log(std::move(logger), &summary, per_second) {}

  /// Writes "<kind>: <line>" unless `kind` already had per_second lines this second.
  void warn(const std::string& kind, const std::string& line) {
    rate_limited_log::warn(kind, kind + ": " + line);
  }

private:
  static std::string summary(const std::string& kind, uint64_t n, int per_second) {
    return kind + ": suppressed " + std::to_string(n) + " more such warnings (at most " +
           std::to_string(per_second) +
           " lines/s per kind; every one is counted in the node's bad request counter)";
  }
};

} // namespace pinpipe::transport
