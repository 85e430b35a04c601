// Conversions between the wire structs (log_api.hpp) and the log's own types
// (storage/log.hpp). Only the header of storage is used: no link dependency.
#pragma once

#include <vector>

#include "messages/log_api.hpp"
#include "storage/log.hpp"

namespace pinpipe::messages {

wire_record to_wire(const storage::record& r);
storage::record from_wire(const wire_record& r);
wire_stored_record to_wire(const storage::stored_record& r);
wire_topic_config to_wire(const storage::topic_config& c);
storage::topic_config from_wire(const wire_topic_config& c);
wire_topic_info to_wire(const storage::topic_info& t);
wire_group_offset to_wire(const storage::group_offset& g);
storage::group_offset from_wire(const wire_group_offset& g);
/// `r` with its error code and message taken from `st`.
template <class Resp> Resp with_status(Resp r, const status& st) {
  r.error = st.code();
  r.message = st.message();
  return r;
}

/// The produce response for a log produce result (status, offsets, duplicate flag).
produce_response to_wire(const storage::produce_result& pr);

/// The log's acks level for a wire value: 0, 1 or -1 (all); anything else is an error.
result<storage::acks> acks_from_wire(int8_t a);
/// The log's request from the wire request; an acks value other than 0, 1, -1 is an error.
result<storage::produce_request> from_wire(const produce_request& r);
/// The same, moving keys, values and headers out of `r` (no copies).
result<storage::produce_request> from_wire(produce_request&& r);

/// The ok fetch_response holding the records of `r`.
fetch_response to_wire(const storage::fetch_result& r);

} // namespace pinpipe::messages
