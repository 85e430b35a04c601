// MD5 and the Kinesis shard choice used for stream partitions.
#include "common/md5.hpp"
#include "pipeline/emulator/kinesis_hash.hpp"

#include <map>

#include <gtest/gtest.h>

using namespace pinpipe::emulator;

TEST(Md5, MatchesRfc1321TestSuite) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5_hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(
      md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
      "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(KinesisShard, SplitsTheHashKeySpaceEvenlyByTheTopBits) {
  // With 2 shards the top bit of the MD5 decides; with 256 the first byte.
  for (const std::string key : {"", "a", "abc", "7528", "partition-1"}) {
    const auto d = pinpipe::md5(key);
    EXPECT_EQ(kinesis_shard(key, 2), d[0] >> 7) << key;
    EXPECT_EQ(kinesis_shard(key, 256), d[0]) << key;
    EXPECT_EQ(kinesis_shard(key, 1), 0);
  }
  // md5("") starts with 0xd41d...: 0.828 of the space -> shard 4 of 5.
  EXPECT_EQ(kinesis_shard("", 5), 4);
}

TEST(KinesisShard, IsDeterministicAndSpreadsRowKeysOverAllShards) {
  std::map<int32_t, int> hits;
  for (int k = 0; k < 5000; ++k) {
    const int32_t s = kinesis_shard(std::to_string(k), 5);
    ASSERT_EQ(s, kinesis_shard(std::to_string(k), 5));
    ASSERT_GE(s, 0);
    ASSERT_LT(s, 5);
    hits[s]++;
  }
  for (int s = 0; s < 5; ++s)
    EXPECT_NEAR(hits[s], 1000, 150) << "shard " << s;
}
