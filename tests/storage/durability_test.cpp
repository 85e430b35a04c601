// Durability and group commit of the file log: acks=all callbacks run on the flusher
// after an fdatasync, many producers share fsyncs, acknowledged records survive a
// kill -9 of the writing process, I/O errors are mapped to the right codes.
#include <atomic>
#include <mutex>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/file_io.hpp"
#include "storage/file_log.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

using Durability = FileLogTest;

TEST_F(Durability, AcksAllCallbackRunsOnTheFlusherAfterAnFsync) {
  create("pins");
  const auto caller = std::this_thread::get_id();
  std::promise<std::pair<std::thread::id, uint64_t>> seen;
  produce_request req;
  req.topic = "pins";
  req.required_acks = acks::all;
  req.records = {make_record("x")};
  const uint64_t before = file_log_stats_of(*log_)->fsyncs;
  log_->produce(req, [&](produce_result r) {
    EXPECT_TRUE(r.st.ok());
    seen.set_value({std::this_thread::get_id(), file_log_stats_of(*log_)->fsyncs});
  });
  auto [thread, fsyncs_at_callback] = seen.get_future().get();
  EXPECT_NE(thread, caller);
  EXPECT_GT(fsyncs_at_callback, before);
}

TEST_F(Durability, AcksLeaderAndNoneAnswerOnTheCallingThreadWithoutFsync) {
  create("pins");
  const uint64_t before = file_log_stats_of(*log_)->fsyncs;
  for (acks a : {acks::leader, acks::none}) {
    std::thread::id where;
    produce_request req;
    req.topic = "pins";
    req.required_acks = a;
    req.records = {make_record("x")};
    bool called = false;
    log_->produce(req, [&](produce_result r) {
      EXPECT_TRUE(r.st.ok());
      where = std::this_thread::get_id();
      called = true;
    });
    EXPECT_TRUE(called); // synchronously
    EXPECT_EQ(where, std::this_thread::get_id());
  }
  EXPECT_EQ(file_log_stats_of(*log_)->fsyncs, before);
}

TEST_F(Durability, ManyConcurrentProducersShareFsyncs) {
  cfg_.flush_max_delay_us = 500;
  reopen();
  create("pins");
  const auto before = *file_log_stats_of(*log_);
  constexpr int threads = 8, per_thread = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        if (produce_values(*log_, "pins", 0, {"t" + std::to_string(t)}, acks::all).st.ok()) ++ok;
      }
    });
  }
  for (auto& t : ts)
    t.join();
  ASSERT_EQ(ok.load(), threads * per_thread);
  const auto after = *file_log_stats_of(*log_);
  const uint64_t batches = after.synced_batches - before.synced_batches;
  const uint64_t fsyncs = after.fsyncs - before.fsyncs;
  EXPECT_EQ(batches, static_cast<uint64_t>(threads * per_thread));
  EXPECT_LT(fsyncs, batches) << "group commit should share fsyncs between producers";
  EXPECT_GT(fsyncs, 0u);
}

TEST_F(Durability, AsyncBurstFromOneThreadIsCoveredByFewFsyncs) {
  create("pins");
  const auto before = *file_log_stats_of(*log_);
  constexpr int n = 500;
  std::atomic<int> done{0};
  std::promise<void> all;
  for (int i = 0; i < n; ++i) {
    produce_request req;
    req.topic = "pins";
    req.required_acks = acks::all;
    req.records = {make_record("burst" + std::to_string(i))};
    log_->produce(std::move(req), [&](produce_result r) {
      EXPECT_TRUE(r.st.ok());
      if (++done == n) all.set_value();
    });
  }
  all.get_future().wait();
  const auto after = *file_log_stats_of(*log_);
  EXPECT_LT(after.fsyncs - before.fsyncs, static_cast<uint64_t>(n / 2));
}

TEST_F(Durability, CloseAnswersQueuedAcksAllRequests) {
  create("pins");
  std::atomic<int> answered{0};
  for (int i = 0; i < 50; ++i) {
    produce_request req;
    req.topic = "pins";
    req.required_acks = acks::all;
    req.records = {make_record("x")};
    log_->produce(std::move(req), [&](produce_result) { ++answered; });
  }
  log_->close();
  EXPECT_EQ(answered.load(), 50);
}

/// A child process appends with acks=all and reports each acknowledged offset through a
/// pipe; the parent kills it with SIGKILL mid-stream and checks after reopening that
/// every acknowledged record is there, in order, and that appends continue after them.
TEST(DurabilityCrash, AcknowledgedRecordsSurviveKillNine) {
  temp_dir dir;
  log_config cfg;
  cfg.dir = dir.path();
  {
    auto log = open_file_log(cfg).value();
    ASSERT_TRUE(log->create_topic("pins", {}).ok());
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto log = open_file_log(cfg);
    if (!log) ::_exit(2);
    for (int64_t i = 0;; ++i) {
      produce_request req;
      req.topic = "pins";
      req.required_acks = acks::all;
      req.records = {make_record("rec" + std::to_string(i) + std::string(300, 'p'))};
      std::promise<produce_result> p;
      (*log)->produce(std::move(req), [&](produce_result r) { p.set_value(r); });
      auto r = p.get_future().get();
      if (!r.st.ok()) ::_exit(3);
      const int64_t off = r.last_offset.get();
      if (::write(fds[1], &off, sizeof off) != sizeof off) ::_exit(4);
    }
  }
  ::close(fds[1]);
  int64_t last_acked = -1, off = 0;
  while (last_acked < 300 && ::read(fds[0], &off, sizeof off) == sizeof off)
    last_acked = off;
  ::kill(child, SIGKILL);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  while (::read(fds[0], &off, sizeof off) == sizeof off)
    last_acked = off; // acks in flight
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(wstatus));
  ASSERT_GE(last_acked, 300);

  auto log = open_file_log(cfg).value();
  auto all = fetch_all(*log, "pins", 0);
  ASSERT_GE(static_cast<int64_t>(all.size()), last_acked + 1);
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].offset, offset_t{int64_t(i)});
    ASSERT_EQ(all[i].rec.value, "rec" + std::to_string(i) + std::string(300, 'p'));
  }
  auto next = produce_values(*log, "pins", 0, {"after"});
  ASSERT_TRUE(next.st.ok());
  EXPECT_EQ(next.base_offset, offset_t{int64_t(all.size())});
}

TEST(FileIo, NoSpaceIsReportedAsDiskFullAndOtherErrorsNameThePath) {
  auto full = io::errno_status("cannot write", "/data/log/x.log", ENOSPC);
  EXPECT_EQ(full.code(), errc::disk_full);
  EXPECT_NE(full.message().find("/data/log/x.log"), std::string::npos);
  auto other = io::errno_status("cannot write", "/data/log/x.log", EIO);
  EXPECT_EQ(other.code(), errc::io_error);
  EXPECT_NE(other.message().find("Input/output error"), std::string::npos);
}

TEST(FileIo, OpeningALogUnderAFileFailsWithIoErrorNamingThePath) {
  temp_dir dir;
  const std::string blocker = dir.path() + "/not-a-dir";
  { std::ofstream(blocker) << "x"; }
  log_config cfg;
  cfg.dir = blocker + "/log";
  auto r = open_file_log(cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::io_error);
  EXPECT_NE(r.error().message().find("not-a-dir"), std::string::npos);
}

TEST(FileIo, InvalidLogConfigIsRejectedNamingTheKey) {
  log_config cfg;
  EXPECT_EQ(open_file_log(cfg).error().code(), errc::invalid_config); // no dir
  temp_dir dir;
  cfg.dir = dir.path();
  cfg.segment_bytes = 10;
  auto r = open_file_log(cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("segment_bytes"), std::string::npos);
}

} // namespace
} // namespace pinpipe::storage::test
