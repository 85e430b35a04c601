// REST Proxy produce (see rest_proxy.hpp): content type and limits, then the body read into
// raw records, then each record validated once, then one append per partition.
#include "gateway/codec.hpp"
#include "gateway/rest_proxy.hpp"

namespace pinpipe::gateway {
namespace {

constexpr const char* k_v2 = "application/vnd.kafka.v2+json";
using kind = fast_produce_record::kind;

kind kind_of(const ojson& v) {
  if (v.is_null()) return kind::null;
  if (v.is_string()) return kind::string;
  return kind::other;
}

std::string where_of(size_t i) {
  return "records[" + std::to_string(i) + "]";
}

// The bytes of a key or value in the binary format: a base64 string (quoted JSON text).
std::variant<std::string, reply> decode_binary(const std::string& text, kind k,
                                               const std::string& where) {
  if (k != kind::string) {
    return rest_error(42201, where + " must be a base64 string in the binary format");
  }
  auto dec = base64_decode(std::string_view(text).substr(1, text.size() - 2));
  if (!dec) return rest_error(42201, where + " is not valid base64");
  return std::move(*dec);
}

} // namespace

reply rest_proxy::produce(const request_view& rv, const std::string& topic,
                          std::optional<int32_t> forced_partition) {
  const std::string ct = media_type(rv.header("Content-Type"));
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
  return with_idempotency(
      idem_, counters_, rv, topic,
      [&] { return produce_once(rv, fmt, topic, forced_partition); },
      [](int status, const std::string& msg) {
        return rest_error(status == 422 ? 42210 : 40010, msg);
      });
}

reply rest_proxy::produce_once(const request_view& rv, embedded fmt, const std::string& topic,
                               std::optional<int32_t> forced_partition) {
  if (static_cast<int64_t>(rv.body().size()) > opt_.max_request_bytes) {
    return rest_error(413, "request of " + std::to_string(rv.body().size()) +
                               " bytes is over the limit of " +
                               std::to_string(opt_.max_request_bytes) + " bytes");
  }
  // Before any parser sees it (the fast one recurses, nlohmann's dump too).
  if (!json_depth_within(rv.body(), opt_.max_json_depth)) {
    return rest_error(400, json_too_deep_message(opt_.max_json_depth));
  }
  auto raw = read_records(rv.body());
  if (auto* err = std::get_if<reply>(&raw)) return std::move(*err);
  auto& records = std::get<0>(raw);

  auto info = visible_topic(log_, topic);
  if (!info) return rest_error_from(info.error());
  produce_target to;
  to.topic = topic;
  to.partitions = static_cast<int32_t>(info->partitions.size());
  to.forced = forced_partition;
  if (forced_partition && *forced_partition >= to.partitions) {
    return rest_error(40402, "partition " + std::to_string(*forced_partition) + " of topic '" +
                                 topic + "' does not exist (it has " +
                                 std::to_string(to.partitions) + " partitions)");
  }
  if (to.partitions > 0) {
    to.sticky = static_cast<int32_t>(round_robin_.fetch_add(1) % uint32_t(to.partitions));
  }
  std::vector<pending_record> pending;
  pending.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    auto pr = validate_record(i, records[i], fmt, to);
    if (auto* err = std::get_if<reply>(&pr)) return std::move(*err);
    pending.push_back(std::move(std::get<0>(pr)));
  }
  return append_and_reply(topic, to.partitions, std::move(pending));
}

std::variant<std::vector<fast_produce_record>, reply>
rest_proxy::read_records(std::string_view body) const {
  // The common shape without a DOM; anything unusual (and every shape error) is declined
  // and read below, where the errors are worded.
  if (auto fast = parse_produce_fast(body)) return std::move(*fast);
  auto parsed = parse_json(body, opt_.max_json_depth);
  if (!parsed) return rest_error(400, parsed.error().message());
  const ojson& doc = *parsed;
  if (!doc.is_object()) return rest_error(42201, "request body must be a JSON object");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const auto& k = it.key();
    if (k != "records" && k != "key_schema" && k != "key_schema_id" && k != "value_schema" &&
        k != "value_schema_id") {
      return rest_error(42201, "unrecognized field \"" + k + "\" in the request body");
    }
  }
  auto rit = doc.find("records");
  if (rit == doc.end() || !rit->is_array()) {
    return rest_error(42201, "request body needs \"records\": an array of {\"value\": ...}");
  }
  std::vector<fast_produce_record> out(rit->size());
  for (size_t i = 0; i < rit->size(); ++i) {
    const auto& r = (*rit)[i];
    if (!r.is_object()) return rest_error(42201, where_of(i) + " must be an object");
    auto& fr = out[i];
    for (auto it = r.begin(); it != r.end(); ++it) {
      const auto& k = it.key();
      const auto& v = it.value();
      if (k == "value") {
        fr.value_kind = kind_of(v);
        fr.value = v.dump(); // depth is bounded: checked before parsing
      } else if (k == "key") {
        fr.key_kind = kind_of(v);
        fr.key = v.dump();
      } else if (k == "partition") {
        if (v.is_null()) continue;
        auto p = json_int(v);
        if (!p || *p < 0) {
          return rest_error(42201, where_of(i) + ".partition must be an integer >= 0");
        }
        fr.has_partition = true;
        fr.partition = *p;
      } else {
        return rest_error(42201, "unrecognized field \"" + k + "\" in " + where_of(i));
      }
    }
  }
  return out;
}

std::variant<rest_proxy::pending_record, reply>
rest_proxy::validate_record(size_t i, fast_produce_record& raw, embedded fmt,
                            const produce_target& to) const {
  pending_record pr;
  const bool has_key = raw.key_kind != kind::absent && raw.key_kind != kind::null;
  if (fmt == embedded::json) {
    if (has_key) pr.rec.key = std::move(raw.key);
    pr.rec.value = raw.value_kind == kind::absent ? std::string("null") : std::move(raw.value);
  } else {
    if (has_key) {
      auto k = decode_binary(raw.key, raw.key_kind, where_of(i) + ".key");
      if (auto* err = std::get_if<reply>(&k)) return std::move(*err);
      pr.rec.key = std::move(std::get<0>(k));
    }
    if (raw.value_kind != kind::absent && raw.value_kind != kind::null) {
      auto v = decode_binary(raw.value, raw.value_kind, where_of(i) + ".value");
      if (auto* err = std::get_if<reply>(&v)) return std::move(*err);
      pr.rec.value = std::move(std::get<0>(v));
    }
  }
  if (raw.has_partition && raw.partition >= to.partitions) {
    return rest_error(40402, where_of(i) + ".partition " + std::to_string(raw.partition) +
                                 " of topic '" + to.topic + "' does not exist (it has " +
                                 std::to_string(to.partitions) + " partitions)");
  }
  const auto size =
      static_cast<int64_t>(pr.rec.value.size() + (pr.rec.key ? pr.rec.key->size() : 0));
  if (size > opt_.max_record_bytes) {
    return rest_error(413, where_of(i) + " is " + std::to_string(size) +
                               " bytes, over the record limit of " +
                               std::to_string(opt_.max_record_bytes) + " bytes");
  }
  if (to.forced) {
    pr.partition = *to.forced;
  } else if (raw.has_partition) {
    pr.partition = static_cast<int32_t>(raw.partition);
  } else {
    pr.partition = pr.rec.key ? kafka_partition_for_key(*pr.rec.key, to.partitions) : to.sticky;
  }
  return pr;
}

reply rest_proxy::append_and_reply(const std::string& topic, int32_t partitions,
                                   std::vector<pending_record> pending) {
  // One batch per partition, in record order within each.
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
  // One offset per record in request order.
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
             ",\"offset\":null,\"error_code\":" +
             (res.st.code() == errc::disk_full ? "50701" : "50002") +
             ",\"error\":" + json_quote(res.st.to_string()) +
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

} // namespace pinpipe::gateway
