#include "logclient/wire_convert.hpp"

#include <string>

namespace pinpipe::logclient {

namespace m = pinpipe::messages;

m::wire_record to_wire(const storage::record& r) {
  m::wire_record w;
  w.has_key = r.key.has_value();
  if (r.key) w.key = *r.key;
  w.value = r.value;
  w.timestamp_ms = r.timestamp_ms;
  w.headers = r.headers;
  return w;
}

storage::record from_wire(const m::wire_record& w) {
  storage::record r;
  if (w.has_key) r.key = w.key;
  r.value = w.value;
  r.timestamp_ms = w.timestamp_ms;
  r.headers = w.headers;
  return r;
}

m::wire_stored_record to_wire(const storage::stored_record& r) {
  m::wire_stored_record w;
  w.offset = r.offset;
  w.record = to_wire(r.rec);
  return w;
}

m::wire_topic_config to_wire(const storage::topic_config& c) {
  m::wire_topic_config w;
  w.partitions = c.partitions;
  w.is_stream = c.is_stream;
  w.retention_bytes = c.retention_bytes;
  w.retention_ms = c.retention_ms;
  w.segment_bytes = c.segment_bytes;
  w.segment_ms = c.segment_ms;
  w.incarnation = c.incarnation;
  w.replication_factor = c.replication_factor;
  return w;
}

storage::topic_config from_wire(const m::wire_topic_config& w) {
  storage::topic_config c;
  c.partitions = w.partitions;
  c.is_stream = w.is_stream;
  c.retention_bytes = w.retention_bytes;
  c.retention_ms = w.retention_ms;
  c.segment_bytes = w.segment_bytes;
  c.segment_ms = w.segment_ms;
  c.incarnation = w.incarnation;
  c.replication_factor = w.replication_factor;
  return c;
}

m::wire_topic_info to_wire(const storage::topic_info& t) {
  m::wire_topic_info w;
  w.name = t.name;
  w.config = to_wire(t.config);
  for (const auto& p : t.partitions) {
    m::wire_partition_info wp;
    wp.id = p.id;
    wp.log_start = p.log_start;
    wp.high_watermark = p.high_watermark;
    wp.size_bytes = p.size_bytes;
    wp.segments = p.segments;
    wp.leader = p.leader;
    wp.leader_term = p.leader_term;
    wp.replicas = p.replicas;
    wp.in_sync = p.in_sync;
    w.partitions.push_back(wp);
  }
  return w;
}

m::wire_group_offset to_wire(const storage::group_offset& g) {
  m::wire_group_offset w;
  w.topic = g.topic;
  w.partition = g.partition;
  w.offset = g.offset;
  w.metadata = g.metadata;
  return w;
}

storage::group_offset from_wire(const m::wire_group_offset& w) {
  storage::group_offset g;
  g.topic = w.topic;
  g.partition = w.partition;
  g.offset = w.offset;
  g.metadata = w.metadata;
  return g;
}

result<storage::acks> acks_from_wire(int8_t a) {
  switch (a) {
  case 0:
    return storage::acks::none;
  case 1:
    return storage::acks::leader;
  case -1:
    return storage::acks::all;
  default:
    return status{errc::invalid_request,
                  "acks must be 0, 1 or -1 (all), got " + std::to_string(static_cast<int>(a))};
  }
}

result<storage::produce_request> from_wire(m::produce_request&& w) {
  auto a = acks_from_wire(w.acks);
  if (!a) return a.error();
  storage::produce_request r;
  r.topic = std::move(w.topic);
  r.partition = w.partition;
  r.required_acks = *a;
  r.producer_id = w.producer_id;
  r.base_sequence = w.base_sequence;
  r.records.resize(w.records.size());
  for (size_t i = 0; i < w.records.size(); ++i) {
    auto& in = w.records[i];
    auto& out = r.records[i];
    if (in.has_key) out.key = std::move(in.key);
    out.value = std::move(in.value);
    out.timestamp_ms = in.timestamp_ms;
    out.headers = std::move(in.headers);
  }
  return r;
}

m::fetch_response to_wire(const storage::fetch_result& r) {
  m::fetch_response w;
  w.records.reserve(r.records.size());
  for (const auto& rec : r.records)
    w.records.push_back(to_wire(rec));
  w.high_watermark = r.high_watermark;
  w.log_start = r.log_start;
  return w;
}

result<storage::produce_request> from_wire(const m::produce_request& w) {
  auto a = acks_from_wire(w.acks);
  if (!a) return a.error();
  storage::produce_request r;
  r.topic = w.topic;
  r.partition = w.partition;
  r.required_acks = *a;
  r.producer_id = w.producer_id;
  r.base_sequence = w.base_sequence;
  r.records.reserve(w.records.size());
  for (const auto& rec : w.records)
    r.records.push_back(from_wire(rec));
  return r;
}

m::produce_response to_wire(const storage::produce_result& pr) {
  m::produce_response r;
  r.error = pr.st.code();
  r.message = pr.st.message();
  r.base_offset = pr.base_offset;
  r.last_offset = pr.last_offset;
  r.duplicate = pr.duplicate;
  return r;
}

} // namespace pinpipe::logclient
