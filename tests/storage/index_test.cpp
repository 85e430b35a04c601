// The sparse offset index and the time index: every offset and timestamp is found
// after a restart, after deleting all index files (rebuilt), and with damaged indexes.
#include <cstring>
#include <random>

#include "storage/index.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

class Index : public FileLogTest {
protected:
  void SetUp() override {
    cfg_.index_interval_bytes = 256;
    FileLogTest::SetUp();
    topic_config tc;
    tc.segment_bytes = 8192;
    create("pins", tc);
    // 600 records in batches of 1..7 records with values of 5..300 bytes and strictly
    // increasing timestamps (1000 + 10 * offset).
    std::mt19937 rng(7);
    int64_t off = 0;
    while (off < 600) {
      produce_request req;
      req.topic = "pins";
      const int n = 1 + static_cast<int>(rng() % 7);
      for (int i = 0; i < n && off < 600; ++i, ++off) {
        std::string v =
            "v" + std::to_string(off) + ":" + std::string(5 + rng() % 295, 'a' + off % 26);
        values_.push_back(v);
        req.records.push_back(make_record(v, std::nullopt, 1000 + 10 * off));
      }
      ASSERT_TRUE(produce_sync(*log_, req).st.ok());
    }
  }
  void expect_every_offset_found() {
    for (int64_t o = 0; o < 600; ++o) {
      auto r = log_->fetch("pins", partition_id{0}, offset_t{o}, 1);
      ASSERT_TRUE(r.ok()) << o << ": " << r.error().to_string();
      ASSERT_EQ(r->records.size(), 1u) << o;
      ASSERT_EQ(r->records[0].offset, offset_t{o});
      ASSERT_EQ(r->records[0].rec.value, values_[o]);
    }
  }
  void expect_every_timestamp_found() {
    for (int64_t o = 0; o < 600; o += 7) {
      auto exact =
          log_->list_offset("pins", partition_id{0}, offset_spec::by_timestamp, 1000 + 10 * o);
      ASSERT_TRUE(exact.ok());
      ASSERT_EQ(exact.value(), offset_t{o});
      auto between =
          log_->list_offset("pins", partition_id{0}, offset_spec::by_timestamp, 995 + 10 * o);
      ASSERT_EQ(between.value(), offset_t{o});
    }
    EXPECT_EQ(log_->list_offset("pins", partition_id{0}, offset_spec::by_timestamp, 99999).value(),
              offset_t{600});
  }

  std::vector<std::string> values_;
};

TEST_F(Index, SeveralSegmentsWithNonEmptyIndexesAreBuilt) {
  EXPECT_GE(files("pins", ".log").size(), 5u);
  size_t index_bytes = 0;
  for (const auto& f : files("pins", ".index"))
    index_bytes += std::filesystem::file_size(f);
  EXPECT_GT(index_bytes, 0u);
  expect_every_offset_found();
}

TEST_F(Index, FetchAtEveryOffsetFindsItsRecordAfterRestart) {
  reopen();
  expect_every_offset_found();
  expect_every_timestamp_found();
}

TEST_F(Index, MissingIndexFilesAreRebuiltFromTheSegments) {
  close();
  std::vector<std::pair<std::string, std::string>> before;
  for (const auto& f : files("pins", ".index"))
    before.emplace_back(f, read_file(f));
  for (const auto& f : files("pins", ".index"))
    std::filesystem::remove(f);
  for (const auto& f : files("pins", ".timeindex"))
    std::filesystem::remove(f);
  reopen();
  expect_every_offset_found();
  expect_every_timestamp_found();
  for (const auto& [path, content] : before)
    EXPECT_EQ(read_file(path), content) << path;
}

TEST_F(Index, DamagedIndexFilesAreRebuilt) {
  close();
  for (const auto& f : files("pins", ".index")) {
    if (std::filesystem::file_size(f) >= 16)
      write_at(f, 8, std::string(8, '\xff'));
    else
      write_at(f, 0, "xyz"); // not a multiple of the entry size
  }
  for (const auto& f : files("pins", ".timeindex"))
    std::filesystem::resize_file(f, 5);
  reopen();
  expect_every_offset_found();
  expect_every_timestamp_found();
}

TEST_F(Index, IndexEntriesPastTheRecoveredTailAreDropped) {
  close();
  // The active segment's index claims data beyond the end: recovery must not trust it.
  const auto idx = files("pins", ".index").back();
  const auto size = std::filesystem::file_size(idx);
  std::string entry(8, '\0');
  const uint32_t rel = 100000, pos = 7000000;
  std::memcpy(entry.data(), &rel, 4);
  std::memcpy(entry.data() + 4, &pos, 4);
  write_at(idx, static_cast<int64_t>(size), entry);
  reopen();
  expect_every_offset_found();
  auto r = produce_values(*log_, "pins", 0, {"next"});
  EXPECT_EQ(r.base_offset, offset_t{600});
}

// Entries are written in groups: an append that does not complete a group leaves the file
// as it was; a full group, flush() and a clean close write them, at their place.
TEST(IndexFile, EntriesAreWrittenInGroupsAndByFlush) {
  temp_dir dir;
  const std::string path = dir.path() + "/00000000000000000000.index";
  offset_index idx;
  bool valid = false;
  ASSERT_TRUE(idx.open(path, 1 << 30, valid).ok());
  const auto n = static_cast<uint32_t>(index_write_every);
  for (uint32_t i = 1; i < n; ++i)
    ASSERT_TRUE(idx.append(i, i * 100).ok());
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  EXPECT_EQ(idx.lookup(n - 1), (n - 1) * 100); // lookups see the unwritten entries
  ASSERT_TRUE(idx.append(n, n * 100).ok());    // completes the group
  EXPECT_EQ(std::filesystem::file_size(path), n * offset_index::entry_size);
  ASSERT_TRUE(idx.append(n + 1, (n + 1) * 100).ok());
  EXPECT_EQ(std::filesystem::file_size(path), n * offset_index::entry_size);
  ASSERT_TRUE(idx.flush().ok());
  EXPECT_EQ(std::filesystem::file_size(path), (n + 1) * offset_index::entry_size);
  ASSERT_TRUE(idx.flush().ok()); // nothing new: no change
  EXPECT_EQ(std::filesystem::file_size(path), (n + 1) * offset_index::entry_size);
  idx.close();

  offset_index again;
  ASSERT_TRUE(again.open(path, 1 << 30, valid).ok());
  ASSERT_TRUE(valid);
  ASSERT_EQ(again.entries().size(), n + 1);
  for (uint32_t i = 1; i <= n + 1; ++i) {
    EXPECT_EQ(again.entries()[i - 1].rel, i);
    EXPECT_EQ(again.entries()[i - 1].pos, i * 100);
  }
  // Appends after a reopen continue after the entries already in the file.
  ASSERT_TRUE(again.append(n + 2, (n + 2) * 100).ok());
  ASSERT_TRUE(again.flush().ok());
  EXPECT_EQ(std::filesystem::file_size(path), (n + 2) * offset_index::entry_size);

  time_index ti;
  const std::string tpath = dir.path() + "/00000000000000000000.timeindex";
  ASSERT_TRUE(ti.open(tpath, valid).ok());
  ASSERT_TRUE(ti.append(5000, 3).ok());
  EXPECT_EQ(std::filesystem::file_size(tpath), 0u);
  ASSERT_TRUE(ti.flush().ok());
  EXPECT_EQ(std::filesystem::file_size(tpath), time_index::entry_size);
}

// The active segment's entries still in memory reach the file on a clean close, and a
// sealed segment's index holds every entry.
TEST_F(Index, EveryIndexFileHoldsAllItsEntriesAfterACleanClose) {
  close();
  for (const auto& f : files("pins", ".index")) {
    offset_index idx;
    bool valid = false;
    ASSERT_TRUE(idx.open(f, 1 << 30, valid).ok());
    EXPECT_TRUE(valid) << f;
  }
  size_t total = 0;
  for (const auto& f : files("pins", ".index"))
    total += std::filesystem::file_size(f) / offset_index::entry_size;
  reopen(); // rebuilds nothing: the counts must match what recovery computes
  close();
  size_t after = 0;
  for (const auto& f : files("pins", ".index"))
    after += std::filesystem::file_size(f) / offset_index::entry_size;
  EXPECT_GT(total, 0u);
  EXPECT_EQ(total, after);
}

} // namespace
} // namespace pinpipe::storage::test
