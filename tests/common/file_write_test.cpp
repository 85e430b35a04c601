// common/file_write.hpp: an atomic replace leaves the new content and no temp file, a
// failure leaves the old content and no temp file, and errors name the path.
#include "common/file_write.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>

namespace {

namespace fs = std::filesystem;
using pinpipe::errc;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct FileWrite : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("pinpipe-file-write-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, ec);
    fs::remove_all(dir, ec);
  }
};

TEST_F(FileWrite, ReplacesContentAndLeavesNoTempFile) {
  const auto path = (dir / "a.csv").string();
  ASSERT_TRUE(pinpipe::files::write_file_atomic(path, "first\n").ok());
  EXPECT_EQ(slurp(path), "first\n");
  ASSERT_TRUE(pinpipe::files::write_file_atomic(path, "second, longer\n").ok());
  EXPECT_EQ(slurp(path), "second, longer\n");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
}

TEST_F(FileWrite, ExplicitTempNameIsUsedAndRemoved) {
  const auto path = (dir / "obj.json").string();
  const auto tmp = (dir / ".obj.json.partial").string();
  ASSERT_TRUE(pinpipe::files::write_file_atomic(path, std::string(100000, 'x'), tmp).ok());
  EXPECT_EQ(fs::file_size(path), 100000u);
  EXPECT_FALSE(fs::exists(tmp));
}

TEST_F(FileWrite, FailureKeepsOldContentAndNamesThePath) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const auto path = (dir / "keep.txt").string();
  ASSERT_TRUE(pinpipe::files::write_file_atomic(path, "old").ok());
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  auto st = pinpipe::files::write_file_atomic(path, "new");
  fs::permissions(dir, fs::perms::owner_all);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), errc::io_error);
  EXPECT_NE(st.message().find(path + ".tmp"), std::string::npos) << st.message();
  EXPECT_EQ(slurp(path), "old");
}

TEST_F(FileWrite, MissingDirectoryIsAnErrorNotACrash) {
  auto st = pinpipe::files::write_file_atomic((dir / "no" / "such" / "f").string(), "x");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no/such"), std::string::npos) << st.message();
  EXPECT_FALSE(pinpipe::files::fsync_dir((dir / "nope").string()).ok());
}

TEST(FileWriteErrors, FullDiskIsDiskFullWithAdvice) {
  auto st = pinpipe::files::errno_status("writing", "/d/x", ENOSPC);
  EXPECT_EQ(st.code(), errc::disk_full);
  EXPECT_NE(st.message().find("free disk space"), std::string::npos);
  EXPECT_EQ(pinpipe::files::errno_status("writing", "/d/x", EIO).code(), errc::io_error);
}

TEST(FileWriteErrors, ParentDirOfPaths) {
  EXPECT_EQ(pinpipe::files::parent_dir("a/b/c.txt"), "a/b");
  EXPECT_EQ(pinpipe::files::parent_dir("c.txt"), ".");
  EXPECT_EQ(pinpipe::files::parent_dir("/c.txt"), "/");
}

} // namespace
