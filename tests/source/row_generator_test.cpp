// Unit tests of the row model: the randomness is platform independent and every row is a
// pure function of (seed, rows, key).
#include "pipeline/source/row_generator.hpp"

#include <gtest/gtest.h>

using namespace pinpipe::source;

TEST(DetRng, IsSplitmix64SoOutputIsTheSameOnEveryPlatform) {
  // Reference values of splitmix64 seeded with 0 (Vigna's reference implementation).
  det_rng r(0);
  EXPECT_EQ(r.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(r.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(r.next(), 0x06c45d188009454fULL);
}

TEST(DetRng, UniformStaysInItsInclusiveBoundsAndHitsBoth) {
  det_rng r(7);
  bool lo = false, hi = false;
  for (int i = 0; i < 10000; ++i) {
    int64_t v = r.uniform(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
    lo |= v == -3;
    hi |= v == 3;
  }
  EXPECT_TRUE(lo && hi);
}

TEST(FormatDatetime, GivesUtcCalendarTimeIncludingLeapDays) {
  EXPECT_EQ(format_datetime(0), "1970-01-01 00:00:00");
  EXPECT_EQ(format_datetime(951782400), "2000-02-29 00:00:00");
  EXPECT_EQ(format_datetime(1672531199), "2022-12-31 23:59:59");
  EXPECT_EQ(format_datetime(1445686231), "2015-10-24 11:30:31");
}

TEST(RowGenerator, RowsArePureFunctionsOfSeedRowsAndKey) {
  row_generator a(5, 1000), b(5, 1000);
  // Different access order, same rows.
  auto late = b.row(999);
  auto early = b.row(3);
  EXPECT_EQ(a.row(3).pin.unique_id, early.pin.unique_id);
  EXPECT_EQ(a.row(999).pin.title, late.pin.title);
  EXPECT_EQ(a.row(999).geo.timestamp, late.geo.timestamp);
  EXPECT_EQ(a.row(3).user.first_name, early.user.first_name);
  row_generator c(6, 1000);
  EXPECT_NE(a.row(3).pin.unique_id, c.row(3).pin.unique_id);
}

TEST(RowGenerator, BlocksCoverEveryKeyInCategoryOrder) {
  row_generator g(1, 11153);
  const auto& ends = g.block_ends();
  ASSERT_EQ(ends.size(), categories().size());
  EXPECT_EQ(ends.back(), 11153);
  int64_t begin = 0;
  for (size_t c = 0; c < ends.size(); ++c) {
    ASSERT_GT(ends[c], begin);
    EXPECT_EQ(g.category_of(begin), static_cast<int>(c));
    EXPECT_EQ(g.category_of(ends[c] - 1), static_cast<int>(c));
    EXPECT_EQ(g.row(begin).pin.category, categories()[c]);
    begin = ends[c];
  }
}

TEST(RowGenerator, UniqueIdsAreVersion4Uuids) {
  row_generator g(1, 100);
  for (int64_t k = 0; k < 100; ++k) {
    const std::string id = g.row(k).pin.unique_id;
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}
