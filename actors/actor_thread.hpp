// Where a pipeline actor that blocks (fsync, a SQLite commit, a batch run) runs. In a node it
// gets its own thread (caf::detached) so it never stalls the shared CAF workers. Tests that
// drive actors with CAF's deterministic test coordinator (tests/actors/) spawn it on the
// scheduler instead, because the test coordinator only runs scheduled actors.
#pragma once

namespace pinpipe::actors {

enum class actor_thread {
  own,    ///< caf::detached: the default, what a node uses
  shared, ///< on the actor system's scheduler (tests with the test coordinator)
};

} // namespace pinpipe::actors
