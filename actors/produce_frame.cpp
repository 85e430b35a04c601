#include "actors/produce_frame.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include "logclient/wire_convert.hpp"
#include "messages/fast_codec.hpp"

namespace pinpipe::actors {

namespace {

/// A signed integer that also fits in T.
template <class T> bool read_int(messages::fast::cursor& c, T& out) {
  int64_t v = 0;
  if (!c.sint(v) || v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max())
    return false;
  out = static_cast<T>(v);
  return true;
}

bool read_record(messages::fast::cursor& c, storage::record& r) {
  uint32_t fields = 0, nh = 0;
  uint64_t rv = 0;
  bool has_key = false;
  std::string_view key, value;
  if (!c.array(fields) || fields != 6 || !c.uint(rv) || rv > 0xffff || !c.boolean(has_key) ||
      !c.str(key) || !c.str(value) || !c.sint(r.timestamp_ms) || !c.array(nh)) {
    return false;
  }
  if (has_key)
    r.key.emplace(key);
  else
    r.key.reset();
  r.value.assign(value);
  r.headers.clear();
  for (uint32_t i = 0; i < nh; ++i) {
    uint32_t two = 0;
    std::string_view hk, hv;
    if (!c.array(two) || two != 2 || !c.str(hk) || !c.str(hv)) return false;
    r.headers.emplace_back(std::string(hk), std::string(hv));
  }
  return true;
}

} // namespace

bool read_produce_request(std::string_view payload, storage::produce_request& out) {
  messages::fast::cursor c(payload);
  uint32_t n = 0, count = 0;
  uint64_t version = 0;
  std::string_view topic;
  int32_t partition = 0;
  if (!c.array(n) || n != 7 || !c.uint(version) || version < 1 ||
      version > messages::protocol_version || !c.str(topic) || !read_int(c, partition) ||
      !c.array(count)) {
    return false;
  }
  out.topic.assign(topic);
  out.partition = partition_id{partition};
  out.records.resize(count);
  for (auto& r : out.records)
    if (!read_record(c, r)) return false;
  int8_t acks = 0;
  int64_t producer_id = 0;
  int32_t base_sequence = 0;
  if (!read_int(c, acks) || !c.sint(producer_id) || !read_int(c, base_sequence) || !c.at_end())
    return false;
  auto level = logclient::acks_from_wire(acks);
  if (!level) return false; // the generic path says what is wrong with it
  out.required_acks = *level;
  out.producer_id = producer_id;
  out.base_sequence = base_sequence;
  return true;
}

} // namespace pinpipe::actors
