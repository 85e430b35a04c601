// Crash safety of the whole pipeline: `pinpipe simulate` is killed with SIGKILL at seeded
// random moments while it streams, then restarted on the same data directory. At the end
// every stream table holds exactly one row per record of its stream (no gap, no duplicate)
// and the lake holds every batch-topic record exactly once.
#include <random>

#include "tests/pipeline/pipeline_checks.hpp"

using namespace pinpipe::test;

namespace {

TEST(StreamCrash, KilledRepeatedlyWhileStreamingEachRecordBecomesExactlyOneRow) {
  temp_dir dir;
  const std::string data = dir.path + "/data";
  std::mt19937 rng(20261122);
  std::uniform_int_distribution<int> delay_ms(1500, 3500);
  for (int round = 0; round < 4; ++round) {
    std::vector<std::string> argv{
        pinpipe_bin(),  "simulate",       "--data-dir", data,          "--events",
        "1000000",      "--rate",         "400",        "--transport", "direct",
        "--skip-batch", "--gateway-port", "0",          "--seed",      std::to_string(round)};
    int fd = -1;
    pid_t pid = spawn(argv, &fd, dir.file("err"));
    ASSERT_GT(pid, 0);
    int wait = delay_ms(rng) + (round == 0 ? 1500 : 0); // round 0 also generates source.db
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int st = 0;
    waitpid(pid, &st, 0);
    close(fd);
    ASSERT_TRUE(WIFSIGNALED(st)) << "round " << round
                                 << " ended before the kill: " << read_file(dir.file("err"));
  }
  auto before = log_counts(data);
  EXPECT_GT(before["streaming-" + uid + "-pin"], 0) << "nothing was streamed before the kills";

  // A final clean run drains everything that was logged before the crashes.
  auto r = run_pinpipe({"simulate", "--data-dir", data, "--events", "20", "--transport", "direct",
                        "--skip-batch", "--gateway-port", "0"},
                       std::chrono::seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(expect_stream_tables_exactly_once(data), 0);
  EXPECT_EQ(expect_lake_exactly_once(data, /*flushed=*/true), 0);
}

} // namespace
