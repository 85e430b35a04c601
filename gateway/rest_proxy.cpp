#include "gateway/rest_proxy.hpp"

#include "gateway/codec.hpp"
#include "gateway/produce_parser.hpp"

namespace pinpipe::gateway {
namespace {

constexpr const char* k_v2 = "application/vnd.kafka.v2+json";
constexpr const char* k_cluster_id = "pinpipe";

enum class embedded { json, binary };

ojson partition_json(const storage::partition_info& p) {
  ojson j;
  j["partition"] = p.id.get();
  j["leader"] = 0;
  j["replicas"] = ojson::array({ojson{{"broker", 0}, {"leader", true}, {"in_sync", true}}});
  return j;
}

reply ok_json(const ojson& j, int status = 200) {
  reply r;
  r.status = status;
  r.content_type = k_v2;
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::optional<int32_t> parse_partition(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

} // namespace

int32_t kafka_murmur2(std::string_view data) {
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t length = data.size();
  uint32_t h = 0x9747b28cu ^ static_cast<uint32_t>(length);
  const size_t length4 = length / 4;
  for (size_t i = 0; i < length4; ++i) {
    const size_t i4 = i * 4;
    uint32_t k = uint32_t(p[i4]) | uint32_t(p[i4 + 1]) << 8 | uint32_t(p[i4 + 2]) << 16 |
                 uint32_t(p[i4 + 3]) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = length & ~size_t(3);
  switch (length % 4) {
  case 3:
    h ^= uint32_t(p[tail + 2]) << 16;
    [[fallthrough]];
  case 2:
    h ^= uint32_t(p[tail + 1]) << 8;
    [[fallthrough]];
  case 1:
    h ^= uint32_t(p[tail]);
    h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t kafka_partition_for_key(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>((static_cast<uint32_t>(kafka_murmur2(key)) & 0x7fffffffu) %
                              static_cast<uint32_t>(partitions));
}

reply rest_error_from(const status& st) {
  switch (st.code()) {
  case errc::unknown_topic:
    return rest_error(40401, st.message());
  case errc::unknown_partition:
    return rest_error(40402, st.message());
  case errc::record_too_large:
  case errc::request_too_large:
    return rest_error(413, st.message());
  case errc::invalid_request:
  case errc::invalid_argument:
    return rest_error(42201, st.message());
  case errc::timeout:
  case errc::unavailable:
  case errc::not_leader:
  case errc::disk_full:
    return rest_error(50003, "the log could not store the records (" + st.to_string() +
                                 "); retry the request");
  default:
    return rest_error(50002, "the log failed: " + st.to_string());
  }
}

result<storage::topic_info> visible_topic(const storage::log_store& log, const std::string& name) {
  if (name.rfind("__", 0) == 0) {
    return status{errc::unknown_topic, "topic '" + name + "' is internal and not served over HTTP"};
  }
  return log.describe_topic(name);
}

reply rest_proxy::handle(const request_view& rv) {
  const auto& s = rv.segs;
  const auto& m = rv.method();
  if (s[0] == "v3") return handle_v3(rv);
  // s[0] == "topics"
  if (s.size() == 1) {
    if (m == "GET") return list_topics();
  } else if (s.size() == 2) {
    if (m == "GET") return describe_topic(std::string(s[1]));
    if (m == "POST") return produce(rv, std::string(s[1]), std::nullopt);
  } else if (s[2] == "partitions") {
    if (s.size() == 3 && m == "GET") return list_partitions(std::string(s[1]));
    if (s.size() == 4 && m == "GET") return describe_partition(std::string(s[1]), s[3], false);
    if (s.size() == 5 && s[4] == "offsets" && m == "GET") {
      return describe_partition(std::string(s[1]), s[3], true);
    }
    if (s.size() == 4 && m == "POST") {
      auto p = parse_partition(s[3]);
      if (!p) return rest_error(40402, "partition '" + std::string(s[3]) + "' is not a number");
      return produce(rv, std::string(s[1]), *p);
    }
    if (s.size() <= 5) return rest_error(405, "HTTP 405 Method Not Allowed: " + m);
  }
  if (s.size() <= 2) return rest_error(405, "HTTP 405 Method Not Allowed: " + m);
  return rest_error(404, "HTTP 404 Not Found: no route for " + m + " " + rv.req_path());
}

reply rest_proxy::list_topics() {
  ojson names = ojson::array();
  for (const auto& t : log_.list_topics()) {
    if (t.name.rfind("__", 0) != 0) names.push_back(t.name);
  }
  return ok_json(names);
}

reply rest_proxy::describe_topic(const std::string& name) {
  auto t = visible_topic(log_, name);
  if (!t) return rest_error_from(t.error());
  ojson j;
  j["name"] = t->name;
  ojson configs = ojson::object();
  if (t->config.retention_ms != -1)
    configs["retention.ms"] = std::to_string(t->config.retention_ms);
  if (t->config.retention_bytes != -1) {
    configs["retention.bytes"] = std::to_string(t->config.retention_bytes);
  }
  if (t->config.segment_bytes != -1) {
    configs["segment.bytes"] = std::to_string(t->config.segment_bytes);
  }
  configs["pinpipe.is.stream"] = t->config.is_stream ? "true" : "false";
  j["configs"] = configs;
  j["partitions"] = ojson::array();
  for (const auto& p : t->partitions)
    j["partitions"].push_back(partition_json(p));
  return ok_json(j);
}

reply rest_proxy::list_partitions(const std::string& name) {
  auto t = visible_topic(log_, name);
  if (!t) return rest_error_from(t.error());
  ojson arr = ojson::array();
  for (const auto& p : t->partitions)
    arr.push_back(partition_json(p));
  return ok_json(arr);
}

reply rest_proxy::describe_partition(const std::string& name, std::string_view partition,
                                     bool offsets) {
  auto t = visible_topic(log_, name);
  if (!t) return rest_error_from(t.error());
  auto p = parse_partition(partition);
  if (!p || *p >= static_cast<int32_t>(t->partitions.size())) {
    return rest_error(40402, "partition '" + std::string(partition) + "' of topic '" + name +
                                 "' does not exist (it has " +
                                 std::to_string(t->partitions.size()) + " partitions)");
  }
  const auto& info = t->partitions[static_cast<size_t>(*p)];
  if (!offsets) return ok_json(partition_json(info));
  return ok_json(
      ojson{{"beginning_offset", info.log_start.get()}, {"end_offset", info.high_watermark.get()}});
}

reply rest_proxy::produce(const request_view& rv, const std::string& topic,
                          std::optional<int32_t> forced_partition) {
  // 1. Content type decides the embedded format.
  std::string ct = media_type(rv.header("Content-Type"));
  embedded fmt;
  if (ct == "application/vnd.kafka.json.v2+json") {
    fmt = embedded::json;
  } else if (ct == "application/vnd.kafka.binary.v2+json") {
    fmt = embedded::binary;
  } else {
    return rest_error(415, "HTTP 415 Unsupported Media Type: produce with Content-Type "
                           "application/vnd.kafka.json.v2+json or "
                           "application/vnd.kafka.binary.v2+json (got '" +
                               ct + "')");
  }
  if (static_cast<int64_t>(rv.body().size()) > opt_.max_request_bytes) {
    return rest_error(413, "request of " + std::to_string(rv.body().size()) +
                               " bytes is over the limit of " +
                               std::to_string(opt_.max_request_bytes) + " bytes");
  }
  // 2. The common body shape without a DOM (parse_produce_fast declines anything unusual,
  //    including every error case, which the general path below then words).
  if (auto fast = parse_produce_fast(rv.body())) {
    auto info = visible_topic(log_, topic);
    if (!info) return rest_error_from(info.error());
    const auto partitions = static_cast<int32_t>(info->partitions.size());
    if (!forced_partition || *forced_partition < partitions) {
      const int32_t sticky =
          partitions > 0 ? static_cast<int32_t>(round_robin_.fetch_add(1) % uint32_t(partitions))
                         : 0;
      std::vector<pending_record> pending;
      pending.reserve(fast->size());
      bool ok = true;
      using kind = fast_produce_record::kind;
      for (auto& fr : *fast) {
        pending_record pr;
        if (fmt == embedded::json) {
          if (fr.key_kind != kind::absent && fr.key_kind != kind::null)
            pr.rec.key = std::move(fr.key);
          pr.rec.value = fr.value_kind == kind::absent ? std::string("null") : std::move(fr.value);
        } else {
          if (fr.key_kind == kind::string) {
            auto dec = base64_decode(std::string_view(fr.key).substr(1, fr.key.size() - 2));
            if (!dec)
              ok = false;
            else
              pr.rec.key = std::move(*dec);
          } else if (fr.key_kind == kind::other) {
            ok = false;
          }
          if (fr.value_kind == kind::string) {
            auto dec = base64_decode(std::string_view(fr.value).substr(1, fr.value.size() - 2));
            if (!dec)
              ok = false;
            else
              pr.rec.value = std::move(*dec);
          } else if (fr.value_kind == kind::other) {
            ok = false;
          }
        }
        if (fr.has_partition) {
          if (fr.partition >= partitions) ok = false;
          pr.partition = static_cast<int32_t>(fr.partition);
        }
        const int64_t size =
            static_cast<int64_t>(pr.rec.value.size() + (pr.rec.key ? pr.rec.key->size() : 0));
        if (size > opt_.max_record_bytes) ok = false;
        if (!ok) break; // the general path reports the first problem in its own words
        if (forced_partition) {
          pr.partition = *forced_partition;
        } else if (pr.partition < 0) {
          pr.partition = pr.rec.key ? kafka_partition_for_key(*pr.rec.key, partitions) : sticky;
        }
        pending.push_back(std::move(pr));
      }
      if (ok) return append_and_reply(topic, partitions, std::move(pending));
    }
  }
  // 3. The general path: body shape.
  auto parsed = parse_json(rv.body());
  if (!parsed) return rest_error(400, "request body is not JSON: " + parsed.error().message());
  const ojson& body = *parsed;
  if (!body.is_object()) return rest_error(42201, "request body must be a JSON object");
  for (auto it = body.begin(); it != body.end(); ++it) {
    const auto& k = it.key();
    if (k != "records" && k != "key_schema" && k != "key_schema_id" && k != "value_schema" &&
        k != "value_schema_id") {
      return rest_error(42201, "unrecognized field \"" + k + "\" in the request body");
    }
  }
  auto rit = body.find("records");
  if (rit == body.end() || !rit->is_array()) {
    return rest_error(42201, "request body needs \"records\": an array of {\"value\": ...}");
  }
  // 3. Topic.
  auto info = visible_topic(log_, topic);
  if (!info) return rest_error_from(info.error());
  const auto partitions = static_cast<int32_t>(info->partitions.size());
  if (forced_partition && *forced_partition >= partitions) {
    return rest_error(40402, "partition " + std::to_string(*forced_partition) + " of topic '" +
                                 topic + "' does not exist (it has " + std::to_string(partitions) +
                                 " partitions)");
  }
  const int32_t sticky =
      partitions > 0 ? static_cast<int32_t>(round_robin_.fetch_add(1) % uint32_t(partitions)) : 0;
  // 4. Records, all validated before anything is appended.
  const auto& records = *rit;
  std::vector<pending_record> pending;
  pending.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    const std::string where = "records[" + std::to_string(i) + "]";
    if (!r.is_object()) return rest_error(42201, where + " must be an object");
    pending_record pr;
    for (auto it = r.begin(); it != r.end(); ++it) {
      const auto& k = it.key();
      const auto& v = it.value();
      if (k == "value" || k == "key") {
        std::string bytes;
        if (fmt == embedded::json) {
          if (v.is_null() && k == "key") continue;
          bytes = v.dump();
        } else if (v.is_null()) {
          if (k == "key") continue;
        } else if (!v.is_string()) {
          return rest_error(42201,
                            where + "." + k + " must be a base64 string in the binary format");
        } else {
          auto dec = base64_decode(v.get_ref<const std::string&>());
          if (!dec) return rest_error(42201, where + "." + k + " is not valid base64");
          bytes = std::move(*dec);
        }
        if (k == "key") {
          pr.rec.key = std::move(bytes);
        } else {
          pr.rec.value = std::move(bytes);
        }
      } else if (k == "partition") {
        if (v.is_null()) continue;
        auto p = json_int(v);
        if (!p || *p < 0) return rest_error(42201, where + ".partition must be an integer >= 0");
        if (*p >= partitions) {
          return rest_error(40402, where + ".partition " + std::to_string(*p) + " of topic '" +
                                       topic + "' does not exist (it has " +
                                       std::to_string(partitions) + " partitions)");
        }
        pr.partition = static_cast<int32_t>(*p);
      } else {
        return rest_error(42201, "unrecognized field \"" + k + "\" in " + where);
      }
    }
    if (r.find("value") == r.end() && fmt == embedded::json) pr.rec.value = "null";
    int64_t size =
        static_cast<int64_t>(pr.rec.value.size() + (pr.rec.key ? pr.rec.key->size() : 0));
    if (size > opt_.max_record_bytes) {
      return rest_error(413, where + " is " + std::to_string(size) +
                                 " bytes, over the record limit of " +
                                 std::to_string(opt_.max_record_bytes) + " bytes");
    }
    if (forced_partition) {
      pr.partition = *forced_partition;
    } else if (pr.partition < 0) {
      pr.partition = pr.rec.key ? kafka_partition_for_key(*pr.rec.key, partitions) : sticky;
    }
    pending.push_back(std::move(pr));
  }
  return append_and_reply(topic, partitions, std::move(pending));
}

reply rest_proxy::append_and_reply(const std::string& topic, int32_t partitions,
                                   std::vector<pending_record> pending) {
  // 5. One batch per partition, in record order within each.
  std::vector<storage::produce_request> reqs;
  std::vector<int> batch_of_partition(static_cast<size_t>(partitions), -1);
  std::vector<size_t> batch_index(pending.size());
  for (size_t i = 0; i < pending.size(); ++i) {
    auto& pr = pending[i];
    int& b = batch_of_partition[static_cast<size_t>(pr.partition)];
    if (b < 0) {
      b = static_cast<int>(reqs.size());
      reqs.emplace_back();
      reqs.back().topic = topic;
      reqs.back().partition = partition_id{pr.partition};
    }
    auto& req = reqs[static_cast<size_t>(b)];
    pr.index_in_batch = req.records.size();
    batch_index[i] = static_cast<size_t>(b);
    req.records.push_back(std::move(pr.rec));
  }
  auto results = produce_all(log_, std::move(reqs));
  size_t failed = 0;
  for (const auto& r : results)
    failed += r.st.ok() ? 0 : 1;
  if (!results.empty() && failed == results.size()) return rest_error_from(results[0].st);
  // 6. Reply, one offset per record in request order.
  std::string out = "{\"offsets\":[";
  int64_t stored = 0;
  for (size_t i = 0; i < pending.size(); ++i) {
    if (i > 0) out += ',';
    const auto& res = results[batch_index[i]];
    if (res.st.ok()) {
      ++stored;
      out += "{\"partition\":" + std::to_string(pending[i].partition) + ",\"offset\":" +
             std::to_string(res.base_offset.get() + int64_t(pending[i].index_in_batch)) +
             ",\"error_code\":null,\"error\":null}";
    } else {
      out += "{\"partition\":" + std::to_string(pending[i].partition) +
             ",\"offset\":null,\"error_code\":50002,\"error\":" + json_quote(res.st.to_string()) +
             "}";
    }
  }
  out += "],\"key_schema_id\":null,\"value_schema_id\":null}";
  counters_.records_produced += stored;
  reply r;
  r.content_type = k_v2;
  r.body = std::move(out);
  return r;
}

reply rest_proxy::handle_v3(const request_view& rv) {
  const auto& s = rv.segs;
  const auto& m = rv.method();
  if (s.size() < 2 || s[1] != "clusters") {
    return rest_error(404, "HTTP 404 Not Found: no route for " + m + " " + rv.req_path());
  }
  if (s.size() == 2 && m == "GET") {
    return ok_json(ojson{
        {"kind", "KafkaClusterList"},
        {"data", ojson::array({ojson{{"kind", "KafkaCluster"}, {"cluster_id", k_cluster_id}}})}});
  }
  if (s.size() < 4 || s[3] != "topics" || s.size() > 5) {
    return rest_error(404, "HTTP 404 Not Found: no route for " + m + " " + rv.req_path());
  }
  auto topic_json = [&](const storage::topic_info& t) {
    return ojson{{"kind", "KafkaTopic"},
                 {"cluster_id", std::string(s[2])},
                 {"topic_name", t.name},
                 {"is_internal", false},
                 {"partitions_count", t.partitions.size()}};
  };
  if (s.size() == 4 && m == "GET") {
    ojson data = ojson::array();
    for (const auto& t : log_.list_topics()) {
      if (t.name.rfind("__", 0) != 0) data.push_back(topic_json(t));
    }
    return ok_json(ojson{{"kind", "KafkaTopicList"}, {"data", data}});
  }
  if (s.size() == 4 && m == "POST") {
    auto parsed = parse_json(rv.body());
    if (!parsed) return rest_error(400, "request body is not JSON: " + parsed.error().message());
    const auto& b = *parsed;
    if (!b.is_object() || !b.contains("topic_name") || !b["topic_name"].is_string()) {
      return rest_error(42201, "body needs \"topic_name\" (string) and optional "
                               "\"partitions_count\" (integer >= 1)");
    }
    storage::topic_config cfg;
    if (b.contains("partitions_count")) {
      auto n = json_int(b["partitions_count"]);
      if (!n || *n < 1 || *n > 10000) {
        return rest_error(42201, "\"partitions_count\" must be an integer from 1 to 10000");
      }
      cfg.partitions = static_cast<int32_t>(*n);
    }
    const auto name = b["topic_name"].get<std::string>();
    if (name.rfind("__", 0) == 0)
      return rest_error(40002, "topic names starting with __ are internal");
    auto st = log_.create_topic(name, cfg);
    if (st.code() == errc::topic_exists) return rest_error(40002, st.message());
    if (!st.ok())
      return rest_error(
          st.code() == errc::invalid_argument || st.code() == errc::invalid_request ? 42201 : 50002,
          st.to_string());
    auto t = log_.describe_topic(name);
    if (!t) return rest_error_from(t.error());
    return ok_json(topic_json(*t), 201);
  }
  if (s.size() == 5 && (m == "GET" || m == "DELETE")) {
    const std::string name(s[4]);
    auto t = visible_topic(log_, name);
    if (!t) return rest_error_from(t.error());
    if (m == "GET") return ok_json(topic_json(*t));
    auto st = log_.delete_topic(name);
    if (!st.ok()) return rest_error_from(st);
    reply r;
    r.status = 204;
    return r;
  }
  return rest_error(405, "HTTP 405 Method Not Allowed: " + m);
}

} // namespace pinpipe::gateway
