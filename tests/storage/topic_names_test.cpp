// Topic names can never collide with the log's own files (issue 11, defect 2): every
// reserved name and every name starting with '.' is refused by both log implementations
// and by a real node (`pinpipe topics create .lock`), and the lock keeps working.
#include <sys/stat.h>

#include "storage/filename.hpp"
#include "tests/node/node_process.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

/// Every name the log keeps in its directory, plus dot-names that might be added later.
std::vector<std::string> names_to_try() {
  std::vector<std::string> out = filename::reserved_names();
  for (const char* n : {".lock", ".tmp", ".meta", ".hidden", ".lock.tmp", ".x"})
    out.push_back(n);
  return out;
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

TEST(TopicNames, EveryReservedNameIsRefusedByBothLogs) {
  temp_dir dir;
  log_config cfg;
  cfg.dir = dir.path();
  auto file = open_file_log(cfg);
  ASSERT_TRUE(file.ok()) << file.error().to_string();
  auto mem = make_memory_log(cfg);
  for (log_store* log : {file->get(), mem.get()}) {
    for (const auto& name : names_to_try()) {
      auto st = log->create_topic(name, {});
      EXPECT_EQ(st.code(), errc::invalid_argument) << name;
      EXPECT_NE(st.message().find("reserved"), std::string::npos) << st.message();
      EXPECT_FALSE(validate_topic_name(name).ok()) << name;
    }
  }
  for (const auto& name : filename::reserved_names())
    EXPECT_TRUE(filename::is_reserved(name)) << name;
  // Dots elsewhere in a name stay allowed (the pipeline's "<uid>.pin").
  EXPECT_TRUE((*file)->create_topic("0a60b9a8a831.pin", {}).ok());
  EXPECT_TRUE((*file)->create_topic("a.lock", {}).ok());
}

TEST(TopicNames, TopicNamedLockCannotTouchTheLogLock) {
  temp_dir dir;
  log_config cfg;
  cfg.dir = dir.path();
  auto log = open_file_log(cfg);
  ASSERT_TRUE(log.ok()) << log.error().to_string();
  const std::string lock = filename::lock_file(dir.path());
  ASSERT_TRUE(is_regular_file(lock));
  EXPECT_EQ((*log)->create_topic(".lock", {}).code(), errc::invalid_argument);
  EXPECT_FALSE((*log)->delete_topic(".lock").ok());
  // The lock file is untouched and still held: a second log on the same dir is refused.
  EXPECT_TRUE(is_regular_file(lock));
  auto second = open_file_log(cfg);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), errc::unavailable);
  // Acknowledged records survive a restart.
  ASSERT_TRUE((*log)->create_topic("pins", {}).ok());
  ASSERT_TRUE(produce_values(**log, "pins", 0, {"a", "b"}, acks::all).st.ok());
  (*log)->close();
  log = open_file_log(cfg);
  ASSERT_TRUE(log.ok()) << log.error().to_string();
  EXPECT_EQ(fetch_all(**log, "pins", 0).size(), 2u);
}

TEST(TopicNames, LockLeftAsADirectoryByOldVersionsGetsAClearError) {
  temp_dir dir;
  std::filesystem::create_directories(dir.path() + "/.lock/0");
  log_config cfg;
  cfg.dir = dir.path();
  auto log = open_file_log(cfg);
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.error().message().find("is a directory"), std::string::npos)
      << log.error().message();
  EXPECT_NE(log.error().message().find("move it out"), std::string::npos);
}

TEST(TopicNames, NodeRefusesToCreateATopicNamedLockFromTheCli) {
  pinpipe::test::temp_dir dir;
  pinpipe::test::node_process node;
  ASSERT_TRUE(node.start(dir.file("data"))) << node.stderr_text();
  auto r = pinpipe::test::run_cli({"topics", "create", ".lock", "-b", node.endpoint()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("reserved"), std::string::npos) << r.err;
  EXPECT_TRUE(is_regular_file(dir.file("data") + "/log/.lock"));
  auto list = pinpipe::test::run_cli({"topics", "list", "-b", node.endpoint()});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.find(".lock"), std::string::npos) << list.out;
  EXPECT_EQ(node.stop(SIGTERM), 0) << node.stderr_text();
}

} // namespace
} // namespace pinpipe::storage::test
