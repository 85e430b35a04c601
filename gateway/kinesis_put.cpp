// Kinesis writes: PutRecord and PutRecords (native, base64 Data) and the shared append that
// the API Gateway routes use too: validate every entry, hash to shards, one batch per shard.
#include "gateway/kinesis.hpp"

#include <algorithm>

#include "gateway/kinesis_ids.hpp"
#include "gateway/kinesis_reply.hpp"

namespace pinpipe::gateway {
using namespace kinesis_detail;

std::variant<std::vector<kinesis_service::put_outcome>, reply>
kinesis_service::put(const std::string& stream, std::vector<put_entry> entries) {
  if (entries.size() > k_max_put_records) {
    return validation("records", "Member must have length less than or equal to 500");
  }
  for (const auto& e : entries) {
    if (e.partition_key.empty() || e.partition_key.size() > 256) {
      return validation("partitionKey", "Member must have length between 1 and 256");
    }
    auto size = static_cast<int64_t>(e.data.size() + e.partition_key.size());
    if (size > opt_.max_record_bytes) {
      return kinesis_error("ValidationException",
                           "record of " + std::to_string(size) +
                               " bytes (data + partition key) is over the limit of " +
                               std::to_string(opt_.max_record_bytes) + " bytes",
                           413);
    }
  }
  auto t = find_stream(stream);
  if (!t) return not_found(stream);
  const auto shards = static_cast<int32_t>(t->partitions.size());
  std::vector<put_outcome> out(entries.size());
  std::vector<storage::produce_request> reqs;
  std::vector<int> batch_of_shard(static_cast<size_t>(shards), -1);
  std::vector<std::pair<size_t, size_t>> where(entries.size()); // (batch, index in batch)
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& e = entries[i];
    uint128 h = e.explicit_hash ? *e.explicit_hash : hash_key_of(e.partition_key);
    int32_t shard = shard_for_hash(h, shards);
    out[i].shard = shard;
    int& b = batch_of_shard[static_cast<size_t>(shard)];
    if (b < 0) {
      b = static_cast<int>(reqs.size());
      reqs.emplace_back();
      reqs.back().topic = stream;
      reqs.back().partition = partition_id{shard};
    }
    auto& req = reqs[static_cast<size_t>(b)];
    where[i] = {static_cast<size_t>(b), req.records.size()};
    storage::record rec;
    rec.key = std::move(e.partition_key);
    rec.value = std::move(e.data);
    req.records.push_back(std::move(rec));
  }
  auto results = produce_all(log_, std::move(reqs));
  int64_t stored = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& res = results[where[i].first];
    out[i].st = res.st;
    if (res.st.ok()) {
      out[i].offset = res.base_offset.get() + static_cast<int64_t>(where[i].second);
      ++stored;
    }
  }
  counters_.records_produced += stored;
  return out;
}

reply kinesis_service::put_record(const ojson& p) {
  auto name = stream_name_of(p);
  if (!name) return missing("streamName");
  auto data = string_field(p, "Data");
  if (!data) return missing("data");
  auto pk = string_field(p, "PartitionKey");
  if (!pk) return missing("partitionKey");
  auto bytes = base64_decode(*data);
  if (!bytes) return kinesis_error("SerializationException", "Data is not valid base64");
  put_entry e{std::move(*bytes), *pk, std::nullopt};
  if (auto h = string_field(p, "ExplicitHashKey")) {
    e.explicit_hash = uint128_from_decimal(*h);
    if (!e.explicit_hash) {
      return kinesis_error("InvalidArgumentException",
                           "ExplicitHashKey must be a decimal number from 0 to 2^128 - 1");
    }
  }
  std::vector<put_entry> entries;
  entries.push_back(std::move(e));
  auto res = put(*name, std::move(entries));
  if (auto* err = std::get_if<reply>(&res)) return *err;
  const auto& out = std::get<0>(res)[0];
  if (!out.st.ok()) {
    if (out.st.code() == errc::unknown_topic) return not_found(*name);
    return log_failure(out.st);
  }
  return amz_ok(ojson{{"SequenceNumber", encode_sequence_number(out.shard, out.offset)},
                      {"ShardId", shard_id_string(out.shard)},
                      {"EncryptionType", "NONE"}});
}

reply kinesis_service::put_records(const ojson& p) {
  auto name = stream_name_of(p);
  if (!name) return missing("streamName");
  auto recs = p.find("Records");
  if (recs == p.end() || !recs->is_array()) return missing("records");
  if (recs->empty())
    return validation("records", "Member must have length greater than or equal to 1");
  std::vector<put_entry> entries;
  for (const auto& r : *recs) {
    if (!r.is_object())
      return kinesis_error("SerializationException", "each record must be an object");
    auto data = string_field(r, "Data");
    if (!data) return missing("records.member.data");
    auto pk = string_field(r, "PartitionKey");
    if (!pk) return missing("records.member.partitionKey");
    auto bytes = base64_decode(*data);
    if (!bytes) return kinesis_error("SerializationException", "Data is not valid base64");
    put_entry e{std::move(*bytes), *pk, std::nullopt};
    if (auto h = string_field(r, "ExplicitHashKey")) {
      e.explicit_hash = uint128_from_decimal(*h);
      if (!e.explicit_hash) {
        return kinesis_error("InvalidArgumentException",
                             "ExplicitHashKey must be a decimal number from 0 to 2^128 - 1");
      }
    }
    entries.push_back(std::move(e));
  }
  return put_many(*name, std::move(entries));
}

reply kinesis_service::put_many(const std::string& stream, std::vector<put_entry> entries) {
  if (entries.empty()) {
    return validation("records", "Member must have length greater than or equal to 1");
  }
  auto res = put(stream, std::move(entries));
  if (auto* err = std::get_if<reply>(&res)) return *err;
  const auto& outs = std::get<0>(res);
  int64_t failed = 0;
  ojson records = ojson::array();
  for (const auto& o : outs) {
    if (o.st.ok()) {
      records.push_back(ojson{{"SequenceNumber", encode_sequence_number(o.shard, o.offset)},
                              {"ShardId", shard_id_string(o.shard)}});
    } else {
      ++failed;
      records.push_back(
          ojson{{"ErrorCode", "InternalFailure"}, {"ErrorMessage", o.st.to_string()}});
    }
  }
  if (failed == static_cast<int64_t>(outs.size()) && outs[0].st.code() == errc::unknown_topic) {
    return not_found(stream);
  }
  // Nothing stored because the disk is full: the whole request fails with 507 (a partly
  // stored request keeps the per-record errors of a 200).
  if (failed == static_cast<int64_t>(outs.size()) && outs[0].st.code() == errc::disk_full) {
    return log_failure(outs[0].st);
  }
  return amz_ok(
      ojson{{"FailedRecordCount", failed}, {"Records", records}, {"EncryptionType", "NONE"}});
}

} // namespace pinpipe::gateway
