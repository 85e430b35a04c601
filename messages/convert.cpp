#include "messages/convert.hpp"

namespace pinpipe::messages {

wire_record to_wire(const storage::record& r) {
  wire_record w;
  w.has_key = r.key.has_value();
  if (r.key) w.key = *r.key;
  w.value = r.value;
  w.timestamp_ms = r.timestamp_ms;
  w.headers = r.headers;
  return w;
}

storage::record from_wire(const wire_record& w) {
  storage::record r;
  if (w.has_key) r.key = w.key;
  r.value = w.value;
  r.timestamp_ms = w.timestamp_ms;
  r.headers = w.headers;
  return r;
}

wire_stored_record to_wire(const storage::stored_record& r) {
  wire_stored_record w;
  w.offset = r.offset;
  w.record = to_wire(r.rec);
  return w;
}

wire_topic_config to_wire(const storage::topic_config& c) {
  wire_topic_config w;
  w.partitions = c.partitions;
  w.is_stream = c.is_stream;
  w.retention_bytes = c.retention_bytes;
  w.retention_ms = c.retention_ms;
  w.segment_bytes = c.segment_bytes;
  w.segment_ms = c.segment_ms;
  return w;
}

storage::topic_config from_wire(const wire_topic_config& w) {
  storage::topic_config c;
  c.partitions = w.partitions;
  c.is_stream = w.is_stream;
  c.retention_bytes = w.retention_bytes;
  c.retention_ms = w.retention_ms;
  c.segment_bytes = w.segment_bytes;
  c.segment_ms = w.segment_ms;
  return c;
}

wire_topic_info to_wire(const storage::topic_info& t) {
  wire_topic_info w;
  w.name = t.name;
  w.config = to_wire(t.config);
  for (const auto& p : t.partitions) {
    wire_partition_info wp;
    wp.id = p.id;
    wp.log_start = p.log_start;
    wp.high_watermark = p.high_watermark;
    wp.size_bytes = p.size_bytes;
    wp.segments = p.segments;
    w.partitions.push_back(wp);
  }
  return w;
}

wire_group_offset to_wire(const storage::group_offset& g) {
  wire_group_offset w;
  w.topic = g.topic;
  w.partition = g.partition;
  w.offset = g.offset;
  w.metadata = g.metadata;
  return w;
}

storage::group_offset from_wire(const wire_group_offset& w) {
  storage::group_offset g;
  g.topic = w.topic;
  g.partition = w.partition;
  g.offset = w.offset;
  g.metadata = w.metadata;
  return g;
}

result<storage::produce_request> from_wire(const produce_request& w) {
  storage::produce_request r;
  r.topic = w.topic;
  r.partition = w.partition;
  switch (w.acks) {
  case 0:
    r.required_acks = storage::acks::none;
    break;
  case 1:
    r.required_acks = storage::acks::leader;
    break;
  case -1:
    r.required_acks = storage::acks::all;
    break;
  default:
    return status{errc::invalid_request,
                  "acks must be 0, 1 or -1 (all), got " + std::to_string(static_cast<int>(w.acks))};
  }
  r.producer_id = w.producer_id;
  r.base_sequence = w.base_sequence;
  r.records.reserve(w.records.size());
  for (const auto& rec : w.records)
    r.records.push_back(from_wire(rec));
  return r;
}

} // namespace pinpipe::messages
