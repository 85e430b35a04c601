// Glue between the transport thread and the actors of a node. The handler returned by
// make_request_handler runs on the transport thread: it decodes the envelope's payload by
// message type and anon_sends (request, responder) to a small router actor, which asks
// the broker actor (typed request/then, never blocking) and replies through the
// responder - from a CAF worker thread, so the reply travels through the transport's
// outbox. Undecodable payloads and unknown types are answered at once with an
// error_response. Actor code (includes CAF).
#pragma once

#include <caf/actor_system.hpp>

#include "actors/broker_actor.hpp"
#include "transport/server.hpp"

namespace pinpipe::node {

/// Spawns the router actor and returns the transport handler that feeds it.
transport::request_handler make_request_handler(caf::actor_system& sys, actors::broker_actor broker,
                                                caf::actor* router_out);

} // namespace pinpipe::node
