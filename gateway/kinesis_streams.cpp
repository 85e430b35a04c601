// Kinesis stream administration: ListStreams, CreateStream, DeleteStream, DescribeStream
// (and the summary), ListShards.
#include "gateway/kinesis.hpp"

#include <algorithm>

#include "gateway/kinesis_ids.hpp"
#include "gateway/kinesis_reply.hpp"

namespace pinpipe::gateway {
using namespace kinesis_detail;
namespace {

ojson shard_json(const storage::topic_info& t, size_t i) {
  const auto n = static_cast<int32_t>(t.partitions.size());
  auto range = shard_hash_range(static_cast<int32_t>(i), n);
  return ojson{
      {"ShardId", shard_id_string(static_cast<int32_t>(i))},
      {"HashKeyRange",
       {{"StartingHashKey", uint128_to_decimal(range.start)},
        {"EndingHashKey", uint128_to_decimal(range.end)}}},
      {"SequenceNumberRange",
       {{"StartingSequenceNumber",
         encode_sequence_number(static_cast<int32_t>(i), t.partitions[i].log_start.get())}}}};
}

} // namespace

reply kinesis_service::list_streams(const ojson& p) {
  int64_t limit = 10000;
  if (p.contains("Limit")) {
    auto l = json_int(p["Limit"]);
    if (!l || *l < 1 || *l > 10000)
      return validation("limit", "Member must be between 1 and 10000");
    limit = *l;
  }
  std::string after = string_field(p, "ExclusiveStartStreamName").value_or("");
  std::vector<storage::topic_info> streams;
  for (auto& t : log_.list_topics()) {
    if (t.config.is_stream && t.name.rfind("__", 0) != 0 && t.name > after) streams.push_back(t);
  }
  std::sort(streams.begin(), streams.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  bool more = static_cast<int64_t>(streams.size()) > limit;
  if (more) streams.resize(static_cast<size_t>(limit));
  ojson names = ojson::array();
  ojson summaries = ojson::array();
  for (const auto& t : streams) {
    names.push_back(t.name);
    summaries.push_back(ojson{{"StreamName", t.name},
                              {"StreamARN", arn_of(t.name)},
                              {"StreamStatus", "ACTIVE"},
                              {"StreamModeDetails", {{"StreamMode", "PROVISIONED"}}},
                              {"StreamCreationTimestamp", created_at(t.name)}});
  }
  return amz_ok(
      ojson{{"StreamNames", names}, {"HasMoreStreams", more}, {"StreamSummaries", summaries}});
}

reply kinesis_service::create_stream(const ojson& p) {
  auto name = string_field(p, "StreamName");
  if (!name) return missing("streamName");
  int64_t shards = opt_.default_shards;
  if (p.contains("ShardCount") && !p["ShardCount"].is_null()) {
    auto n = json_int(p["ShardCount"], true);
    if (!n || *n < 1 || *n > 10000) {
      return validation("shardCount", "Member must be an integer from 1 to 10000");
    }
    shards = *n;
  }
  if (name->rfind("__", 0) == 0) {
    return kinesis_error("InvalidArgumentException", "stream names starting with __ are reserved");
  }
  storage::topic_config cfg;
  cfg.partitions = static_cast<int32_t>(shards);
  cfg.is_stream = true;
  auto st = log_.create_topic(*name, cfg);
  if (st.code() == errc::topic_exists) {
    return kinesis_error("ResourceInUseException",
                         "Stream " + *name + " under account " + k_account + " already exists.");
  }
  if (!st.ok()) {
    if (st.code() == errc::invalid_argument) return validation("streamName", st.message());
    return log_failure(st);
  }
  {
    std::lock_guard<std::mutex> lock(created_mu_);
    created_s_[*name] = double(now_ms()) / 1000.0;
  }
  return amz_ok(ojson::object());
}

reply kinesis_service::delete_stream(const ojson& p) {
  auto name = stream_name_of(p);
  if (!name) return missing("streamName");
  if (!find_stream(*name)) return not_found(*name);
  auto st = log_.delete_topic(*name);
  if (st.code() == errc::unknown_topic) return not_found(*name);
  if (!st.ok()) return kinesis_error("InternalFailure", st.to_string(), 500);
  return amz_ok(ojson::object());
}

reply kinesis_service::describe_stream(const ojson& p, bool summary) {
  auto name = stream_name_of(p);
  if (!name) return missing("streamName");
  auto t = find_stream(*name);
  if (!t) return not_found(*name);
  ojson d;
  d["StreamName"] = t->name;
  d["StreamARN"] = arn_of(t->name);
  d["StreamStatus"] = "ACTIVE";
  d["StreamModeDetails"] = {{"StreamMode", "PROVISIONED"}};
  int64_t retention_hours = t->config.retention_ms > 0 ? t->config.retention_ms / 3600000 : 168;
  if (summary) {
    d["RetentionPeriodHours"] = retention_hours;
    d["StreamCreationTimestamp"] = created_at(t->name);
    d["EnhancedMonitoring"] = ojson::array({ojson{{"ShardLevelMetrics", ojson::array()}}});
    d["EncryptionType"] = "NONE";
    d["OpenShardCount"] = t->partitions.size();
    d["ConsumerCount"] = 0;
    return amz_ok(ojson{{"StreamDescriptionSummary", d}});
  }
  ojson shards = ojson::array();
  size_t first = 0;
  if (auto start = string_field(p, "ExclusiveStartShardId")) {
    auto id = parse_shard_id(*start);
    if (!id)
      return kinesis_error("InvalidArgumentException", "ExclusiveStartShardId is not a shard id");
    first = static_cast<size_t>(*id) + 1;
  }
  for (size_t i = first; i < t->partitions.size(); ++i)
    shards.push_back(shard_json(*t, i));
  d["Shards"] = shards;
  d["HasMoreShards"] = false;
  d["RetentionPeriodHours"] = retention_hours;
  d["StreamCreationTimestamp"] = created_at(t->name);
  d["EnhancedMonitoring"] = ojson::array({ojson{{"ShardLevelMetrics", ojson::array()}}});
  d["EncryptionType"] = "NONE";
  return amz_ok(ojson{{"StreamDescription", d}});
}

reply kinesis_service::list_shards(const ojson& p) {
  auto name = stream_name_of(p);
  if (!name) return missing("streamName");
  auto t = find_stream(*name);
  if (!t) return not_found(*name);
  ojson shards = ojson::array();
  for (size_t i = 0; i < t->partitions.size(); ++i)
    shards.push_back(shard_json(*t, i));
  return amz_ok(ojson{{"Shards", shards}});
}

} // namespace pinpipe::gateway
