// The plan of an emulator run: the sequence of (delay, key) pairs, one per event, drawn
// exactly like the course script
//     sleep(random.randrange(0, 2)); random_row = random.randint(0, 11000)
// with a Python-compatible generator (py_random.hpp), so a seeded plan reproduces the
// original `random.seed(100)` run. Both numbers are always drawn, so the key sequence of a
// seed does not depend on the timing mode; only the delay differs:
//   course timing: delay = the drawn sleep (0 or 1 s);
//   rate > 0:      delay = 1 / rate;
//   rate == 0:     delay = 0 (as fast as possible).
//
// Threading: a plain value; one per emulator.
#pragma once

#include <cstdint>
#include <optional>

#include "common/status.hpp"
#include "pipeline/emulator/py_random.hpp"

namespace pinpipe::emulator {

struct plan_options {
  int64_t events = -1;                  ///< number of events; -1 = forever
  double rate = 0;                      ///< events/s when !course_timing; 0 = as fast as possible
  bool course_timing = true;            ///< delays are the course's random 0/1 s sleeps
  std::optional<uint64_t> seed;         ///< none = seeded from std::random_device
  int64_t key_min = 0, key_max = 11000; ///< inclusive key range
};

struct planned_event {
  int64_t index = 0;         ///< 0-based position in the plan
  int64_t sleep_seconds = 0; ///< the course draw randrange(0, 2)
  double delay_seconds = 0;  ///< what to wait before sending (see the timing modes above)
  int64_t key = 0;           ///< the course draw randint(key_min, key_max)
};

class event_plan {
public:
  /// Checks the options (key range, rate, count) and seeds the generator.
  static result<event_plan> create(const plan_options& opt);

  /// The next event, or nothing once `events` events were planned.
  std::optional<planned_event> next();
  /// The seed in use (the drawn one when none was given), to reproduce a run.
  uint64_t seed() const { return seed_; }
  int64_t planned() const { return planned_; }

private:
  event_plan(const plan_options& opt, uint64_t seed) : opt_(opt), seed_(seed), rng_(seed) {}

  plan_options opt_;
  uint64_t seed_;
  py_random rng_;
  int64_t planned_ = 0;
};

} // namespace pinpipe::emulator
