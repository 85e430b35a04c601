#include "gateway/kinesis_reply.hpp"

namespace pinpipe::gateway::kinesis_detail {

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

reply log_failure(const status& st) {
  return kinesis_error("InternalFailure", st.to_string(), st.code() == errc::disk_full ? 507 : 500);
}

} // namespace pinpipe::gateway::kinesis_detail
