// Conversions between the wire structs (messages/log_api.hpp) and the log's own value types
// (storage/log.hpp), for the two ends of the log API: the remote client
// (remote_log_client.cpp) and the broker side (actors/broker_actor.cpp, request_router.cpp).
// They live here, not in messages/, so that the wire format does not depend on storage/.
// Library pinpipe_wire_convert (only the header of storage is used: no link dependency).
#pragma once

#include <vector>

#include "messages/log_api.hpp"
#include "storage/log.hpp"

namespace pinpipe::logclient {

messages::wire_record to_wire(const storage::record& r);
storage::record from_wire(const messages::wire_record& r);
messages::wire_stored_record to_wire(const storage::stored_record& r);
messages::wire_topic_config to_wire(const storage::topic_config& c);
storage::topic_config from_wire(const messages::wire_topic_config& c);
messages::wire_topic_info to_wire(const storage::topic_info& t);
messages::wire_group_offset to_wire(const storage::group_offset& g);
storage::group_offset from_wire(const messages::wire_group_offset& g);

/// The produce response for a log produce result (status, offsets, duplicate flag).
messages::produce_response to_wire(const storage::produce_result& pr);

/// The log's acks level for a wire value: 0, 1 or -1 (all); anything else is an error.
result<storage::acks> acks_from_wire(int8_t a);
/// The log's request from the wire request; an acks value other than 0, 1, -1 is an error.
result<storage::produce_request> from_wire(const messages::produce_request& r);
/// The same, moving keys, values and headers out of `r` (no copies).
result<storage::produce_request> from_wire(messages::produce_request&& r);

/// The ok messages::fetch_response holding the records of `r`.
messages::fetch_response to_wire(const storage::fetch_result& r);

} // namespace pinpipe::logclient
