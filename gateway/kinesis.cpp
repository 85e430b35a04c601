// The Kinesis service's entry points: the API Gateway routes and the native JSON 1.1
// dispatch, plus the stream lookups every operation shares. The operations themselves:
// kinesis_streams.cpp (stream admin), kinesis_put.cpp (writes), kinesis_get.cpp (reads).
#include "gateway/kinesis.hpp"

#include <algorithm>

#include "gateway/kinesis_ids.hpp"
#include "gateway/kinesis_reply.hpp"

namespace pinpipe::gateway {
using namespace kinesis_detail;

kinesis_service::kinesis_service(logclient::log_client& log, const gateway_options& opt, counters& c,
                                 idempotency_cache& idem)
    : log_(log), opt_(opt), counters_(c), idem_(idem),
      start_time_s_(double(now_ms()) / 1000.0) {}

reply kinesis_service::idempotent(const request_view& rv, const std::string& stream,
                                  const std::function<reply()>& produce) {
  return with_idempotency(idem_, counters_, rv, stream, produce,
                          [](int status, const std::string& msg) {
                            return kinesis_error("InvalidArgumentException", msg, status);
                          });
}

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
      auto parsed = parse_json(raw, opt_.max_json_depth);
      if (!parsed) {
        return as_apigw(kinesis_error("SerializationException",
                                      parsed.error().message()));
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
    return as_apigw(idempotent(rv, std::string(s[1]), [&] { return apigw_put_record(s[1], body); }));
  } else if (s.size() == 3 && s[2] == "records" && m == "PUT") {
    return as_apigw(
        idempotent(rv, std::string(s[1]), [&] { return apigw_put_records(s[1], body); }));
  }
  return as_apigw(
      kinesis_error("UnknownOperationException", "no route for " + m + " " + rv.req_path(), 404));
}

// {"StreamName": ..., "Data": <any JSON>, "PartitionKey": "..."}; the path names the stream.
reply kinesis_service::apigw_put_record(std::string_view stream, const ojson& body) {
  const std::string name(stream);
  auto data = body.find("Data");
  if (data == body.end()) return missing("data");
  auto pk = string_field(body, "PartitionKey");
  if (!pk) return missing("partitionKey");
  std::vector<put_entry> entries(1);
  entries[0].data = data->dump(); // depth is bounded: checked before parsing
  entries[0].partition_key = *pk;
  auto res = put(name, std::move(entries));
  if (auto* err = std::get_if<reply>(&res)) return *err;
  const auto& out = std::get<0>(res)[0];
  if (!out.st.ok()) {
    if (out.st.code() == errc::unknown_topic) return not_found(name);
    return log_failure(out.st);
  }
  reply r;
  r.body = ojson{{"SequenceNumber", encode_sequence_number(out.shard, out.offset)},
                 {"ShardId", shard_id_string(out.shard)}}
               .dump();
  return r;
}

// {"records": [{"data": <any JSON>, "partition-key": "..."}, ...]}
reply kinesis_service::apigw_put_records(std::string_view stream, const ojson& body) {
  auto recs = body.find("records");
  if (recs == body.end() || !recs->is_array()) return missing("records");
  std::vector<put_entry> entries;
  for (const auto& e : *recs) {
    if (!e.is_object()) return validation("records", "each record must be an object");
    auto d = e.find("data");
    if (d == e.end()) return missing("records.member.data");
    auto pk = string_field(e, "partition-key");
    if (!pk) return missing("records.member.partitionKey");
    entries.push_back({d->dump(), *pk, std::nullopt});
  }
  return put_many(std::string(stream), std::move(entries));
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
    auto parsed = parse_json(raw, opt_.max_json_depth);
    if (!parsed) {
      return kinesis_error("SerializationException",
                           parsed.error().message());
    }
    p = std::move(*parsed);
  }
  if (!p.is_object())
    return kinesis_error("SerializationException", "request body must be a JSON object");
  if (action == "PutRecord" || action == "PutRecords") {
    auto produce = [&] { return action == "PutRecord" ? put_record(p) : put_records(p); };
    auto name = stream_name_of(p);
    if (!name) return produce(); // answers the missing name
    return idempotent(rv, *name, produce);
  }
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

} // namespace pinpipe::gateway
