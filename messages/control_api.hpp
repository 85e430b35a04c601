// Node control requests beside the log API (same envelope, same conventions as
// messages/log_api.hpp: MessagePack arrays, `version` first, fields only appended).
//
//   flush_lake_request (40) -> flush_lake_response (41)
//
// flush_lake: "close the lake objects up to now". The node's connector moves every record
// the batch topics hold when the request arrives into lake objects, writes the partly full
// ones, and only then answers. `pinpipe batch run` sends it before reading the lake, so a
// run includes everything produced before it started. A node without the connector role
// answers errc::unavailable.
#pragma once

#include <cstdint>
#include <string>

#include "messages/log_api.hpp"

namespace pinpipe::messages {

struct flush_lake_request {
  uint16_t version = protocol_version;
  MSGPACK_DEFINE(version)
  friend bool operator==(const flush_lake_request& a, const flush_lake_request& b) {
    return a.version == b.version;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_lake_request& x) {
  return f(x.version);
}

struct flush_lake_response {
  uint16_t version = protocol_version;
  errc error = errc::ok;
  std::string message;
  int64_t objects_written = 0; ///< by this node's connector since it started
  std::string lake_dir;        ///< the directory the connector writes
  MSGPACK_DEFINE(version, error, message, objects_written, lake_dir)
  friend bool operator==(const flush_lake_response& a, const flush_lake_response& b) {
    return a.version == b.version && a.error == b.error && a.message == b.message &&
           a.objects_written == b.objects_written && a.lake_dir == b.lake_dir;
  }
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, flush_lake_response& x) {
  return f(x.version, x.error, x.message, x.objects_written, x.lake_dir);
}

template <> struct message_traits<flush_lake_request> {
  static constexpr msg_type type = msg_type::flush_lake_request;
  using response = flush_lake_response;
};
template <> struct message_traits<flush_lake_response> {
  static constexpr msg_type type = msg_type::flush_lake_response;
  using response = void;
};

} // namespace pinpipe::messages
