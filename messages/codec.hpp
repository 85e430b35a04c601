// Encoding and decoding of envelopes and message payloads (MessagePack, see wire.hpp and
// docs/wire-protocol.md). Decoding never throws and never crashes: garbage, truncated
// input, trailing bytes and wrong types give errc::malformed_message; a version newer
// than protocol_version gives errc::unsupported_version. msgpack's exceptions are caught
// in exactly one place, detail::unpack_and_convert (codec.cpp). Pure functions, any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "messages/log_api.hpp"
#include "messages/wire.hpp"

namespace pinpipe::messages {

namespace detail {
/// Unpacks exactly one MessagePack object spanning all of `bytes` (bounded by the input
/// size, so a forged length cannot make it allocate) and hands it to `convert`; every
/// msgpack exception becomes errc::malformed_message naming `what`. Strings and blobs of
/// the object point into `bytes` (no copy); `convert` copies what it keeps.
status unpack_and_convert(std::string_view bytes, const char* what,
                          const std::function<void(const msgpack::object&)>& convert);
/// A msgpack output stream appending to a std::string (no intermediate buffer).
struct string_writer {
  std::string* out;
  void write(const char* p, size_t n) { out->append(p, n); }
};
using string_packer = msgpack::packer<string_writer>;
std::string pack_to_string(const std::function<void(string_packer&)>& fn);
} // namespace detail

/// The MessagePack bytes of an envelope.
std::string encode_envelope(const envelope& env);
/// The bytes of an envelope around an already encoded payload (moved in, one copy).
std::string encode_envelope(msg_type type, uint64_t correlation_id, const std::string& source,
                            const std::string& payload);

/// Reads an envelope; checks its version (<= ours) and that it is one well-formed object.
result<envelope> decode_envelope(std::string_view bytes);

/// Best effort: the correlation id of something that looks like an envelope (even one of a
/// newer version), 0 when none can be read. Used to address error responses.
uint64_t peek_correlation_id(std::string_view bytes);

/// The MessagePack bytes of one message struct.
template <class T> std::string encode_payload(const T& msg) {
  std::string out;
  detail::string_writer w{&out};
  detail::string_packer pk(w);
  pk.pack(msg);
  return out;
}

/// Reads one message struct; checks its version (1..protocol_version).
template <class T> result<T> decode_payload(std::string_view bytes) {
  T x;
  auto st = detail::unpack_and_convert(bytes, to_string(message_traits<T>::type),
                                       [&](const msgpack::object& o) { o.convert(x); });
  if (!st.ok()) return st;
  if (x.version == 0)
    return status{errc::malformed_message,
                  std::string{to_string(message_traits<T>::type)} + " has version 0"};
  if (x.version > protocol_version)
    return status{errc::unsupported_version,
                  std::string{to_string(message_traits<T>::type)} + " has version " +
                      std::to_string(x.version) + ", this build speaks up to " +
                      std::to_string(protocol_version) + "; upgrade this node"};
  return x;
}

/// Wraps a message into an envelope of the right type.
template <class T>
envelope make_envelope(const T& msg, uint64_t correlation_id, std::string source = {},
                       std::string destination = {}) {
  envelope env;
  env.type = message_traits<T>::type;
  env.source = std::move(source);
  env.destination = std::move(destination);
  env.correlation_id = correlation_id;
  env.payload.data = encode_payload(msg);
  return env;
}

/// Unwraps an envelope that must hold a T. An error_response payload becomes its status;
/// any other type is errc::invalid_request.
template <class T> result<T> open_envelope(const envelope& env) {
  if (env.type == message_traits<T>::type) return decode_payload<T>(env.payload.data);
  if (env.type == msg_type::error_response) {
    auto err = decode_payload<error_response>(env.payload.data);
    if (!err) return err.error();
    return status{err->error, err->message};
  }
  return status{errc::invalid_request, std::string{"expected "} +
                                           to_string(message_traits<T>::type) + ", got " +
                                           to_string(env.type)};
}

} // namespace pinpipe::messages
