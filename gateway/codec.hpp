// Small text codecs the gateway needs on the wire: base64 (Kafka REST Proxy binary
// format, Kinesis `Data` blobs, shard iterators) and 128-bit unsigned decimal numbers
// (Kinesis hash keys). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::gateway {

__extension__ typedef unsigned __int128 uint128;

/// Standard base64 (RFC 4648 alphabet "+/", with "=" padding).
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64; padding is optional, whitespace and other characters are not
/// allowed. nullopt when the text is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

/// Decimal text of a 128-bit unsigned number ("0".."340282366920938463463374607431768211455").
std::string uint128_to_decimal(uint128 v);
/// Parses 1..39 decimal digits; nullopt on anything else or on overflow.
std::optional<uint128> uint128_from_decimal(std::string_view text);

} // namespace pinpipe::gateway
