// common/kinesis_shard.hpp: shard i owns [StartingHashKey, EndingHashKey] inclusive, with
// the ranges AWS reports for evenly split streams; checked exactly at every boundary.
#include "common/kinesis_shard.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace pinpipe::kinesis;

hash_key dec(const std::string& s) {
  hash_key v = 0;
  for (char c : s)
    v = v * 10 + hash_key(c - '0');
  return v;
}

TEST(KinesisShard, RangesAreTheOnesAwsReports) {
  // 2 shards: the space splits at 2^127.
  EXPECT_EQ(shard_hash_range(0, 2).end, dec("170141183460469231731687303715884105727"));
  EXPECT_EQ(shard_hash_range(1, 2).start, dec("170141183460469231731687303715884105728"));
  // 3 shards, as DescribeStream shows them for a stream created with 3 shards.
  EXPECT_EQ(shard_hash_range(0, 3).start, hash_key(0));
  EXPECT_EQ(shard_hash_range(0, 3).end, dec("113427455640312821154458202477256070484"));
  EXPECT_EQ(shard_hash_range(1, 3).start, dec("113427455640312821154458202477256070485"));
  EXPECT_EQ(shard_hash_range(1, 3).end, dec("226854911280625642308916404954512140969"));
  EXPECT_EQ(shard_hash_range(2, 3).start, dec("226854911280625642308916404954512140970"));
  EXPECT_EQ(shard_hash_range(2, 3).end, dec("340282366920938463463374607431768211455"));
}

TEST(KinesisShard, EveryBoundaryKeyBelongsToTheShardWhoseRangeHoldsIt) {
  for (int32_t n : {1, 2, 3, 4, 5, 6, 7, 10, 11, 64, 100, 255, 256, 1000, 4093}) {
    EXPECT_EQ(shard_hash_range(0, n).start, hash_key(0)) << n;
    EXPECT_EQ(shard_hash_range(n - 1, n).end, ~hash_key(0)) << n;
    for (int32_t i = 0; i < n; ++i) {
      const auto r = shard_hash_range(i, n);
      ASSERT_LE(r.start, r.end) << n << "/" << i;
      ASSERT_EQ(shard_for_hash(r.start, n), i) << "start of shard " << i << " of " << n;
      ASSERT_EQ(shard_for_hash(r.end, n), i) << "end of shard " << i << " of " << n;
      ASSERT_EQ(shard_for_hash(r.start + (r.end - r.start) / 2, n), i) << n << "/" << i;
      if (i > 0) {
        ASSERT_EQ(shard_hash_range(i - 1, n).end + 1, r.start) << "gap or overlap " << n;
        ASSERT_EQ(shard_for_hash(r.start - 1, n), i - 1) << "below shard " << i << " of " << n;
      }
    }
  }
}

TEST(KinesisShard, StartOfAShardIsNotTheShardBelow) {
  // floor(hash * n / 2^128), the emulator's old formula, put this key in shard 0; its
  // range says shard 1.
  const hash_key start1 = dec("113427455640312821154458202477256070485");
  EXPECT_EQ(shard_for_hash(start1, 3), 1);
  EXPECT_EQ(shard_for_hash(start1 - 1, 3), 0);
}

TEST(KinesisShard, PartitionKeysHashWithMd5BigEndian) {
  // md5("") = d41d8cd98f00b204e9800998ecf8427e
  EXPECT_EQ(hash_key_of(""), (hash_key(0xd41d8cd98f00b204ULL) << 64) | 0xe9800998ecf8427eULL);
  EXPECT_EQ(shard_for_key("", 2), 1); // top bit set
  EXPECT_EQ(shard_for_key("anything", 1), 0);
  for (int k = 0; k < 200; ++k) {
    const auto key = std::to_string(k);
    EXPECT_EQ(shard_for_key(key, 5), shard_for_hash(hash_key_of(key), 5));
  }
}

} // namespace
