// common/csv.hpp: RFC 4180 quoting of one field.
#include "common/csv.hpp"

#include <gtest/gtest.h>

namespace {

using pinpipe::csv::append_field;
using pinpipe::csv::field;

TEST(CsvField, PlainTextIsWrittenAsIs) {
  EXPECT_EQ(field("abc 123"), "abc 123");
  EXPECT_EQ(field(""), "");
}

TEST(CsvField, CommaQuoteAndLineBreaksAreQuotedWithQuotesDoubled) {
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(field("cr\rhere"), "\"cr\rhere\"");
}

TEST(CsvField, EmptyStringIsQuotedOnlyWhenAskedSoItDiffersFromNull) {
  EXPECT_EQ(field("", true), "\"\"");
  EXPECT_EQ(field("x", true), "x");
  std::string row;
  append_field(row, "a,b");
  row += ',';
  append_field(row, "", true);
  EXPECT_EQ(row, "\"a,b\",\"\"");
}

} // namespace
