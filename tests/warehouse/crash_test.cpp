// Crash safety of apply_stream: a child process that writes the warehouse is killed with
// SIGKILL in the middle of a large transaction; after reopening, the batch is either wholly
// there or wholly absent, and the stored position always matches the rows.
#include "pipeline/warehouse/warehouse.hpp"

#include <csignal>
#include <random>
#include <thread>

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/warehouse/test_util.hpp"

namespace pinpipe::warehouse {
namespace {

using namespace testing;

const std::string uid = "0a60b9a8a831";
const std::string topic = "streaming-0a60b9a8a831-pin";
const std::string table = "\"0a60b9a8a831_pin_table\"";

// Child exit codes.
constexpr int child_open_failed = 3, child_apply_failed = 4, child_finished = 5;

// Called by SQLite every 1000 VM instructions in the child: once uncommitted pages of the
// transaction have spilled into the WAL file (> 2 MiB), the child kills itself with SIGKILL.
int kill_when_wal_is_large(void* wal_path) {
  struct stat st {};
  if (stat(static_cast<const char*>(wal_path), &st) == 0 && st.st_size > (2 << 20))
    kill(getpid(), SIGKILL);
  return 0;
}

TEST(WarehouseCrash, KillInsideALargeTransactionLeavesNoneOfIt) {
  temp_dir dir;
  const std::string path = dir.file("warehouse.db");
  std::string wal = path + "-wal";
  {
    auto w = warehouse::open(path, uid);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    ASSERT_TRUE((*w)->apply_stream(pin_batch(topic, 0, 0, 100)).ok()); // committed before
  }
  auto big = pin_batch(topic, 0, 100, 40100); // ~25 MB of rows in one transaction
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto w = warehouse::open(path, uid);
    if (!w.ok()) _exit(child_open_failed);
    // A tiny page cache makes SQLite spill the open transaction's pages into the WAL.
    sqlite3_exec((*w)->handle(), "PRAGMA cache_size=20", nullptr, nullptr, nullptr);
    sqlite3_progress_handler((*w)->handle(), 1000, kill_when_wal_is_large, wal.data());
    auto st = (*w)->apply_stream(big);
    _exit(st.ok() ? child_finished : child_apply_failed);
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus))
      << "child exited with " << WEXITSTATUS(wstatus) << " instead of being killed mid-transaction";
  ASSERT_EQ(WTERMSIG(wstatus), SIGKILL);
  struct stat st {};
  ASSERT_EQ(stat(wal.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 2 << 20); // uncommitted pages really reached the disk

  auto w = warehouse::open(path, uid);
  ASSERT_TRUE(w.ok()) << w.error().to_string();
  EXPECT_EQ(*(*w)->count(uid + "_pin_table"), 100); // none of the killed batch
  EXPECT_EQ(*(*w)->stream_position(topic, 0), 100);
  // The sink resumes: re-applying the whole range adds each record exactly once.
  ASSERT_TRUE((*w)->apply_stream(pin_batch(topic, 0, 0, 40100)).ok());
  EXPECT_EQ(*(*w)->count(uid + "_pin_table"), 40100);
  EXPECT_EQ(query_int((*w)->handle(), "SELECT count(DISTINCT _offset) FROM " + table), 40100);
  EXPECT_EQ(*(*w)->stream_position(topic, 0), 40100);
}

// The sink's loop in a child: batches of 500 records from the stored position on, forever.
[[noreturn]] void run_sink_forever(const std::string& path) {
  auto w = warehouse::open(path, uid);
  if (!w.ok()) _exit(child_open_failed);
  while (true) {
    auto pos = (*w)->stream_position(topic, 0);
    if (!pos.ok()) _exit(child_apply_failed);
    auto b = pin_batch(topic, 0, *pos, *pos + 500);
    if (!(*w)->apply_stream(b).ok()) _exit(child_apply_failed);
  }
}

TEST(WarehouseCrash, RowsAlwaysMatchThePositionAfterAKillAtAnyMoment) {
  temp_dir dir;
  const std::string path = dir.file("warehouse.db");
  std::mt19937 rng(42); // seeded: the kill delays are the same on every run
  std::uniform_int_distribution<int> delay_ms(50, 400);
  int64_t last_position = 0;
  for (int round = 0; round < 4; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) run_sink_forever(path);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "round " << round << ": child exited with " << WEXITSTATUS(wstatus);

    auto w = warehouse::open(path, uid);
    ASSERT_TRUE(w.ok()) << w.error().to_string();
    int64_t pos = *(*w)->stream_position(topic, 0);
    auto* db = (*w)->handle();
    EXPECT_GE(pos, last_position) << "round " << round;
    EXPECT_EQ(pos % 500, 0) << "a partial batch was committed";
    EXPECT_EQ(*(*w)->count(uid + "_pin_table"), pos) << "round " << round;
    EXPECT_EQ(query_int(db, "SELECT count(DISTINCT _offset) FROM " + table), pos);
    EXPECT_EQ(query_int(db, "SELECT coalesce(max(_offset), -1) FROM " + table), pos - 1);
    last_position = pos;
  }
  EXPECT_GT(last_position, 0) << "the child never committed a batch";
}

} // namespace
} // namespace pinpipe::warehouse
