// Value-level cleaning rules (pipeline/clean/rules.hpp), one test per rule.
#include "pipeline/clean/rules.hpp"

#include <gtest/gtest.h>

namespace pinpipe::clean::rules {
namespace {

TEST(FollowerCount, PlainDigitsAreTheNumber) {
  EXPECT_EQ(parse_follower_count("437"), 437);
  EXPECT_EQ(parse_follower_count("0"), 0);
  EXPECT_EQ(parse_follower_count("007"), 7);
}

TEST(FollowerCount, KSuffixMultipliesByThousand) {
  EXPECT_EQ(parse_follower_count("12k"), 12000);
  EXPECT_EQ(parse_follower_count("892k"), 892000);
  EXPECT_EQ(parse_follower_count("0k"), 0);
}

TEST(FollowerCount, MSuffixMultipliesByMillion) {
  EXPECT_EQ(parse_follower_count("8M"), 8000000);
  EXPECT_EQ(parse_follower_count("1M"), 1000000);
}

TEST(FollowerCount, AnythingElseIsNull) {
  for (const char* bad : {"", "User Info Error", "1.5k", "1.5", "12K", "8m", "k", "M", " 12", "12 ",
                          "-5", "+5", "12kk", "1B", "1,000", "１２"})
    EXPECT_EQ(parse_follower_count(bad), std::nullopt) << "'" << bad << "'";
}

TEST(FollowerCount, OverflowIsNullNotWrapped) {
  EXPECT_EQ(parse_follower_count("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parse_follower_count("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_follower_count("9223372036854776M"), std::nullopt);
  EXPECT_EQ(parse_follower_count("9223372036854775k"), 9223372036854775000);
}

TEST(Placeholders, EachColumnHasExactlyItsOwn) {
  EXPECT_TRUE(is_placeholder(pin_column::title, "No Title Data Available"));
  EXPECT_TRUE(is_placeholder(pin_column::description, "No description available Story format"));
  EXPECT_TRUE(is_placeholder(pin_column::description, "No description available"));
  EXPECT_TRUE(is_placeholder(pin_column::description, "Untitled"));
  EXPECT_TRUE(is_placeholder(pin_column::poster_name, "User Info Error"));
  EXPECT_TRUE(is_placeholder(pin_column::tag_list, "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e"));
  EXPECT_TRUE(is_placeholder(pin_column::image_src, "Image src error."));
  // Another column's placeholder is ordinary text.
  EXPECT_FALSE(is_placeholder(pin_column::title, "Untitled"));
  EXPECT_FALSE(is_placeholder(pin_column::description, "No Title Data Available"));
  EXPECT_FALSE(is_placeholder(pin_column::image_src, "User Info Error"));
  EXPECT_FALSE(is_placeholder(pin_column::other, "User Info Error"));
}

TEST(Placeholders, MatchIsExactAndCaseSensitive) {
  EXPECT_FALSE(is_placeholder(pin_column::image_src, "Image src error")); // no trailing dot
  EXPECT_FALSE(is_placeholder(pin_column::title, "no title data available"));
  EXPECT_FALSE(is_placeholder(pin_column::description, "Untitled "));
  EXPECT_FALSE(is_placeholder(pin_column::tag_list, "No Tags Available"));
  EXPECT_FALSE(is_placeholder(pin_column::poster_name, ""));
}

TEST(SaveLocation, LeadingPrefixWithItsSpaceIsDropped) {
  EXPECT_EQ(strip_save_location("Local save in /data/art"), "/data/art");
  EXPECT_EQ(strip_save_location("/data/art"), "/data/art");
  EXPECT_EQ(strip_save_location("Local save in"), "Local save in"); // no space: not the prefix
  EXPECT_EQ(strip_save_location("x Local save in /data/art"), "x Local save in /data/art");
  EXPECT_EQ(strip_save_location("Local save in "), "");
}

TEST(Timestamp, SpaceFormIsKept) {
  EXPECT_EQ(normalize_timestamp("2020-08-28 03:52:47"), "2020-08-28 03:52:47");
}

TEST(Timestamp, IsoTFormIsNormalisedToSpace) {
  EXPECT_EQ(normalize_timestamp("2020-08-28T03:52:47"), "2020-08-28 03:52:47");
}

TEST(Timestamp, LeapDayOnlyInLeapYears) {
  EXPECT_EQ(normalize_timestamp("2020-02-29 00:00:00"), "2020-02-29 00:00:00");
  EXPECT_EQ(normalize_timestamp("2000-02-29 00:00:00"), "2000-02-29 00:00:00");
  EXPECT_EQ(normalize_timestamp("2019-02-29 00:00:00"), std::nullopt);
  EXPECT_EQ(normalize_timestamp("1900-02-29 00:00:00"), std::nullopt);
}

TEST(Timestamp, InvalidTextIsRejected) {
  for (const char* bad :
       {"", "2020-08-28", "2020-08-28 03:52", "2020-08-28 03:52:47Z", "2020-08-28T03:52:47.123",
        "2020-08-28 03:52:47 ", " 2020-08-28 03:52:47", "2020/08/28 03:52:47",
        "2020-13-01 00:00:00", "2020-00-01 00:00:00", "2020-04-31 00:00:00", "2020-01-00 00:00:00",
        "2020-01-01 24:00:00", "2020-01-01 23:60:00", "2020-01-01 23:59:60", "0000-01-01 00:00:00",
        "2020-01-01x00:00:00", "2O20-01-01 00:00:00", "+020-01-01 00:00:00"})
    EXPECT_EQ(normalize_timestamp(bad), std::nullopt) << "'" << bad << "'";
}

TEST(FormatDouble, ShortestRoundTripWithDecimalPoint) {
  EXPECT_EQ(format_double(-89.9787), "-89.9787");
  EXPECT_EQ(format_double(-173.293), "-173.293");
  EXPECT_EQ(format_double(10.0), "10.0");
  EXPECT_EQ(format_double(0.0), "0.0");
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(std::stod(format_double(1.0 / 3.0)), 1.0 / 3.0);
}

} // namespace
} // namespace pinpipe::clean::rules
