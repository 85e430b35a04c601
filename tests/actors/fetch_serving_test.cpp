// Fetch serving on the broker side (actors/fetch_serving.hpp): the node's fetch path writes
// the reply straight from the stored bytes; it must decode to exactly what the copying path
// gives, and both keep the log's errors.
#include "actors/fetch_serving.hpp"

#include <gtest/gtest.h>

#include "messages/codec.hpp"
#include "logclient/wire_convert.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::actors {
namespace {

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
      messages::fetch_request req;
      req.topic = "t";
      req.offset = offset_t{from};
      req.max_bytes = max_bytes;
      size_t count = 0;
      auto direct = encode_fetch_from(lg, req, count);
      ASSERT_TRUE(direct.ok()) << direct.error().to_string();
      auto copied = fetch_from(lg, req);
      ASSERT_TRUE(copied.ok());
      auto a = messages::decode_payload<messages::fetch_response>(*direct);
      const messages::fetch_response b = logclient::to_wire(*copied);
      ASSERT_TRUE(a.ok()) << a.error().to_string();
      EXPECT_EQ(*a, b) << "from " << from << " max_bytes " << max_bytes;
      EXPECT_EQ(count, copied->records.size());
      if (from < next) {
        EXPECT_GE(count, 1u); // always at least one record
      }
    }
  }
  messages::fetch_request past;
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

TEST(FetchFrom, NonPositiveMaxBytesIsAnInvalidRequestAndValidFetchesReadTheLog) {
  auto log = storage::make_memory_log();
  ASSERT_TRUE(log->create_topic("t", storage::topic_config{}).ok());
  storage::produce_request p;
  p.topic = "t";
  p.records.push_back(storage::record{std::nullopt, "v", 0, {}});
  log->produce(p, [](storage::produce_result r) { ASSERT_TRUE(r.st.ok()); });
  messages::fetch_request req;
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
  auto resp = messages::with_status(messages::fetch_response{}, bad.error());
  EXPECT_EQ(resp.error, errc::invalid_request);
  EXPECT_EQ(resp.message, bad.error().message());
}

} // namespace
} // namespace pinpipe::actors
