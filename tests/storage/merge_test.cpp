// produce_many: several produce requests appended as merged batches. Each requester gets
// its own dense sub-range of offsets in request order, a bad request fails alone,
// idempotent requests are never merged, acks=all callbacks run only after the flusher's
// fsync, and a merged batch survives a reopen record for record. The memory log (default
// one-by-one implementation) must give the same answers.
#include <future>
#include <mutex>
#include <thread>

#include "storage/file_log.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

using Merge = FileLogTest;

produce_request make_req(const std::string& topic, const std::vector<std::string>& values,
                         acks a = acks::leader, int32_t partition = 0) {
  return make_request(topic, partition, values, a);
}

/// Runs produce_many and waits for every callback; results in request order.
std::vector<produce_result> produce_many_sync(log_store& log, std::vector<produce_request> reqs) {
  const size_t n = reqs.size();
  std::vector<std::promise<produce_result>> ps(n);
  std::vector<produce_callback> cbs;
  for (size_t i = 0; i < n; ++i)
    cbs.push_back([&ps, i](produce_result r) { ps[i].set_value(std::move(r)); });
  log.produce_many(std::move(reqs), std::move(cbs));
  std::vector<produce_result> out;
  for (auto& p : ps)
    out.push_back(p.get_future().get());
  return out;
}

TEST_F(Merge, MergedRequestsGetTheirOwnDenseOffsetRangesInOrder) {
  create("pins");
  ASSERT_TRUE(produce_values(*log_, "pins", 0, {"before"}).st.ok()); // offset 0
  std::vector<produce_request> reqs;
  reqs.push_back(make_req("pins", {"a0", "a1", "a2"}));
  reqs.push_back(make_req("pins", {"b0"}));
  reqs.push_back(make_req("pins", {"c0", "c1"}));
  const auto before = *file_log_stats_of(*log_);
  auto res = produce_many_sync(*log_, std::move(reqs));
  ASSERT_EQ(res.size(), 3u);
  for (const auto& r : res)
    ASSERT_TRUE(r.st.ok()) << r.st.to_string();
  EXPECT_EQ(res[0].base_offset.get(), 1);
  EXPECT_EQ(res[0].last_offset.get(), 3);
  EXPECT_EQ(res[1].base_offset.get(), 4);
  EXPECT_EQ(res[1].last_offset.get(), 4);
  EXPECT_EQ(res[2].base_offset.get(), 5);
  EXPECT_EQ(res[2].last_offset.get(), 6);
  const auto after = *file_log_stats_of(*log_);
  EXPECT_EQ(after.merged_groups - before.merged_groups, 1u); // one batch for all three
  EXPECT_EQ(after.merged_requests - before.merged_requests, 3u);
  auto all = fetch_all(*log_, "pins", 0);
  std::vector<std::string> values;
  for (const auto& s : all)
    values.push_back(s.rec.value);
  EXPECT_EQ(values, (std::vector<std::string>{"before", "a0", "a1", "a2", "b0", "c0", "c1"}));
  for (size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(all[i].offset.get(), static_cast<int64_t>(i));
}

TEST_F(Merge, OneOversizedRequestFailsAloneWhileTheOthersAreAppended) {
  cfg_.max_record_bytes = 100;
  reopen();
  create("pins");
  std::vector<produce_request> reqs;
  reqs.push_back(make_req("pins", {"ok0"}));
  reqs.push_back(make_req("pins", {"fine", std::string(101, 'x')})); // too large
  reqs.push_back(make_req("nope", {"unknown topic"}));
  reqs.push_back(make_req("pins", {"ok1", "ok2"}));
  auto res = produce_many_sync(*log_, std::move(reqs));
  EXPECT_TRUE(res[0].st.ok());
  EXPECT_EQ(res[1].st.code(), errc::record_too_large);
  EXPECT_EQ(res[2].st.code(), errc::unknown_topic);
  ASSERT_TRUE(res[3].st.ok());
  EXPECT_EQ(res[0].base_offset.get(), 0);
  EXPECT_EQ(res[3].base_offset.get(), 1);
  EXPECT_EQ(res[3].last_offset.get(), 2);
  auto all = fetch_all(*log_, "pins", 0);
  ASSERT_EQ(all.size(), 3u); // nothing of the bad request
  EXPECT_EQ(all[0].rec.value, "ok0");
  EXPECT_EQ(all[1].rec.value, "ok1");
  EXPECT_EQ(all[2].rec.value, "ok2");
}

TEST_F(Merge, AcksAllMergedRequestsAreAnsweredOnlyAfterOneFsync) {
  create("pins");
  const auto before = *file_log_stats_of(*log_);
  const auto caller = std::this_thread::get_id();
  std::mutex mu;
  std::vector<std::pair<std::thread::id, uint64_t>> seen; // thread, fsyncs at callback
  std::vector<produce_request> reqs;
  for (int i = 0; i < 8; ++i)
    reqs.push_back(make_req("pins", {"r" + std::to_string(i)}, acks::all));
  std::vector<std::promise<produce_result>> ps(8);
  std::vector<produce_callback> cbs;
  for (size_t i = 0; i < 8; ++i) {
    cbs.push_back([&, i](produce_result r) {
      {
        std::lock_guard<std::mutex> g(mu);
        seen.emplace_back(std::this_thread::get_id(), file_log_stats_of(*log_)->fsyncs);
      }
      ps[i].set_value(std::move(r));
    });
  }
  log_->produce_many(std::move(reqs), std::move(cbs));
  for (size_t i = 0; i < 8; ++i) {
    auto r = ps[i].get_future().get();
    ASSERT_TRUE(r.st.ok());
    EXPECT_EQ(r.base_offset.get(), static_cast<int64_t>(i));
  }
  ASSERT_EQ(seen.size(), 8u);
  for (const auto& [thread, fsyncs] : seen) {
    EXPECT_NE(thread, caller);        // the flusher answered
    EXPECT_GT(fsyncs, before.fsyncs); // after an fsync
  }
  const auto after = *file_log_stats_of(*log_);
  EXPECT_EQ(after.synced_batches - before.synced_batches, 1u); // one group-commit entry
}

TEST_F(Merge, CommitOnCallerFsyncsBeforeReturningAndAnswersOnTheCallingThread) {
  create("pins");
  create("other");
  const auto before = *file_log_stats_of(*log_);
  const auto caller = std::this_thread::get_id();
  std::vector<std::pair<std::thread::id, uint64_t>> seen; // thread, fsyncs at callback
  std::vector<produce_result> results;
  std::vector<produce_request> reqs;
  for (int i = 0; i < 6; ++i)
    reqs.push_back(make_req(i % 2 ? "other" : "pins", {"r" + std::to_string(i)}, acks::all));
  reqs.push_back(make_req("pins", {"leader"}, acks::leader));
  std::vector<produce_callback> cbs;
  for (size_t i = 0; i < reqs.size(); ++i) {
    cbs.push_back([&](produce_result r) {
      seen.emplace_back(std::this_thread::get_id(), file_log_stats_of(*log_)->fsyncs);
      results.push_back(std::move(r));
    });
  }
  log_->produce_many(std::move(reqs), std::move(cbs), commit_on::caller);
  // Every callback has already run, on this thread; the acks=all ones after the fsyncs.
  ASSERT_EQ(seen.size(), 7u);
  size_t after_fsync = 0;
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].first, caller);
    ASSERT_TRUE(results[i].st.ok()) << results[i].st.to_string();
    if (seen[i].second >= before.fsyncs + 2) ++after_fsync;
  }
  EXPECT_EQ(after_fsync, 6u); // the six acks=all answers, each after both partitions' fsync
  const auto after = *file_log_stats_of(*log_);
  EXPECT_EQ(after.fsyncs - before.fsyncs, 2u); // one per partition for the whole call
  EXPECT_EQ(after.flush_rounds - before.flush_rounds, 1u);
  EXPECT_EQ(fetch_all(*log_, "pins", 0).size(), 4u);
  EXPECT_EQ(fetch_all(*log_, "other", 0).size(), 3u);
}

TEST_F(Merge, IdempotentRequestsAreNotMergedAndKeepTheOrder) {
  create("pins");
  std::vector<produce_request> reqs;
  reqs.push_back(make_req("pins", {"a"}));
  auto idem = make_req("pins", {"i0", "i1"});
  idem.producer_id = 7;
  idem.base_sequence = 0;
  reqs.push_back(idem);
  reqs.push_back(make_req("pins", {"b"}));
  reqs.push_back(idem); // a retry in the same burst: the original offsets
  auto res = produce_many_sync(*log_, std::move(reqs));
  for (const auto& r : res)
    ASSERT_TRUE(r.st.ok()) << r.st.to_string();
  EXPECT_EQ(res[0].base_offset.get(), 0);
  EXPECT_EQ(res[1].base_offset.get(), 1);
  EXPECT_EQ(res[1].last_offset.get(), 2);
  EXPECT_EQ(res[2].base_offset.get(), 3);
  EXPECT_TRUE(res[3].duplicate);
  EXPECT_EQ(res[3].base_offset.get(), 1);
  EXPECT_EQ(res[3].last_offset.get(), 2);
  EXPECT_EQ(file_log_stats_of(*log_)->merged_groups, 0u);
  EXPECT_EQ(fetch_all(*log_, "pins", 0).size(), 4u);
}

TEST_F(Merge, DifferentPartitionsAndAcksFormSeparateBatches) {
  topic_config tc;
  tc.partitions = 2;
  create("pins", tc);
  std::vector<produce_request> reqs;
  reqs.push_back(make_req("pins", {"p0a"}, acks::leader, 0));
  reqs.push_back(make_req("pins", {"p1a"}, acks::leader, 1));
  reqs.push_back(make_req("pins", {"p0b"}, acks::leader, 0));
  reqs.push_back(make_req("pins", {"p0c"}, acks::all, 0)); // other acks: a new batch
  reqs.push_back(make_req("pins", {"p0d"}, acks::leader, 0));
  auto res = produce_many_sync(*log_, std::move(reqs));
  for (const auto& r : res)
    ASSERT_TRUE(r.st.ok()) << r.st.to_string();
  EXPECT_EQ(res[0].base_offset.get(), 0);
  EXPECT_EQ(res[2].base_offset.get(), 1);
  EXPECT_EQ(res[3].base_offset.get(), 2);
  EXPECT_EQ(res[4].base_offset.get(), 3);
  EXPECT_EQ(res[1].base_offset.get(), 0);
  std::vector<std::string> p0;
  for (const auto& s : fetch_all(*log_, "pins", 0))
    p0.push_back(s.rec.value);
  EXPECT_EQ(p0, (std::vector<std::string>{"p0a", "p0b", "p0c", "p0d"}));
}

TEST_F(Merge, MergedBatchSurvivesReopen) {
  create("pins");
  std::vector<produce_request> reqs;
  for (int i = 0; i < 50; ++i)
    reqs.push_back(make_req("pins", {"v" + std::to_string(i)}, acks::all));
  auto res = produce_many_sync(*log_, std::move(reqs));
  for (const auto& r : res)
    ASSERT_TRUE(r.st.ok());
  reopen();
  auto all = fetch_all(*log_, "pins", 0);
  ASSERT_EQ(all.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(all[i].offset.get(), i);
    EXPECT_EQ(all[i].rec.value, "v" + std::to_string(i));
  }
}

TEST(MergeMemoryLog, DefaultProduceManyGivesTheSameOffsets) {
  auto log = make_memory_log();
  ASSERT_TRUE(log->create_topic("pins", {}).ok());
  std::vector<produce_request> reqs;
  reqs.push_back(make_req("pins", {"a0", "a1"}));
  reqs.push_back(make_req("pins", {"b0"}));
  auto res = produce_many_sync(*log, std::move(reqs));
  ASSERT_TRUE(res[0].st.ok());
  ASSERT_TRUE(res[1].st.ok());
  EXPECT_EQ(res[0].base_offset.get(), 0);
  EXPECT_EQ(res[0].last_offset.get(), 1);
  EXPECT_EQ(res[1].base_offset.get(), 2);
}

} // namespace
} // namespace pinpipe::storage::test
