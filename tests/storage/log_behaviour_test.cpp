// Behaviour of the log_store contract, run against both implementations (memory and
// file): topics, dense offsets, fetch limits, errors, idempotence, watches, groups.
#include <atomic>
#include <thread>

#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

enum class kind { memory, file };

class LogBehaviour : public ::testing::TestWithParam<kind> {
protected:
  void SetUp() override {
    cfg_.dir = dir_.path();
    cfg_.max_record_bytes = 1000;
    log_ = open();
  }
  std::unique_ptr<log_store> open() {
    if (GetParam() == kind::memory) return make_memory_log(cfg_);
    auto r = open_file_log(cfg_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? std::move(r).value() : nullptr;
  }
  void create(const std::string& name, int32_t partitions = 1) {
    topic_config tc;
    tc.partitions = partitions;
    ASSERT_TRUE(log_->create_topic(name, tc).ok());
  }

  temp_dir dir_;
  log_config cfg_;
  std::unique_ptr<log_store> log_;
};

TEST_P(LogBehaviour, CreatedTopicIsListedAndDescribedUntilDeleted) {
  create("pins", 3);
  auto d = log_->describe_topic("pins");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->config.partitions, 3);
  ASSERT_EQ(d->partitions.size(), 3u);
  EXPECT_EQ(d->partitions[2].id, partition_id{2});
  bool listed = false;
  for (const auto& t : log_->list_topics())
    listed |= t.name == "pins";
  EXPECT_TRUE(listed);
  ASSERT_TRUE(log_->delete_topic("pins").ok());
  EXPECT_EQ(log_->describe_topic("pins").error().code(), errc::unknown_topic);
  EXPECT_EQ(log_->delete_topic("pins").code(), errc::unknown_topic);
}

TEST_P(LogBehaviour, InvalidTopicNamesAreRejected) {
  for (const std::string& bad :
       std::vector<std::string>{"", "a/b", "sp ace", "..", std::string(250, 'x'), "é"}) {
    EXPECT_EQ(log_->create_topic(bad, {}).code(), errc::invalid_argument) << bad;
  }
  EXPECT_EQ(log_->create_topic("__mine", {}).code(), errc::invalid_argument);
  EXPECT_TRUE(validate_topic_name("pin.data_v-1").ok());
}

TEST_P(LogBehaviour, CreatingAnExistingTopicFails) {
  create("pins");
  EXPECT_EQ(log_->create_topic("pins", {}).code(), errc::topic_exists);
}

TEST_P(LogBehaviour, UnknownTopicErrorNamesTheTopicAndHowToCreateIt) {
  auto r = produce_values(*log_, "nope", 0, {"x"});
  EXPECT_EQ(r.st.code(), errc::unknown_topic);
  EXPECT_NE(r.st.message().find("'nope'"), std::string::npos);
  EXPECT_NE(r.st.message().find("topics create"), std::string::npos);
  EXPECT_EQ(log_->fetch("nope", partition_id{0}, offset_t{0}, 100).error().code(),
            errc::unknown_topic);
}

TEST_P(LogBehaviour, BadPartitionIsRejected) {
  create("pins", 2);
  EXPECT_EQ(produce_values(*log_, "pins", 2, {"x"}).st.code(), errc::unknown_partition);
  EXPECT_EQ(produce_values(*log_, "pins", -1, {"x"}).st.code(), errc::unknown_partition);
  EXPECT_EQ(log_->fetch("pins", partition_id{5}, offset_t{0}, 100).error().code(),
            errc::unknown_partition);
}

TEST_P(LogBehaviour, OffsetsAreDensePerPartitionAcrossBatches) {
  create("pins", 2);
  auto a = produce_values(*log_, "pins", 0, {"a", "b", "c"});
  auto b = produce_values(*log_, "pins", 0, {"d"});
  auto c = produce_values(*log_, "pins", 1, {"e", "f"});
  ASSERT_TRUE(a.st.ok() && b.st.ok() && c.st.ok());
  EXPECT_EQ(a.base_offset, offset_t{0});
  EXPECT_EQ(a.last_offset, offset_t{2});
  EXPECT_EQ(b.base_offset, offset_t{3});
  EXPECT_EQ(c.base_offset, offset_t{0});
  auto all = fetch_all(*log_, "pins", 0);
  ASSERT_EQ(all.size(), 4u);
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].offset, offset_t{int64_t(i)});
  EXPECT_EQ(all[3].rec.value, "d");
}

TEST_P(LogBehaviour, KeysValuesHeadersAndTimestampsRoundTrip) {
  create("pins");
  produce_request req;
  req.topic = "pins";
  record r1 = make_record("v1", std::string("k1"), 1700000000123);
  r1.headers = {{"h", "x"}, {"empty", ""}};
  record r2 = make_record("", std::string(""), 1700000000000);
  record r3 = make_record("v3");
  req.records = {r1, r2, r3};
  auto res = produce_sync(*log_, req);
  ASSERT_TRUE(res.st.ok());
  auto all = fetch_all(*log_, "pins", 0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].rec, r1);
  EXPECT_EQ(all[1].rec, r2); // empty key is not a missing key
  EXPECT_FALSE(all[2].rec.key.has_value());
  EXPECT_EQ(all[2].rec.timestamp_ms, res.append_time_ms); // 0 means append time
}

TEST_P(LogBehaviour, FetchHonoursMaxBytesButReturnsAtLeastOneRecord) {
  create("pins");
  for (int i = 0; i < 10; ++i)
    produce_values(*log_, "pins", 0, {std::string(100, 'a' + i)});
  auto one = log_->fetch("pins", partition_id{0}, offset_t{4}, 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->records.size(), 1u);
  EXPECT_EQ(one->records[0].offset, offset_t{4});
  EXPECT_EQ(one->records[0].rec.value, std::string(100, 'e'));
  auto some = log_->fetch("pins", partition_id{0}, offset_t{0}, 450);
  ASSERT_TRUE(some.ok());
  EXPECT_GE(some->records.size(), 2u);
  EXPECT_LT(some->records.size(), 10u);
  EXPECT_EQ(some->high_watermark, offset_t{10});
}

TEST_P(LogBehaviour, FetchAtHighWatermarkIsEmptyAndBeyondIsOutOfRange) {
  create("pins");
  produce_values(*log_, "pins", 0, {"a", "b"});
  auto at = log_->fetch("pins", partition_id{0}, offset_t{2}, 1000);
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(at->records.empty());
  EXPECT_EQ(log_->fetch("pins", partition_id{0}, offset_t{3}, 1000).error().code(),
            errc::offset_out_of_range);
  EXPECT_EQ(log_->fetch("pins", partition_id{0}, offset_t{-1}, 1000).error().code(),
            errc::offset_out_of_range);
}

TEST_P(LogBehaviour, TooLargeRecordRejectsTheWholeBatch) {
  create("pins");
  auto r = produce_values(*log_, "pins", 0, {"ok", std::string(1001, 'x')});
  EXPECT_EQ(r.st.code(), errc::record_too_large);
  EXPECT_EQ(log_->list_offset("pins", partition_id{0}, offset_spec::latest).value(), offset_t{0});
  EXPECT_TRUE(produce_values(*log_, "pins", 0, {std::string(1000, 'x')}).st.ok());
}

TEST_P(LogBehaviour, ListOffsetFindsEarliestLatestAndByTimestamp) {
  create("pins");
  produce_request req;
  req.topic = "pins";
  req.records = {make_record("a", {}, 1000), make_record("b", {}, 3000), make_record("c", {}, 2000),
                 make_record("d", {}, 5000)};
  ASSERT_TRUE(produce_sync(*log_, req).st.ok());
  auto lo = [&](offset_spec s, int64_t ts = 0) {
    return log_->list_offset("pins", partition_id{0}, s, ts).value().get();
  };
  EXPECT_EQ(lo(offset_spec::earliest), 0);
  EXPECT_EQ(lo(offset_spec::latest), 4);
  EXPECT_EQ(lo(offset_spec::by_timestamp, 0), 0);
  EXPECT_EQ(lo(offset_spec::by_timestamp, 2500), 1);
  EXPECT_EQ(lo(offset_spec::by_timestamp, 4000), 3);
  EXPECT_EQ(lo(offset_spec::by_timestamp, 6000), 4);
}

TEST_P(LogBehaviour, IdempotentRetryReturnsOriginalOffsetsAndAppendsNothing) {
  create("pins");
  produce_values(*log_, "pins", 0, {"other"});
  produce_request req;
  req.topic = "pins";
  req.producer_id = 7;
  req.base_sequence = 0;
  req.records = {make_record("a"), make_record("b")};
  auto first = produce_sync(*log_, req);
  ASSERT_TRUE(first.st.ok());
  EXPECT_FALSE(first.duplicate);
  auto retry = produce_sync(*log_, req);
  ASSERT_TRUE(retry.st.ok());
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.base_offset, first.base_offset);
  EXPECT_EQ(retry.last_offset, first.last_offset);
  EXPECT_EQ(fetch_all(*log_, "pins", 0).size(), 3u);
}

TEST_P(LogBehaviour, SequenceGapIsRejectedAsOutOfOrder) {
  create("pins");
  produce_request req;
  req.topic = "pins";
  req.producer_id = 9;
  req.base_sequence = 0;
  req.records = {make_record("a"), make_record("b")};
  ASSERT_TRUE(produce_sync(*log_, req).st.ok());
  req.base_sequence = 5; // expected 2
  auto gap = produce_sync(*log_, req);
  EXPECT_EQ(gap.st.code(), errc::out_of_order_sequence);
  req.base_sequence = 2;
  auto next = produce_sync(*log_, req);
  ASSERT_TRUE(next.st.ok());
  EXPECT_EQ(next.base_offset, offset_t{2});
}

TEST_P(LogBehaviour, WatchFiresOnceWhenHighWatermarkPassesAfter) {
  create("pins");
  std::atomic<int> fired{0};
  log_->watch("pins", partition_id{0}, offset_t{0}, [&] { ++fired; });
  produce_values(*log_, "pins", 0, {"a"}); // hw 1: not > 1... but > 0
  EXPECT_EQ(fired.load(), 1);
  std::atomic<int> later{0};
  log_->watch("pins", partition_id{0}, offset_t{1}, [&] { ++later; });
  EXPECT_EQ(later.load(), 0);
  produce_values(*log_, "pins", 0, {"b"});
  EXPECT_EQ(later.load(), 1);
  produce_values(*log_, "pins", 0, {"c"});
  EXPECT_EQ(fired.load(), 1);
  EXPECT_EQ(later.load(), 1);
}

TEST_P(LogBehaviour, WatchAlreadySatisfiedFiresAtOnceAndCancelledWatchNever) {
  create("pins");
  produce_values(*log_, "pins", 0, {"a", "b"});
  std::atomic<int> fired{0};
  log_->watch("pins", partition_id{0}, offset_t{1}, [&] { ++fired; });
  EXPECT_EQ(fired.load(), 1);
  std::atomic<int> cancelled{0};
  auto id = log_->watch("pins", partition_id{0}, offset_t{5}, [&] { ++cancelled; });
  log_->cancel_watch(id);
  produce_values(*log_, "pins", 0, {"c", "d", "e", "f", "g"});
  EXPECT_EQ(cancelled.load(), 0);
}

TEST_P(LogBehaviour, GroupOffsetsCommitAndReadBackLatest) {
  create("pins", 2);
  ASSERT_TRUE(log_->commit_offsets("g1", {{"pins", partition_id{0}, offset_t{5}, "m"},
                                          {"pins", partition_id{1}, offset_t{7}, ""}})
                  .ok());
  ASSERT_TRUE(log_->commit_offsets("g1", {{"pins", partition_id{0}, offset_t{9}, "n"}}).ok());
  auto offs = log_->committed_offsets("g1");
  ASSERT_EQ(offs.size(), 2u);
  EXPECT_EQ(offs[0].offset, offset_t{9});
  EXPECT_EQ(offs[0].metadata, "n");
  EXPECT_EQ(offs[1].offset, offset_t{7});
  EXPECT_TRUE(log_->committed_offsets("other").empty());
  EXPECT_EQ(log_->commit_offsets("g1", {{"nope", partition_id{0}, offset_t{1}, ""}}).code(),
            errc::unknown_topic);
}

TEST_P(LogBehaviour, ClosedLogAnswersUnavailable) {
  create("pins");
  log_->close();
  EXPECT_EQ(produce_values(*log_, "pins", 0, {"a"}).st.code(), errc::unavailable);
  EXPECT_EQ(log_->fetch("pins", partition_id{0}, offset_t{0}, 10).error().code(),
            errc::unavailable);
}

TEST_P(LogBehaviour, ConcurrentProducersGetDistinctDenseOffsets) {
  create("pins");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = produce_values(*log_, "pins", 0, {"t" + std::to_string(t), "x"}, acks::all);
        EXPECT_TRUE(r.st.ok());
      }
    });
  }
  for (auto& th : threads)
    th.join();
  auto all = fetch_all(*log_, "pins", 0);
  ASSERT_EQ(all.size(), 400u);
  for (size_t i = 0; i < all.size(); ++i)
    ASSERT_EQ(all[i].offset, offset_t{int64_t(i)});
  for (size_t i = 0; i < all.size(); i += 2)
    EXPECT_EQ(all[i + 1].rec.value, "x"); // batches whole
}

INSTANTIATE_TEST_SUITE_P(Both, LogBehaviour, ::testing::Values(kind::memory, kind::file),
                         [](const auto& info) {
                           return info.param == kind::memory ? "memory" : "file";
                         });

} // namespace
} // namespace pinpipe::storage::test
