// The user-posting emulator (PIPELINE §2): draws keys like the course script (event_plan),
// reads the three rows of each key from the source database and sends them, pin then geo
// then user, to the batch topics or the streams of the pipeline's user id through an
// event_sender, recording every acknowledged record in the manifest (manifest.hpp).
//
// Lifecycle: construct with the source, a sender and the options; then either drive it
// yourself (an actor does: wait next_delay() seconds, call step(), repeat until step()
// returns false) or call the blocking run() helper. Nothing but run() ever sleeps.
// A failed step() keeps its event: the next step() resends only the tables of that event
// that were not acknowledged yet, so a retry loses nothing (at-least-once: a record whose
// acknowledgement was lost may be stored twice, and the manifest then shows it once).
//
// Threading: an emulator and its source_db / sender belong to one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "pipeline/emulator/event_plan.hpp"
#include "pipeline/emulator/manifest.hpp"
#include "pipeline/emulator/sender.hpp"
#include "pipeline/source/source_db.hpp"

namespace pinpipe::emulator {

struct emulator_options {
  std::string uid = "0a60b9a8a831"; ///< pipeline user id (config pipeline.user_id)
  mode m = mode::batch;
  int64_t events = -1;          ///< -1 = forever
  double rate = 0;              ///< events/s when !course_timing; 0 = as fast as possible
  bool course_timing = true;    ///< wait the course's random 0/1 s before each event
  std::optional<uint64_t> seed; ///< none = random (the seed used is in stats())
  int64_t key_min = 0, key_max = 11000;
  std::string manifest_path; ///< empty = no manifest
};

struct emulator_stats {
  int64_t events_sent = 0;  ///< events whose three records were all acknowledged
  int64_t records_sent = 0; ///< acknowledged records
  int64_t send_errors = 0;  ///< failed send() calls
  int64_t last_key = -1;    ///< key of the last complete event
  uint64_t seed = 0;        ///< the plan's seed
};

class emulator {
public:
  emulator(const source::source_db& db, event_sender& sender, emulator_options opt);
  ~emulator();

  /// Not ok when the options or the manifest were unusable; step() then returns it too.
  const status& init_status() const { return init_; }
  /// Seconds to wait before the next step(): the pending event's delay, 0 when it is a
  /// retry of a partly sent event or when the plan is finished.
  double next_delay();
  /// Sends one event. true = sent; false = the plan is finished; error = nothing more of the
  /// event could be sent now (call again to retry).
  result<bool> step();
  /// True once every planned event was sent.
  bool done();
  emulator_stats stats() const { return stats_; }
  const emulator_options& options() const { return opt_; }

  /// Blocking helper: paces events by their delays (on an absolute schedule, so a rate does
  /// not drift), until done, `stop` becomes true, or a step fails (returned). `progress`, if
  /// given, is called at most every 200 ms and once at the end.
  status run(const std::atomic<bool>& stop,
             const std::function<void(const emulator_stats&)>& progress = {});

private:
  bool fetch_pending();

  const source::source_db& db_;
  event_sender& sender_;
  emulator_options opt_;
  status init_;
  std::optional<event_plan> plan_;
  std::unique_ptr<manifest_writer> manifest_;
  int64_t event_base_ = 0; ///< event number of plan index 0 (manifest continuation)
  std::optional<planned_event> pending_;
  int next_table_ = 0; ///< 0 pin, 1 geo, 2 user: first table not yet sent
  std::string destinations_[3];
  emulator_stats stats_;
};

} // namespace pinpipe::emulator
