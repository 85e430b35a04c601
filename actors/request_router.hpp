// Glue between the transport thread and the log/actors of a node.
//
// Fast path (on the transport thread, no actor hop): produce requests and fetches that
// can be answered at once go straight to the thread-safe log_store.
//  - produce: each request of a burst (transport::server reads every request already
//    queued before replying) is decoded and collected; after the burst (on_drained) they
//    go to log_store::produce_many, which writes consecutive non-idempotent requests for
//    the same partition and acks as one batch (one pwrite, one group-commit fsync) and
//    gives every requester its own offsets. acks 0/1 requests are appended and answered on
//    the transport thread; the burst's acks=all requests are handed to the node's sync
//    thread (actors/durable_committer.hpp), which appends them and group-commits them
//    (one fdatasync per partition) and replies through the responder's thread-safe
//    outbox. So a hung fsync (a stalled disk) holds only acks=all producers: fetches,
//    acks 0/1 produces and everything routed to the actors keep being answered.
//  - fetch: answered from log_store::fetch, the response payload encoded straight from
//    the log's records; a long-poll fetch (max_wait_ms > 0 and nothing to return yet) goes
//    to the broker actor, which parks it.
// Everything else (topic admin, offsets, groups) is anon_sent with its responder to a
// small router actor, which asks the broker actor (typed request/then, never blocking)
// and replies through the responder from a CAF worker thread. Undecodable payloads and
// unknown types are answered at once with an error_response. Actor code (includes CAF).
#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "actors/broker_actor.hpp"
#include "storage/log.hpp"
#include "transport/server.hpp"

namespace pinpipe::node {

/// Spawns the router actor and returns the transport handlers that feed it. The fast
/// path uses `log`, which must be the log `broker` was spawned over; when it is null,
/// every request goes through the actors.
transport::handlers make_request_handler(caf::actor_system& sys, actors::broker_actor broker,
                                         caf::actor* router_out,
                                         std::shared_ptr<storage::log_store> log);

} // namespace pinpipe::node
