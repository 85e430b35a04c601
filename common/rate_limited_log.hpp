// Warnings with a rate limit, so that a flood of bad input cannot flood the log (the
// gateway's rejected HTTP requests, the node's bad ZeroMQ requests). Per kind, at most
// `per_second` lines are written in each second of the clock; the rest are only counted,
// and the next line of that kind in a later second (or flush(), called at stop) is preceded
// by one summary line, worded by the owner's `summary` function. The owner counts every bad
// request in its own counters as well; suppressed() is the number of lines left out (the
// `pinpipe_log_lines_suppressed` metric).
//
// Threading: warn(), flush() and suppressed() from any thread; one mutex, held for a map
// lookup and the write.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <spdlog/spdlog.h>

namespace pinpipe::logging {

class rate_limited_log {
public:
  static constexpr int k_default_per_second = 10;
  /// The summary line for `suppressed` lines of `kind` left out at `per_second` lines/s.
  using summary_fn =
      std::function<std::string(const std::string& kind, uint64_t suppressed, int per_second)>;
  /// Seconds of a monotonic clock (tests pass their own).
  using clock_fn = std::function<int64_t()>;

  rate_limited_log(std::shared_ptr<spdlog::logger> logger, summary_fn summary,
                   int per_second = k_default_per_second, clock_fn now_s = {});

  /// Writes `line` as a warning unless `kind` already had per_second lines this second;
  /// true when written.
  bool warn(const std::string& kind, const std::string& line);
  /// Writes the pending summary lines.
  void flush();
  /// Lines left out so far, all kinds.
  uint64_t suppressed() const { return suppressed_total_.load(); }
  int per_second() const { return per_second_; }

private:
  struct window {
    int64_t second = 0;
    int written = 0;
    uint64_t suppressed = 0;
  };
  void summarize_locked(const std::string& kind, window& w);

  std::shared_ptr<spdlog::logger> logger_;
  summary_fn summary_;
  const int per_second_;
  clock_fn now_s_;
  std::mutex mu_;
  std::map<std::string, window> windows_;
  std::atomic<uint64_t> suppressed_total_{0};
};

} // namespace pinpipe::logging
