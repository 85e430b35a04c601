#include "gateway/http_common.hpp"

#include <chrono>
#include <condition_variable>
#include <memory>

namespace pinpipe::gateway {

std::string request_view::header(const char* name) const {
  return req.header(name);
}
bool request_view::has_param(const char* name) const {
  return req.has_param(name);
}
std::string request_view::param(const char* name) const {
  return req.param(name);
}
const std::string& request_view::body() const {
  return req.body;
}
const std::string& request_view::method() const {
  return req.method;
}
const std::string& request_view::req_path() const {
  return req.path;
}

std::string media_type(std::string_view v) {
  auto semi = v.find(';');
  if (semi != std::string_view::npos) v = v.substr(0, semi);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  std::string out(v);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool json_depth_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i; // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

std::string json_too_deep_message(int max_depth) {
  return "request body nests JSON arrays/objects deeper than " + std::to_string(max_depth) +
         " levels, the limit set by [gateway] max_json_depth; send a flatter document";
}

result<ojson> parse_json(std::string_view body, int max_depth) {
  if (!json_depth_within(body, max_depth)) {
    return status{errc::invalid_request, json_too_deep_message(max_depth)};
  }
  // nlohmann's lexer takes a NUL byte for the end of the input, so "{...}\0junk" would
  // parse. A JSON text holds no raw NUL anywhere (strings escape it as \u0000): look at
  // what comes before the first one, and name the bytes that follow the value.
  const auto nul = body.find('\0');
  const std::string_view text = nul == std::string_view::npos ? body : body.substr(0, nul);
  try {
    auto doc = ojson::parse(text.begin(), text.end());
    if (nul == std::string_view::npos) return doc;
    return status{errc::malformed_message,
                  "request body has " + std::to_string(body.size() - nul) +
                      " bytes after the JSON value, starting with a NUL byte (0x00) at byte " +
                      std::to_string(nul) +
                      "; send the JSON document alone (only whitespace may follow it)"};
  } catch (const nlohmann::json::exception& e) {
    if (nul != std::string_view::npos) {
      return status{errc::malformed_message,
                    "request body is not JSON: it holds a NUL byte (0x00) at byte " +
                        std::to_string(nul) + " (" + e.what() + ")"};
    }
    return status{errc::malformed_message, std::string("request body is not JSON: ") + e.what()};
  }
}

std::string json_quote(std::string_view s) {
  // Stored bytes may be any binary; invalid UTF-8 is replaced rather than thrown on.
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

reply rest_error(int error_code, const std::string& message) {
  reply r;
  r.status = error_code;
  while (r.status >= 1000)
    r.status /= 10;
  r.content_type = "application/vnd.kafka.v2+json";
  r.body =
      "{\"error_code\":" + std::to_string(error_code) + ",\"message\":" + json_quote(message) + "}";
  return r;
}

reply kinesis_error(const std::string& type, const std::string& message, int http_status) {
  reply r;
  r.status = http_status;
  r.content_type = "application/x-amz-json-1.1";
  r.body = "{\"__type\":" + json_quote(type) + ",\"message\":" + json_quote(message) + "}";
  return r;
}

std::optional<int64_t> json_int(const ojson& v, bool allow_string) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (allow_string && v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t x = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      x = x * 10 + (c - '0');
    }
    return x;
  }
  return std::nullopt;
}

std::vector<storage::produce_result> produce_all(logclient::log_client& log,
                                                 std::vector<storage::produce_request> reqs,
                                                 int64_t timeout_ms) {
  // Shared with the callbacks, which may fire on the log's flusher thread; a late
  // callback (after a timeout) still finds it alive.
  struct waiter {
    std::mutex mu;
    std::condition_variable cv;
    size_t remaining = 0;
    std::vector<storage::produce_result> results;
  };
  auto w = std::make_shared<waiter>();
  w->remaining = reqs.size();
  w->results.resize(reqs.size());
  for (auto& r : w->results)
    r.st = status{errc::timeout, "no answer from the log in time"};
  for (size_t i = 0; i < reqs.size(); ++i) {
    reqs[i].required_acks = storage::acks::all;
    log.produce(std::move(reqs[i]), [w, i](storage::produce_result res) {
      std::lock_guard<std::mutex> lock(w->mu);
      w->results[i] = std::move(res);
      if (--w->remaining == 0) w->cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(w->mu);
  w->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return w->remaining == 0; });
  return w->results;
}

} // namespace pinpipe::gateway
