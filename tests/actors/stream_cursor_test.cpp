// The stream reader's position bookkeeping (actors/stream_cursor.hpp) on its own: where a
// partition resumes, one batch in flight, acknowledgement, retry, retention.
#include "actors/stream_cursor.hpp"

#include <gtest/gtest.h>

namespace pinpipe::actors {
namespace {

TEST(StreamCursor, NothingIsFetchedBeforeTheSinkToldThePosition) {
  stream_cursor c(3);
  EXPECT_EQ(c.partitions(), 3u);
  for (int32_t p = 0; p < 3; ++p) {
    EXPECT_FALSE(c.resumed(p));
    EXPECT_FALSE(c.ready(p).has_value()) << "partition " << p;
  }
}

TEST(StreamCursor, ResumesEachPartitionAtItsCommittedPosition) {
  stream_cursor c(3);
  c.set_resume(0, 0);
  c.set_resume(2, 17);
  EXPECT_EQ(c.ready(0), std::optional<int64_t>(0));
  EXPECT_FALSE(c.ready(1).has_value()); // its position has not arrived yet
  EXPECT_EQ(c.ready(2), std::optional<int64_t>(17));
}

TEST(StreamCursor, OneBatchInFlightPerPartition) {
  stream_cursor c(2);
  c.set_resume(0, 5);
  c.set_resume(1, 9);
  c.begin(0);
  EXPECT_TRUE(c.in_flight(0));
  EXPECT_FALSE(c.ready(0).has_value()) << "a second batch of partition 0 must wait";
  EXPECT_EQ(c.ready(1), std::optional<int64_t>(9)) << "other partitions are independent";
  c.begin(1);
  EXPECT_FALSE(c.ready(1).has_value());
}

TEST(StreamCursor, AcknowledgementMovesToTheCommittedOffsetAndFreesThePartition) {
  stream_cursor c(1);
  c.set_resume(0, 5);
  c.begin(0);
  EXPECT_TRUE(c.acknowledge(0, 12));
  EXPECT_FALSE(c.in_flight(0));
  EXPECT_EQ(c.ready(0), std::optional<int64_t>(12));
  c.begin(0);
  EXPECT_TRUE(c.acknowledge(0, 20));
  EXPECT_EQ(c.next(0), 20);
}

TEST(StreamCursor, AcknowledgementWithoutABatchInFlightIsIgnored) {
  stream_cursor c(1);
  c.set_resume(0, 5);
  EXPECT_FALSE(c.acknowledge(0, 99));
  EXPECT_EQ(c.ready(0), std::optional<int64_t>(5));
}

TEST(StreamCursor, FailureKeepsThePositionSoTheSameRecordsAreRetried) {
  stream_cursor c(1);
  c.set_resume(0, 40);
  c.begin(0);
  c.fail(0);
  EXPECT_FALSE(c.in_flight(0));
  EXPECT_EQ(c.ready(0), std::optional<int64_t>(40));
  // The retry succeeds: the position moves on from where the failed batch started.
  c.begin(0);
  EXPECT_TRUE(c.acknowledge(0, 48));
  EXPECT_EQ(c.next(0), 48);
}

TEST(StreamCursor, RetentionPastThePositionSkipsToLogStartAndNamesTheLostRange) {
  stream_cursor c(2);
  c.set_resume(1, 10);
  auto lost = c.skip_to_log_start(1, 25);
  ASSERT_TRUE(lost.has_value());
  EXPECT_EQ(*lost,
            "records 10..24 of partition 1 were deleted by retention before they were processed");
  EXPECT_EQ(c.ready(1), std::optional<int64_t>(25));
}

TEST(StreamCursor, LogStartAtOrBelowThePositionChangesNothing) {
  stream_cursor c(1);
  c.set_resume(0, 10);
  EXPECT_FALSE(c.skip_to_log_start(0, 10).has_value());
  EXPECT_FALSE(c.skip_to_log_start(0, 3).has_value());
  EXPECT_EQ(c.next(0), 10);
}

TEST(StreamCursor, RetentionBeforeResumeDoesNotInventAPosition) {
  stream_cursor c(1);
  EXPECT_FALSE(c.skip_to_log_start(0, 25).has_value());
  EXPECT_FALSE(c.resumed(0));
}

TEST(StreamCursor, PositionsFollowTheAcknowledgementsInOrder) {
  // A run of batches of one partition: every fetch starts where the last commit ended.
  stream_cursor c(1);
  c.set_resume(0, 0);
  std::vector<int64_t> fetched_from;
  for (int64_t end : {3, 7, 8, 15}) {
    auto from = c.ready(0);
    ASSERT_TRUE(from.has_value());
    fetched_from.push_back(*from);
    c.begin(0);
    ASSERT_TRUE(c.acknowledge(0, end));
  }
  EXPECT_EQ(fetched_from, (std::vector<int64_t>{0, 3, 7, 8}));
  EXPECT_EQ(c.next(0), 15);
}

TEST(StreamCursor, UnknownPartitionIsAnErrorNotUndefinedBehaviour) {
  stream_cursor c(1);
  EXPECT_THROW(c.ready(1), std::out_of_range);
  EXPECT_THROW(c.set_resume(-1, 0), std::out_of_range);
}

} // namespace
} // namespace pinpipe::actors
