// Small helpers shared by the fuzz targets (tests/fuzz/README.md). A target calls
// fuzz_check() for a property that must hold on every input: when it does not, the
// target aborts with the message, which libFuzzer (and the replay driver) report as a
// crash and keep the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "common/logging.hpp"

namespace pinpipe::fuzz {

inline void fuzz_check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

/// Turns the libraries' logging off once (the log and the gateway log every open, create and
/// refusal; millions of inputs would drown the fuzzer's own output). PINPIPE_FUZZ_LOG=debug
/// (or any level) keeps it, to see what a replayed input does.
inline void quiet_logs() {
  static const bool done = [] {
    const char* level = std::getenv("PINPIPE_FUZZ_LOG");
    logging::init(level && *level ? level : "off");
    return true;
  }();
  (void)done;
}

} // namespace pinpipe::fuzz
