#include "pipeline/emulator/event_plan.hpp"

#include <cmath>
#include <random>
#include <string>

namespace pinpipe::emulator {

result<event_plan> event_plan::create(const plan_options& opt) {
  if (opt.key_min < 0 || opt.key_max < opt.key_min)
    return status{errc::invalid_argument, "emulator key range " + std::to_string(opt.key_min) +
                                              ".." + std::to_string(opt.key_max) +
                                              " is empty or negative; use 0 <= key_min <= key_max"};
  if (!std::isfinite(opt.rate) || opt.rate < 0)
    return status{errc::invalid_argument,
                  "emulator rate must be >= 0 events/s (0 = as fast as possible), got " +
                      std::to_string(opt.rate)};
  if (opt.events < -1)
    return status{errc::invalid_argument, "emulator events must be >= 0, or -1 for forever, got " +
                                              std::to_string(opt.events)};
  uint64_t seed = 0;
  if (opt.seed) {
    seed = *opt.seed;
  } else {
    std::random_device rd;
    seed = (static_cast<uint64_t>(rd()) << 32) | rd();
  }
  return event_plan(opt, seed);
}

std::optional<planned_event> event_plan::next() {
  if (opt_.events >= 0 && planned_ >= opt_.events) return std::nullopt;
  planned_event ev;
  ev.index = planned_++;
  ev.sleep_seconds = rng_.randrange(0, 2);
  ev.key = rng_.randint(opt_.key_min, opt_.key_max);
  ev.delay_seconds = opt_.course_timing ? static_cast<double>(ev.sleep_seconds)
                     : opt_.rate > 0    ? 1.0 / opt_.rate
                                        : 0.0;
  return ev;
}

} // namespace pinpipe::emulator
