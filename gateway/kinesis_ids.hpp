// Kinesis identifiers mapped onto the log (docs/http-api.md, "Kinesis identifiers"):
//
// - Hash keys: MD5 of the partition key, read as a big-endian 128-bit number, as Kinesis.
//   A stream of N shards splits [0, 2^128) evenly: shard i starts at floor(i * 2^128 / N)
//   and ends one before shard i+1 starts (the last ends at 2^128 - 1), which is the split
//   Kinesis CreateStream makes. A stream is a log topic; shard i is partition i.
// - Shard ids: "shardId-" + 12-digit zero-padded shard number.
// - Sequence numbers: "4" + 6-digit shard + 20-digit offset (27 decimal digits), e.g.
//   shard 2, offset 15 -> "4000002" "00000000000000000015". Stable (derived from the log
//   offset), strictly growing within a shard, decodable back to (shard, offset).
// - Shard iterators: base64 of "pinpipe-it1|<stream>|<shard>|<offset>"; they never
//   expire (Kinesis expires them after 5 minutes).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/kinesis_shard.hpp"
#include "gateway/codec.hpp"

namespace pinpipe::gateway {

// Partition key -> hash key -> shard, and each shard's hash-key range: the project's one
// copy in common/kinesis_shard.hpp (shared with the emulator).
using kinesis::hash_key_of;
using kinesis::hash_range;
using kinesis::shard_for_hash;
using kinesis::shard_hash_range;

std::string shard_id_string(int32_t shard);
/// Accepts "shardId-000000000003" (any number of digits) or plain digits "3".
std::optional<int32_t> parse_shard_id(std::string_view text);

struct sequence_position {
  int32_t shard = 0;
  int64_t offset = 0;
};
std::string encode_sequence_number(int32_t shard, int64_t offset);
std::optional<sequence_position> decode_sequence_number(std::string_view text);

struct iterator_position {
  std::string stream;
  int32_t shard = 0;
  int64_t offset = 0;
};
std::string encode_shard_iterator(const iterator_position& pos);
std::optional<iterator_position> decode_shard_iterator(std::string_view text);

} // namespace pinpipe::gateway
