#include "common/status.hpp"

namespace pinpipe {

const char* to_string(errc e) {
  switch (e) {
  case errc::ok:
    return "ok";
  case errc::unknown_topic:
    return "unknown_topic";
  case errc::unknown_partition:
    return "unknown_partition";
  case errc::topic_exists:
    return "topic_exists";
  case errc::record_too_large:
    return "record_too_large";
  case errc::request_too_large:
    return "request_too_large";
  case errc::invalid_request:
    return "invalid_request";
  case errc::malformed_message:
    return "malformed_message";
  case errc::unsupported_version:
    return "unsupported_version";
  case errc::offset_out_of_range:
    return "offset_out_of_range";
  case errc::out_of_order_sequence:
    return "out_of_order_sequence";
  case errc::corrupt_data:
    return "corrupt_data";
  case errc::io_error:
    return "io_error";
  case errc::timeout:
    return "timeout";
  case errc::not_leader:
    return "not_leader";
  case errc::unavailable:
    return "unavailable";
  case errc::invalid_config:
    return "invalid_config";
  case errc::unknown_consumer:
    return "unknown_consumer";
  case errc::disk_full:
    return "disk_full";
  case errc::internal:
    return "internal";
  case errc::not_found:
    return "not_found";
  case errc::invalid_argument:
    return "invalid_argument";
  }
  return "unknown_error";
}

std::string status::to_string() const {
  if (ok()) return "ok";
  return std::string(pinpipe::to_string(code_)) + ": " + message_;
}

void assertion_failed(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "pinpipe: invariant broken at %s:%d: %s (%s)\n", file, line, msg, expr);
  std::abort();
}

} // namespace pinpipe
