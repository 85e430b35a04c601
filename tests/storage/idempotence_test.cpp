// Idempotent producers on the file log: retries of any of the last batches return the
// first offsets, gaps are rejected, and the state survives a reopen (rebuilt from the
// batch headers of the active segment).
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

class Idempotence : public FileLogTest {
protected:
  produce_result send(int64_t pid, int32_t seq, int n, const std::string& tag) {
    produce_request req;
    req.topic = "pins";
    req.producer_id = pid;
    req.base_sequence = seq;
    for (int i = 0; i < n; ++i)
      req.records.push_back(make_record(tag + std::to_string(i)));
    return produce_sync(*log_, req);
  }
};

TEST_F(Idempotence, RetryOfAnyOfTheLastFiveBatchesReturnsItsOriginalOffsets) {
  create("pins");
  std::vector<produce_result> firsts;
  for (int b = 0; b < 5; ++b)
    firsts.push_back(send(1, b * 2, 2, "b" + std::to_string(b)));
  for (int b = 0; b < 5; ++b) {
    auto retry = send(1, b * 2, 2, "retry");
    ASSERT_TRUE(retry.st.ok());
    EXPECT_TRUE(retry.duplicate);
    EXPECT_EQ(retry.base_offset, firsts[b].base_offset);
    EXPECT_EQ(retry.last_offset, firsts[b].last_offset);
  }
  EXPECT_EQ(info("pins").high_watermark, offset_t{10});
}

TEST_F(Idempotence, ProducerStateSurvivesReopen) {
  create("pins");
  produce_values(*log_, "pins", 0, {"unrelated"});
  auto a = send(5, 0, 3, "a");
  auto b = send(5, 3, 2, "b");
  ASSERT_TRUE(a.st.ok() && b.st.ok());
  reopen();
  auto retry = send(5, 3, 2, "b");
  ASSERT_TRUE(retry.st.ok());
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, b.base_offset);
  EXPECT_EQ(retry.last_offset, b.last_offset);
  auto older = send(5, 0, 3, "a");
  EXPECT_TRUE(older.duplicate);
  EXPECT_EQ(older.base_offset, a.base_offset);
  EXPECT_EQ(send(5, 9, 1, "gap").st.code(), errc::out_of_order_sequence);
  auto next = send(5, 5, 1, "c");
  ASSERT_TRUE(next.st.ok());
  EXPECT_FALSE(next.duplicate);
  EXPECT_EQ(next.base_offset, offset_t{6});
  EXPECT_EQ(fetch_all(*log_, "pins", 0).size(), 7u);
}

TEST_F(Idempotence, ProducersArePerPartition) {
  topic_config tc;
  tc.partitions = 2;
  create("pins", tc);
  produce_request req;
  req.topic = "pins";
  req.producer_id = 3;
  req.base_sequence = 0;
  req.records = {make_record("x")};
  ASSERT_TRUE(produce_sync(*log_, req).st.ok());
  req.partition = partition_id{1};
  auto other = produce_sync(*log_, req);
  ASSERT_TRUE(other.st.ok());
  EXPECT_FALSE(other.duplicate); // same sequence, other partition: a new batch
}

TEST_F(Idempotence, DuplicateWithAcksAllIsAnsweredAfterTheFlush) {
  create("pins");
  auto first = send(8, 0, 1, "x");
  produce_request req;
  req.topic = "pins";
  req.producer_id = 8;
  req.base_sequence = 0;
  req.required_acks = acks::all;
  req.records = {make_record("x0")};
  auto r = produce_sync(*log_, req);
  ASSERT_TRUE(r.st.ok());
  EXPECT_TRUE(r.duplicate);
  EXPECT_EQ(r.base_offset, first.base_offset);
}

TEST_F(Idempotence, IdempotentRequestWithoutSequenceIsInvalid) {
  create("pins");
  EXPECT_EQ(send(1, -1, 1, "x").st.code(), errc::invalid_request);
}

} // namespace
} // namespace pinpipe::storage::test
