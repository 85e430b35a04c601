// Segments: roll by size and by age, 20-digit names by base offset, zero-filled ahead
// of the write position, preallocated tail cut when a segment is closed.
#include <thread>

#include "storage/filename.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

using Segments = FileLogTest;

TEST_F(Segments, SegmentsRollBySizeAndAreNamedByTheirBaseOffset) {
  topic_config tc;
  tc.segment_bytes = 4096;
  create("pins", tc);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(produce_values(*log_, "pins", 0, {std::string(200, 'x')}).st.ok());
  const auto segs = files("pins", ".log");
  ASSERT_GE(segs.size(), 5u);
  EXPECT_EQ(info("pins").segments, static_cast<int32_t>(segs.size()));
  EXPECT_EQ(std::filesystem::path(segs[0]).filename(), "00000000000000000000.log");
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_LE(std::filesystem::file_size(segs[i]), 4096u) << segs[i];
    offset_t base{0};
    ASSERT_EQ(filename::parse(std::filesystem::path(segs[i + 1]).filename(), base),
              filename::file_kind::segment);
    auto r = log_->fetch("pins", partition_id{0}, base, 1);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->records.at(0).offset, base); // the name is the first offset inside
  }
}

TEST_F(Segments, SegmentsRollByAge) {
  topic_config tc;
  tc.segment_ms = 50;
  create("pins", tc);
  ASSERT_TRUE(produce_values(*log_, "pins", 0, {"a"}).st.ok());
  ASSERT_TRUE(produce_values(*log_, "pins", 0, {"b"}).st.ok());
  EXPECT_EQ(info("pins").segments, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  ASSERT_TRUE(produce_values(*log_, "pins", 0, {"c"}).st.ok());
  EXPECT_EQ(info("pins").segments, 2);
  EXPECT_EQ(files("pins", ".log").back(), pdir("pins") + "/00000000000000000002.log");
  EXPECT_EQ(fetch_all(*log_, "pins", 0).size(), 3u);
}

TEST_F(Segments, ActiveSegmentIsZeroFilledAheadAndClosedOnesAreCutToTheirData) {
  topic_config tc;
  tc.segment_bytes = 64 * 1024;
  create("pins", tc);
  ASSERT_TRUE(produce_values(*log_, "pins", 0, {"a"}).st.ok());
  auto segs = files("pins", ".log");
  ASSERT_EQ(segs.size(), 1u);
  // Zero-filled in the background up to segment_bytes (less than the 16 MiB window).
  ASSERT_TRUE(wait_for_file_size(segs[0], 64u * 1024));
  EXPECT_EQ(std::filesystem::file_size(segs[0]), 64u * 1024);
  const std::string content = read_file(segs[0]);
  const int64_t data = info("pins").size_bytes;
  EXPECT_EQ(content.find_first_not_of('\0', static_cast<size_t>(data)), std::string::npos);
  int64_t data_before_roll = 0;
  while (info("pins").segments < 2) {
    data_before_roll = info("pins").size_bytes;
    ASSERT_TRUE(produce_values(*log_, "pins", 0, {std::string(1000, 'y')}).st.ok());
  }
  segs = files("pins", ".log");
  // The closed segment holds exactly its batches: no zero-filled tail is left.
  EXPECT_EQ(std::filesystem::file_size(segs[0]), static_cast<uintmax_t>(data_before_roll));
  EXPECT_LT(data_before_roll, 64 * 1024);
}

// Zero-filling ahead pays only for small fsyncs (segment_settings::prealloc_max_commit):
// with acks=all and small batches the file runs ahead of the data (a window that grows
// with the writes, tests/storage/preallocation_test.cpp); with large
// acks=all batches, or with writes that are never fsynced, it stops, and the file ends
// where the data ends.
TEST_F(Segments, ZeroFillFollowsSmallFsyncsAndStopsForLargeOnesAndUnsyncedWrites) {
  topic_config tc;
  tc.segment_bytes = 64LL << 20;
  for (const char* t : {"small", "large", "unsynced"})
    create(t, tc);
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(produce_values(*log_, "small", 0, {std::string(300, 's')}, acks::all).st.ok());
  const std::vector<std::string> big(64, std::string(2000, 'b')); // ~128 KiB per request
  for (int i = 0; i < 48; ++i) {
    ASSERT_TRUE(produce_values(*log_, "large", 0, big, acks::all).st.ok());
    ASSERT_TRUE(produce_values(*log_, "unsynced", 0, big, acks::leader).st.ok());
  }
  const auto small_seg = files("small", ".log").at(0);
  EXPECT_TRUE(wait_for_file_size(small_seg, static_cast<uintmax_t>(info("small").size_bytes) +
                                                 (64u << 10))) // zero-filled ahead
      << std::filesystem::file_size(small_seg) << " bytes for " << info("small").size_bytes;
  std::this_thread::sleep_for(std::chrono::milliseconds(300)); // let the preallocator idle
  for (const char* t : {"large", "unsynced"}) {
    const auto seg = files(t, ".log").at(0);
    const auto data = static_cast<uintmax_t>(info(t).size_bytes);
    EXPECT_GT(data, 5u << 20) << t;
    EXPECT_EQ(std::filesystem::file_size(seg), data) << t << ": a zero-filled tail is left";
  }
}

TEST_F(Segments, ABatchLargerThanTheSegmentSizeGetsASegmentOfItsOwn) {
  topic_config tc;
  tc.segment_bytes = 2048;
  create("pins", tc);
  ASSERT_TRUE(produce_values(*log_, "pins", 0, {"small"}).st.ok());
  ASSERT_TRUE(produce_values(*log_, "pins", 0,
                             {std::string(900, 'a'), std::string(900, 'b'), std::string(900, 'c')})
                  .st.ok());
  EXPECT_EQ(info("pins").segments, 2);
  auto all = fetch_all(*log_, "pins", 0);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3].rec.value, std::string(900, 'c'));
}

TEST_F(Segments, FetchSpanningSegmentsReturnsConsecutiveRecords) {
  topic_config tc;
  tc.segment_bytes = 1024;
  create("pins", tc);
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(produce_values(*log_, "pins", 0, {"rec" + std::to_string(i)}).st.ok());
  }
  ASSERT_GT(info("pins").segments, 3);
  auto r = log_->fetch("pins", partition_id{0}, offset_t{3}, 1 << 20);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records.size(), 37u);
  for (size_t i = 0; i < r->records.size(); ++i) {
    EXPECT_EQ(r->records[i].rec.value, "rec" + std::to_string(i + 3));
  }
}

} // namespace
} // namespace pinpipe::storage::test
