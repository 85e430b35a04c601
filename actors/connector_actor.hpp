// The connector actor: the MSK Connect S3 sink counterpart on the batch path. It drains
// every topic matching "<uid>\..*" into lake objects (pipeline/lake), polling at once while
// there is data and every idle_poll when caught up; rotate.interval.ms closes partly full
// objects of idle partitions on the wall clock.
//
// Messages: tick (internal), stats_atom -> actor_stats (items = records moved, objects =
// objects written), flush_atom -> int64_t (objects written so far; answered once every
// record the batch topics held when it arrived is in a closed lake object: asked before
// every batch run, by `simulate`, by the node's scheduled runs and by `pinpipe batch run`
// over the node API; an error when a partition could not be moved). On shutdown the
// partly full objects are written too.
// Runs detached: object writes fsync.
#pragma once

#include <chrono>
#include <string>

#include "actors/actor_thread.hpp"
#include "actors/interfaces.hpp"
#include "logclient/log_client.hpp"
#include "pipeline/lake/lake_writer.hpp"

namespace pinpipe::actors {

struct connector_options {
  std::string uid;
  lake::writer_options writer;
  actor_thread thread = actor_thread::own; ///< shared: tests with CAF's test coordinator
  /// Wait between polls when caught up. At least 100 ms, so an idle node idles; the batch
  /// path's freshness comes from flush_atom before each run, not from this.
  std::chrono::milliseconds idle_poll{200};
};

caf::actor spawn_connector(caf::actor_system& sys, logclient::log_client& log, connector_options opt);

} // namespace pinpipe::actors
