// The stream reader actor: the Structured Streaming counterpart (PIPELINE.md section 10).
// It follows one stream (all its shards = partitions) from the earliest offset, or from the
// position the sink committed, and pushes each fetched batch through cleaner -> sink. At
// most one batch per partition is in flight, so rows are applied in log order; a partition
// advances only when the sink has committed, so a crash can neither skip nor repeat a record.
//
// Lifecycle: spawned per stream; asks the sink for each partition's position, then fetches
// (again at once while there is data). When caught up it does not poll: a log watch per
// partition wakes it when records arrive, and a timer of idle_poll retries failed fetches
// (an idle node must idle: docs/performance.md). Reads the log through the node's log
// engine (thread-safe), which is where the broker keeps the partitions.
#pragma once

#include <chrono>
#include <string>

#include "actors/interfaces.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::actors {

struct stream_reader_options {
  std::string stream;                     ///< e.g. "streaming-0a60b9a8a831-pin"
  int32_t max_bytes = 1 << 20;            ///< per fetch
  std::chrono::milliseconds idle_poll{1000}; ///< retry of failed fetches when caught up
};

/// Replies to stats_atom with the records it has moved. Reports errors in stats.
caf::actor spawn_stream_reader(caf::actor_system& sys, logclient::log_client& log,
                               stream_reader_options opt, cleaner_actor cleaner, sink_actor sink);

} // namespace pinpipe::actors
