// Node control requests beside the log API (messages/control_api.hpp), answered by the
// pipeline roles of a node instead of the broker: today flush_lake_request, which
// `pinpipe batch run` sends so that a run includes every record produced before it.
//
// with_control() wraps the log API handlers of request_router.hpp: control messages go
// to the pipeline runtime (its answer arrives on a CAF thread, through the thread-safe
// responder), everything else to the wrapped handler unchanged. `rt` may be null (a node
// without pipeline roles answers `unavailable`) and must outlive the server.
#pragma once

#include "actors/pipeline_runtime.hpp"
#include "transport/server.hpp"

namespace pinpipe::node {

transport::handlers with_control(transport::handlers h, actors::pipeline_runtime* rt);

} // namespace pinpipe::node
