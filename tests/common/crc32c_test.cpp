#include "common/crc32c.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, MatchesRfc3720CheckValues) {
  std::string zeros(32, '\0');
  EXPECT_EQ(pinpipe::crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  std::string ones(32, '\xff');
  EXPECT_EQ(pinpipe::crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  std::string digits = "123456789";
  EXPECT_EQ(pinpipe::crc32c(digits.data(), digits.size()), 0xE3069283u);
}

TEST(Crc32c, ExtendingInPiecesEqualsOneShot) {
  std::string text = "a pin record shaped payload with some length to cross 8-byte words";
  uint32_t whole = pinpipe::crc32c(text.data(), text.size());
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    uint32_t part = pinpipe::crc32c_extend(0, text.data(), cut);
    part = pinpipe::crc32c_extend(part, text.data() + cut, text.size() - cut);
    EXPECT_EQ(part, whole) << "cut at " << cut;
  }
}

} // namespace
