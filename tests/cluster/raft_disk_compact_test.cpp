// raft_disk::compact (retention) on real files: what is dropped, what the new header
// holds, that writes go on at the right positions, refusals, and with a real raft::node.
// Part of ctest raft_disk_test.
#include <gtest/gtest.h>

#include "raft/producers.hpp"
#include "raft_disk_test_util.hpp"

namespace pinpipe::cluster {
namespace {

using namespace testing;
namespace fs = std::filesystem;

/// Ten batches of 3 records, terms 1-3, every other one from idempotent producer 7.
std::vector<raft::entry> ten_batches() {
  std::vector<raft::entry> es;
  for (int i = 0; i < 10; ++i) {
    const bool idem = i % 2 == 0;
    es.push_back(make_entry(i * 3, i * 3 + 2, 1 + i / 4, "batch" + std::to_string(i),
                            raft::entry_kind::data, idem ? 7 : -1, idem ? i * 3 : -1));
  }
  return es;
}

TEST(RaftDiskCompact, DropsThePrefixAndKeepsTermAndProducersAtTheNewStart) {
  temp_dir t;
  const auto es = ten_batches();
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->write(append_req(es)).ok());
  ASSERT_TRUE(d->sync().ok());
  const int64_t before = d->bytes();
  const int64_t dropped = d->bytes_before(offset_t{15});
  ASSERT_TRUE(d->compact(offset_t{15}).ok());
  EXPECT_EQ(d->log_start(), offset_t{15});
  EXPECT_EQ(d->prefix_term(), term_t{2}) << "the term of batch 4, the last one dropped";
  EXPECT_EQ(d->entry_count(), 5u);
  EXPECT_EQ(d->bytes(), static_cast<int64_t>(fs::file_size(t / "raft.log")));
  EXPECT_LT(d->bytes(), before - dropped + 200) << "only a new header is added";
  EXPECT_FALSE(fs::exists(t / "raft.log.tmp"));
  // Writes go on at the right positions: truncate into the kept part, append.
  raft::persist_request r = append_req({make_entry(21, 21, 4, "new")}, 2);
  r.truncate_from = offset_t{21};
  ASSERT_TRUE(d->write(r).ok());
  ASSERT_TRUE(d->sync().ok());
  d.reset();

  raft::producer_table want;
  for (int i = 0; i < 5; ++i)
    want.apply(es[static_cast<size_t>(i)]);
  raft::durable_state s = load(t.path());
  EXPECT_EQ(s.log_start, offset_t{15});
  EXPECT_EQ(s.prefix_term, term_t{2});
  EXPECT_EQ(s.producers, want.snapshot());
  std::vector<raft::entry> kept(es.begin() + 5, es.begin() + 7);
  kept.push_back(make_entry(21, 21, 4, "new"));
  EXPECT_EQ(s.entries, kept);
}

TEST(RaftDiskCompact, EverythingOrNothingAndRefusals) {
  temp_dir t;
  auto d = open_ok(t.path());
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->write(append_req(ten_batches())).ok());
  EXPECT_EQ(d->compact(offset_t{16}).code(), errc::invalid_argument) << "inside a batch";
  EXPECT_EQ(d->compact(offset_t{31}).code(), errc::invalid_argument) << "past the end";
  EXPECT_EQ(d->entry_count(), 10u) << "nothing dropped";
  ASSERT_TRUE(d->compact(offset_t{0}).ok()) << "at log_start: nothing to do";
  EXPECT_EQ(d->entry_count(), 10u);
  ASSERT_TRUE(d->compact(offset_t{30}).ok()) << "everything (written, not yet synced)";
  EXPECT_EQ(d->entry_count(), 0u);
  EXPECT_EQ(d->last(), offset_t{29});
  EXPECT_EQ(d->last_term(), term_t{3});
  ASSERT_TRUE(d->compact(offset_t{12}).ok()) << "below log_start: nothing to do";
  ASSERT_TRUE(d->write(append_req({make_entry(30, 30, 3, "next")})).ok());
  ASSERT_TRUE(d->sync().ok());
  d.reset();
  raft::durable_state s = load(t.path());
  EXPECT_EQ(s.log_start, offset_t{30});
  EXPECT_EQ(s.prefix_term, term_t{3});
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].payload, "next");
}

} // namespace
} // namespace pinpipe::cluster
