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

#include "common/clock.hpp"
#include "common/status.hpp"
#include "gateway/http_server.hpp"
#include "logclient/log_client.hpp"

namespace pinpipe::gateway {

using ojson = nlohmann::ordered_json;

/// Shared counters behind gateway::stats().
struct counters {
  std::atomic<int64_t> requests{0};
  std::atomic<int64_t> records_produced{0};
  std::atomic<int64_t> bad_requests{0};         ///< 4xx replies
  std::atomic<int64_t> idempotent_replays{0};   ///< replies from the Idempotency-Key cache
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

/// True when no array/object in `text` nests deeper than `max_depth` levels (`[]` is one
/// level). A flat scan without recursion that skips string contents, so it is safe on any
/// input; it does not check syntax (the parser does).
bool json_depth_within(std::string_view text, int max_depth);

/// The message of a body that nests deeper than `max_depth` (names the config key).
std::string json_too_deep_message(int max_depth);

/// The body parsed as JSON (key order kept), or an error whose message is complete and
/// ready for a reply ("request body is not JSON: ..." or the nesting limit). The depth is
/// checked first with json_depth_within, so nothing recursive ever sees a deeper document
/// (nlohmann's dump() and destructor recurse per level). errc::invalid_request for too deep,
/// errc::malformed_message for not JSON, and for anything but whitespace after the value
/// (a NUL byte and junk included: the message says how many bytes follow and where).
result<ojson> parse_json(std::string_view body, int max_depth);

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
std::vector<storage::produce_result> produce_all(logclient::log_client& log,
                                                 std::vector<storage::produce_request> reqs,
                                                 int64_t timeout_ms = 30000);

} // namespace pinpipe::gateway
