// The zero-filled window ahead of an active segment grows with what the partition
// writes (issue 12 item 7): it starts at 64 KiB and doubles each time the writes have
// used half of it, up to 4 MiB. A partition with a few records costs little disk; a
// busy one still gets the whole window (the fsync latency it buys).
#include <sys/stat.h>

#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

/// Bytes actually allocated (st_blocks) by every file under `dir`.
uintmax_t allocated_bytes(const std::string& dir) {
  uintmax_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (e.is_regular_file() && ::stat(e.path().c_str(), &st) == 0)
      total += static_cast<uintmax_t>(st.st_blocks) * 512;
  }
  return total;
}

/// Waits until `path` stops growing (the preallocator is idle).
void wait_until_stable(const std::string& path) {
  uintmax_t last = 0;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto now = std::filesystem::file_size(path);
    if (now == last && i >= 3) return;
    last = now;
  }
}

class Preallocation : public FileLogTest {};

TEST_F(Preallocation, FreshPartitionsWithFewRecordsUseLittleDisk) {
  topic_config tc;
  tc.partitions = 6;
  create("pins", tc);
  int64_t data = 0;
  for (int p = 0; p < 6; ++p) {
    for (int i = 0; i < 40; ++i) { // about 100 records of 300 bytes per partition
      ASSERT_TRUE(
          produce_values(*log_, "pins", p, {std::string(300, 'a'), std::string(300, 'b')}, acks::all)
              .st.ok());
    }
    data += info("pins", p).size_bytes;
  }
  for (int p = 0; p < 6; ++p)
    wait_until_stable(files("pins", ".log", p).at(0));
  const auto used = allocated_bytes(dir_.path());
  // Each partition: its ~26 KB of data and a window of at most 128 KiB (and indexes).
  EXPECT_LT(used, static_cast<uintmax_t>(data) + 6 * (160u << 10))
      << used << " bytes allocated for " << data << " bytes of data";
  // Still zero-filled ahead: small fsyncs keep their cheap overwrite path.
  EXPECT_GT(std::filesystem::file_size(files("pins", ".log", 0).at(0)),
            static_cast<uintmax_t>(info("pins", 0).size_bytes));
}

TEST_F(Preallocation, WindowGrowsToTheMaximumForABusyPartition) {
  topic_config tc;
  tc.segment_bytes = 64LL << 20;
  create("busy", tc);
  const std::vector<std::string> batch(10, std::string(1200, 'x')); // ~12 KiB per fsync
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(produce_values(*log_, "busy", 0, batch, acks::all).st.ok());
  const auto seg = files("busy", ".log").at(0);
  const auto data = static_cast<uintmax_t>(info("busy").size_bytes);
  EXPECT_TRUE(wait_for_file_size(seg, data + (2u << 20)))
      << std::filesystem::file_size(seg) << " bytes for " << data << " bytes of data";
}

} // namespace
} // namespace pinpipe::storage::test
