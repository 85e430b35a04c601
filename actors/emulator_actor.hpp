// The emulator actor: the course's user_posting_emulation scripts as an actor. It paces
// events (course timing, a rate, or as fast as possible) and sends each event's pin, geo and
// user rows to the batch topics or the streams through an event_sender: `direct` (the node's
// log engine, acks=all) or `http` (the gateway, exactly like the original scripts).
//
// Messages: tick (internal), stats_atom -> actor_stats (items = events sent, finished once
// every planned event was sent). Runs detached: a send waits for the acknowledgement.
#pragma once

#include <memory>

#include "actors/interfaces.hpp"
#include "pipeline/emulator/emulator.hpp"

namespace pinpipe::actors {

struct emulator_actor_options {
  std::string name;        ///< "emulator-batch" / "emulator-stream"
  std::string source_path; ///< <data-dir>/source.db
  emulator::emulator_options emu;
};

/// The sender is shared with the actor (direct: a log_sender; http: an http_sender).
result<caf::actor> spawn_emulator(caf::actor_system& sys, emulator_actor_options opt,
                                  std::shared_ptr<emulator::event_sender> sender);

} // namespace pinpipe::actors
