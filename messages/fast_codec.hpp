// One-pass reading of the messages that carry records in bulk: the envelope, fetch
// responses (client side), and the bounds-checked cursor that the node's produce-request
// reader (actors/produce_frame.hpp, broker side: it fills the log's own request) is built
// on. They work on the bytes of the whole envelope as received, without msgpack's object
// tree, its zone, or the copy of the payload that decode_envelope + decode_payload make.
//
// They accept only the canonical shape that encode_envelope / encode_payload write (the
// right array sizes and types). Anything else - a malformed message, an older or newer
// shape, an error_response - makes them return false, and the caller falls back to the
// generic decoder (codec.hpp), which accepts what it accepts and reports what it rejects
// with its usual messages. So these functions never change what a message means; they
// only make the common case cheap. Bounds-checked: never reads outside the input, never
// throws, never allocates more than the input can describe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "messages/wire.hpp"

namespace pinpipe::messages::fast {

/// A bounds-checked MessagePack reader over a byte range. Each method consumes one value
/// and returns false (consuming nothing useful) when the next value is not of its kind.
class cursor {
public:
  explicit cursor(std::string_view bytes)
      : p_(reinterpret_cast<const uint8_t*>(bytes.data())), end_(p_ + bytes.size()) {}
  bool array(uint32_t& n);
  bool uint(uint64_t& v);
  bool sint(int64_t& v); ///< any integer that fits in int64
  bool boolean(bool& v);
  bool str(std::string_view& v); ///< str or bin
  bool at_end() const { return p_ == end_; }

private:
  bool take(size_t n, const uint8_t*& out);
  const uint8_t* p_;
  const uint8_t* end_;
};

/// The fields of an envelope, the payload pointing into the input.
struct envelope_view {
  uint16_t version = 0;
  msg_type type = msg_type::none;
  std::string_view source;
  uint64_t correlation_id = 0;
  std::string_view payload;
};

/// Reads an envelope of version 1..protocol_version with exactly six fields.
bool read_envelope(std::string_view bytes, envelope_view& out);

/// One record of a fetch response, pointing into the received bytes.
struct record_view {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  bool has_key = false;
  std::string_view key;
  std::string_view value;
  uint32_t first_header = 0; ///< index into fetch_view::headers
  uint32_t header_count = 0;
};

/// A fetch response read in place; valid while the received bytes are. Reuse one across
/// calls: its vectors keep their capacity.
struct fetch_view {
  uint64_t correlation_id = 0;
  errc error = errc::ok;
  std::string_view message;
  std::vector<record_view> records;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  int64_t high_watermark = 0;
  int64_t log_start = 0;
};

/// Reads a whole envelope holding a fetch_response (any error code). False for another
/// message type (an error_response, say) or a non-canonical shape: decode it generically.
bool read_fetch_response(std::string_view envelope_bytes, fetch_view& out);

} // namespace pinpipe::messages::fast
