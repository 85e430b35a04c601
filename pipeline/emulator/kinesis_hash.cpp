#include "pipeline/emulator/kinesis_hash.hpp"

#include "common/md5.hpp"
#include "common/status.hpp"

namespace pinpipe::emulator {

std::string md5_hex(const std::string& data) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (uint8_t b : pinpipe::md5(data)) {
    s.push_back(hex[b >> 4]);
    s.push_back(hex[b & 0xf]);
  }
  return s;
}

int32_t kinesis_shard(const std::string& partition_key, int32_t shards) {
  PINPIPE_ASSERT(shards >= 1, "kinesis_shard needs at least one shard");
  __extension__ typedef unsigned __int128 u128;
  const auto d = pinpipe::md5(partition_key);
  uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) {
    hi = (hi << 8) | d[static_cast<size_t>(i)];
    lo = (lo << 8) | d[static_cast<size_t>(8 + i)];
  }
  // floor((hi * 2^64 + lo) * shards / 2^128), exactly.
  const u128 n = static_cast<u128>(static_cast<uint64_t>(shards));
  const u128 high = static_cast<u128>(hi) * n + ((static_cast<u128>(lo) * n) >> 64);
  return static_cast<int32_t>(high >> 64);
}

} // namespace pinpipe::emulator
