// A full disk (issue 15): the file log runs on a small real file system (an 8 MiB tmpfs,
// tests/storage/small_fs.hpp), is filled with produces until the disk is full, and must
//  - answer errc::disk_full naming the file, the free space and what to do;
//  - keep every acknowledged record, show no record that was not acknowledged and no part
//    of a failed batch (the write position does not move, a partial write is cut back);
//  - keep serving reads and topic listings;
//  - accept writes again as soon as space is freed, in the same process (no restart),
//    preallocation included;
//  - count the refusals (file_log_stats::disk_full_errors, pinpipe_disk_full_errors).
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>

#include "common/disk_full_count.hpp"
#include "storage/file_log.hpp"
#include "tests/storage/small_fs.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

using pinpipe::test::small_fs;
using pinpipe::test::write_filler;

constexpr int64_t fs_bytes = 8LL << 20;

std::string value_of(int64_t n, size_t size) {
  std::string v = "rec-" + std::to_string(n) + "-";
  v.resize(std::max(size, v.size()), static_cast<char>('a' + n % 26));
  return v;
}

class DiskFull : public ::testing::Test {
protected:
  void SetUp() override {
    if (!fs_.ok()) GTEST_SKIP() << "no small file system to fill: " << fs_.reason();
    cfg_.dir = fs_.path() + "/log";
    cfg_.segment_bytes = 1 << 20; // rolls on the way: seal and create on a full disk too
    cfg_.index_interval_bytes = 1024;
  }
  void TearDown() override {
    if (log_) log_->close();
    log_.reset(); // before the file system goes
  }
  void open() {
    if (log_) log_->close();
    log_.reset();
    auto r = open_file_log(cfg_);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    log_ = std::move(r).value();
  }
  /// Sum of the sizes of the partition's segment files.
  int64_t segment_file_bytes(const std::string& topic, int32_t p = 0) const {
    int64_t total = 0;
    for (const auto& e : std::filesystem::directory_iterator(
             cfg_.dir + "/" + topic + "/" + std::to_string(p))) {
      if (e.path().extension() == ".log") total += static_cast<int64_t>(e.file_size());
    }
    return total;
  }
  partition_info info(const std::string& topic, int32_t p = 0) const {
    return log_->describe_topic(topic).value().partitions.at(static_cast<size_t>(p));
  }
  /// Every record of the partition must be one that was acknowledged at that offset.
  void expect_exactly(const std::string& topic, const std::map<int64_t, std::string>& acked) {
    auto all = fetch_all(*log_, topic, 0);
    ASSERT_EQ(all.size(), acked.size()) << "records stored vs acknowledged";
    size_t i = 0;
    for (const auto& [off, value] : acked) {
      ASSERT_EQ(all[i].offset.get(), off) << "record " << i;
      ASSERT_EQ(all[i].rec.value, value) << "offset " << off;
      ++i;
    }
  }

  small_fs fs_{fs_bytes};
  log_config cfg_;
  std::unique_ptr<log_store> log_;
};

// Produces batches of `records` records of `size` bytes, `window` at a time in flight,
// until one is refused (or `max_batches`); returns the refusals' statuses.
struct filler_run {
  std::map<int64_t, std::string> acked; ///< offset -> value
  std::vector<status> refused;
  int64_t next_value = 0;
};

void produce_until_full(log_store& log, const std::string& topic, filler_run& run, int records,
                        size_t size, int window, int max_batches) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (int b = 0; b < max_batches && run.refused.empty(); b += window) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the disk never filled up";
    std::mutex mu;
    std::condition_variable cv;
    int pending = window;
    std::vector<std::pair<std::vector<std::string>, produce_result>> out(
        static_cast<size_t>(window));
    for (int w = 0; w < window; ++w) {
      auto& slot = out[static_cast<size_t>(w)];
      for (int i = 0; i < records; ++i)
        slot.first.push_back(value_of(run.next_value++, size));
      auto req = make_request(topic, 0, slot.first, w % 4 == 3 ? acks::leader : acks::all);
      log.produce(std::move(req), [&, w](produce_result r) {
        std::lock_guard<std::mutex> lk{mu};
        out[static_cast<size_t>(w)].second = std::move(r);
        if (--pending == 0) cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lk{mu};
    ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(20), [&] { return pending == 0; }))
        << "produce callbacks did not all arrive";
    for (const auto& [values, r] : out) {
      if (!r.st.ok()) {
        run.refused.push_back(r.st);
        continue;
      }
      for (size_t i = 0; i < values.size(); ++i)
        run.acked[r.base_offset.get() + static_cast<int64_t>(i)] = values[i];
    }
  }
}

TEST_F(DiskFull, FillingTheDiskRefusesWritesKeepsEveryAckAndRecoversWithoutRestart) {
  open();
  ASSERT_TRUE(log_->create_topic("pins", {}).ok());
  const std::string filler = fs_.path() + "/filler";
  ASSERT_GT(write_filler(filler, 2LL << 20), 0);

  filler_run run;
  produce_until_full(*log_, "pins", run, 8, 1500, 16, 20000);
  ASSERT_FALSE(run.refused.empty()) << "no produce was refused on a " << fs_.kind() << " of "
                                    << fs_bytes << " bytes";
  ASSERT_GT(run.acked.size(), 1000u) << "the disk filled up before it held much";
  for (const auto& st : run.refused) {
    ASSERT_EQ(st.code(), errc::disk_full) << st.to_string();
    // What, where, how much is left and what to do.
    EXPECT_NE(st.message().find(cfg_.dir), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("bytes free on the file system"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("free disk space"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("no restart needed"), std::string::npos) << st.message();
  }

  // Still full: more produces are refused the same way, nothing half written shows.
  for (int i = 0; i < 5; ++i) {
    auto r = produce_values(*log_, "pins", 0, {value_of(run.next_value++, 1500)}, acks::all);
    if (r.st.ok()) {
      run.acked[r.base_offset.get()] = value_of(run.next_value - 1, 1500);
      continue;
    }
    EXPECT_EQ(r.st.code(), errc::disk_full) << r.st.to_string();
  }
  // Reads, listings and the high watermark: exactly what was acknowledged.
  expect_exactly("pins", run.acked);
  EXPECT_EQ(info("pins").high_watermark.get(), static_cast<int64_t>(run.acked.size()));
  const auto topics = log_->list_topics();
  EXPECT_TRUE(std::any_of(topics.begin(), topics.end(),
                          [](const topic_info& t) { return t.name == "pins"; }));
  auto latest = log_->list_offset("pins", partition_id{0}, offset_spec::latest, 0);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->get(), static_cast<int64_t>(run.acked.size()));
  const auto stats = file_log_stats_of(*log_);
  ASSERT_TRUE(stats.has_value());
  EXPECT_GE(stats->disk_full_errors, run.refused.size());
  // The node's metric (pinpipe_disk_full_errors) counts the same refusals process-wide.
  EXPECT_GE(disk_full_refusals().load(), stats->disk_full_errors);

  // Space freed: the next produce succeeds in the same process, offsets continue.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  const auto before = static_cast<int64_t>(run.acked.size());
  for (int i = 0; i < 50; ++i) {
    const std::string v = value_of(run.next_value++, 1500);
    auto r = produce_values(*log_, "pins", 0, {v}, acks::all);
    ASSERT_TRUE(r.st.ok()) << "produce " << i << " after freeing space: " << r.st.to_string();
    ASSERT_EQ(r.base_offset.get(), before + i);
    run.acked[r.base_offset.get()] = v;
  }
  expect_exactly("pins", run.acked);

  // And a restart (recovery of every segment) finds exactly the same records.
  open();
  expect_exactly("pins", run.acked);
}

TEST_F(DiskFull, APartialWriteIsCutBackAndNeverReadable) {
  cfg_.preallocate = false; // the file ends where the data ends: any stray byte shows
  open();
  ASSERT_TRUE(log_->create_topic("pins", {}).ok());
  std::map<int64_t, std::string> acked;
  for (int i = 0; i < 10; ++i) {
    auto r = produce_values(*log_, "pins", 0, {value_of(i, 1000)}, acks::all);
    ASSERT_TRUE(r.st.ok()) << r.st.to_string();
    acked[r.base_offset.get()] = value_of(i, 1000);
  }
  // Leave about 96 KiB; a batch of ten 30 KB records cannot fit, but part of it can.
  const std::string filler = fs_.path() + "/filler";
  ASSERT_GT(write_filler(filler, fs_.free_bytes() - (96 << 10)), 0);
  const int64_t free_before = fs_.free_bytes();
  ASSERT_GT(free_before, 32 << 10);
  ASSERT_LT(free_before, 200 << 10);
  std::vector<std::string> big;
  for (int i = 0; i < 10; ++i)
    big.push_back(value_of(100 + i, 30000));
  auto r = produce_values(*log_, "pins", 0, big, acks::all);
  ASSERT_FALSE(r.st.ok()) << "a 300 KB batch fit in " << free_before << " free bytes";
  EXPECT_EQ(r.st.code(), errc::disk_full) << r.st.to_string();

  // Nothing of it: not in the high watermark, not in a read, not in the file.
  EXPECT_EQ(info("pins").high_watermark.get(), 10);
  expect_exactly("pins", acked);
  EXPECT_EQ(segment_file_bytes("pins"), info("pins").size_bytes)
      << "bytes of the failed batch were left in the segment file";
  EXPECT_GE(fs_.free_bytes(), free_before - (8 << 10)) << "the partial write's space was kept";

  // Freed: the same batch goes in whole, right after the last good one.
  ASSERT_EQ(::unlink(filler.c_str()), 0);
  auto again = produce_values(*log_, "pins", 0, big, acks::all);
  ASSERT_TRUE(again.st.ok()) << again.st.to_string();
  EXPECT_EQ(again.base_offset.get(), 10);
  for (size_t i = 0; i < big.size(); ++i)
    acked[10 + static_cast<int64_t>(i)] = big[i];
  expect_exactly("pins", acked);
  open();
  expect_exactly("pins", acked);
}

TEST_F(DiskFull, PreallocationRefusedByAFullDiskIsRetriedOnTheNextWrite) {
  open(); // preallocation on (the default)
  ASSERT_TRUE(log_->create_topic("pins", {}).ok());
  const std::string filler = fs_.path() + "/filler";
  write_filler(filler, fs_bytes); // everything
  filler_run run;
  produce_until_full(*log_, "pins", run, 1, 200, 1, 1000);
  ASSERT_FALSE(run.refused.empty());
  EXPECT_EQ(run.refused[0].code(), errc::disk_full) << run.refused[0].to_string();

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  // Small acks=all commits want zeros ahead: the preallocator, which failed while the disk
  // was full, zero-fills again once writes resume.
  for (int i = 0; i < 20; ++i) {
    const std::string v = value_of(run.next_value++, 200);
    auto r = produce_values(*log_, "pins", 0, {v}, acks::all);
    ASSERT_TRUE(r.st.ok()) << r.st.to_string();
    run.acked[r.base_offset.get()] = v;
  }
  const auto seg = cfg_.dir + "/pins/0/00000000000000000000.log";
  ASSERT_TRUE(std::filesystem::exists(seg));
  EXPECT_TRUE(wait_for_file_size(seg, static_cast<uintmax_t>(info("pins").size_bytes) + 4096))
      << "no zero-filled window ahead of the writes after space was freed";
  expect_exactly("pins", run.acked);
}

} // namespace
} // namespace pinpipe::storage::test
