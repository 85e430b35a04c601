// Fetch serving, broker side: a log API fetch_request answered from the engine. Moved here
// from messages/ (which now holds only the wire format, with no dependency on storage/).
// The broker actor uses fetch_from; the node's transport thread uses encode_fetch_from
// (actors/request_router.cpp) to write the reply straight from the stored bytes.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.hpp"
#include "messages/log_api.hpp"
#include "storage/log.hpp"

namespace pinpipe::actors {

/// Serves a fetch request from `log` (no waiting): its records, or invalid_request when
/// max_bytes is not positive, or the log's error.
result<storage::fetch_result> fetch_from(const storage::log_store& log,
                                         const messages::fetch_request& req);

/// fetch_from, written straight into the MessagePack payload of an ok fetch_response from
/// the log's stored bytes (log_store::fetch_each): no record is copied into a struct on the
/// way. `count` gets the number of records. Decodes to the same fetch_response as
/// messages::to_wire(*fetch_from(...)); the records array always has a 32-bit length.
result<std::string> encode_fetch_from(const storage::log_store& log,
                                      const messages::fetch_request& req, size_t& count);

} // namespace pinpipe::actors
