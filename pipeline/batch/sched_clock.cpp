// The scheduler's wall clock (system_sched_clock in scheduler.hpp).
#include <chrono>

#include "pipeline/batch/scheduler.hpp"

namespace pinpipe::batch {

namespace {
class real_clock final : public sched_clock {
public:
  unix_time now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};
} // namespace

const sched_clock& system_sched_clock() {
  static real_clock c;
  return c;
}

} // namespace pinpipe::batch
