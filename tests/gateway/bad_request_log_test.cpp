// Rules: bad requests are logged with a rate limit and counted (10,000 bad requests wrote
// ~7,500 warning lines before), and the gateway warns when it listens beyond loopback
// without api_keys.
#include "tests/gateway/gateway_fixture.hpp"

#include <atomic>
#include <mutex>

#include <spdlog/sinks/base_sink.h>

#include "common/logging.hpp"
#include "common/rate_limited_log.hpp"

using namespace pinpipe;
using namespace pinpipe::gateway;
using namespace pinpipe::gateway::test;

namespace {

// Counts the warning lines a logger writes (and keeps the last one).
class counting_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
  std::atomic<int64_t> warnings{0};
  std::string last;

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level == spdlog::level::warn) {
      ++warnings;
      last.assign(msg.payload.data(), msg.payload.size());
    }
  }
  void flush_() override {}
};

} // namespace

class BadRequestLog : public gateway_fixture {
protected:
  void SetUp() override {
    logger_ = logging::get("gateway");
    sink_ = std::make_shared<counting_sink>();
    logger_->sinks().push_back(sink_);
    old_level_ = logger_->level();
    logger_->set_level(spdlog::level::info);
    gateway_fixture::SetUp();
  }
  void TearDown() override {
    gateway_fixture::TearDown();
    auto& sinks = logger_->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
    logger_->set_level(old_level_);
  }
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<counting_sink> sink_;
  spdlog::level::level_enum old_level_ = spdlog::level::info;
};

TEST_F(BadRequestLog, TenThousandBadRequestsWriteABoundedNumberOfLinesAndAreAllCounted) {
  constexpr int n = 10000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto r = post("/topics/t1", "{\"records\": [", k_json_v2);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 400);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  gw_->stop(); // writes the pending "suppressed" summary
  auto st = gw_->stats();
  EXPECT_EQ(st.bad_requests, n);
  EXPECT_EQ(st.errors_by_status[400], n);
  // At most 10 lines per second of the run, plus one summary per second.
  const auto bound = static_cast<int64_t>((seconds + 2) * (logging::rate_limited_log::k_default_per_second + 1));
  EXPECT_LE(sink_->warnings.load(), bound) << "over " << seconds << " s";
  EXPECT_GE(sink_->warnings.load(), logging::rate_limited_log::k_default_per_second);
  // Every request was either written or suppressed (summaries add a few lines).
  EXPECT_GE(st.log_lines_suppressed + sink_->warnings.load(), n);
  EXPECT_LE(st.log_lines_suppressed, n);
  EXPECT_NE(sink_->last.find("suppressed"), std::string::npos) << sink_->last;
}

TEST(ExposureWarning, WarnsBeyondLoopbackWithoutApiKeysOnly) {
  gateway_options o;
  o.host = "0.0.0.0";
  EXPECT_NE(exposure_warning(o).find("api_keys"), std::string::npos);
  o.host = "192.168.1.10";
  EXPECT_FALSE(exposure_warning(o).empty());
  o.api_keys = {"k"};
  EXPECT_TRUE(exposure_warning(o).empty());
  o.api_keys.clear();
  for (const char* local : {"127.0.0.1", "127.0.0.53", "localhost", "::1"}) {
    o.host = local;
    EXPECT_TRUE(exposure_warning(o).empty()) << local;
  }
}
