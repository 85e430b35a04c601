// Internal to gateway/: the pieces every route family shares. A handler gets the parsed
// request (http_server.hpp's http_request) plus the path split into segments, and returns
// a `reply` (also in http_server.hpp). JSON parsing goes through parse_json, the
// one place nlohmann's parse exceptions become values.
//
// Threading: everything here is called concurrently from the worker threads; the
// counters are atomics (errors under a mutex, they are rare).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"
#include "gateway/http_server.hpp"
#include "storage/log.hpp"

namespace pinpipe::gateway {

using ojson = nlohmann::ordered_json;

/// Shared counters behind gateway::stats().
struct counters {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> records_produced{0};
  std::mutex errors_mu;
  std::map<int, int64_t> errors;
  void count_error(int status) {
    std::lock_guard<std::mutex> lock(errors_mu);
    ++errors[status];
  }
};

/// A request as the handlers see it.
struct request_view {
  const http_request& req;
  std::vector<std::string_view> segs; ///< path segments after the optional stage prefix
  std::string prefix;                 ///< the stage prefix ("/prod") or ""
  std::string header(const char* name) const;
  bool has_param(const char* name) const;
  std::string param(const char* name) const;
  const std::string& body() const;
  const std::string& method() const;
  const std::string& req_path() const;
};

/// Lower-cased media type of a Content-Type/Accept value without parameters.
std::string media_type(std::string_view header_value);

/// The body parsed as JSON (key order kept), or the parser's message.
result<ojson> parse_json(std::string_view body);

/// REST Proxy error envelope; HTTP status is the first three digits of `error_code`.
reply rest_error(int error_code, const std::string& message);
/// Kinesis error shape {"__type": ..., "message": ...}.
reply kinesis_error(const std::string& type, const std::string& message, int http_status = 400);

/// JSON string literal of `s` (quoted, escaped).
std::string json_quote(std::string_view s);

/// Integer value of a JSON number that is integral (also accepts integral strings when
/// `allow_string`); nullopt otherwise.
std::optional<int64_t> json_int(const ojson& v, bool allow_string = false);

/// Issues every produce request (acks=all), then waits for all their callbacks; results
/// in request order. A callback that never arrives within `timeout_ms` yields errc::timeout.
std::vector<storage::produce_result> produce_all(storage::log_store& log,
                                                 std::vector<storage::produce_request> reqs,
                                                 int64_t timeout_ms = 30000);

/// Now, in ms since the epoch.
int64_t now_ms();

} // namespace pinpipe::gateway
