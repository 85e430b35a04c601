// Kinesis reads: GetShardIterator and GetRecords over the log (iterators and sequence
// numbers: kinesis_ids.hpp).
#include "gateway/kinesis.hpp"

#include <algorithm>

#include "gateway/kinesis_ids.hpp"
#include "gateway/kinesis_reply.hpp"

namespace pinpipe::gateway {
using namespace kinesis_detail;

reply kinesis_service::get_shard_iterator(const ojson& p) {
  auto name = stream_name_of(p);
  if (!name) return missing("streamName");
  auto shard_text = string_field(p, "ShardId");
  if (!shard_text) return missing("shardId");
  auto type = string_field(p, "ShardIteratorType");
  if (!type) return missing("shardIteratorType");
  auto t = find_stream(*name);
  if (!t) return not_found(*name);
  auto shard = parse_shard_id(*shard_text);
  if (!shard || *shard >= static_cast<int32_t>(t->partitions.size())) {
    return kinesis_error("ResourceNotFoundException", "Shard " + *shard_text + " in stream " +
                                                          *name + " under account " + k_account +
                                                          " does not exist");
  }
  const auto& part = t->partitions[static_cast<size_t>(*shard)];
  int64_t offset = 0;
  if (*type == "TRIM_HORIZON") {
    offset = part.log_start.get();
  } else if (*type == "LATEST") {
    offset = part.high_watermark.get();
  } else if (*type == "AT_SEQUENCE_NUMBER" || *type == "AFTER_SEQUENCE_NUMBER") {
    auto seq_text = string_field(p, "StartingSequenceNumber");
    if (!seq_text) return missing("startingSequenceNumber");
    auto seq = decode_sequence_number(*seq_text);
    if (!seq || seq->shard != *shard) {
      return kinesis_error("InvalidArgumentException", "StartingSequenceNumber " + *seq_text +
                                                           " used in GetShardIterator on shard " +
                                                           shard_id_string(*shard) + " in stream " +
                                                           *name + " is invalid for this shard");
    }
    offset = seq->offset + (*type == "AFTER_SEQUENCE_NUMBER" ? 1 : 0);
    offset = std::max(part.log_start.get(), std::min(offset, part.high_watermark.get()));
  } else if (*type == "AT_TIMESTAMP") {
    auto ts = p.find("Timestamp");
    if (ts == p.end() || !ts->is_number()) return missing("timestamp");
    auto o = log_.list_offset(*name, part.id, storage::offset_spec::by_timestamp,
                              static_cast<int64_t>(ts->get<double>() * 1000.0));
    if (!o) return kinesis_error("InternalFailure", o.error().to_string(), 500);
    offset = o->get();
  } else {
    return validation("shardIteratorType",
                      "Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, "
                      "AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
  }
  return amz_ok(ojson{{"ShardIterator", encode_shard_iterator({*name, *shard, offset})}});
}

reply kinesis_service::get_records(const ojson& p) {
  auto it_text = string_field(p, "ShardIterator");
  if (!it_text) return missing("shardIterator");
  int64_t limit = k_max_get_records;
  if (p.contains("Limit")) {
    auto l = json_int(p["Limit"]);
    if (!l || *l < 1 || *l > k_max_get_records) {
      return validation("limit", "Member must be between 1 and 10000");
    }
    limit = *l;
  }
  auto pos = decode_shard_iterator(*it_text);
  if (!pos) return kinesis_error("InvalidArgumentException", "ShardIterator is not valid");
  auto t = find_stream(pos->stream);
  if (!t) return not_found(pos->stream);
  if (pos->shard >= static_cast<int32_t>(t->partitions.size())) {
    return kinesis_error("ResourceNotFoundException", "Shard " + shard_id_string(pos->shard) +
                                                          " in stream " + pos->stream +
                                                          " does not exist");
  }
  const partition_id pid{pos->shard};
  int64_t next = pos->offset;
  int64_t hwm = t->partitions[static_cast<size_t>(pos->shard)].high_watermark.get();
  int64_t budget = k_get_records_bytes;
  int64_t last_ts = 0;
  ojson records = ojson::array();
  while (static_cast<int64_t>(records.size()) < limit && budget > 0) {
    auto f = log_.fetch(pos->stream, pid, offset_t{next},
                        static_cast<int32_t>(std::min<int64_t>(budget, 1 << 20)));
    if (!f && f.error().code() == errc::offset_out_of_range) {
      auto start = log_.list_offset(pos->stream, pid, storage::offset_spec::earliest);
      if (!start || start->get() <= next) break; // beyond the end: nothing yet
      next = start->get();                       // trimmed by retention: resume at the start
      continue;
    }
    if (!f) return kinesis_error("InternalFailure", f.error().to_string(), 500);
    hwm = f->high_watermark.get();
    if (f->records.empty()) break;
    for (auto& r : f->records) {
      if (r.offset.get() < next) continue;
      if (static_cast<int64_t>(records.size()) >= limit) break;
      records.push_back(
          ojson{{"SequenceNumber", encode_sequence_number(pos->shard, r.offset.get())},
                {"ApproximateArrivalTimestamp", double(r.rec.timestamp_ms) / 1000.0},
                {"Data", base64_encode(r.rec.value)},
                {"PartitionKey", r.rec.key.value_or("")}});
      budget -= static_cast<int64_t>(r.rec.value.size());
      last_ts = r.rec.timestamp_ms;
      next = r.offset.get() + 1;
    }
  }
  int64_t behind = next >= hwm ? 0 : std::max<int64_t>(0, now_ms() - last_ts);
  return amz_ok(ojson{{"Records", records},
                      {"NextShardIterator", encode_shard_iterator({pos->stream, pos->shard, next})},
                      {"MillisBehindLatest", behind}});
}

} // namespace pinpipe::gateway
