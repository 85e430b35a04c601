// Wire structs <-> the log's value types (logclient/wire_convert.hpp): a fetch result
// becomes the ok response with every record (an empty key is still a key), and
// from_wire(produce_request&&) gives the same request as the copying overload, refusing a
// bad acks value. (Fetch serving is tested in tests/actors/fetch_serving_test.)
#include "logclient/wire_convert.hpp"

#include <gtest/gtest.h>

#include "tests/storage/test_util.hpp"

namespace pinpipe::logclient {
namespace {

using messages::produce_request;
using messages::wire_record;

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

TEST(WireConvert, FetchResultBecomesTheOkResponseWithEveryRecord) {
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

TEST(WireConvert, MovingProduceRequestGivesTheSameLogRequest) {
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

} // namespace
} // namespace pinpipe::logclient
