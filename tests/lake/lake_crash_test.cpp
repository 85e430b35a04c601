// Real-process crash test: the connector loop (lake_crash_helper) is SIGKILLed at random,
// seeded moments and restarted; the final lake must equal an uninterrupted run's lake,
// byte for byte, with no temp files left.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <random>
#include <thread>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pipeline/lake/lake_layout.hpp"
#include "logclient/local_log_client.hpp"
#include "tests/lake/lake_test_util.hpp"

extern char** environ;

namespace pinpipe::lake {
namespace {

using test::snapshot;
using test::temp_dir;

pid_t spawn_helper(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string exe = LAKE_CRASH_HELPER;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

int wait_exit(pid_t pid, bool* signaled = nullptr) {
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (signaled) *signaled = WIFSIGNALED(ws);
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

/// Objects (complete, by name) currently in the lake; cheap enough to poll.
size_t count_objects(const std::string& lake) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(lake, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->path().extension() == ".json") ++n;
  return n;
}

size_t object_count(const std::map<std::string, std::string>& snap) {
  size_t n = 0;
  for (auto& kv : snap)
    if (kv.first.size() > 5 && kv.first.compare(kv.first.size() - 5, 5, ".json") == 0) ++n;
  return n;
}

TEST(LakeCrash, SigkilledConnectorRestartsToTheSameLakeAsAnUninterruptedRun) {
  temp_dir d;
  // The shared log: the durable file log when this build has it, else the helper rebuilds
  // the same memory log from a seed on every start.
  std::vector<std::string> log_args;
  {
    storage::log_config cfg;
    cfg.dir = d.sub("log");
    auto opened = logclient::open_local_log(cfg);
    if (opened) {
      test::prepare_log(**opened, 11, 400);
      opened->reset(); // closes the log
      log_args = {"--log-dir", cfg.dir};
    } else {
      log_args = {"--memory", "11", "400"};
    }
  }
  std::printf("log: %s\n", log_args[0].c_str());
  auto args = [&](const std::string& lake) {
    std::vector<std::string> a = {lake, "3", "60000"};
    a.insert(a.end(), log_args.begin(), log_args.end());
    return a;
  };

  const std::string straight = d.sub("lake-straight"), crashed = d.sub("lake-crashed");
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = spawn_helper(args(straight));
  ASSERT_GT(pid, 0);
  ASSERT_EQ(wait_exit(pid), 0);
  auto run_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  auto want = snapshot(straight);
  const size_t want_objects = object_count(want);
  ASSERT_GT(want_objects, 400u);
  std::printf("uninterrupted run: %lld us, %zu objects\n", static_cast<long long>(run_us),
              want_objects);

  // Each round kills the helper once the lake holds a seeded random number of objects
  // (up to a quarter of what is missing more than now), plus a seeded 0-3 ms, so kills land at
  // different points of the write sequence however fast this machine is today.
  std::mt19937_64 rng(20261122);
  int killed_mid_way = 0;
  for (int round = 0; round < 8; ++round) {
    size_t have = count_objects(crashed);
    if (have + 2 >= want_objects) break;
    size_t span = std::max<size_t>(1, (want_objects - have) / 4);
    size_t target = have + std::uniform_int_distribution<size_t>(1, span)(rng);
    auto extra = std::uniform_int_distribution<int>(0, 3000)(rng);
    pid = spawn_helper(args(crashed));
    ASSERT_GT(pid, 0);
    bool exited = false;
    int ws = 0;
    while (count_objects(crashed) < target) {
      if (::waitpid(pid, &ws, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    bool signaled = false;
    if (!exited) {
      std::this_thread::sleep_for(std::chrono::microseconds(extra));
      ::kill(pid, SIGKILL);
      wait_exit(pid, &signaled);
    }
    size_t now_have = count_objects(crashed);
    if (signaled && now_have < want_objects) ++killed_mid_way;
    std::printf("round %d: kill at >= %zu objects + %d us (signaled %d), %zu objects on disk\n",
                round, target, extra, signaled, now_have);
  }
  pid = spawn_helper(args(crashed));
  ASSERT_GT(pid, 0);
  ASSERT_EQ(wait_exit(pid), 0);
  EXPECT_GE(killed_mid_way, 1) << "no kill landed while the lake was being written";
  auto got = snapshot(crashed);
  EXPECT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "the lake after crashes differs from the uninterrupted lake";
}

} // namespace
} // namespace pinpipe::lake
