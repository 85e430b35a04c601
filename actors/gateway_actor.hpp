// The gateway actor: owns the HTTP front door (pipeline's API Gateway + Kafka REST Proxy +
// Kinesis counterpart, gateway/). The server runs on its own thread pool and writes straight
// into the node's log engine with acks=all; the actor ties its lifetime to the actor system
// (stopped when the actor exits) and reports counters.
//
// Messages: stats_atom -> actor_stats (items = records produced, errors = 4xx/5xx replies).
#pragma once

#include "actors/interfaces.hpp"
#include "gateway/gateway.hpp"

namespace pinpipe::actors {

/// Starts the gateway first (so a taken port is an error value here, not inside an actor)
/// and returns the actor that owns it, with the bound port.
result<std::pair<caf::actor, int>> spawn_gateway(caf::actor_system& sys, storage::log_store& log,
                                                 gateway::gateway_options opt);

} // namespace pinpipe::actors
