// The one place that tells CAF about pinpipe's message types (STYLE point 1; CAF 0.17
// has no type-ID blocks, so this is a registration function plus the "unsafe" list).
//  - every struct of messages/log_api.hpp is registered by name ("pinpipe.produce_request")
//    with cfg.add_message_type, so it can later cross a process boundary;
//  - types that only ever travel inside one process (a transport::responder, the log's
//    result structs) are marked CAF_ALLOW_UNSAFE_MESSAGE_TYPE here.
// Call register_message_types(cfg) on every actor_system_config before creating the
// actor system (a type that is not registered fails only once it crosses a process).
// Includes CAF: include it from actor code and nodes/ only.
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>

#include "messages/log_api.hpp"
#include "logclient/log_client.hpp"
#include "transport/server.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pinpipe::transport::responder)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pinpipe::storage::produce_result)

namespace pinpipe::actors {

/// Registers every pinpipe message type with `cfg`. Add new message types here.
void register_message_types(caf::actor_system_config& cfg);

} // namespace pinpipe::actors
