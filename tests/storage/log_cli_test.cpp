// `pinpipe log verify` reports every damaged batch (file, byte, reason; exit code 1) and
// `pinpipe log repair` cuts a partition at its first damage only when told to (--yes),
// printing and logging what it removes. Runs the real binary ($PINPIPE_BIN) on a data dir
// written through the storage API.
#include <sys/file.h>

#include "storage/format.hpp"
#include "tests/node/node_process.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

using pinpipe::test::run_cli;

class LogCli : public ::testing::Test {
protected:
  void SetUp() override {
    data_ = dir_.path() + "/data";
    cfg_.dir = data_ + "/log";
    std::filesystem::create_directories(cfg_.dir);
    auto log = open_file_log(cfg_);
    ASSERT_TRUE(log.ok()) << log.error().to_string();
    topic_config tc;
    tc.segment_bytes = 262144; // six batches of 100 records a segment
    ASSERT_TRUE((*log)->create_topic("pins", tc).ok());
    for (int b = 0; b < 30; ++b) {
      std::vector<std::string> vals(100, std::string(400, 'v'));
      ASSERT_TRUE(produce_values(**log, "pins", 0, vals, acks::all).st.ok());
    }
    (*log)->close();
    for (const auto& e : std::filesystem::directory_iterator(cfg_.dir + "/pins/0")) {
      if (e.path().extension() == ".log") segs_.push_back(e.path().string());
    }
    std::sort(segs_.begin(), segs_.end());
    ASSERT_EQ(segs_.size(), 5u);
  }
  /// Position of the second batch of a segment.
  int64_t second_batch(const std::string& seg) {
    const std::string head = read_file(seg).substr(0, format::header_size);
    format::batch_header h;
    EXPECT_EQ(format::decode_header(head.data(), head.size(), h), format::header_state::ok);
    return static_cast<int64_t>(h.size());
  }
  void flip(const std::string& path, int64_t pos) {
    std::string b = read_file(path).substr(static_cast<size_t>(pos), 1);
    b[0] ^= 0x01;
    write_at(path, pos, b);
  }
  offset_t high_watermark() {
    auto log = open_file_log(cfg_);
    EXPECT_TRUE(log.ok());
    if (!log.ok()) return offset_t{-1};
    auto hw = (*log)->describe_topic("pins").value().partitions.at(0).high_watermark;
    (*log)->close();
    return hw;
  }

  temp_dir dir_;
  std::string data_;
  log_config cfg_;
  std::vector<std::string> segs_;
};

TEST_F(LogCli, VerifyOfAnIntactLogExitsZero) {
  auto r = run_cli({"log", "verify", "--data-dir", data_});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 damaged"), std::string::npos) << r.out;
}

TEST_F(LogCli, VerifyReportsEveryDamagedBatchWithFileAndByte) {
  const int64_t closed = second_batch(segs_[1]);
  const int64_t active = second_batch(segs_[4]);
  flip(segs_[1], closed + 1000);
  flip(segs_[4], active + 1000);
  auto r = run_cli({"log", "verify", "--data-dir", data_});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(segs_[1] + " byte " + std::to_string(closed) + ": CRC mismatch"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(segs_[4] + " byte " + std::to_string(active) + ": CRC mismatch"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("offsets 700..799 unreadable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2 damaged"), std::string::npos) << r.out;
}

TEST_F(LogCli, RepairCutsAtTheFirstDamageOnlyWithYesAndLogsIt) {
  const int64_t pos = second_batch(segs_[1]);
  flip(segs_[1], pos + 1000);
  const auto size_before = std::filesystem::file_size(segs_[1]);

  auto dry = run_cli({"log", "repair", "--data-dir", data_, "--topic", "pins", "--partition", "0"});
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("would cut " + segs_[1] + " at byte " + std::to_string(pos)),
            std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("would delete " + segs_[4]), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("offsets 700..2999 removed"), std::string::npos) << dry.out;
  EXPECT_EQ(std::filesystem::file_size(segs_[1]), size_before);
  EXPECT_TRUE(std::filesystem::exists(segs_[4]));

  auto cut = run_cli(
      {"log", "repair", "--data-dir", data_, "--topic", "pins", "--partition", "0", "--yes"});
  EXPECT_EQ(cut.exit_code, 0) << cut.out << cut.err;
  EXPECT_NE(cut.out.find("cut " + segs_[1] + " at byte " + std::to_string(pos)),
            std::string::npos)
      << cut.out;
  EXPECT_EQ(std::filesystem::file_size(segs_[1]), static_cast<uintmax_t>(pos));
  EXPECT_FALSE(std::filesystem::exists(segs_[2]));
  EXPECT_FALSE(std::filesystem::exists(segs_[4]));
  const std::string logged = read_file(cfg_.dir + "/pins/0/repairs.txt");
  EXPECT_NE(logged.find("offsets 700..2999 removed"), std::string::npos) << logged;

  auto after = run_cli({"log", "verify", "--data-dir", data_});
  EXPECT_EQ(after.exit_code, 0) << after.out;
  EXPECT_EQ(high_watermark(), offset_t{700});
}

TEST_F(LogCli, RepairIsRefusedWhileTheLogIsOpen) {
  flip(segs_[1], second_batch(segs_[1]) + 1000);
  auto log = open_file_log(cfg_);
  ASSERT_TRUE(log.ok());
  auto r = run_cli(
      {"log", "repair", "--data-dir", data_, "--topic", "pins", "--partition", "0", "--yes"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("stop the node first"), std::string::npos) << r.err;
  EXPECT_TRUE(std::filesystem::exists(segs_[4]));
  (*log)->close();
}

TEST_F(LogCli, VerifyOfAMissingDataDirSaysWhatToPass) {
  auto r = run_cli({"log", "verify", "--data-dir", dir_.path() + "/nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--data-dir"), std::string::npos) << r.err;
}

} // namespace
} // namespace pinpipe::storage::test
