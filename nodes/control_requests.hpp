// Node control requests beside the log API (messages/control_api.hpp), answered by the
// pipeline roles of a node instead of the broker: flush_lake_request, which `pinpipe batch
// run` sends so that a run includes every record produced before it, and
// node_stats_request (the actors' counters and the log's disk-full refusals), which
// `pinpipe status --prometheus` sends; and the batch-run and warehouse requests of
// messages/warehouse_api.hpp (`pinpipe batch runs | trigger`, `pinpipe status`), answered
// from the node's own warehouse through the runtime on a thread of their own.
//
// with_control() wraps the log API handlers of request_router.hpp: control messages go
// to the pipeline runtime (its answer arrives on a CAF thread, through the thread-safe
// responder), everything else to the wrapped handler unchanged. `rt` may be null (a node
// without pipeline roles answers `unavailable`) and must outlive the server.
#pragma once

#include <functional>

#include "actors/pipeline_runtime.hpp"
#include "transport/server.hpp"

namespace pinpipe::node {

/// `node_api_stats`, when given, adds the node API's own counters (the transport server's
/// bad requests, as the console's /metrics shows them under actor="node-api") to the
/// node_stats answer; it is called on the transport thread.
transport::handlers with_control(transport::handlers h, actors::pipeline_runtime* rt,
                                 std::function<actors::actor_stats()> node_api_stats = {});

} // namespace pinpipe::node
