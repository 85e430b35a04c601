// Fuzz target: cron expressions and UTC times of the scheduler (pipeline/batch/scheduler.hpp).
// The input is parsed as a cron expression; an accepted one is asked for its next and
// previous fire times around a few instants (epoch, 2024-02-29, far future). The input is
// also read as a start_date. Properties: no crash, no hang (an expression that can never
// fire, like "0 0 30 2 *", must be refused or answered in bounded time); a refusal names
// the expression; next_fire_time(t) > t; prev_fire_time(t) <= t; prev(next(t)) == next(t).
#include <cstdint>
#include <string>

#include "pipeline/batch/scheduler.hpp"
#include "tests/fuzz/fuzz_util.hpp"

using namespace pinpipe;
using pinpipe::fuzz::fuzz_check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)batch::parse_utc(text);
  (void)batch::start_date_setting(text);

  auto cron = batch::cron_schedule::parse(text);
  if (!cron) {
    fuzz_check(!cron.error().message().empty(), "a refused cron expression says why");
    return 0;
  }
  const batch::unix_time instants[] = {0, 1709164800, 1709164800 + 86399, 4102444800};
  for (auto t : instants) {
    const auto next = cron->next_fire_time(t);
    fuzz_check(next > t, "next_fire_time is strictly after");
    fuzz_check(cron->prev_fire_time(next) == next, "a fire time is its own previous fire time");
    const auto prev = cron->prev_fire_time(t);
    fuzz_check(prev <= t, "prev_fire_time is at or before");
    (void)batch::format_utc(next);
  }
  return 0;
}
