// The record batch format (storage/format.hpp): round trip, CRC, header checks.
#include <cstring>

#include "storage/format.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

std::vector<record> sample_records() {
  record a = make_record("value-a", std::string("key-a"), 1700000000000);
  a.headers = {{"content-type", "json"}, {"", ""}};
  record b = make_record("", std::nullopt, 1699999999000); // earlier than the first: negative delta
  record c = make_record(std::string(5000, 'z'), std::string(""), 1700000005000);
  return {a, b, c};
}

TEST(Format, BatchRoundTripsRecordsOffsetsAndHeaderFields) {
  const auto recs = sample_records();
  std::string buf;
  auto h = format::encode_batch(recs, 42, 3, 77, 5, buf);
  EXPECT_EQ(buf.size(), h.size());
  format::batch_header d;
  ASSERT_EQ(format::decode_header(buf.data(), buf.size(), d), format::header_state::ok);
  EXPECT_EQ(d.base_offset, 42);
  EXPECT_EQ(d.leader_term, 3);
  EXPECT_EQ(d.record_count, 3);
  EXPECT_EQ(d.first_timestamp, 1700000000000);
  EXPECT_EQ(d.max_timestamp, 1700000005000);
  EXPECT_EQ(d.producer_id, 77);
  EXPECT_EQ(d.base_sequence, 5);
  EXPECT_EQ(d.last_offset(), 44);
  EXPECT_EQ(d.size(), buf.size());
  ASSERT_TRUE(format::crc_matches(buf.data(), buf.size()));
  std::vector<stored_record> out;
  ASSERT_TRUE(format::decode_records(buf.data(), buf.size(), 0, out).ok());
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].offset, offset_t{42 + int64_t(i)});
    EXPECT_EQ(out[i].rec, recs[i]);
  }
  size_t total = format::header_size;
  for (const auto& r : recs)
    total += format::encoded_record_size(r);
  EXPECT_EQ(total, buf.size());
}

TEST(Format, DecodeFromSkipsRecordsBelowTheAskedOffset) {
  std::string buf;
  format::encode_batch(sample_records(), 10, 0, -1, -1, buf);
  std::vector<stored_record> out;
  ASSERT_TRUE(format::decode_records(buf.data(), buf.size(), 12, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].offset, offset_t{12});
}

TEST(Format, PatchingTheBaseOffsetKeepsTheCrcValid) {
  std::string buf;
  format::encode_batch(sample_records(), 0, 0, -1, -1, buf);
  format::set_base_offset(buf, 123456789);
  EXPECT_TRUE(format::crc_matches(buf.data(), buf.size()));
  format::batch_header d;
  ASSERT_EQ(format::decode_header(buf.data(), buf.size(), d), format::header_state::ok);
  EXPECT_EQ(d.base_offset, 123456789);
}

TEST(Format, CrcMismatchIsDetectedForAnyFlippedByteAfterTheCrcField) {
  std::string buf;
  format::encode_batch(sample_records(), 0, 0, -1, -1, buf);
  for (size_t i = format::crc_end; i < buf.size(); i += 97) {
    std::string bad = buf;
    bad[i] ^= 0x01;
    EXPECT_FALSE(format::crc_matches(bad.data(), bad.size())) << "byte " << i;
  }
}

TEST(Format, HeaderDecoderClassifiesZerosGarbageAndBadLengths) {
  format::batch_header h;
  std::string zeros(format::header_size, '\0');
  EXPECT_EQ(format::decode_header(zeros.data(), zeros.size(), h), format::header_state::zero);
  std::string garbage(format::header_size, '\x5a');
  EXPECT_EQ(format::decode_header(garbage.data(), garbage.size(), h),
            format::header_state::bad_magic);
  std::string buf;
  format::encode_batch(sample_records(), 0, 0, -1, -1, buf);
  std::string v2 = buf;
  v2[4] = 2;
  EXPECT_EQ(format::decode_header(v2.data(), v2.size(), h), format::header_state::bad_version);
  std::string huge = buf;
  const uint32_t len = 0x7fffffff;
  std::memcpy(huge.data() + 13, &len, 4);
  EXPECT_EQ(format::decode_header(huge.data(), huge.size(), h), format::header_state::bad_length);
  EXPECT_EQ(format::decode_header(buf.data(), 10, h), format::header_state::bad_length);
}

TEST(Format, RecordsThatOverrunTheBatchAreCorruptNotGarbage) {
  std::string buf;
  format::encode_batch({make_record("abc", {}, 5)}, 0, 0, -1, -1, buf);
  // Claim a longer value than the batch holds (CRC is not checked by decode_records).
  const uint32_t big = 1000;
  std::memcpy(buf.data() + format::header_size + 1, &big, 4);
  std::vector<stored_record> out;
  EXPECT_EQ(format::decode_records(buf.data(), buf.size(), 0, out).code(), errc::corrupt_data);
  EXPECT_TRUE(out.empty());
}

/// The worked example of docs/log-format.md, byte for byte.
TEST(Format, WorkedExampleFromTheDocsEncodesToTheDocumentedBytes) {
  record r = make_record("hi", std::string("k"), 1000);
  std::string buf;
  format::encode_batch({r}, 5, 0, -1, -1, buf);
  ASSERT_EQ(buf.size(), 85u);
  auto hex = [](const std::string& s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
      out += d[c >> 4];
      out += d[c & 15];
    }
    return out;
  };
  EXPECT_EQ(hex(buf.substr(0, 21)), "50504c4201"
                                    "0500000000000000"
                                    "44000000"
                                    "3f147a04");
  EXPECT_EQ(hex(buf.substr(21, 42)), "0000000000000000"
                                     "01000000"
                                     "e803000000000000"
                                     "e803000000000000"
                                     "ffffffffffffffff"
                                     "ffffffff"
                                     "0000");
  EXPECT_EQ(hex(buf.substr(63)), "01"
                                 "01000000"
                                 "6b"
                                 "02000000"
                                 "6869"
                                 "0000000000000000"
                                 "0000");
}

} // namespace
} // namespace pinpipe::storage::test
