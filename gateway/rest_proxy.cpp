#include "gateway/rest_proxy.hpp"


namespace pinpipe::gateway {
namespace {

constexpr const char* k_v2 = "application/vnd.kafka.v2+json";
constexpr const char* k_cluster_id = "pinpipe";

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

} // namespace

std::optional<int32_t> parse_partition(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

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
  case errc::disk_full:
    // 507 Insufficient Storage: the node's disk is full; it takes writes again, with no
    // restart, once space is freed (docs/faults.md "Disk full").
    return rest_error(50701, st.to_string());
  case errc::timeout:
  case errc::unavailable:
  case errc::not_leader:
    return rest_error(50003, "the log could not store the records (" + st.to_string() +
                                 "); retry the request");
  default:
    return rest_error(50002, "the log failed: " + st.to_string());
  }
}

result<storage::topic_info> visible_topic(const logclient::log_client& log, const std::string& name) {
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
    auto parsed = parse_json(rv.body(), opt_.max_json_depth);
    if (!parsed) return rest_error(400, parsed.error().message());
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
    if (st.code() == errc::disk_full) return rest_error_from(st);
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
