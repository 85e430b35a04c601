// The broker actor: owns the node's log_store and serves the log API (the decoded
// request structs of messages/log_api.hpp) as a typed CAF actor; each request gets
// exactly one response struct. Shaped like zeek/broker's core actor: a state struct with
// the logic in plain member functions (testable without an actor system) and a behavior
// function whose lambdas only forward to them.
//
// Asynchronous paths:
//  - produce: the log calls back on the calling thread (acks 0/1, errors) or on its
//    flusher thread after fsync (acks=all). The callback only does an anon_send of
//    (produce_done_atom, id, response) to this actor, which then delivers the response
//    promise on its own thread.
//  - long-poll fetch (max_wait_ms > 0 and nothing at the offset yet): the request is
//    parked with a response promise, log_store::watch wakes it (fetch_wake_atom) when
//    a record arrives, a delayed_send (fetch_deadline_atom) ends the wait; whichever
//    comes first answers and the other is ignored.
//
// Lifecycle: spawn_broker(system, log) -> serve -> send_exit / system shutdown. The log
// is shared with the node, which closes (flushes) it after the actor system stopped.
// This header includes CAF: include it from actor code and nodes/ only.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "messages/log_api.hpp"
#include "storage/log.hpp"

namespace pinpipe::actors {

using produce_done_atom = caf::atom_constant<caf::atom("prod_done")>;
using fetch_wake_atom = caf::atom_constant<caf::atom("fetch_wake")>;
using fetch_deadline_atom = caf::atom_constant<caf::atom("fetch_dl")>;

namespace m = pinpipe::messages;

/// The broker's typed interface: one line per log API request, plus the internal
/// completion messages (sent only by the broker to itself).
using broker_actor =
    caf::typed_actor<caf::replies_to<m::create_topic_request>::with<m::create_topic_response>,
                     caf::replies_to<m::delete_topic_request>::with<m::delete_topic_response>,
                     caf::replies_to<m::list_topics_request>::with<m::list_topics_response>,
                     caf::replies_to<m::describe_topic_request>::with<m::describe_topic_response>,
                     caf::replies_to<m::produce_request>::with<m::produce_response>,
                     caf::replies_to<m::fetch_request>::with<m::fetch_response>,
                     caf::replies_to<m::list_offsets_request>::with<m::list_offsets_response>,
                     caf::replies_to<m::commit_offsets_request>::with<m::commit_offsets_response>,
                     caf::replies_to<m::fetch_offsets_request>::with<m::fetch_offsets_response>,
                     caf::reacts_to<produce_done_atom, uint64_t, m::produce_response>,
                     caf::reacts_to<fetch_wake_atom, uint64_t>,
                     caf::reacts_to<fetch_deadline_atom, uint64_t>>;

/// Longest a fetch may wait (larger max_wait_ms values are capped to this).
constexpr int32_t max_fetch_wait_ms = 30000;

/// Settings of the broker (from the [log] section).
struct broker_options {
  int32_t default_partitions = 1; ///< for create_topic requests with partitions <= 0
};

struct broker_state {
  static inline const char* name = "broker";

  std::shared_ptr<storage::log_store> log;
  broker_options opts;

  // -- synchronous operations (plain functions over the log) ------------------------------
  m::create_topic_response create_topic(const m::create_topic_request& req);
  m::delete_topic_response delete_topic(const m::delete_topic_request& req);
  m::list_topics_response list_topics(const m::list_topics_request& req);
  m::describe_topic_response describe_topic(const m::describe_topic_request& req);
  m::list_offsets_response list_offsets(const m::list_offsets_request& req);
  m::commit_offsets_response commit_offsets(const m::commit_offsets_request& req);
  m::fetch_offsets_response fetch_offsets(const m::fetch_offsets_request& req);
  /// An immediate fetch (no waiting).
  m::fetch_response fetch_now(const m::fetch_request& req);
  /// True when the fetch should be parked: nothing at the offset yet and max_wait_ms > 0.
  bool should_wait(const m::fetch_request& req, const m::fetch_response& now) const;

  // -- pending asynchronous requests ------------------------------------------------------
  struct pending_fetch {
    m::fetch_request req;
    caf::typed_response_promise<m::fetch_response> promise;
    uint64_t watch_id = 0;
  };
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, caf::typed_response_promise<m::produce_response>> produces;
  std::unordered_map<uint64_t, pending_fetch> fetches;
};

using broker_pointer = broker_actor::stateful_pointer<broker_state>;

/// The behavior; `log` must be open.
broker_actor::behavior_type broker(broker_pointer self, std::shared_ptr<storage::log_store> log,
                                   broker_options opts);

/// Spawns a broker over `log`.
broker_actor spawn_broker(caf::actor_system& sys, std::shared_ptr<storage::log_store> log,
                          broker_options opts = {});

} // namespace pinpipe::actors
