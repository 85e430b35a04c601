// The node's one-pass produce-request reader (actors/produce_frame.hpp) must read exactly
// what the generic path (decode_payload + logclient::from_wire) reads from every canonical
// payload, and decline (return false, so the generic path answers) anything else: an
// invalid acks value, another message, truncations at every length, random garbage.
#include "actors/produce_frame.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <random>

#include "logclient/wire_convert.hpp"
#include "messages/codec.hpp"
#include "tests/messages/samples.hpp"

namespace pinpipe::actors {
namespace {

namespace m = pinpipe::messages;

using m::samples::record_of;

m::produce_request sample_produce() {
  m::produce_request p;
  p.topic = "pinterest-data.pin";
  p.partition = partition_id{3};
  p.records.push_back(record_of(std::string(420, 'x')));
  p.records.push_back(record_of("{\"index\":7}", std::string("user-7"), 1'700'000'000'123));
  p.records.push_back(
      record_of("", std::string(), -5, {{"trace", "abc"}, {"", std::string(300, 'h')}}));
  p.acks = -1;
  p.producer_id = std::numeric_limits<int64_t>::max();
  p.base_sequence = 70000;
  return p;
}

TEST(ProduceFrame, ReadsExactlyWhatTheGenericPathReads) {
  for (int8_t acks : {int8_t{0}, int8_t{1}, int8_t{-1}}) {
    auto p = sample_produce();
    p.acks = acks;
    const auto payload = m::encode_payload(p);
    storage::produce_request fast_req;
    ASSERT_TRUE(read_produce_request(payload, fast_req)) << int(acks);
    auto generic = logclient::from_wire(*m::decode_payload<m::produce_request>(payload));
    ASSERT_TRUE(generic.ok());
    EXPECT_EQ(fast_req.topic, generic->topic);
    EXPECT_EQ(fast_req.partition, generic->partition);
    EXPECT_EQ(fast_req.required_acks, generic->required_acks);
    EXPECT_EQ(fast_req.producer_id, generic->producer_id);
    EXPECT_EQ(fast_req.base_sequence, generic->base_sequence);
    ASSERT_EQ(fast_req.records.size(), 3u);
    EXPECT_EQ(fast_req.records, generic->records);
    EXPECT_TRUE(fast_req.records[2].key.has_value()); // an empty key is still a key
    EXPECT_FALSE(fast_req.records[0].key.has_value());
  }
}

TEST(ProduceFrame, InvalidAcksAndOtherMessagesAreLeftToTheGenericPath) {
  auto p = sample_produce();
  p.acks = 5; // the generic path answers "acks must be 0, 1 or -1"
  storage::produce_request out;
  EXPECT_FALSE(read_produce_request(m::encode_payload(p), out));
  auto generic = logclient::from_wire(*m::decode_payload<m::produce_request>(m::encode_payload(p)));
  ASSERT_FALSE(generic.ok());
  EXPECT_NE(generic.error().message().find("acks must be 0, 1 or -1"), std::string::npos);
  p.acks = -1;
  p.partition = partition_id{-7}; // any int32 is read; the log judges the partition
  EXPECT_TRUE(read_produce_request(m::encode_payload(p), out));
  m::fetch_request f; // a fetch request is not a produce request
  f.topic = "t";
  EXPECT_FALSE(read_produce_request(m::encode_payload(f), out));
}

TEST(ProduceFrame, EveryTruncationAndRandomGarbageIsDeclinedWithoutReadingOutOfBounds) {
  const auto payload = m::encode_payload(sample_produce());
  storage::produce_request out;
  for (size_t n = 0; n < payload.size(); ++n) {
    const std::string cut = payload.substr(0, n); // exactly n bytes: an overread is visible
    EXPECT_FALSE(read_produce_request(cut, out)) << n;
  }
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 64, '\0');
    for (auto& c : junk)
      c = static_cast<char>(rng());
    // Must not crash or hang; a yes must agree with the generic decoder.
    if (read_produce_request(junk, out)) {
      EXPECT_TRUE(m::decode_payload<m::produce_request>(junk).ok());
    }
  }
}

} // namespace
} // namespace pinpipe::actors
