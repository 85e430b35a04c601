// The one-pass readers (messages/fast_codec.hpp) must agree with the generic decoder on
// every canonical message, and must decline (return false, so the generic path judges)
// anything else: truncations at every length, garbage, other message types. (The node's
// produce-request reader built on the same cursor: tests/actors/produce_frame_test.cpp.)
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "messages/codec.hpp"
#include "messages/fast_codec.hpp"
#include "tests/messages/samples.hpp"

namespace pinpipe::messages {
namespace {

using samples::record_of;

produce_request sample_produce() {
  produce_request p;
  p.topic = "pinterest-data.pin";
  p.partition = partition_id{3};
  p.records.push_back(record_of(std::string(420, 'x')));
  p.records.push_back(record_of("{\"index\":7}", std::string("user-7"), 1'700'000'000'123));
  p.records.push_back(
      record_of("", std::nullopt, -5, {{"trace", "abc"}, {"", std::string(300, 'h')}}));
  p.acks = -1;
  p.producer_id = std::numeric_limits<int64_t>::max();
  p.base_sequence = 70000;
  return p;
}

std::string produce_envelope(const produce_request& p, uint64_t id = 42) {
  return encode_envelope(make_envelope(p, id, "client-1", "broker"));
}

TEST(FastCodec, EnvelopeReadInPlaceMatchesTheGenericDecoder) {
  const auto bytes = produce_envelope(sample_produce(), std::numeric_limits<uint64_t>::max());
  fast::envelope_view v;
  ASSERT_TRUE(fast::read_envelope(bytes, v));
  auto env = decode_envelope(bytes);
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(v.version, env->version);
  EXPECT_EQ(v.type, msg_type::produce_request);
  EXPECT_EQ(v.source, "client-1");
  EXPECT_EQ(v.correlation_id, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(v.payload, env->payload.data);
}

TEST(FastCodec, OtherShapesAreLeftToTheGenericPath) {
  // An envelope with a newer version is the generic decoder's to refuse.
  envelope env = make_envelope(sample_produce(), 1);
  env.version = protocol_version + 1;
  fast::envelope_view v;
  EXPECT_FALSE(fast::read_envelope(encode_envelope(env), v));
  // An error_response is not a fetch response.
  fast::fetch_view fv;
  EXPECT_FALSE(fast::read_fetch_response(
      encode_envelope(make_envelope(error_response{protocol_version, errc::timeout, "slow"}, 9)),
      fv));
}

TEST(FastCodec, EveryTruncationAndRandomGarbageIsDeclinedWithoutReadingOutOfBounds) {
  const auto bytes = produce_envelope(sample_produce());
  fast::envelope_view v;
  for (size_t n = 0; n < bytes.size(); ++n) {
    // A copy of exactly n bytes, so a sanitizer or valgrind would see any overread.
    const std::string cut = bytes.substr(0, n);
    EXPECT_FALSE(fast::read_envelope(cut, v)) << n;
  }
  std::mt19937 rng(7);
  fast::fetch_view fv;
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    // Must not crash or hang; any answer must agree with the generic decoder's "no".
    if (fast::read_envelope(junk, v)) {
      EXPECT_TRUE(decode_envelope(junk).ok());
    }
    (void)fast::read_fetch_response(junk, fv);
  }
}

TEST(FastCodec, FetchResponseReadInPlaceMatchesTheGenericDecoder) {
  fetch_response fr;
  fr.high_watermark = offset_t{1'000'000'000'000};
  fr.log_start = offset_t{17};
  for (int i = 0; i < 300; ++i) {
    wire_stored_record s;
    s.offset = offset_t{17 + i};
    s.record =
        record_of(std::string(static_cast<size_t>(i), static_cast<char>('a' + i % 26)),
                  i % 3 == 0 ? std::optional<std::string>("k" + std::to_string(i)) : std::nullopt,
                  1'700'000'000'000 + i);
    if (i % 7 == 0) s.record.headers = {{"h", std::to_string(i)}, {"x", ""}};
    fr.records.push_back(s);
  }
  const auto bytes = encode_envelope(msg_type::fetch_response, 77, "broker", encode_payload(fr));
  fast::fetch_view fv;
  ASSERT_TRUE(fast::read_fetch_response(bytes, fv));
  auto generic = open_envelope<fetch_response>(*decode_envelope(bytes));
  ASSERT_TRUE(generic.ok());
  EXPECT_EQ(fv.correlation_id, 77u);
  EXPECT_EQ(fv.error, errc::ok);
  EXPECT_EQ(fv.high_watermark, generic->high_watermark.get());
  EXPECT_EQ(fv.log_start, generic->log_start.get());
  ASSERT_EQ(fv.records.size(), generic->records.size());
  for (size_t i = 0; i < fv.records.size(); ++i) {
    const auto& a = fv.records[i];
    const auto& b = generic->records[i];
    EXPECT_EQ(a.offset, b.offset.get());
    EXPECT_EQ(a.has_key, b.record.has_key);
    if (a.has_key) {
      EXPECT_EQ(a.key, b.record.key);
    }
    EXPECT_EQ(a.value, b.record.value);
    EXPECT_EQ(a.timestamp_ms, b.record.timestamp_ms);
    ASSERT_EQ(a.header_count, b.record.headers.size());
    for (uint32_t h = 0; h < a.header_count; ++h) {
      EXPECT_EQ(fv.headers[a.first_header + h].first, b.record.headers[h].first);
      EXPECT_EQ(fv.headers[a.first_header + h].second, b.record.headers[h].second);
    }
  }
  // An error fetch response is still canonical: its code and message come through.
  const auto err = encode_envelope(make_envelope(
      with_status(fetch_response{}, status{errc::offset_out_of_range, "past the end"}), 5));
  ASSERT_TRUE(fast::read_fetch_response(err, fv));
  EXPECT_EQ(fv.error, errc::offset_out_of_range);
  EXPECT_EQ(fv.message, "past the end");
  EXPECT_TRUE(fv.records.empty());
}

} // namespace
} // namespace pinpipe::messages
