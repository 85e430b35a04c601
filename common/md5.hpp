// MD5 (RFC 1321), used only to place Kinesis partition keys on shards exactly as Kinesis
// does (the 128-bit digest, read big-endian, is the key's hash key). Not for security.
// Pure function, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pinpipe {

/// The 16-byte MD5 digest of `data`.
std::array<uint8_t, 16> md5(std::string_view data);

} // namespace pinpipe
