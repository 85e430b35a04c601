// File descriptors stay bounded however many segments a log has (issue 11): closed
// segments give their descriptors back and are reopened on demand through the fd cache
// (log.max_open_files), and the node raises its soft RLIMIT_NOFILE to the hard limit.
#include <sys/resource.h>

#include "storage/file_log.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

int open_fds() {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)e;
    ++n;
  }
  return n;
}

constexpr int segments = 400;
constexpr int cap = 8;

class FdLimit : public ::testing::Test {
protected:
  void SetUp() override {
    cfg_.dir = dir_.path();
    cfg_.preallocate = false;
    cfg_.max_open_files = cap;
  }
  /// `segments` segments of one 700-byte record each (segment_bytes is 1024).
  void fill(log_store& log) {
    topic_config tc;
    tc.segment_bytes = 1024;
    ASSERT_TRUE(log.create_topic("pins", tc).ok());
    for (int i = 0; i < segments; ++i) {
      auto r = produce_values(log, "pins", 0, {value_of(i)});
      ASSERT_TRUE(r.st.ok()) << r.st.to_string();
    }
    ASSERT_EQ(log.describe_topic("pins").value().partitions.at(0).segments, segments);
  }
  static std::string value_of(int i) { return std::to_string(i) + std::string(700, 'v'); }
  /// Reads every record, one fetch per segment, checking each.
  void read_all(log_store& log) {
    for (int i = 0; i < segments; ++i) {
      auto r = log.fetch("pins", partition_id{0}, offset_t{i}, 1);
      ASSERT_TRUE(r.ok()) << r.error().to_string();
      ASSERT_EQ(r->records.size(), 1u);
      ASSERT_EQ(r->records[0].rec.value, value_of(i));
    }
  }

  temp_dir dir_;
  log_config cfg_;
};

// Budget: the cap, 3 for each active segment (pins and __consumer_offsets), the lock,
// and a few for whatever the library has open meanwhile.
constexpr int budget = cap + 2 * 3 + 1 + 4;

TEST_F(FdLimit, LogWithMoreSegmentsThanTheCapOpensAndReadsAllWithBoundedFds) {
  const int before = open_fds();
  {
    auto log = open_file_log(cfg_);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    fill(**log);
    EXPECT_LE(open_fds() - before, budget);
    read_all(**log);
    EXPECT_LE(open_fds() - before, budget);
    EXPECT_LE(file_log_stats_of(**log)->cached_files, static_cast<uint64_t>(cap));
    (*log)->close();
  }
  EXPECT_LE(open_fds() - before, 1); // everything given back
  auto log = open_file_log(cfg_);    // recovery opens every segment
  ASSERT_TRUE(log.ok()) << log.error().to_string();
  EXPECT_LE(open_fds() - before, budget);
  read_all(**log);
  EXPECT_LE(open_fds() - before, budget);
  EXPECT_EQ(file_log_stats_of(**log)->cached_files, static_cast<uint64_t>(cap));
}

// The original failure: about 330 segments x 3 descriptors exceeded a soft limit of 1024.
// With a limit far below segments x 3 the log still opens and serves every segment.
TEST_F(FdLimit, SegmentsTimesThreeBeyondTheSoftLimitStillOpen) {
  {
    auto log = open_file_log(cfg_);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    fill(**log);
    (*log)->close();
  }
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(open_fds() + 64); // far below 400 x 3
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  auto log = open_file_log(cfg_);
  const bool opened = log.ok();
  if (opened) read_all(**log);
  if (opened) (*log)->close();
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(opened) << log.error().to_string();
}

TEST(FdLimitProcess, NodeStartRaisesTheSoftLimitToTheHardLimit) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = std::min<rlim_t>(saved.rlim_max, 256);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  uint64_t before = 0;
  const uint64_t now = raise_open_files_limit(&before);
  EXPECT_EQ(before, static_cast<uint64_t>(low.rlim_cur));
  EXPECT_EQ(now, static_cast<uint64_t>(saved.rlim_max));
  rlimit got{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &got), 0);
  EXPECT_EQ(got.rlim_cur, saved.rlim_max);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
}

TEST(FdLimitConfig, MaxOpenFilesBelowOneIsRefused) {
  temp_dir dir;
  log_config cfg;
  cfg.dir = dir.path();
  cfg.max_open_files = 0;
  auto log = open_file_log(cfg);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message().find("log.max_open_files"), std::string::npos);
}

} // namespace
} // namespace pinpipe::storage::test
