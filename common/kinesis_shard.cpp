#include "common/kinesis_shard.hpp"

#include "common/md5.hpp"
#include "common/status.hpp"

namespace pinpipe::kinesis {
namespace {

// floor(i * 2^128 / n) without overflowing 128 bits: with 2^128 = q * n + r (0 <= r < n),
// it is i * q + floor(i * r / n); i < n keeps i * r below 2^64 * 2^31.
hash_key range_start(int32_t i, int32_t n) {
  const hash_key max = ~hash_key(0); // 2^128 - 1 = q * n + (r - 1)
  hash_key q = max / hash_key(n);
  hash_key r = max % hash_key(n) + 1;
  if (r == hash_key(n)) {
    q += 1;
    r = 0;
  }
  return hash_key(i) * q + (hash_key(i) * r) / hash_key(n);
}

} // namespace

hash_key hash_key_of(std::string_view partition_key) {
  hash_key v = 0;
  for (uint8_t b : md5(partition_key))
    v = (v << 8) | b;
  return v;
}

hash_range shard_hash_range(int32_t shard, int32_t shard_count) {
  PINPIPE_ASSERT(shard_count >= 1 && shard >= 0 && shard < shard_count,
                 "shard_hash_range needs 0 <= shard < shard_count");
  hash_range r;
  r.start = range_start(shard, shard_count);
  r.end = shard + 1 >= shard_count ? ~hash_key(0) : range_start(shard + 1, shard_count) - 1;
  return r;
}

int32_t shard_for_hash(hash_key hash, int32_t shard_count) {
  PINPIPE_ASSERT(shard_count >= 1, "shard_for_hash needs at least one shard");
  // floor(hash * n / 2^128) is the shard or one below it (it is below exactly when hash
  // is a range start that is not a multiple of 2^128 / n); correct against the starts.
  const auto top = static_cast<uint64_t>(hash >> 64);
  const auto low = static_cast<uint64_t>(hash);
  const hash_key n = hash_key(static_cast<uint64_t>(shard_count));
  auto i = static_cast<int32_t>((hash_key(top) * n + ((hash_key(low) * n) >> 64)) >> 64);
  if (i >= shard_count) i = shard_count - 1;
  while (i > 0 && hash < range_start(i, shard_count))
    --i;
  while (i + 1 < shard_count && hash >= range_start(i + 1, shard_count))
    ++i;
  return i;
}

int32_t shard_for_key(std::string_view partition_key, int32_t shard_count) {
  return shard_for_hash(hash_key_of(partition_key), shard_count);
}

} // namespace pinpipe::kinesis
