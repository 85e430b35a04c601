// Helpers shared by the transport tests: an echo handler whose reply can be matched to
// its request by content, requests carrying a text, and a server on a free local port.
#pragma once

#include <cstdint>
#include <string>

#include "messages/codec.hpp"
#include "transport/server.hpp"

namespace pinpipe::transport::test {

namespace m = pinpipe::messages;

/// An error_response whose message is the request's payload reversed.
inline m::envelope echo_of(const m::envelope& req) {
  std::string rev(req.payload.data.rbegin(), req.payload.data.rend());
  return m::make_envelope(m::error_response{m::protocol_version, errc::ok, rev}, 0, "echo");
}

inline m::envelope request_with(const std::string& text, uint64_t correlation_id = 0) {
  m::envelope env;
  env.type = m::msg_type::list_topics_request;
  env.payload.data = text;
  env.correlation_id = correlation_id;
  return env;
}

inline std::string reply_text(const m::envelope& env) {
  auto r = m::decode_payload<m::error_response>(env.payload.data);
  return r ? r->message : "<undecodable>";
}

inline server_options local_options(const std::string& endpoint = "tcp://127.0.0.1:0") {
  server_options o;
  o.endpoint = endpoint;
  o.poll_timeout_ms = 20;
  return o;
}

} // namespace pinpipe::transport::test
