#include "pipeline/emulator/kinesis_hash.hpp"

#include "common/kinesis_shard.hpp"
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
  return kinesis::shard_for_key(partition_key, shards);
}

} // namespace pinpipe::emulator
