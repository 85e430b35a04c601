// How every pinpipe actor system is configured (a node, `pinpipe simulate`): the message
// types and the errc error category (type_ids.hpp), and a scheduler that sleeps when
// there is nothing to do.
//
// CAF 0.17's work-stealing workers, once idle, wake every `relaxed-sleep-duration`
// (default 10 ms) to look for work to steal; with 4 workers that alone is 400 wake-ups a
// second on an idle node. New work for a sleeping worker wakes it through its condition
// variable at once, so the timed wake-up only matters for stealing from a busy worker:
// 100 ms is plenty. The aggressive and moderate polling right after a job (the low
// latency path under load) keep their defaults.
#pragma once

#include <caf/actor_system_config.hpp>

namespace pinpipe::actors {

/// Registers message types and the error category and sets the scheduler's idle policy.
void configure_actor_system(caf::actor_system_config& cfg);

} // namespace pinpipe::actors
