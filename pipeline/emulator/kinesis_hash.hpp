// How Kinesis picks a shard for a record, for the emulator's direct sender: the shard
// whose hash-key range holds MD5(partition key) (common/kinesis_shard.hpp, the one copy,
// shared with the gateway), so records with the same partition key always land on the
// same shard, the one the gateway would choose.
// The MD5 itself is common/md5.hpp (shared with the gateway).
//
// Threading: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace pinpipe::emulator {

/// Lower-case hex of md5(data).
std::string md5_hex(const std::string& data);
/// The shard (0..shards-1) Kinesis assigns to `partition_key` when the hash-key space is
/// split evenly over `shards` shards. shards >= 1.
int32_t kinesis_shard(const std::string& partition_key, int32_t shards);

} // namespace pinpipe::emulator
