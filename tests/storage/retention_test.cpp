// Retention deletes whole closed segments by partition size and by age, never the
// active one; log start moves, offsets stay stable. Run against both implementations.
#include "common/clock.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

enum class kind { memory, file };

class Retention : public ::testing::TestWithParam<kind> {
protected:
  void SetUp() override { cfg_.dir = dir_.path(); }
  void open() {
    if (GetParam() == kind::memory) {
      log_ = make_memory_log(cfg_);
      return;
    }
    auto r = open_file_log(cfg_);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    log_ = std::move(r).value();
  }
  partition_info info() { return log_->describe_topic("pins").value().partitions.at(0); }
  void produce_n(int n, int64_t ts) {
    for (int i = 0; i < n; ++i) {
      produce_request req;
      req.topic = "pins";
      req.records.push_back(
          make_record("v" + std::to_string(next_++) + std::string(200, 'x'), {}, ts));
      ASSERT_TRUE(produce_sync(*log_, req).st.ok());
    }
  }
  void expect_stable_offsets() {
    const auto start = info().log_start;
    auto all = fetch_all(*log_, "pins", 0, start.get());
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.front().offset, start);
    for (const auto& r : all) {
      ASSERT_EQ(r.rec.value, "v" + std::to_string(r.offset.get()) + std::string(200, 'x'));
    }
    EXPECT_EQ(all.back().offset.get(), next_ - 1);
  }

  temp_dir dir_;
  log_config cfg_;
  std::unique_ptr<log_store> log_;
  int64_t next_ = 0;
};

TEST_P(Retention, RetentionBySizeDeletesOldestClosedSegmentsAndKeepsOffsets) {
  open();
  topic_config tc;
  tc.segment_bytes = 2048;
  tc.retention_bytes = 6000;
  ASSERT_TRUE(log_->create_topic("pins", tc).ok());
  produce_n(100, 0);
  const auto before = info();
  ASSERT_GT(before.segments, 5);
  log_->enforce_retention();
  const auto after = info();
  EXPECT_LT(after.segments, before.segments);
  EXPECT_LE(after.size_bytes, 6000);
  EXPECT_GT(after.log_start, offset_t{0});
  EXPECT_EQ(after.high_watermark, offset_t{100});
  EXPECT_EQ(log_->list_offset("pins", partition_id{0}, offset_spec::earliest).value(),
            after.log_start);
  EXPECT_EQ(log_->fetch("pins", partition_id{0}, after.log_start + (-1), 100).error().code(),
            errc::offset_out_of_range);
  expect_stable_offsets();
  produce_n(1, 0);
  EXPECT_EQ(info().high_watermark, offset_t{101});
}

TEST_P(Retention, RetentionByAgeDeletesSegmentsWhoseNewestRecordIsTooOld) {
  open();
  topic_config tc;
  tc.segment_bytes = 2048;
  tc.retention_ms = 10 * 60 * 1000;
  ASSERT_TRUE(log_->create_topic("pins", tc).ok());
  const int64_t old_ts = now_ms() - 3600 * 1000;
  produce_n(30, old_ts);
  produce_n(30, now_ms()); // the first of these may share a segment with old records
  log_->enforce_retention();
  const auto after = info();
  EXPECT_GT(after.log_start, offset_t{0});
  EXPECT_LE(after.log_start, offset_t{30});
  auto first = log_->fetch("pins", partition_id{0}, after.log_start, 1 << 20);
  ASSERT_TRUE(first.ok());
  // Every remaining segment holds a recent record: nothing recent was deleted.
  EXPECT_EQ(first->records.size() + static_cast<size_t>(after.log_start.get()), 60u);
  expect_stable_offsets();
}

TEST_P(Retention, TheActiveSegmentIsNeverDeletedEvenWhenEverythingIsOld) {
  open();
  topic_config tc;
  tc.segment_bytes = 2048;
  tc.retention_ms = 1000;
  tc.retention_bytes = 0;
  ASSERT_TRUE(log_->create_topic("pins", tc).ok());
  produce_n(50, now_ms() - 3600 * 1000);
  log_->enforce_retention();
  const auto after = info();
  EXPECT_EQ(after.segments, 1);
  EXPECT_GT(after.log_start, offset_t{0});
  EXPECT_EQ(after.high_watermark, offset_t{50});
  expect_stable_offsets();
}

TEST_P(Retention, UnlimitedRetentionKeepsEverything) {
  cfg_.retention_ms = -1;
  open();
  topic_config tc;
  tc.segment_bytes = 2048;
  ASSERT_TRUE(log_->create_topic("pins", tc).ok());
  produce_n(50, 1000); // ancient timestamps
  log_->enforce_retention();
  EXPECT_EQ(info().log_start, offset_t{0});
  expect_stable_offsets();
}

TEST(RetentionFile, LogStartAfterRetentionSurvivesReopen) {
  temp_dir dir;
  log_config cfg;
  cfg.dir = dir.path();
  offset_t start{0};
  {
    auto log = open_file_log(cfg).value();
    topic_config tc;
    tc.segment_bytes = 2048;
    tc.retention_bytes = 4000;
    ASSERT_TRUE(log->create_topic("pins", tc).ok());
    for (int i = 0; i < 60; ++i)
      produce_values(*log, "pins", 0, {std::string(200, 'a' + i % 26)});
    log->enforce_retention();
    start = log->describe_topic("pins").value().partitions[0].log_start;
    ASSERT_GT(start, offset_t{0});
  }
  auto log = open_file_log(cfg).value();
  const auto p = log->describe_topic("pins").value().partitions[0];
  EXPECT_EQ(p.log_start, start);
  EXPECT_EQ(p.high_watermark, offset_t{60});
  auto r = log->fetch("pins", partition_id{0}, start, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records.at(0).rec.value, std::string(200, 'a' + start.get() % 26));
}

INSTANTIATE_TEST_SUITE_P(Both, Retention, ::testing::Values(kind::memory, kind::file),
                         [](const auto& info) {
                           return info.param == kind::memory ? "memory" : "file";
                         });

} // namespace
} // namespace pinpipe::storage::test
