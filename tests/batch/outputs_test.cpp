// Query outputs: the sort rule, the CSV format (RFC 4180 quoting, null = empty field, LF) and
// the warehouse table that write_outputs replaces.
#include "pipeline/batch/queries.hpp"

#include "tests/batch/batch_fixture.hpp"

namespace pinpipe::batch::test {
namespace {

class outputs : public batch_fixture {};

TEST(sort_rows_rule, NullsFirstThenPlus50BeforeDigitsAndIntegersNumerically) {
  std::vector<std::string> cols = {"age_group", "post_year", "median_follower_count"};
  rows_t rows = {{"18-24", "2015", "9"},  {"+50", "2016", "1"}, {"18-24", "2015", "10"},
                 {null, "2020", "5"},     {"18-24", null, "3"}, {"18-24", "2015", null},
                 {"36-50", "2015", "100"}};
  sort_rows(cols, rows);
  rows_t expected = {{null, "2020", "5"},     {"+50", "2016", "1"},   {"18-24", null, "3"},
                     {"18-24", "2015", null}, {"18-24", "2015", "9"}, {"18-24", "2015", "10"},
                     {"36-50", "2015", "100"}};
  EXPECT_EQ(rows, expected);
}

TEST(sort_rows_rule, TextColumnsCompareByteValuesNotNumbers) {
  std::vector<std::string> cols = {"country"};
  rows_t rows = {{"b"}, {"\xC3\xA9"}, {"B"}, {"10"}, {"9"}};
  sort_rows(cols, rows);
  rows_t expected = {{"10"}, {"9"}, {"B"}, {"b"}, {"\xC3\xA9"}};
  EXPECT_EQ(rows, expected);
}

TEST(csv_format, QuotesCommasQuotesNewlinesAndEmptyStringsAndWritesNullsAsEmptyFields) {
  query_output out{"t", {"country", "poster_name", "follower_count"}, {}};
  out.rows = {{"a,b", "say \"hi\"", "1"},
              {"line1\nline2", null, "2"},
              {"cr\rhere", "", null},
              {"plain", "x", "3"}};
  EXPECT_EQ(to_csv(out), "country,poster_name,follower_count\n"
                         "\"a,b\",\"say \"\"hi\"\"\",1\n"
                         "\"line1\nline2\",,2\n"
                         "\"cr\rhere\",\"\",\n"
                         "plain,x,3\n");
}

TEST_F(outputs, WriteOutputsWritesTheCsvFileOfARealQuery) {
  // Country with a comma, quotes and a newline; the poster at the max is null.
  const std::string country = "Korea, \"South\"\nRep";
  pin(1, "art", 700, null), geo(1, country);
  pin(2, "art", 5, "Bo"), geo(2, "Chad");
  auto r = run_query(db_, "most_followed_by_country");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  const std::string results = dir_ + "/results/run-1";
  ASSERT_TRUE(write_outputs(db_, results, *r).ok());
  EXPECT_EQ(read_file(results + "/most_followed_by_country.csv"),
            "country,poster_name,follower_count\n"
            "Chad,Bo,5\n"
            "\"Korea, \"\"South\"\"\nRep\",,700\n");
  EXPECT_FALSE(std::filesystem::exists(results + "/most_followed_by_country.csv.tmp"));
}

TEST_F(outputs, WriteOutputsCreatesATypedTableWithTheSameRows) {
  pin(1, "art", 700, null), geo(1, "Chad");
  auto r = run_query(db_, "most_followed_by_country");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(write_outputs(db_, dir_ + "/res", *r).ok());
  EXPECT_EQ(table_rows("most_followed_by_country"), (rows_t{{"Chad", null, "700"}}));
  auto types = [&](const std::string& sql) {
    auto rows = warehouse::sql::query_text(db_, sql);
    EXPECT_TRUE(rows.ok()) << rows.error().to_string();
    return rows && !rows->empty() ? rows->front()[0].value_or("") : std::string();
  };
  EXPECT_EQ(types("SELECT typeof(follower_count) FROM most_followed_by_country"), "integer");
  EXPECT_EQ(types("SELECT typeof(country) FROM most_followed_by_country"), "text");
  EXPECT_EQ(types("SELECT group_concat(name || ':' || type, ',') FROM "
                  "pragma_table_info('most_followed_by_country')"),
            "country:TEXT,poster_name:TEXT,follower_count:INTEGER");
}

TEST_F(outputs, SecondRunReplacesTheTableAndTheCsv) {
  pin(1, "art"), geo(1, "Albania");
  pin(2, "beauty"), geo(2, "Chile");
  auto first = run_query(db_, "popular_category_by_country");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(write_outputs(db_, dir_ + "/res", *first).ok());
  EXPECT_EQ(table_rows("popular_category_by_country").size(), 2u);

  exec("DELETE FROM pin_clean; DELETE FROM geo_clean;");
  pin(3, "travel"), geo(3, "Peru");
  auto second = run_query(db_, "popular_category_by_country");
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(write_outputs(db_, dir_ + "/res", *second).ok());
  EXPECT_EQ(table_rows("popular_category_by_country"), (rows_t{{"Peru", "travel", "1"}}));
  EXPECT_EQ(read_file(dir_ + "/res/popular_category_by_country.csv"),
            "country,category,category_count\nPeru,travel,1\n");
}

TEST_F(outputs, RejectsANameThatIsNotASafeTableName) {
  query_output out{"bad name; DROP TABLE pin_clean", {"country"}, {}};
  auto st = write_outputs(db_, dir_ + "/res", out);
  EXPECT_EQ(st.code(), errc::invalid_argument);
  EXPECT_EQ(table_rows("pin_clean").size(), 0u); // still there (no error preparing it)
}

TEST_F(outputs, RejectsRowsOfTheWrongWidthAndNonIntegersInIntegerColumns) {
  query_output wide{"w", {"country"}, {{"a", "b"}}};
  EXPECT_EQ(write_outputs(db_, dir_ + "/res", wide).code(), errc::invalid_argument);
  query_output typed{"t", {"country", "follower_count"}, {{"a", "12k"}}};
  auto st = write_outputs(db_, dir_ + "/res", typed);
  EXPECT_EQ(st.code(), errc::invalid_argument);
  EXPECT_NE(st.message().find("follower_count"), std::string::npos);
}

TEST_F(outputs, UnwritableResultsDirectoryIsAnIoError) {
  const std::string file = dir_ + "/not_a_dir";
  { std::ofstream(file) << "x"; }
  query_output out{"t", {"country"}, {{"a"}}};
  EXPECT_EQ(write_outputs(db_, file + "/sub", out).code(), errc::io_error);
}

} // namespace
} // namespace pinpipe::batch::test
