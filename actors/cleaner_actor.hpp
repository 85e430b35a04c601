// The cleaner actor: the one cleaning implementation (pipeline/clean) as a stateless actor
// on the stream path. It turns a raw_batch of log records into one sink transaction: a
// cleaned row per record, or a dead letter naming why the record cannot be cleaned. It
// keeps no state, so any node can run any number of them.
#pragma once

#include "actors/interfaces.hpp"

namespace pinpipe::actors {

/// Pure function behind the actor (tested directly in tests/actors/cleaner_actor_test.cpp):
/// every record of `b` ends up either as a row or as a dead letter, and next_offset carries
/// over.
warehouse::stream_batch clean_batch(const raw_batch& b);

cleaner_actor spawn_cleaner(caf::actor_system& sys);

} // namespace pinpipe::actors
