// The sink actor: the single writer of the warehouse's stream tables. Each stream_batch is
// applied in one SQLite transaction together with the new (topic, partition) position, so
// after any crash the stream readers resume exactly where the committed rows end: every log
// record becomes exactly one row (or one dead letter).
//
// Lifecycle: spawned with an open warehouse; the warehouse closes when the actor ends.
// Runs on its own thread (detached) because SQLite commits block.
#pragma once

#include <memory>

#include "actors/actor_thread.hpp"
#include "actors/interfaces.hpp"

namespace pinpipe::actors {

/// Spawns the sink over an open warehouse (shared so it can be handed to the actor), on
/// its own thread unless `where` says otherwise (tests/actors/).
sink_actor spawn_sink(caf::actor_system& sys, std::shared_ptr<warehouse::warehouse> wh,
                      actor_thread where = actor_thread::own);

} // namespace pinpipe::actors
