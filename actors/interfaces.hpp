// The typed interfaces of the pipeline actors, in one place (STYLE point 1): other code
// includes this header to talk to an actor, never the actor's implementation.
//
//   emulator ──► broker (log) ──► connector ──► lake            (batch path, by topic)
//                     └─────────► stream_reader ──► cleaner ──► sink ──► warehouse
//                                                               (stream path, by stream)
//   scheduler ──(daily / manual)──► batch runner: lake ──► cleaner rules ──► batch tables ──►
//   queries
//
// Messages named here stay inside one node (CAF_ALLOW_UNSAFE_MESSAGE_TYPE at the bottom:
// they are never serialized); what crosses nodes is in messages/. Heavy header: include it
// only from actor code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/stats.hpp"
#include "pipeline/warehouse/warehouse.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::actors {

// -- atoms (at most 10 characters each) -------------------------------------------------
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using trigger_atom = caf::atom_constant<caf::atom("trigger")>;
using runs_atom = caf::atom_constant<caf::atom("runs")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using position_atom = caf::atom_constant<caf::atom("position")>;

/// Records fetched from one partition of a stream, on their way to the cleaner.
struct raw_batch {
  std::string topic;
  int32_t partition = 0;
  std::vector<storage::stored_record> records;
  int64_t next_offset = 0; ///< position after these records
  int64_t incarnation = 0; ///< which creation of the stream (storage::topic_config)
};

// -- typed interfaces -------------------------------------------------------------------

/// Stateless: cleans a raw batch into one sink transaction (rows + dead letters + position).
using cleaner_actor = caf::typed_actor<caf::replies_to<raw_batch>::with<warehouse::stream_batch>>;

/// The single writer of the stream tables: applies a batch exactly once, replies the
/// stored next offset of its (topic, partition). position_atom: the stored position of
/// (topic, partition), whatever its incarnation; with an incarnation: the position in that
/// incarnation (0 when the stored one is of another: the stream was recreated).
using sink_actor =
    caf::typed_actor<caf::replies_to<warehouse::stream_batch>::with<int64_t>,
                     caf::replies_to<position_atom, std::string, int32_t>::with<int64_t>,
                     caf::replies_to<position_atom, std::string, int32_t, int64_t>::with<int64_t>,
                     caf::replies_to<stats_atom>::with<actor_stats>>;

/// Anything that reports counters.
using stats_actor = caf::typed_actor<caf::replies_to<stats_atom>::with<actor_stats>>;

} // namespace pinpipe::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pinpipe::actors::raw_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pinpipe::actors::actor_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pinpipe::actors::run_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pinpipe::warehouse::stream_batch)
