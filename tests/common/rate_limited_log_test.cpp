// common/rate_limited_log: per kind at most N lines per second of its clock, the rest
// counted; the next second (or flush) writes one summary worded by the owner; kinds do not
// share a budget; concurrent writers lose no count. The clock is the test's own, so the
// second boundaries are exact.
#include "common/rate_limited_log.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>

using pinpipe::logging::rate_limited_log;

namespace {

// Keeps every warning line a logger writes.
class keeping_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level == spdlog::level::warn) lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

private:
  std::vector<std::string> lines_;
};

struct fixture {
  std::shared_ptr<keeping_sink> sink = std::make_shared<keeping_sink>();
  std::shared_ptr<spdlog::logger> logger = std::make_shared<spdlog::logger>("rl-test", sink);
  int64_t now = 100;
  rate_limited_log log{logger,
                       [](const std::string& kind, uint64_t n, int per_s) {
                         return "summary " + kind + " " + std::to_string(n) + " " +
                                std::to_string(per_s);
                       },
                       3, [this] { return now; }};
};

TEST(RateLimitedLog, WritesPerSecondLinesPerKindThenCountsTheRest) {
  fixture f;
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(f.log.warn("400", "bad " + std::to_string(i)), i < 3);
  EXPECT_EQ(f.log.suppressed(), 7u);
  EXPECT_EQ(f.sink->lines(), (std::vector<std::string>{"bad 0", "bad 1", "bad 2"}));

  // Another kind has its own budget in the same second.
  EXPECT_TRUE(f.log.warn("413", "big"));
  EXPECT_EQ(f.sink->lines().back(), "big");

  // The next second: the summary first, then the line; the budget is new.
  f.now = 101;
  EXPECT_TRUE(f.log.warn("400", "later"));
  auto lines = f.sink->lines();
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[4], "summary 400 7 3");
  EXPECT_EQ(lines[5], "later");
  EXPECT_EQ(f.log.suppressed(), 7u); // the total is never reset
}

TEST(RateLimitedLog, FlushWritesPendingSummariesOnce) {
  fixture f;
  for (int i = 0; i < 5; ++i) {
    f.log.warn("a", "x");
    f.log.warn("b", "y");
  }
  f.log.flush();
  auto lines = f.sink->lines();
  ASSERT_EQ(lines.size(), 8u); // 3 + 3 lines, 2 summaries
  EXPECT_EQ(lines[6], "summary a 2 3");
  EXPECT_EQ(lines[7], "summary b 2 3");
  f.log.flush(); // nothing pending: nothing written
  EXPECT_EQ(f.sink->lines().size(), 8u);
  EXPECT_EQ(f.log.suppressed(), 4u);
}

TEST(RateLimitedLog, DefaultSummaryNamesTheKindAndTheCount) {
  auto sink = std::make_shared<keeping_sink>();
  auto logger = std::make_shared<spdlog::logger>("rl-default", sink);
  int64_t now = 5;
  rate_limited_log log(logger, {}, 1, [&] { return now; });
  log.warn("decode", "one");
  log.warn("decode", "two");
  log.flush();
  auto lines = sink->lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("decode"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("suppressed 1"), std::string::npos) << lines[1];
}

TEST(RateLimitedLog, ConcurrentWritersLoseNoCount) {
  fixture f;
  constexpr int threads = 4, per_thread = 2000;
  std::vector<std::thread> ts;
  std::atomic<int> written{0};
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i)
        if (f.log.warn("k", "line")) ++written;
    });
  for (auto& t : ts)
    t.join();
  EXPECT_EQ(written.load(), 3);
  EXPECT_EQ(f.log.suppressed(), static_cast<uint64_t>(threads * per_thread - 3));
}

} // namespace
