// Pure codecs: MD5, base64, 128-bit decimals, Kinesis ids and hash ranges, Kafka murmur2.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "common/md5.hpp"
#include "gateway/codec.hpp"
#include "gateway/kinesis_ids.hpp"
#include "gateway/rest_proxy.hpp"

using namespace pinpipe::gateway;

namespace {
std::string hex(const std::array<uint8_t, 16>& d) {
  std::string s;
  char b[3];
  for (auto x : d) {
    std::snprintf(b, sizeof b, "%02x", x);
    s += b;
  }
  return s;
}
} // namespace

TEST(Md5, MatchesRfc1321TestSuite) {
  EXPECT_EQ(hex(pinpipe::md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(pinpipe::md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(pinpipe::md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(
      hex(pinpipe::md5(
          "12345678901234567890123456789012345678901234567890123456789012345678901234567890")),
      "57edf4a22be3c955ac49da2e2107b67a");
  // 56 bytes: the length no longer fits the first padding block.
  EXPECT_EQ(hex(pinpipe::md5(std::string(56, 'a'))), "3b0c8ac703f828b04c6c197006d17218");
}

TEST(Base64, RoundTripsEveryLengthAndRejectsGarbage) {
  std::mt19937 rng(7);
  for (size_t n = 0; n < 70; ++n) {
    std::string s(n, '\0');
    for (auto& c : s)
      c = static_cast<char>(rng() & 0xff);
    auto enc = base64_encode(s);
    EXPECT_EQ(enc.size() % 4, 0u);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec.has_value()) << n;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64_encode("hello"), "aGVsbG8=");
  EXPECT_EQ(*base64_decode("aGVsbG8"), "hello"); // padding optional
  EXPECT_FALSE(base64_decode("aGVs bG8=").has_value());
  EXPECT_FALSE(base64_decode("a").has_value());
  EXPECT_FALSE(base64_decode("!!!!").has_value());
}

TEST(Uint128, DecimalRoundTripAndOverflow) {
  uint128 max = ~uint128(0);
  EXPECT_EQ(uint128_to_decimal(max), "340282366920938463463374607431768211455");
  EXPECT_EQ(*uint128_from_decimal("340282366920938463463374607431768211455"), max);
  EXPECT_FALSE(uint128_from_decimal("340282366920938463463374607431768211456").has_value());
  EXPECT_EQ(uint128_to_decimal(0), "0");
  EXPECT_FALSE(uint128_from_decimal("12a").has_value());
}

TEST(KinesisIds, HashRangesSplitLikeKinesisCreateStream) {
  EXPECT_EQ(uint128_to_decimal(shard_hash_range(0, 2).end),
            "170141183460469231731687303715884105727");
  EXPECT_EQ(uint128_to_decimal(shard_hash_range(1, 2).start),
            "170141183460469231731687303715884105728");
  EXPECT_EQ(uint128_to_decimal(shard_hash_range(1, 3).start),
            "113427455640312821154458202477256070485");
  EXPECT_EQ(uint128_to_decimal(shard_hash_range(2, 3).start),
            "226854911280625642308916404954512140970");
  EXPECT_EQ(shard_hash_range(2, 3).end, ~uint128(0));
  for (int32_t n : {1, 2, 3, 5, 7, 64}) {
    EXPECT_EQ(shard_hash_range(0, n).start, uint128(0));
    for (int32_t i = 0; i + 1 < n; ++i) {
      EXPECT_EQ(shard_hash_range(i, n).end + 1, shard_hash_range(i + 1, n).start);
    }
  }
}

TEST(KinesisIds, ShardForHashRespectsRangeBoundaries) {
  for (int32_t n : {1, 2, 3, 5, 7}) {
    for (int32_t i = 0; i < n; ++i) {
      auto r = shard_hash_range(i, n);
      EXPECT_EQ(shard_for_hash(r.start, n), i);
      EXPECT_EQ(shard_for_hash(r.end, n), i);
    }
  }
  // A partition key lands where its MD5 falls.
  uint128 h = hash_key_of("partition-1");
  int32_t s = shard_for_hash(h, 5);
  auto r = shard_hash_range(s, 5);
  EXPECT_TRUE(r.start <= h && h <= r.end);
}

TEST(KinesisIds, SequenceNumbersRoundTripAndGrowWithinAShard) {
  auto a = encode_sequence_number(3, 9);
  auto b = encode_sequence_number(3, 10);
  EXPECT_EQ(a.size(), 27u);
  EXPECT_LT(*uint128_from_decimal(a), *uint128_from_decimal(b));
  auto d = decode_sequence_number(b);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->shard, 3);
  EXPECT_EQ(d->offset, 10);
  EXPECT_FALSE(decode_sequence_number("123").has_value());
  EXPECT_EQ(shard_id_string(4), "shardId-000000000004");
  EXPECT_EQ(*parse_shard_id("shardId-000000000004"), 4);
  EXPECT_EQ(*parse_shard_id("4"), 4);
  EXPECT_FALSE(parse_shard_id("shard-x").has_value());
}

TEST(KinesisIds, ShardIteratorsRoundTripAndRejectForgeries) {
  auto it = encode_shard_iterator({"streaming-x-pin", 2, 12345});
  auto d = decode_shard_iterator(it);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->stream, "streaming-x-pin");
  EXPECT_EQ(d->shard, 2);
  EXPECT_EQ(d->offset, 12345);
  EXPECT_FALSE(decode_shard_iterator("AAAA").has_value());
  EXPECT_FALSE(decode_shard_iterator(base64_encode("pinpipe-it1|s|x|1")).has_value());
}

TEST(KafkaPartitioner, Murmur2MatchesKafkaUtilsTest) {
  EXPECT_EQ(kafka_murmur2("21"), -973932308);
  EXPECT_EQ(kafka_murmur2("foobar"), -790332482);
  EXPECT_EQ(kafka_murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(kafka_murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(kafka_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(kafka_murmur2("abc"), 479470107);
}
