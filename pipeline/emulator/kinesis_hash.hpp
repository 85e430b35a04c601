// How Kinesis picks a shard for a record: MD5 of the partition key read as a 128-bit
// big-endian integer (the "hash key"), and shards own equal, contiguous hash-key ranges, so
// shard = floor(hash * shards / 2^128). The log_sender uses it to choose the partition of a
// stream record, so records with the same partition key always land on the same shard.
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
