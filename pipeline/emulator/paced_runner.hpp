// Sends an emulator plan (event_plan) at a target rate with several events in flight.
//
// One event is three acknowledged requests in a row (pin, geo, user), so one event at a
// time tops out at 1 / (3 x round trip): about 250 events/s over HTTP with acks=all. The
// runner keeps up to `in_flight` events in flight instead, one worker thread and one
// sender each, while keeping the order the course script gives each key: every event of a
// key goes to the same worker (key % in_flight), and a worker sends its events one after
// the other, pin then geo then user. Records of different keys may interleave, as they
// would with several script instances.
//
// Pacing: the calling thread releases events on the plan's absolute schedule (delays as in
// event_plan) into bounded worker queues; when the workers fall behind it waits, so the
// achieved rate (stats().achieved_rate()) drops below the target instead of queueing
// without limit. A failed send is retried by its worker (same event, the tables not yet
// acknowledged) up to max_attempts times in a row with a growing pause (0.5 s, 1 s, ...);
// then the run stops
// with that error. Every acknowledged record goes to the manifest (manifest.hpp; lines of
// different workers interleave, event numbers stay those of the plan).
//
// Threading: run() on one thread; it starts and joins the workers. stats() is safe from
// any thread. The source database is read by the calling thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "pipeline/emulator/emulator.hpp"

namespace pinpipe::emulator {

struct runner_stats {
  int64_t events_sent = 0;  ///< events whose three records were acknowledged
  int64_t records_sent = 0; ///< acknowledged records
  int64_t send_errors = 0;  ///< failed send() calls (retried)
  double elapsed_s = 0;     ///< first release to now (running) or to the last acknowledgement
  double target_rate = 0;   ///< events/s asked for; 0 = as fast as possible
  int32_t in_flight = 1;    ///< workers
  uint64_t seed = 0;        ///< the plan's seed
  double achieved_rate() const { return elapsed_s > 0 ? events_sent / elapsed_s : 0; }
  /// True when a target rate was set and the run achieved less than 95 % of it.
  bool below_target() const;
};

/// Workers a target rate needs: one per 30 events/s (a worker manages 80-250 events/s over
/// HTTP with acks=all, fewer on a busy machine: 32 workers gave 866 of 1000 events/s on the
/// loaded 2-core development VM, 10 gave 397), at least 1, at most max_in_flight. 1 for
/// rate 0 (the script's exact order).
int32_t in_flight_for_rate(double rate);
constexpr int32_t max_in_flight = 64;

using sender_factory = std::function<result<std::unique_ptr<event_sender>>()>;

class paced_runner {
public:
  /// Checks the options like emulator does (uid, key range against the source) and opens
  /// the manifest; `make_sender` is called once per worker when run() starts.
  static result<std::unique_ptr<paced_runner>>
  create(const source::source_db& db, sender_factory make_sender, const emulator_options& opt,
         int32_t in_flight, int max_attempts = 5);
  ~paced_runner();

  /// Sends until the plan is done, `stop` becomes true (the events in flight are finished)
  /// or a send failed max_attempts times in a row (returned). `progress` is called from
  /// this thread at most every 200 ms and once at the end.
  status run(const std::atomic<bool>& stop,
             const std::function<void(const runner_stats&)>& progress = {});
  runner_stats stats() const;

  struct impl;

private:
  explicit paced_runner(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace pinpipe::emulator
