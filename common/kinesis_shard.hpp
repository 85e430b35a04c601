// Which Kinesis shard a record belongs to, one copy for the project (the gateway's
// Kinesis API and the emulator's direct sender). Kinesis hashes the partition key with
// MD5 and reads the digest as a 128-bit big-endian integer, the hash key. A stream of n
// shards created at once splits the hash-key space evenly: shard i owns
// [StartingHashKey, EndingHashKey], both inclusive, with
//   StartingHashKey(i) = floor(i * 2^128 / n),  EndingHashKey(i) = StartingHashKey(i+1) - 1
// (the last shard ends at 2^128 - 1); these are the values AWS reports for such a stream
// (n = 3: shard 1 starts at 113427455640312821154458202477256070485) and the ones the
// gateway's DescribeStream/ListShards return. A record goes to the shard whose range
// holds its hash key, so the boundary key StartingHashKey(i) belongs to shard i.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace pinpipe::kinesis {

__extension__ typedef unsigned __int128 hash_key;

/// MD5 of the partition key as a big-endian 128-bit number.
hash_key hash_key_of(std::string_view partition_key);

struct hash_range {
  hash_key start = 0;
  hash_key end = 0; ///< inclusive
};

/// The hash-key range of shard `shard` (0..shard_count-1) of a stream of `shard_count`
/// evenly split shards. shard_count >= 1.
hash_range shard_hash_range(int32_t shard, int32_t shard_count);

/// The shard whose range holds `hash`. shard_count >= 1.
int32_t shard_for_hash(hash_key hash, int32_t shard_count);

/// The shard of a record with this partition key: shard_for_hash(hash_key_of(key), n).
int32_t shard_for_key(std::string_view partition_key, int32_t shard_count);

} // namespace pinpipe::kinesis
