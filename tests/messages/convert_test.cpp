// The fast encoders used by the node's transport thread must give what the generic path
// gives: encode_fetch_from decodes to to_wire(fetch_from(...)), encode_envelope(type, id,
// source, payload) has the bytes of encode_envelope(make_envelope);
// and from_wire(produce_request&&) must give the same request as the copying overload.
#include "messages/convert.hpp"

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::messages {
namespace {

storage::fetch_result sample_fetch() {
  storage::fetch_result r;
  r.high_watermark = offset_t{1234567};
  r.log_start = offset_t{17};
  for (int i = 0; i < 40; ++i) {
    storage::stored_record s;
    s.offset = offset_t{1000 + i};
    if (i % 3 == 0) s.rec.key = "key-" + std::to_string(i);
    if (i == 4) s.rec.key = ""; // an empty key is not "no key"
    s.rec.value = std::string(static_cast<size_t>(i * 37 % 600), static_cast<char>('a' + i % 26));
    s.rec.timestamp_ms = 1700000000000 + i;
    if (i % 5 == 0) s.rec.headers = {{"h", "v" + std::to_string(i)}, {"", ""}};
    r.records.push_back(s);
  }
  return r;
}

TEST(Convert, FetchResultBecomesTheOkResponseWithEveryRecord) {
  auto res = sample_fetch();
  auto w = to_wire(res);
  EXPECT_EQ(w.error, errc::ok);
  EXPECT_EQ(w.high_watermark, res.high_watermark);
  EXPECT_EQ(w.log_start, res.log_start);
  ASSERT_EQ(w.records.size(), res.records.size());
  for (size_t i = 0; i < w.records.size(); ++i)
    EXPECT_EQ(w.records[i], to_wire(res.records[i]));
  EXPECT_TRUE(w.records[4].record.has_key); // an empty key is not "no key"
  EXPECT_FALSE(w.records[1].record.has_key);
}

TEST(Convert, EnvelopeAroundAnEncodedPayloadHasTheBytesOfMakeEnvelope) {
  produce_response r;
  r.base_offset = offset_t{5};
  r.last_offset = offset_t{9};
  const std::string payload = encode_payload(r);
  auto generic = encode_envelope(make_envelope(r, 0xABCDEF0123ULL, "broker"));
  EXPECT_EQ(encode_envelope(msg_type::produce_response, 0xABCDEF0123ULL, "broker", payload),
            generic);
}

TEST(Convert, MovingProduceRequestGivesTheSameLogRequest) {
  produce_request w;
  w.topic = "pins";
  w.partition = partition_id{3};
  w.acks = -1;
  w.producer_id = 9;
  w.base_sequence = 4;
  for (int i = 0; i < 5; ++i) {
    wire_record rec;
    rec.has_key = i % 2 == 0;
    rec.key = rec.has_key ? "k" + std::to_string(i) : "";
    rec.value = std::string(100 + i, 'v');
    rec.timestamp_ms = i;
    rec.headers = {{"a", "b"}};
    w.records.push_back(rec);
  }
  auto copied = from_wire(w);
  auto moved = from_wire(produce_request(w));
  ASSERT_TRUE(copied.ok());
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->topic, copied->topic);
  EXPECT_EQ(moved->partition, copied->partition);
  EXPECT_EQ(moved->required_acks, storage::acks::all);
  EXPECT_EQ(moved->producer_id, copied->producer_id);
  EXPECT_EQ(moved->base_sequence, copied->base_sequence);
  EXPECT_EQ(moved->records, copied->records);
  w.acks = 3;
  auto bad = from_wire(produce_request(w));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::invalid_request);
}

// The node's fetch path writes the reply straight from the stored bytes; it must decode
// to exactly what the copying path gives, for every start offset and size limit, across
// batches and segments, and keep the copying path's errors.
TEST(EncodeFetchFrom, DecodesToTheSameResponseAsTheCopyingPathAcrossBatchesAndSegments) {
  storage::test::temp_dir dir;
  storage::log_config cfg;
  cfg.dir = dir.path();
  cfg.segment_bytes = 4096; // several segments
  auto log = storage::open_file_log(cfg);
  ASSERT_TRUE(log.ok()) << log.error().to_string();
  auto& lg = **log;
  ASSERT_TRUE(lg.create_topic("t", storage::topic_config{}).ok());
  int64_t next = 0;
  for (int b = 0; b < 30; ++b) { // batches of 1..4 records, keys and headers on some
    storage::produce_request p;
    p.topic = "t";
    for (int i = 0; i <= b % 4; ++i, ++next) {
      storage::record r;
      r.value =
          std::string(static_cast<size_t>(50 + next % 200), static_cast<char>('a' + next % 26));
      if (next % 3 == 0) r.key = "k" + std::to_string(next);
      if (next % 5 == 0) r.headers = {{"h", std::to_string(next)}, {"", ""}};
      p.records.push_back(std::move(r));
    }
    lg.produce(std::move(p), [](storage::produce_result r) { ASSERT_TRUE(r.st.ok()); });
  }
  for (int64_t from : {int64_t{0}, int64_t{1}, int64_t{7}, next / 2, next - 1, next}) {
    for (int32_t max_bytes : {1, 300, 1000, 1 << 20}) {
      fetch_request req;
      req.topic = "t";
      req.offset = offset_t{from};
      req.max_bytes = max_bytes;
      size_t count = 0;
      auto direct = encode_fetch_from(lg, req, count);
      ASSERT_TRUE(direct.ok()) << direct.error().to_string();
      auto copied = fetch_from(lg, req);
      ASSERT_TRUE(copied.ok());
      auto a = decode_payload<fetch_response>(*direct);
      const fetch_response b = to_wire(*copied);
      ASSERT_TRUE(a.ok()) << a.error().to_string();
      EXPECT_EQ(*a, b) << "from " << from << " max_bytes " << max_bytes;
      EXPECT_EQ(count, copied->records.size());
      if (from < next) {
        EXPECT_GE(count, 1u); // always at least one record
      }
    }
  }
  fetch_request past;
  past.topic = "t";
  past.offset = offset_t{next + 5};
  size_t count = 7;
  auto err = encode_fetch_from(lg, past, count);
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code(), errc::offset_out_of_range);
  EXPECT_EQ(count, 0u);
  past.offset = offset_t{0};
  past.max_bytes = 0;
  auto bad = encode_fetch_from(lg, past, count);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("max_bytes must be positive"), std::string::npos);
  past.topic = "nope";
  past.max_bytes = 100;
  EXPECT_EQ(encode_fetch_from(lg, past, count).error().code(), errc::unknown_topic);
}

} // namespace
} // namespace pinpipe::messages

namespace pinpipe::messages {
namespace {

TEST(FetchFrom, NonPositiveMaxBytesIsAnInvalidRequestAndValidFetchesReadTheLog) {
  auto log = storage::make_memory_log();
  ASSERT_TRUE(log->create_topic("t", storage::topic_config{}).ok());
  storage::produce_request p;
  p.topic = "t";
  p.records.push_back(storage::record{std::nullopt, "v", 0, {}});
  log->produce(p, [](storage::produce_result r) { ASSERT_TRUE(r.st.ok()); });
  fetch_request req;
  req.topic = "t";
  req.max_bytes = 0;
  auto bad = fetch_from(*log, req);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::invalid_request);
  EXPECT_NE(bad.error().message().find("max_bytes must be positive, got 0"), std::string::npos);
  req.max_bytes = 1 << 20;
  auto good = fetch_from(*log, req);
  ASSERT_TRUE(good.ok()) << good.error().to_string();
  ASSERT_EQ(good->records.size(), 1u);
  EXPECT_EQ(good->records[0].rec.value, "v");
  auto resp = with_status(fetch_response{}, bad.error());
  EXPECT_EQ(resp.error, errc::invalid_request);
  EXPECT_EQ(resp.message, bad.error().message());
}

} // namespace
} // namespace pinpipe::messages
