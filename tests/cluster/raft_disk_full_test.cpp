// raft_disk on a full disk: a small real file system (tmpfs, root only; skipped otherwise)
// filled up by a filler file. Part of ctest raft_disk_test.
#include <gtest/gtest.h>

#include "../storage/small_fs.hpp"
#include "raft_disk_test_util.hpp"

namespace pinpipe::cluster {
namespace {

using namespace testing;
namespace fs = std::filesystem;

TEST(RaftDiskFull, FullDiskCutsTheAppendBackAndTheRequestCanBeWrittenAgain) {
  test::small_fs small(4 << 20);
  if (!small.ok()) GTEST_SKIP() << small.reason();
  const std::string dir = small.path() + "/replica";
  auto d = open_ok(dir);
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->write(append_req(entries(0, 4, 1, 1000))).ok());
  ASSERT_TRUE(d->sync().ok());
  const int64_t size = d->bytes();
  const std::string filler = small.path() + "/filler";
  test::write_filler(filler, 64 << 20);
  ASSERT_LT(small.free_bytes(), 64 << 10) << "the filler took the space";

  const raft::persist_request big = append_req(entries(4, 8, 1, 128 << 10), 2);
  status st = d->write(big);
  ASSERT_EQ(st.code(), errc::disk_full) << st.to_string();
  EXPECT_NE(st.message().find(dir + "/raft.log"), std::string::npos) << st.message();
  EXPECT_EQ(d->bytes(), size);
  EXPECT_EQ(fs::file_size(dir + "/raft.log"), static_cast<uintmax_t>(size))
      << "what part of the append went in was cut back";
  EXPECT_EQ(d->last(), offset_t{3});
  EXPECT_TRUE(d->sync().ok()) << "the disk is not stopped by a full disk";

  fs::remove(filler);
  ASSERT_TRUE(d->write(big).ok()) << "the same request, written again";
  ASSERT_TRUE(d->sync().ok());
  d.reset();
  raft::durable_state s = load(dir);
  std::vector<raft::entry> want = entries(0, 4, 1, 1000);
  for (auto& e : entries(4, 8, 1, 128 << 10))
    want.push_back(e);
  EXPECT_EQ(s.entries, want);
}

TEST(RaftDiskFull, HardStateThatDoesNotFitIsWrittenByTheNextSync) {
  test::small_fs small(1 << 20);
  if (!small.ok()) GTEST_SKIP() << small.reason();
  const std::string dir = small.path() + "/replica";
  auto d = open_ok(dir);
  ASSERT_TRUE(d);
  const std::string filler = small.path() + "/filler";
  test::write_filler(filler, 64 << 20);
  raft::persist_request r;
  r.hard = raft::hard_state{term_t{7}, node_id{3}};
  ASSERT_TRUE(d->write(r).ok()) << "staged only";
  status st = d->sync();
  EXPECT_EQ(st.code(), errc::disk_full) << st.to_string();
  EXPECT_FALSE(fs::exists(dir + "/raft.state.tmp")) << "the temp file is removed";
  fs::remove(filler);
  ASSERT_TRUE(d->sync().ok());
  d.reset();
  EXPECT_EQ(load(dir).hard, (raft::hard_state{term_t{7}, node_id{3}}));
}

} // namespace
} // namespace pinpipe::cluster
