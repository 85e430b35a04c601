// The 9 batch queries (PIPELINE.md section 8) on small hand-built batch tables. Each expected
// result is worked out by hand in the comments next to the data.
#include "pipeline/batch/queries.hpp"

#include <random>

#include "pipeline/batch/query_engine.hpp"

#include "tests/batch/batch_fixture.hpp"

namespace pinpipe::batch::test {
namespace {

class queries : public batch_fixture {
protected:
  rows_t run(const std::string& name, const std::vector<std::string>& columns) {
    auto r = run_query(db_, name);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
    if (!r.ok()) return {};
    EXPECT_EQ(r->name, name);
    EXPECT_EQ(r->columns, columns);
    // The batch job's in-memory engine must give exactly the same output as the SQL.
    auto all = run_all_queries(db_);
    EXPECT_TRUE(all.ok()) << (all.ok() ? "" : all.error().to_string());
    if (all.ok()) {
      bool found = false;
      for (const auto& o : *all) {
        if (o.name != name) continue;
        found = true;
        EXPECT_EQ(o.columns, columns) << "engine columns of " << name;
        EXPECT_EQ(o.rows, r->rows) << "engine rows of " << name;
      }
      EXPECT_TRUE(found) << name;
    }
    return r->rows;
  }
};

TEST_F(queries, NamesAreTheNineOfThePipelineInOrder) {
  const std::vector<std::string> expected = {"popular_category_by_country",
                                             "popular_category_by_year",
                                             "most_followed_by_country",
                                             "most_followed_country",
                                             "popular_category_by_age_group",
                                             "median_followers_by_age_group",
                                             "users_joined_by_year",
                                             "median_followers_by_join_year",
                                             "median_followers_by_age_group_and_join_year"};
  EXPECT_EQ(query_names(), expected);
}

TEST_F(queries, PopularCategoryByCountryKeepsTiesAndSortsCountriesByBytes) {
  // Albania: art x2, beauty x1, plus a null category (not a category) -> art 2.
  pin(1, "art"), geo(1, "Albania");
  pin(2, "art"), geo(2, "Albania");
  pin(3, "beauty"), geo(3, "Albania");
  pin(4, null), geo(4, "Albania");
  // Chile: art 1, beauty 1 -> tie, both kept.
  pin(5, "beauty"), geo(5, "Chile");
  pin(6, "art"), geo(6, "Chile");
  // Null country: no row. Pin 8 has no geo row, geo 9 no pin row: the inner join drops both.
  pin(7, "art"), geo(7, null);
  pin(8, "travel");
  geo(9, "Chile");
  // Byte order: "Zambia" (Z = 0x5A) before "Åland Islands" (0xC3 ...), unlike a locale sort.
  pin(10, "diy-and-crafts"), geo(10, "\xC3\x85land Islands");
  pin(11, "travel"), geo(11, "Zambia");
  rows_t expected = {{"Albania", "art", "2"},
                     {"Chile", "art", "1"},
                     {"Chile", "beauty", "1"},
                     {"Zambia", "travel", "1"},
                     {"\xC3\x85land Islands", "diy-and-crafts", "1"}};
  EXPECT_EQ(run("popular_category_by_country", {"country", "category", "category_count"}),
            expected);
}

TEST_F(queries, PopularCategoryByYearCoversExactly2018To2022) {
  pin(1, "art"), geo(1, "X", "2017-12-31 23:59:59");    // 2017: excluded
  pin(2, "beauty"), geo(2, "X", "2018-01-01 00:00:00"); // first second of 2018
  pin(3, "beauty"), geo(3, "X", "2018-06-01 12:00:00");
  pin(4, "art"), geo(4, "X", "2018-07-01 12:00:00"); // 2018: beauty 2, art 1
  pin(5, "quotes"), geo(5, "X", "2020-05-05 05:05:05");
  pin(6, "quotes"), geo(6, "X", "2020-06-06 06:06:06");
  pin(7, "finance"), geo(7, "X", "2020-07-07 07:07:07");    // 2020: quotes 2
  pin(8, "travel"), geo(8, "X", "2022-12-31 23:59:59");     // last second of 2022
  pin(9, "tattoos"), geo(9, "X", "2022-03-03 03:03:03");    // 2022: tie 1-1
  pin(10, "vehicles"), geo(10, "X", "2023-01-01 00:00:00"); // 2023: excluded
  pin(11, "vehicles"), geo(11, "X", "2023-02-01 00:00:00");
  rows_t expected = {{"2018", "beauty", "2"},
                     {"2020", "quotes", "2"},
                     {"2022", "tattoos", "1"},
                     {"2022", "travel", "1"}};
  EXPECT_EQ(run("popular_category_by_year", {"post_year", "category", "category_count"}), expected);
}

TEST_F(queries, MostFollowedByCountryKeepsDistinctTiedPostersAndSkipsAllNullCountries) {
  // Albania max 500: posters A (twice: one distinct row) and B; C (100) and D (null) lose.
  pin(1, "art", 500, "A"), geo(1, "Albania");
  pin(2, "art", 500, "B"), geo(2, "Albania");
  pin(3, "art", 500, "A"), geo(3, "Albania");
  pin(4, "art", 100, "C"), geo(4, "Albania");
  pin(5, "art", std::nullopt, "D"), geo(5, "Albania");
  // Chile: only null follower counts -> no row.
  pin(6, "art", std::nullopt, "E"), geo(6, "Chile");
  pin(7, "art", std::nullopt, "F"), geo(7, "Chile");
  // Denmark max 900 (numerically: 900 > 80), held by a null poster and "Zed": null sorts first.
  pin(8, "art", 900, "Zed"), geo(8, "Denmark");
  pin(9, "art", 900, null), geo(9, "Denmark");
  pin(10, "art", 80, "Amy"), geo(10, "Denmark");
  // Null country: no row even with the biggest count.
  pin(11, "art", 8000000, "G"), geo(11, null);
  rows_t expected = {{"Albania", "A", "500"},
                     {"Albania", "B", "500"},
                     {"Denmark", null, "900"},
                     {"Denmark", "Zed", "900"}};
  EXPECT_EQ(run("most_followed_by_country", {"country", "poster_name", "follower_count"}),
            expected);
}

TEST_F(queries, MostFollowedCountryBreaksTiesByCountryAscending) {
  pin(1, "art", 900, "A"), geo(1, "Chile");
  pin(2, "art", 900, "B"), geo(2, "Albania");
  pin(3, "art", 50, "C"), geo(3, "Bolivia");
  pin(4, "art", std::nullopt, "D"), geo(4, "Aaland"); // only nulls: not a candidate
  rows_t expected = {{"Albania", "900"}};
  EXPECT_EQ(run("most_followed_country", {"country", "follower_count"}), expected);
}

TEST_F(queries, MostFollowedCountryComparesCountsNumerically) {
  pin(1, "art", 900, "A"), geo(1, "Albania");
  pin(2, "art", 1000, "B"), geo(2, "Chile"); // "1000" < "900" as text, > as a number
  rows_t expected = {{"Chile", "1000"}};
  EXPECT_EQ(run("most_followed_country", {"country", "follower_count"}), expected);
}

TEST_F(queries, MostFollowedCountryIsEmptyWithoutAnyFollowerCount) {
  pin(1, "art", std::nullopt, "A"), geo(1, "Albania");
  EXPECT_EQ(run("most_followed_country", {"country", "follower_count"}), rows_t{});
}

TEST_F(queries, PopularCategoryByAgeGroupUsesExactGroupEdgesAndPlus50SortsFirst) {
  // 17 is in no group: three "art" pins at 17 would make art win 18-24 if 17 counted.
  pin(1, "art"), user(1, 17);
  pin(2, "art"), user(2, 17);
  pin(3, "art"), user(3, 17);
  pin(4, "beauty"), user(4, 18); // 18-24: beauty 2, art 1
  pin(5, "beauty"), user(5, 24);
  pin(6, "art"), user(6, 24);
  pin(7, "travel"), user(7, 25); // 25-35: travel 1, tattoos 1 (tie)
  pin(8, "tattoos"), user(8, 35);
  pin(9, "quotes"), user(9, 36); // 36-50: quotes 2
  pin(10, "quotes"), user(10, 50);
  pin(11, "vehicles"), user(11, 51);          // +50: vehicles 1
  pin(12, "finance"), user(12, std::nullopt); // null age: no group
  rows_t expected = {{"+50", "vehicles", "1"},
                     {"18-24", "beauty", "2"},
                     {"25-35", "tattoos", "1"},
                     {"25-35", "travel", "1"},
                     {"36-50", "quotes", "2"}};
  EXPECT_EQ(run("popular_category_by_age_group", {"age_group", "category", "category_count"}),
            expected);
}

TEST_F(queries, MedianFollowersByAgeGroupIsTheLowerMedianOfNonNullCounts) {
  // 18-24 (ages 18, 24): 300, 40, 20, 1000 and a null -> sorted 20 40 300 1000, even n=4:
  // lower median 40 (not 170, the mean of the middle two, nor 300).
  pin(1, "a", 300), user(1, 18);
  pin(2, "a", 40), user(2, 24);
  pin(3, "a", 20), user(3, 20);
  pin(4, "a", 1000), user(4, 22);
  pin(5, "a", std::nullopt), user(5, 19);
  // 25-35 (ages 25, 35): 100, 9, 10 -> sorted numerically 9 10 100, odd n=3: 10 (text order
  // "10" "100" "9" would give 100).
  pin(6, "a", 100), user(6, 25);
  pin(7, "a", 9), user(7, 35);
  pin(8, "a", 10), user(8, 30);
  // 36-50 (ages 36, 50): only nulls -> no row.
  pin(9, "a", std::nullopt), user(9, 36);
  pin(10, "a", std::nullopt), user(10, 50);
  // +50 (age 51): one value.
  pin(11, "a", 1000000), user(11, 51);
  // 17: no group.
  pin(12, "a", 1), user(12, 17);
  rows_t expected = {{"+50", "1000000"}, {"18-24", "40"}, {"25-35", "10"}};
  EXPECT_EQ(run("median_followers_by_age_group", {"age_group", "median_follower_count"}), expected);
}

TEST_F(queries, UsersJoinedByYearCountsDistinctUsersFrom2015To2020) {
  user(1, 30, "2015-01-01 00:00:00", "Alice A"); // 2015: Alice 30
  user(2, 30, "2015-01-01 00:00:00", "Alice A"); // same user again: counted once
  user(3, 40, "2015-06-01 10:00:00", "Bob B");   // 2015: Bob
  user(4, 31, "2015-01-01 00:00:00", "Alice A"); // other age: another user -> 2015 has 3
  user(5, 25, "2014-12-31 23:59:59", "Carol C"); // 2014: excluded
  user(6, 25, "2020-12-31 23:59:59", "Dan D");   // 2020: 1
  user(7, 25, "2021-01-01 00:00:00", "Eve E");   // 2021: excluded
  user(8, 22, "2017-03-03 03:03:03", "Fay F");   // 2017: 1
  rows_t expected = {{"2015", "3"}, {"2017", "1"}, {"2020", "1"}};
  EXPECT_EQ(run("users_joined_by_year", {"post_year", "number_users_joined"}), expected);
}

TEST_F(queries, MedianFollowersByJoinYearFiltersYearsAndIgnoresNulls) {
  pin(1, "a", 5), user(1, 30, "2014-12-31 23:59:59"); // 2014: excluded
  // 2015: 100 300 null 200 400 -> sorted 100 200 300 400, even: lower median 200.
  pin(2, "a", 100), user(2, 30, "2015-01-01 00:00:00");
  pin(3, "a", 300), user(3, 30, "2015-02-01 00:00:00");
  pin(4, "a", std::nullopt), user(4, 30, "2015-03-01 00:00:00");
  pin(5, "a", 200), user(5, 30, "2015-04-01 00:00:00");
  pin(6, "a", 400), user(6, 30, "2015-05-01 00:00:00");
  pin(7, "a", std::nullopt), user(7, 30, "2016-05-01 00:00:00"); // 2016: only null: no row
  // 2017: 50 8 1000 -> 8 50 1000, odd: 50.
  pin(8, "a", 50), user(8, 30, "2017-01-01 00:00:00");
  pin(9, "a", 8), user(9, 30, "2017-01-01 00:00:00");
  pin(10, "a", 1000), user(10, 30, "2017-01-01 00:00:00");
  pin(11, "a", 7), user(11, 30, "2020-12-31 23:59:59"); // 2020: 7
  pin(12, "a", 9), user(12, 30, "2021-01-01 00:00:00"); // 2021: excluded
  rows_t expected = {{"2015", "200"}, {"2017", "50"}, {"2020", "7"}};
  EXPECT_EQ(run("median_followers_by_join_year", {"post_year", "median_follower_count"}), expected);
}

TEST_F(queries, MedianFollowersByAgeGroupAndJoinYearGroupsByBothKeys) {
  pin(1, "a", 20), user(1, 18, "2015-01-01 00:00:00"); // (18-24, 2015): 20 10 -> even: 10
  pin(2, "a", 10), user(2, 24, "2015-09-09 00:00:00");
  pin(3, "a", 3), user(3, 24, "2016-01-01 00:00:00"); // (18-24, 2016): 3 1 2 -> odd: 2
  pin(4, "a", 1), user(4, 20, "2016-01-01 00:00:00");
  pin(5, "a", 2), user(5, 21, "2016-01-01 00:00:00");
  pin(6, "a", 70), user(6, 51, "2015-01-01 00:00:00");           // (+50, 2015): 70
  pin(7, "a", std::nullopt), user(7, 50, "2015-01-01 00:00:00"); // (36-50, 2015): null: no row
  pin(8, "a", 1), user(8, 17, "2015-01-01 00:00:00");            // 17: no group
  pin(9, "a", 99), user(9, 30, "2014-12-31 23:59:59");           // 2014: excluded
  pin(10, "a", 99), user(10, 30, "2021-01-01 00:00:00");         // 2021: excluded
  pin(11, "a", 600), user(11, 35, "2020-12-31 23:59:59");        // (25-35, 2020): 600 500
  pin(12, "a", 500), user(12, 25, "2020-01-01 00:00:00");        //   -> even: 500
  rows_t expected = {{"+50", "2015", "70"},
                     {"18-24", "2015", "10"},
                     {"18-24", "2016", "2"},
                     {"25-35", "2020", "500"}};
  EXPECT_EQ(run("median_followers_by_age_group_and_join_year",
                {"age_group", "post_year", "median_follower_count"}),
            expected);
}

// Seeded random tables full of nulls, ties, edge ages and edge years, duplicate inds and
// orphans: the in-memory engine and the SQL give identical outputs for every query.
TEST_F(queries, EngineMatchesSqlOnSeededRandomTables) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    exec("DELETE FROM pin_clean; DELETE FROM geo_clean; DELETE FROM user_clean; BEGIN");
    std::mt19937_64 rng{seed};
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    const char* cats[] = {"art", "beauty", "travel", "+x", "\xC3\xA9t\xC3\xA9"};
    const char* countries[] = {"Albania", "Chile", "albania", "Zambia", "Korea, \"S\""};
    const char* posters[] = {"Ann", "Bob", "Cy", "Dee"};
    const long long ages[] = {17, 18, 24, 25, 35, 36, 50, 51, 60, 5};
    const char* years[] = {"2014", "2015", "2017", "2018", "2020", "2021", "2022", "2023", "x9"};
    for (int ind = 0; ind < 400; ++ind) {
      opt cat = pick(8) == 0 ? null : opt{cats[pick(5)]};
      std::optional<long long> fc;
      if (pick(4) != 0) fc = pick(3) == 0 ? 1000000 : pick(50) * 10;
      opt poster = pick(6) == 0 ? null : opt{posters[pick(4)]};
      if (pick(10) != 0) pin(ind, cat, fc, poster);
      for (int k = pick(10) == 0 ? 2 : 1; k > 0; --k) // sometimes two geo rows per ind
        if (pick(10) != 0)
          geo(ind, pick(8) == 0 ? null : opt{countries[pick(5)]},
              std::string(years[pick(9)]) + "-06-15 12:00:00");
      if (pick(10) != 0) {
        std::optional<long long> age;
        if (pick(10) != 0) age = ages[pick(10)];
        user(ind, age, std::string(years[pick(9)]) + "-01-01 00:00:00",
             posters[pick(4)] + std::string(" User"));
      }
    }
    exec("COMMIT");
    auto all = run_all_queries(db_);
    ASSERT_TRUE(all.ok()) << all.error().to_string();
    ASSERT_EQ(all->size(), query_names().size());
    size_t nonempty = 0;
    for (const auto& o : *all) {
      auto ref = run_query(db_, o.name);
      ASSERT_TRUE(ref.ok()) << ref.error().to_string();
      EXPECT_EQ(o.columns, ref->columns) << o.name;
      EXPECT_EQ(o.rows, ref->rows) << o.name << " seed " << seed;
      nonempty += o.rows.empty() ? 0 : 1;
    }
    EXPECT_EQ(nonempty, query_names().size()) << "the random data should exercise every query";
  }
}

TEST_F(queries, UnknownQueryNameIsAnInvalidArgumentNamingTheKnownQueries) {
  auto r = run_query(db_, "no_such_query");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
  EXPECT_NE(r.error().message().find("popular_category_by_country"), std::string::npos);
}

TEST_F(queries, MissingBatchTablesGiveAnErrorNotACrash) {
  exec("DROP TABLE pin_clean");
  auto r = run_query(db_, "popular_category_by_country");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::internal);
  EXPECT_NE(r.error().message().find("pin_clean"), std::string::npos);
}

TEST_F(queries, EveryQueryRunsOnEmptyTablesAndReturnsNoRows) {
  for (const auto& name : query_names()) {
    auto r = run_query(db_, name);
    ASSERT_TRUE(r.ok()) << name << ": " << r.error().to_string();
    EXPECT_TRUE(r->rows.empty()) << name;
    EXPECT_FALSE(r->columns.empty()) << name;
  }
}

} // namespace
} // namespace pinpipe::batch::test
