#include "pipeline/batch/query_sql.hpp"

namespace pinpipe::batch {
namespace {

// Building blocks. Every query is assembled from these so that the age groups, the year
// extraction and the two ranking patterns are written exactly once.

// Age group of user_clean.age: 18-24, 25-35, 36-50, +50 (>= 51); any other age -> NULL.
const std::string age_group_expr = "CASE WHEN u.age BETWEEN 18 AND 24 THEN '18-24'"
                                   " WHEN u.age BETWEEN 25 AND 35 THEN '25-35'"
                                   " WHEN u.age BETWEEN 36 AND 50 THEN '36-50'"
                                   " WHEN u.age >= 51 THEN '+50' END";

// Year of a "YYYY-MM-DD HH:MM:SS" timestamp as an integer; NULL unless the first four
// characters are digits.
std::string year_of(const std::string& column) {
  return "CASE WHEN substr(" + column + ", 1, 4) GLOB '[0-9][0-9][0-9][0-9]' THEN CAST(substr(" +
         column + ", 1, 4) AS INTEGER) END";
}

// follower_count as the queries see it: integers only (the warehouse writes nothing else);
// anything else counts as null.
const std::string fc_expr =
    "CASE WHEN typeof(p.follower_count) = 'integer' THEN p.follower_count END";

// "Most popular category per key": counts rows per (key, category) of `source` (which must
// select `k` and `category`, keys and category not null) and keeps every category whose
// count equals the key's maximum (ties kept).
std::string most_popular(const std::string& key_col, const std::string& source) {
  return "WITH src AS (" + source +
         "),\n"
         "counts AS (SELECT k, category, COUNT(*) AS category_count FROM src\n"
         "  WHERE k IS NOT NULL AND category IS NOT NULL GROUP BY k, category),\n"
         "ranked AS (SELECT k, category, category_count,\n"
         "  MAX(category_count) OVER (PARTITION BY k) AS top FROM counts)\n"
         "SELECT k AS " +
         key_col +
         ", category, category_count FROM ranked\n"
         "WHERE category_count = top ORDER BY 1, 2, 3";
}

// Lower median of `fc` per group `keys` (a comma-separated list of column names selected by
// `source`): number the non-null values of a group 1..n in ascending order and keep number
// (n + 1) / 2 (integer division), i.e. the ceil(n/2)-th smallest: the smallest v with at least
// half of the values <= v. Groups with keys null or no non-null fc produce no row.
std::string lower_median(const std::string& keys, const std::string& key_not_null,
                         const std::string& source) {
  return "WITH src AS (" + source +
         "),\n"
         "vals AS (SELECT " +
         keys + ", fc FROM src WHERE fc IS NOT NULL AND " + key_not_null +
         "),\n"
         "ranked AS (SELECT " +
         keys + ", fc,\n  ROW_NUMBER() OVER (PARTITION BY " + keys +
         " ORDER BY fc) AS rn,\n  COUNT(*) OVER (PARTITION BY " + keys +
         ") AS n FROM vals)\n"
         "SELECT " +
         keys + ", fc AS median_follower_count FROM ranked\nWHERE rn = (n + 1) / 2 ORDER BY " +
         keys;
}

const std::string pin_geo = "FROM pin_clean p JOIN geo_clean g ON g.ind = p.ind";
const std::string pin_user = "FROM pin_clean p JOIN user_clean u ON u.ind = p.ind";

std::vector<query_def> build() {
  std::vector<query_def> q;
  q.push_back(
      {"popular_category_by_country",
       {"country", "category", "category_count"},
       most_popular("country", "SELECT g.country AS k, p.category AS category " + pin_geo)});
  q.push_back(
      {"popular_category_by_year",
       {"post_year", "category", "category_count"},
       most_popular("post_year", "SELECT k, category FROM (SELECT " + year_of("g.timestamp") +
                                     " AS k, p.category AS category " + pin_geo +
                                     ") WHERE k BETWEEN 2018 AND 2022")});
  q.push_back({"most_followed_by_country",
               {"country", "poster_name", "follower_count"},
               "WITH j AS (SELECT g.country AS country, p.poster_name AS poster_name,\n"
               "  " +
                   fc_expr + " AS follower_count " + pin_geo +
                   "\n  WHERE g.country IS NOT NULL AND " + fc_expr +
                   " IS NOT NULL),\n"
                   "top AS (SELECT country, MAX(follower_count) AS m FROM j GROUP BY country)\n"
                   "SELECT DISTINCT j.country, j.poster_name, j.follower_count\n"
                   "FROM j JOIN top ON top.country = j.country AND j.follower_count = top.m\n"
                   "ORDER BY 1, 2, 3"});
  q.push_back({"most_followed_country",
               {"country", "follower_count"},
               "SELECT g.country AS country, MAX(" + fc_expr + ") AS follower_count " + pin_geo +
                   "\nWHERE g.country IS NOT NULL AND " + fc_expr +
                   " IS NOT NULL\n"
                   "GROUP BY g.country ORDER BY follower_count DESC, country ASC LIMIT 1"});
  q.push_back({"popular_category_by_age_group",
               {"age_group", "category", "category_count"},
               most_popular("age_group", "SELECT " + age_group_expr +
                                             " AS k, p.category AS category " + pin_user)});
  q.push_back({"median_followers_by_age_group",
               {"age_group", "median_follower_count"},
               lower_median("age_group", "age_group IS NOT NULL",
                            "SELECT " + age_group_expr + " AS age_group, " + fc_expr + " AS fc " +
                                pin_user)});
  q.push_back({"users_joined_by_year",
               {"post_year", "number_users_joined"},
               "SELECT post_year, COUNT(*) AS number_users_joined FROM (\n"
               "  SELECT DISTINCT u.user_name, u.age, u.date_joined, " +
                   year_of("u.date_joined") +
                   " AS post_year\n  FROM user_clean u)\n"
                   "WHERE post_year BETWEEN 2015 AND 2020 GROUP BY post_year ORDER BY 1, 2"});
  q.push_back({"median_followers_by_join_year",
               {"post_year", "median_follower_count"},
               lower_median("post_year", "post_year BETWEEN 2015 AND 2020",
                            "SELECT " + year_of("u.date_joined") + " AS post_year, " + fc_expr +
                                " AS fc " + pin_user)});
  q.push_back(
      {"median_followers_by_age_group_and_join_year",
       {"age_group", "post_year", "median_follower_count"},
       lower_median("age_group, post_year",
                    "age_group IS NOT NULL AND post_year BETWEEN 2015 AND 2020",
                    "SELECT " + age_group_expr + " AS age_group, " + year_of("u.date_joined") +
                        " AS post_year, " + fc_expr + " AS fc " + pin_user)});
  return q;
}

} // namespace

status query_failed(const std::string& what, const status& st) {
  return {errc::internal, what + ": " + st.message() +
                              " (are the batch tables pin_clean, geo_clean, user_clean present? "
                              "run the batch job first)"};
}

const std::vector<query_def>& query_defs() {
  static const std::vector<query_def> defs = build();
  return defs;
}

} // namespace pinpipe::batch
