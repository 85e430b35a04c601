// Plain (CAF-free) value types that pipeline actors report: counters for the status view
// and the simulate summary, and the outcome of a batch run.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace pinpipe::actors {

/// Counters every pipeline actor reports.
struct actor_stats {
  std::string name;  ///< "emulator-batch", "connector", "sink", ...
  int64_t items = 0; ///< events sent / records moved / rows written
  int64_t errors = 0;
  int64_t dead_letters = 0;
  int64_t objects = 0;   ///< lake objects written (connector)
  int64_t bad_requests = 0;         ///< rejected requests (gateway, node API)
  int64_t log_lines_suppressed = 0; ///< warnings about them left out by the rate limit
  bool finished = false; ///< emulator: all events sent
  std::string last_error;
};

inline actor_stats named_stats(std::string name) {
  actor_stats s;
  s.name = std::move(name);
  return s;
}

/// Result of one batch run (scheduler / batch runner).
struct run_outcome {
  std::string run_id;
  std::string state; ///< success | failed
  std::string error;
  std::string results_dir;
  std::string report; ///< human-readable counts and timings
};

} // namespace pinpipe::actors
