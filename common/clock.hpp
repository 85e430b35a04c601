// The wall clock in milliseconds since the Unix epoch: record timestamps, retention ages,
// object rotation, run ids. The one definition; do not add another `now_ms()`.
// (Durations and timeouts use std::chrono::steady_clock directly: they must not jump.)
#pragma once

#include <chrono>
#include <cstdint>

namespace pinpipe {

/// Milliseconds since 1970-01-01 00:00:00 UTC (system_clock).
inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace pinpipe
