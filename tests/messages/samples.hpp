// Sample messages with every field set to a non-default value, shared by the codec and
// the CAF inspect tests: a field missing from MSGPACK_DEFINE, inspect or operator== makes
// a round trip of these fail.
#pragma once

#include <optional>
#include <tuple>

#include "messages/log_api.hpp"

namespace pinpipe::messages::samples {

inline wire_record record(int i) {
  wire_record r;
  r.has_key = true;
  r.key = "key-" + std::to_string(i);
  r.value = std::string("value\0with nul ", 15) + std::to_string(i);
  r.timestamp_ms = 1700000000000 + i;
  r.headers = {{"h1", "v1"}, {"h2", std::to_string(i)}};
  return r;
}

/// A record with exactly these fields (no key when `key` is empty).
inline wire_record record_of(std::string value, std::optional<std::string> key = std::nullopt,
                             int64_t ts = 0,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
  wire_record r;
  r.has_key = key.has_value();
  if (key) r.key = *key;
  r.value = std::move(value);
  r.timestamp_ms = ts;
  r.headers = std::move(headers);
  return r;
}

inline wire_topic_config topic_config() {
  wire_topic_config c;
  c.partitions = 5;
  c.is_stream = true;
  c.retention_bytes = 1 << 30;
  c.retention_ms = 3600000;
  c.segment_bytes = 1 << 20;
  c.segment_ms = 60000;
  return c;
}

inline wire_topic_info topic_info() {
  wire_topic_info t;
  t.name = "0a60b9a8a831.pin";
  t.config = topic_config();
  wire_partition_info p;
  p.id = partition_id{3};
  p.log_start = offset_t{10};
  p.high_watermark = offset_t{99};
  p.size_bytes = 12345;
  p.segments = 2;
  t.partitions = {p, p};
  return t;
}

inline wire_group_offset group_offset() {
  wire_group_offset g;
  g.topic = "t";
  g.partition = partition_id{2};
  g.offset = offset_t{42};
  g.metadata = "meta";
  return g;
}

inline std::tuple<error_response, create_topic_request, create_topic_response, delete_topic_request,
                  delete_topic_response, list_topics_request, list_topics_response,
                  describe_topic_request, describe_topic_response, produce_request,
                  produce_response, fetch_request, fetch_response, list_offsets_request,
                  list_offsets_response, commit_offsets_request, commit_offsets_response,
                  fetch_offsets_request, fetch_offsets_response>
all() {
  error_response e{protocol_version, errc::unknown_topic, "no such topic"};
  create_topic_request ctq{protocol_version, "topic-a", topic_config()};
  create_topic_response ctr{protocol_version, errc::topic_exists, "exists"};
  delete_topic_request dtq{protocol_version, "topic-b"};
  delete_topic_response dtr{protocol_version, errc::unknown_topic, "missing"};
  list_topics_request ltq{protocol_version};
  list_topics_response ltr{protocol_version, errc::ok, "", {topic_info(), topic_info()}};
  describe_topic_request deq{protocol_version, "topic-c"};
  describe_topic_response der{protocol_version, errc::ok, "", topic_info()};
  produce_request pq;
  pq.topic = "topic-d";
  pq.partition = partition_id{4};
  pq.records = {record(1), record(2), wire_record{}};
  pq.acks = -1;
  pq.producer_id = 77;
  pq.base_sequence = 5;
  produce_response pr{protocol_version, errc::ok, "", offset_t{10}, offset_t{12}, true};
  fetch_request fq{protocol_version, "topic-e", partition_id{1}, offset_t{7}, 4096, 250};
  fetch_response fr;
  fr.error = errc::offset_out_of_range;
  fr.message = "beyond";
  fr.records = {wire_stored_record{protocol_version, offset_t{7}, record(7)}};
  fr.high_watermark = offset_t{8};
  fr.log_start = offset_t{3};
  list_offsets_request loq{protocol_version, "topic-f", partition_id{2}, 2, 1700000000123};
  list_offsets_response lor{protocol_version, errc::ok, "", offset_t{55}};
  commit_offsets_request coq{protocol_version, "group-1", {group_offset(), group_offset()}};
  commit_offsets_response cor{protocol_version, errc::unknown_partition, "bad partition"};
  fetch_offsets_request foq{protocol_version, "group-2"};
  fetch_offsets_response forr{protocol_version, errc::ok, "", {group_offset()}};
  return {e, ctq, ctr, dtq, dtr, ltq, ltr, deq, der, pq, pr, fq, fr, loq, lor, coq, cor, foq, forr};
}

} // namespace pinpipe::messages::samples
