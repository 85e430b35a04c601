#include "gateway/kinesis.hpp"

#include <algorithm>

#include "gateway/kinesis_ids.hpp"

namespace pinpipe::gateway {
namespace {

constexpr const char* k_amz_json = "application/x-amz-json-1.1";
constexpr const char* k_account = "000000000000";
constexpr size_t k_max_put_records = 500;
constexpr int64_t k_max_get_records = 10000;
constexpr int64_t k_get_records_bytes = 10 << 20;

reply amz_ok(const ojson& j) {
  reply r;
  r.content_type = k_amz_json;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

reply validation(const std::string& field, const std::string& constraint) {
  return kinesis_error("ValidationException", "1 validation error detected: Value at '" + field +
                                                  "' failed to satisfy constraint: " + constraint);
}

reply missing(const std::string& field) {
  return kinesis_error("ValidationException", "1 validation error detected: Value null at '" +
                                                  field +
                                                  "' failed to satisfy constraint: Member must "
                                                  "not be null");
}

// StreamName, or the name inside StreamARN (arn:aws:kinesis:<region>:<account>:stream/<name>).
std::optional<std::string> stream_name_of(const ojson& p) {
  auto it = p.find("StreamName");
  if (it != p.end() && it->is_string()) return it->get<std::string>();
  it = p.find("StreamARN");
  if (it != p.end() && it->is_string()) {
    const auto& arn = it->get_ref<const std::string&>();
    auto slash = arn.rfind(":stream/");
    if (slash != std::string::npos) return arn.substr(slash + 8);
  }
  return std::nullopt;
}

std::optional<std::string> string_field(const ojson& p, const char* name) {
  auto it = p.find(name);
  if (it == p.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::string arn_of(const std::string& name) {
  return std::string("arn:aws:kinesis:us-east-1:") + k_account + ":stream/" + name;
}

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

kinesis_service::kinesis_service(storage::log_store& log, const gateway_options& opt, counters& c)
    : log_(log), opt_(opt), counters_(c), start_time_s_(double(now_ms()) / 1000.0) {}

result<storage::topic_info> kinesis_service::find_stream(const std::string& name) const {
  auto t = log_.describe_topic(name);
  if (!t || !t->config.is_stream || name.rfind("__", 0) == 0) {
    return status{errc::unknown_topic,
                  "Stream " + name + " under account " + k_account + " not found."};
  }
  return t;
}

reply kinesis_service::not_found(const std::string& name) const {
  return kinesis_error("ResourceNotFoundException",
                       "Stream " + name + " under account " + k_account + " not found.");
}

double kinesis_service::created_at(const std::string& name) {
  std::lock_guard<std::mutex> lock(created_mu_);
  auto it = created_s_.find(name);
  return it == created_s_.end() ? start_time_s_ : it->second;
}

// ---- API Gateway routes -----------------------------------------------------------------

reply kinesis_service::handle_apigw(const request_view& rv) {
  const auto& s = rv.segs;
  const auto& m = rv.method();
  auto as_apigw = [](reply r) {
    r.content_type = "application/json";
    return r;
  };
  ojson body = ojson::object();
  if (m == "POST" || m == "PUT") {
    const auto& raw = rv.body();
    if (!std::all_of(raw.begin(), raw.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); })) {
      auto parsed = parse_json(raw);
      if (!parsed) {
        return as_apigw(kinesis_error("SerializationException",
                                      "request body is not JSON: " + parsed.error().message()));
      }
      body = std::move(*parsed);
    }
    if (!body.is_object()) {
      return as_apigw(
          kinesis_error("SerializationException", "request body must be a JSON object"));
    }
  }
  if (s.size() == 1) {
    if (m == "GET") return as_apigw(list_streams(ojson::object()));
  } else if (s.size() == 2) {
    const std::string name(s[1]);
    if (m == "GET") return as_apigw(describe_stream(ojson{{"StreamName", name}}, false));
    if (m == "DELETE") return as_apigw(delete_stream(ojson{{"StreamName", name}}));
    if (m == "POST") {
      ojson p{{"StreamName", name}};
      if (body.contains("ShardCount")) p["ShardCount"] = body["ShardCount"];
      return as_apigw(create_stream(p));
    }
  } else if (s.size() == 3 && s[2] == "record" && m == "PUT") {
    // {"StreamName": ..., "Data": <any JSON>, "PartitionKey": "..."}; the path names the stream.
    auto data = body.find("Data");
    if (data == body.end()) return as_apigw(missing("data"));
    auto pk = string_field(body, "PartitionKey");
    if (!pk) return as_apigw(missing("partitionKey"));
    std::vector<put_entry> entries(1);
    entries[0].data = data->dump();
    entries[0].partition_key = *pk;
    auto res = put(std::string(s[1]), std::move(entries));
    if (auto* err = std::get_if<reply>(&res)) return as_apigw(*err);
    const auto& out = std::get<0>(res)[0];
    if (!out.st.ok()) {
      if (out.st.code() == errc::unknown_topic) return as_apigw(not_found(std::string(s[1])));
      return as_apigw(kinesis_error("InternalFailure", out.st.to_string(), 500));
    }
    reply r;
    r.body = ojson{{"SequenceNumber", encode_sequence_number(out.shard, out.offset)},
                   {"ShardId", shard_id_string(out.shard)}}
                 .dump();
    return r;
  } else if (s.size() == 3 && s[2] == "records" && m == "PUT") {
    // {"records": [{"data": <any JSON>, "partition-key": "..."}, ...]}
    auto recs = body.find("records");
    if (recs == body.end() || !recs->is_array()) return as_apigw(missing("records"));
    std::vector<put_entry> entries;
    for (const auto& e : *recs) {
      if (!e.is_object()) return as_apigw(validation("records", "each record must be an object"));
      auto d = e.find("data");
      if (d == e.end()) return as_apigw(missing("records.member.data"));
      auto pk = string_field(e, "partition-key");
      if (!pk) return as_apigw(missing("records.member.partitionKey"));
      entries.push_back({d->dump(), *pk, std::nullopt});
    }
    return as_apigw(put_many(std::string(s[1]), std::move(entries)));
  }
  return as_apigw(
      kinesis_error("UnknownOperationException", "no route for " + m + " " + rv.req_path(), 404));
}

// ---- native JSON 1.1 API ----------------------------------------------------------------

reply kinesis_service::handle_native(const request_view& rv) {
  const std::string target = rv.header("X-Amz-Target");
  constexpr std::string_view prefix = "Kinesis_20131202.";
  if (target.compare(0, prefix.size(), prefix) != 0) {
    return kinesis_error("UnknownOperationException",
                         "X-Amz-Target '" + target + "' is not a Kinesis_20131202 operation");
  }
  const std::string action = target.substr(prefix.size());
  ojson p = ojson::object();
  const auto& raw = rv.body();
  if (!raw.empty()) {
    auto parsed = parse_json(raw);
    if (!parsed) {
      return kinesis_error("SerializationException",
                           "request body is not JSON: " + parsed.error().message());
    }
    p = std::move(*parsed);
  }
  if (!p.is_object())
    return kinesis_error("SerializationException", "request body must be a JSON object");
  if (action == "PutRecord") return put_record(p);
  if (action == "PutRecords") return put_records(p);
  if (action == "GetShardIterator") return get_shard_iterator(p);
  if (action == "GetRecords") return get_records(p);
  if (action == "ListStreams") return list_streams(p);
  if (action == "CreateStream") return create_stream(p);
  if (action == "DeleteStream") return delete_stream(p);
  if (action == "DescribeStream") return describe_stream(p, false);
  if (action == "DescribeStreamSummary") return describe_stream(p, true);
  if (action == "ListShards") return list_shards(p);
  return kinesis_error("UnknownOperationException", "operation " + action + " is not supported");
}

// ---- operations ---------------------------------------------------------------------------

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
    return kinesis_error("InternalFailure", st.to_string(), 500);
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
    return kinesis_error("InternalFailure", out.st.to_string(), 500);
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
  return amz_ok(
      ojson{{"FailedRecordCount", failed}, {"Records", records}, {"EncryptionType", "NONE"}});
}

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
