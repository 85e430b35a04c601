// Recovery of the file log on open: torn, zeroed and garbage tails of the active
// segment are cut off, appends continue at the right offset, earlier records stay;
// corruption inside a closed segment is reported as corrupt_data, never as garbage.
#include <random>

#include "storage/format.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

class Recovery : public FileLogTest {
protected:
  /// 20 batches of 3 records: offsets 0..59, values "r<offset>".
  void fill() {
    create("pins");
    for (int b = 0; b < 20; ++b) {
      std::vector<std::string> vals;
      for (int i = 0; i < 3; ++i)
        vals.push_back("r" + std::to_string(b * 3 + i));
      ASSERT_TRUE(produce_values(*log_, "pins", 0, vals, acks::all).st.ok());
    }
    data_end_ = info("pins").size_bytes;
    segment_ = files("pins", ".log").back();
    if (cfg_.preallocate) { // let the preallocator put a zero tail behind the data
      ASSERT_TRUE(wait_for_file_size(segment_, static_cast<uintmax_t>(data_end_) + 4096));
    }
    close();
  }
  void expect_intact_up_to(int64_t n) {
    auto all = fetch_all(*log_, "pins", 0);
    ASSERT_EQ(static_cast<int64_t>(all.size()), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(all[i].offset, offset_t{i});
      ASSERT_EQ(all[i].rec.value, "r" + std::to_string(i));
    }
  }
  /// Appends one more record and checks it gets offset `expected`, also after a reopen.
  void expect_appends_continue_at(int64_t expected) {
    auto r = produce_values(*log_, "pins", 0, {"r" + std::to_string(expected)}, acks::all);
    ASSERT_TRUE(r.st.ok());
    EXPECT_EQ(r.base_offset, offset_t{expected});
    reopen();
    expect_intact_up_to(expected + 1);
  }
  /// Size of the last batch (all batches have the same size here).
  int64_t batch_size() const { return data_end_ / 20; }

  int64_t data_end_ = 0;
  std::string segment_;
};

TEST_F(Recovery, PreallocatedZeroTailIsTreatedAsTheEndOfData) {
  fill();
  EXPECT_GT(std::filesystem::file_size(segment_), static_cast<uintmax_t>(data_end_));
  reopen();
  expect_intact_up_to(60);
  EXPECT_EQ(info("pins").high_watermark, offset_t{60});
  expect_appends_continue_at(60);
}

TEST_F(Recovery, HalfWrittenBatchAtTheTailIsDropped) {
  fill();
  std::string batch;
  format::encode_batch({make_record("torn", {}, 1)}, 60, 0, -1, -1, batch);
  write_at(segment_, data_end_, batch.substr(0, batch.size() / 2));
  reopen();
  expect_intact_up_to(60);
  EXPECT_EQ(info("pins").size_bytes, data_end_);
  expect_appends_continue_at(60);
}

TEST_F(Recovery, ZeroedSecondHalfOfTheLastBatchDropsThatBatch) {
  fill();
  const int64_t last = data_end_ - batch_size();
  write_at(segment_, last + batch_size() / 2, std::string(batch_size() - batch_size() / 2, '\0'));
  reopen();
  expect_intact_up_to(57);
  expect_appends_continue_at(57);
}

TEST_F(Recovery, GarbageTailIsDropped) {
  fill();
  std::mt19937 rng(42);
  std::string garbage(10000, '\0');
  for (auto& c : garbage)
    c = static_cast<char>(rng() & 0xff);
  write_at(segment_, data_end_, garbage);
  reopen();
  expect_intact_up_to(60);
  expect_appends_continue_at(60);
}

TEST_F(Recovery, FlippedByteInTheLastBatchFailsItsCrcAndDropsIt) {
  fill();
  const int64_t last = data_end_ - batch_size();
  std::string b = read_file(segment_).substr(static_cast<size_t>(last + 70), 1);
  b[0] ^= 0x20;
  write_at(segment_, last + 70, b);
  reopen();
  expect_intact_up_to(57);
  expect_appends_continue_at(57);
}

TEST_F(Recovery, ValidBatchWithOffsetsThatDoNotContinueIsDropped) {
  fill();
  // A stale copy of the first batch (offsets 0..2) after the end: CRC fine, offsets wrong.
  write_at(segment_, data_end_, read_file(segment_).substr(0, static_cast<size_t>(batch_size())));
  reopen();
  expect_intact_up_to(60);
  expect_appends_continue_at(60);
}

TEST_F(Recovery, RecoveryWorksWithoutPreallocationToo) {
  cfg_.preallocate = false;
  reopen();
  fill();
  EXPECT_EQ(std::filesystem::file_size(segment_), static_cast<uintmax_t>(data_end_));
  write_at(segment_, data_end_, "partial-garbage");
  reopen();
  expect_intact_up_to(60);
  expect_appends_continue_at(60);
}

TEST_F(Recovery, CorruptionInsideAClosedSegmentIsReportedAsCorruptDataOnFetch) {
  topic_config tc;
  tc.segment_bytes = 2048;
  create("pins", tc);
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(produce_values(*log_, "pins", 0, {"r" + std::to_string(i) + std::string(100, 'x')})
                    .st.ok());
  }
  close();
  const auto segs = files("pins", ".log");
  ASSERT_GE(segs.size(), 3u);
  // Damage a value byte of the first record in the first (closed) segment.
  std::string b = read_file(segs[0]).substr(format::header_size + 10, 1);
  b[0] ^= 0x01;
  write_at(segs[0], format::header_size + 10, b);
  reopen();
  auto bad = log_->fetch("pins", partition_id{0}, offset_t{0}, 1 << 20);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::corrupt_data);
  // The rest of the log is still readable and the log was not truncated.
  EXPECT_EQ(info("pins").high_watermark, offset_t{60});
  auto later = log_->fetch("pins", partition_id{0}, offset_t{59}, 1 << 20);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->records.size(), 1u);
  EXPECT_EQ(later->records[0].rec.value, "r59" + std::string(100, 'x'));
}

TEST_F(Recovery, TopicsAndRecordsSurviveCloseAndReopen) {
  topic_config tc;
  tc.partitions = 3;
  tc.is_stream = true;
  tc.retention_ms = 12345;
  create("pins", tc);
  ASSERT_TRUE(produce_values(*log_, "pins", 2, {"a", "b"}).st.ok());
  reopen();
  auto d = log_->describe_topic("pins");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->config.partitions, 3);
  EXPECT_TRUE(d->config.is_stream);
  EXPECT_EQ(d->config.retention_ms, 12345);
  EXPECT_EQ(d->partitions[2].high_watermark, offset_t{2});
  EXPECT_EQ(fetch_all(*log_, "pins", 2).at(1).rec.value, "b");
}

TEST_F(Recovery, DeletedTopicStaysDeletedAndLeftoverDirectoriesAreRemoved) {
  create("pins");
  create("gone");
  ASSERT_TRUE(log_->delete_topic("gone").ok());
  close();
  std::filesystem::create_directories(dir_.path() + "/half/0"); // interrupted create: no meta
  reopen();
  EXPECT_EQ(log_->describe_topic("gone").error().code(), errc::unknown_topic);
  EXPECT_EQ(log_->describe_topic("half").error().code(), errc::unknown_topic);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/half"));
  EXPECT_TRUE(log_->describe_topic("pins").ok());
}

TEST_F(Recovery, SecondOpenOfTheSameDirectoryIsRefusedWhileTheFirstHoldsIt) {
  auto second = open_file_log(cfg_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), errc::unavailable);
  EXPECT_NE(second.error().message().find(".lock"), std::string::npos);
}

} // namespace
} // namespace pinpipe::storage::test
