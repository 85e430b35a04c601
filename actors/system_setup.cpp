#include "actors/system_setup.hpp"

#include <chrono>

#include "actors/type_ids.hpp"

namespace pinpipe::actors {

void configure_actor_system(caf::actor_system_config& cfg) {
  register_message_types(cfg);
  cfg.set("work-stealing.relaxed-sleep-duration",
          caf::timespan{std::chrono::milliseconds(100)});
}

} // namespace pinpipe::actors
