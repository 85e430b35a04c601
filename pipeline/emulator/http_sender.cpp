#include "pipeline/emulator/http_sender.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "pipeline/emulator/py_json.hpp"

namespace pinpipe::emulator {

namespace {

using ojson = nlohmann::ordered_json;

constexpr const char* kafka_json_type = "application/vnd.kafka.json.v2+json";

/// Maps a non-2xx reply onto an error value that names the request and the reply.
status reply_error(const std::string& what, const httplib::Result& res) {
  if (!res)
    return {errc::unavailable, what + ": no reply (" + httplib::to_string(res.error()) +
                                   "); is the gateway running at that address?"};
  const int code = res->status;
  std::string body = res->body.size() > 300 ? res->body.substr(0, 300) + "..." : res->body;
  errc e = code == 404   ? errc::unknown_topic
           : code == 413 ? errc::record_too_large
           : code >= 500 ? errc::unavailable
                         : errc::invalid_request;
  return {e, what + ": HTTP " + std::to_string(code) + " " + body};
}

/// Parses a value as an ordered JSON object (keeps the column order of the source row).
result<ojson> parse_value(const std::string& text) {
  ojson j = ojson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return status{errc::invalid_argument, "emulator value is not JSON: " + text.substr(0, 80)};
  return j;
}

} // namespace

result<std::unique_ptr<http_sender>> http_sender::create(const options& opt) {
  const std::string& url = opt.base_url;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos ||
      (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0))
    return status{errc::invalid_config,
                  "gateway URL '" + url + "' must start with http:// or https://"};
  const size_t host_begin = scheme_end + 3;
  const size_t path_begin = url.find('/', host_begin);
  std::string origin = url.substr(0, path_begin);
  if (origin.size() <= host_begin)
    return status{errc::invalid_config, "gateway URL '" + url + "' has no host"};
  std::string prefix = path_begin == std::string::npos ? "" : url.substr(path_begin);
  while (!prefix.empty() && prefix.back() == '/')
    prefix.pop_back();
  return std::unique_ptr<http_sender>(new http_sender(opt, std::move(origin), std::move(prefix)));
}

http_sender::http_sender(options opt, std::string origin, std::string prefix)
    : opt_(std::move(opt)), origin_(std::move(origin)), prefix_(std::move(prefix)),
      client_(std::make_unique<httplib::Client>(origin_)) {
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true); // small requests: no Nagle delay waiting for the ACK
  const time_t sec = opt_.timeout_ms / 1000;
  const time_t usec = (opt_.timeout_ms % 1000) * 1000;
  client_->set_connection_timeout(sec, usec);
  client_->set_read_timeout(sec, usec);
  client_->set_write_timeout(sec, usec);
}

http_sender::~http_sender() = default;

result<std::vector<sent_record>> http_sender::send(const std::string& destination, mode m,
                                                   const std::vector<std::string>& json_values) {
  if (json_values.empty()) return std::vector<sent_record>{};
  if (m == mode::batch) return send_batch(destination, json_values);
  std::vector<sent_record> out;
  for (const auto& v : json_values) {
    auto r = send_stream(destination, v);
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  return out;
}

result<std::vector<sent_record>> http_sender::send_batch(const std::string& topic,
                                                         const std::vector<std::string>& values) {
  ojson body = {{"records", ojson::array()}};
  for (const auto& v : values) {
    auto parsed = parse_value(v);
    if (!parsed) return parsed.error();
    body["records"].push_back(ojson{{"value", std::move(*parsed)}});
  }
  httplib::Headers headers;
  if (!opt_.api_key.empty()) headers.emplace("x-api-key", opt_.api_key);
  const std::string path = prefix_ + "/topics/" + topic;
  auto res = client_->Post(path.c_str(), headers, python_json_dumps(body), kafka_json_type);
  const std::string what = "POST " + origin_ + path;
  if (!res || res->status / 100 != 2) return reply_error(what, res);
  ojson reply = ojson::parse(res->body, nullptr, false);
  if (!reply.is_object() || !reply.contains("offsets") || !reply["offsets"].is_array() ||
      reply["offsets"].size() != values.size())
    return status{errc::malformed_message,
                  what + ": reply has no offsets for every record: " + res->body.substr(0, 300)};
  std::vector<sent_record> out;
  for (const auto& o : reply["offsets"]) {
    if (o.contains("error_code") && !o["error_code"].is_null())
      return status{errc::invalid_request, what + ": record rejected: " + o.dump()};
    if (!o.contains("partition") || !o["partition"].is_number_integer() || !o.contains("offset") ||
        !o["offset"].is_number_integer())
      return status{errc::malformed_message, what + ": bad offset entry " + o.dump()};
    out.push_back(sent_record{partition_id{o["partition"].get<int32_t>()},
                              std::to_string(o["offset"].get<int64_t>())});
  }
  return out;
}

result<sent_record> http_sender::send_stream(const std::string& stream, const std::string& value) {
  auto parsed = parse_value(value);
  if (!parsed) return parsed.error();
  ojson body;
  body["StreamName"] = stream;
  body["Data"] = std::move(*parsed);
  body["PartitionKey"] = stream_partition_key(value);
  httplib::Headers headers;
  if (!opt_.api_key.empty()) headers.emplace("x-api-key", opt_.api_key);
  const std::string path = prefix_ + "/streams/" + stream + "/record";
  auto res = client_->Put(path.c_str(), headers, python_json_dumps(body), "application/json");
  const std::string what = "PUT " + origin_ + path;
  if (!res || res->status / 100 != 2) return reply_error(what, res);
  ojson reply = ojson::parse(res->body, nullptr, false);
  if (!reply.is_object() || !reply.contains("SequenceNumber") ||
      !reply["SequenceNumber"].is_string())
    return status{errc::malformed_message,
                  what + ": reply has no SequenceNumber: " + res->body.substr(0, 300)};
  // "shardId-000000000003" -> partition 3.
  int32_t shard = 0;
  if (reply.contains("ShardId") && reply["ShardId"].is_string()) {
    const std::string id = reply["ShardId"].get<std::string>();
    const size_t dash = id.rfind('-');
    try {
      shard = std::stoi(id.substr(dash == std::string::npos ? 0 : dash + 1));
    } catch (const std::exception&) {
      return status{errc::malformed_message, what + ": bad ShardId '" + id + "'"};
    }
  }
  return sent_record{partition_id{shard}, reply["SequenceNumber"].get<std::string>()};
}

} // namespace pinpipe::emulator
