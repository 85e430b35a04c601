// The node's one-pass reader of a produce request, broker side: the payload of a
// produce_request frame read straight into the log's request, without msgpack's object
// tree. Moved here from messages/fast_codec (the wire format stays free of storage/);
// it reads with messages::fast::cursor. Used by the node's transport thread
// (request_router.cpp) for the common case.
#pragma once

#include <string_view>

#include "storage/log.hpp"

namespace pinpipe::actors {

/// Reads a produce_request payload of the canonical shape (encode_payload's) into `out`;
/// the record bytes are copied once, into `out`. False for anything the generic path
/// (decode_payload + logclient::from_wire) must judge, including an invalid acks value: that
/// path then answers with its usual error. Bounds-checked, never throws.
bool read_produce_request(std::string_view payload, storage::produce_request& out);

} // namespace pinpipe::actors
