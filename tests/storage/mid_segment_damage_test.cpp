// Damage in the middle of the active segment is not a torn tail (issue 11, defect 3):
// recovery checks every batch's CRC before it believes a length, keeps every verified
// batch after the damage, never hands out an offset twice, and repairs a batch whose
// only damage is in header fields outside the CRC. A true torn tail is still cut.
#include "storage/format.hpp"
#include "tests/storage/test_util.hpp"

namespace pinpipe::storage::test {
namespace {

class MidSegmentDamage : public FileLogTest {
protected:
  /// The setup: 3,000 records of ~400 bytes in 30 acks=all batches of 100, with
  /// segment_bytes = 262144 (six batches a segment; the active one holds 2400..2999).
  void fill() {
    topic_config tc;
    tc.segment_bytes = 262144;
    create("pins", tc);
    for (int b = 0; b < 30; ++b) {
      std::vector<std::string> vals;
      for (int i = 0; i < 100; ++i)
        vals.push_back(value_of(b * 100 + i));
      ASSERT_TRUE(produce_values(*log_, "pins", 0, vals, acks::all).st.ok());
    }
    ASSERT_EQ(info("pins").high_watermark, offset_t{3000});
    close();
    active_ = files("pins", ".log").back();
    // Position of the second batch of the active segment: after the first one.
    const std::string head = read_file(active_).substr(0, format::header_size);
    format::batch_header h;
    ASSERT_EQ(format::decode_header(head.data(), head.size(), h), format::header_state::ok);
    first_base_ = h.base_offset;
    second_ = static_cast<int64_t>(h.size());
    const std::string all = read_file(active_);
    while (data_end_ + static_cast<int64_t>(format::header_size) <= static_cast<int64_t>(all.size()) &&
           format::decode_header(all.data() + data_end_, format::header_size, h) ==
               format::header_state::ok) {
      data_end_ += static_cast<int64_t>(h.size());
    }
  }
  static std::string value_of(int64_t o) {
    return "r" + std::to_string(o) + std::string(400, static_cast<char>('a' + o % 26));
  }
  void flip(int64_t pos, char bit) {
    std::string b = read_file(active_).substr(static_cast<size_t>(pos), 1);
    b[0] ^= bit;
    write_at(active_, pos, b);
  }
  void expect_records(int64_t from, int64_t to) {
    auto all = fetch_all(*log_, "pins", 0, from);
    ASSERT_EQ(static_cast<int64_t>(all.size()), to - from);
    for (int64_t i = from; i < to; ++i) {
      ASSERT_EQ(all[i - from].offset, offset_t{i});
      ASSERT_EQ(all[i - from].rec.value, value_of(i));
    }
  }
  void expect_next_offset(int64_t expected) {
    auto r = produce_values(*log_, "pins", 0, {value_of(expected)}, acks::all);
    ASSERT_TRUE(r.st.ok()) << r.st.to_string();
    EXPECT_EQ(r.base_offset, offset_t{expected});
  }

  std::string active_;
  int64_t first_base_ = 0;
  int64_t second_ = 0;
  int64_t data_end_ = 0; ///< end of the active segment's batches
};

// The exact reproduction of the issue: bit 0x10 of byte 14 (the length field) of the
// second batch in the active segment. The length is outside the CRC, the records are
// intact: recovery finds the next verified batch, repairs the length, keeps everything.
TEST_F(MidSegmentDamage, DamagedBatchMidSegmentNeverLosesVerifiedBatches) {
  fill();
  ASSERT_EQ(first_base_, 2400);
  flip(second_ + 14, 0x10);
  reopen();
  EXPECT_EQ(info("pins").high_watermark, offset_t{3000});
  expect_records(0, 3000);
  expect_next_offset(3000);
  reopen(); // the repair was written: a second recovery finds nothing to do
  EXPECT_EQ(info("pins").high_watermark, offset_t{3001});
  expect_records(0, 3001);
}

TEST_F(MidSegmentDamage, FlippedBaseOffsetMidSegmentIsRepairedNotTruncated) {
  fill();
  flip(second_ + format::base_offset_pos + 1, 0x04);
  reopen();
  EXPECT_EQ(info("pins").high_watermark, offset_t{3000});
  expect_records(0, 3000);
  expect_next_offset(3000);
}

// Damage inside the records: that batch is lost, but the four verified batches after it
// stay readable, the high watermark stays, and no offset is handed out twice.
TEST_F(MidSegmentDamage, UnreadableBatchMidSegmentKeepsLaterBatchesAndTheirOffsets) {
  fill();
  flip(second_ + 2000, 0x01); // a value byte of the batch of offsets 2500..2599
  reopen();
  EXPECT_EQ(info("pins").high_watermark, offset_t{3000});
  expect_records(2600, 3000);
  // From the start, fetches return everything up to the damage, then name it.
  offset_t pos{0};
  for (int i = 0; i < 100 && pos < offset_t{2500}; ++i) {
    auto r = log_->fetch("pins", partition_id{0}, pos, 1 << 20);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_FALSE(r->records.empty());
    for (const auto& rec : r->records) {
      ASSERT_EQ(rec.offset, pos);
      ASSERT_EQ(rec.rec.value, value_of(pos.get()));
      pos = pos + 1;
    }
  }
  EXPECT_EQ(pos, offset_t{2500});
  auto bad = log_->fetch("pins", partition_id{0}, offset_t{2550}, 1 << 20);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::corrupt_data);
  const std::string msg = bad.error().message();
  EXPECT_NE(msg.find(active_), std::string::npos) << msg;
  EXPECT_NE(msg.find("position " + std::to_string(second_)), std::string::npos) << msg;
  EXPECT_NE(msg.find("fetch from offset 2600"), std::string::npos) << msg;
  expect_next_offset(3000);
  reopen();
  EXPECT_EQ(info("pins").high_watermark, offset_t{3001});
  expect_records(2600, 3001);
}

// A zeroed page in the middle (a lost write) followed by verified batches is damage, not
// the end of data.
TEST_F(MidSegmentDamage, ZeroedHeaderMidSegmentIsNotTakenForTheEndOfData) {
  fill();
  write_at(active_, second_, std::string(4096, '\0'));
  reopen();
  EXPECT_EQ(info("pins").high_watermark, offset_t{3000});
  expect_records(2600, 3000);
  expect_next_offset(3000);
}

// The rule's other half: garbage at the very end, after which nothing verifies, is a
// torn write and is cut.
TEST_F(MidSegmentDamage, DamagedLastBatchIsStillCutAsATornTail) {
  fill();
  flip(data_end_ - 100, 0x01); // inside the last batch (2900..2999)
  reopen();
  EXPECT_EQ(info("pins").high_watermark, offset_t{2900});
  expect_records(0, 2900);
  expect_next_offset(2900);
}

} // namespace
} // namespace pinpipe::storage::test
