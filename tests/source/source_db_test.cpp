// Tests of the source database generator and reader against PIPELINE §1 and §2: every
// "must" of the spec is pinned here on a real SQLite file of the default size.
#include "pipeline/source/source_db.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "pipeline/source/row_generator.hpp"
#include "pipeline/source/vocab.hpp"
#include "tests/source/test_db.hpp"

using namespace pinpipe;
using namespace pinpipe::source;
using namespace pinpipe::source::testing;

namespace {

uint64_t fnv1a(uint64_t h, const std::string& s) {
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

/// Hash of the content of all three tables in key order.
uint64_t content_hash(const std::string& db) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char* sql :
       {"SELECT * FROM pinterest_data ORDER BY \"index\"",
        "SELECT * FROM geolocation_data ORDER BY ind", "SELECT * FROM user_data ORDER BY ind"})
    for (const auto& r : query(db, sql))
      for (const auto& v : r)
        h = fnv1a(fnv1a(h, v), "\x1f");
  return h;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || i + static_cast<size_t>(n) >= s.size() + (n == 0 ? 1 : 0)) return false;
    for (int k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0xC0) != 0x80) return false;
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

/// One default-size source (11,153 rows, seed 1) shared by the read-only tests.
class SourceDb : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir();
    db_ = dir_->file("source.db");
    gen_options opt;
    opt.path = db_;
    auto st = generate(opt);
    ASSERT_TRUE(st.ok()) << st.to_string();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static double share(const std::string& where) {
    return static_cast<double>(count(db_, "SELECT count(*) FROM pinterest_data WHERE " + where)) /
           11153.0;
  }
  static temp_dir* dir_;
  static std::string db_;
};
temp_dir* SourceDb::dir_ = nullptr;
std::string SourceDb::db_;

} // namespace

TEST_F(SourceDb, SchemaHasExactTableAndColumnNamesOrderAndTypes) {
  auto cols = [](const std::string& table) {
    std::vector<std::string> out;
    for (auto& r : query(db_, "PRAGMA table_info(" + table + ")"))
      out.push_back(r[1] + " " + r[2]);
    return out;
  };
  EXPECT_EQ(
      cols("pinterest_data"),
      (std::vector<std::string>{"index INTEGER", "unique_id TEXT", "title TEXT", "description TEXT",
                                "poster_name TEXT", "follower_count TEXT", "tag_list TEXT",
                                "is_image_or_video TEXT", "image_src TEXT", "downloaded INTEGER",
                                "save_location TEXT", "category TEXT"}));
  EXPECT_EQ(cols("geolocation_data"),
            (std::vector<std::string>{"ind INTEGER", "timestamp DATETIME", "latitude REAL",
                                      "longitude REAL", "country TEXT"}));
  EXPECT_EQ(cols("user_data"),
            (std::vector<std::string>{"ind INTEGER", "first_name TEXT", "last_name TEXT",
                                      "age INTEGER", "date_joined DATETIME"}));
  EXPECT_EQ(count(db_, "SELECT count(*) FROM sqlite_master WHERE type='table'"), 3);
}

TEST_F(SourceDb, StoredValueTypesMatchTheSchema) {
  EXPECT_EQ(scalar(db_, "SELECT group_concat(DISTINCT typeof(follower_count)) FROM pinterest_data"),
            "text");
  EXPECT_EQ(scalar(db_, "SELECT group_concat(DISTINCT typeof(downloaded)) FROM pinterest_data"),
            "integer");
  EXPECT_EQ(scalar(db_, "SELECT group_concat(DISTINCT typeof(latitude)||typeof(longitude)||"
                        "typeof(timestamp)) FROM geolocation_data"),
            "realrealtext");
  EXPECT_EQ(scalar(db_, "SELECT group_concat(DISTINCT typeof(age)||typeof(date_joined)) "
                        "FROM user_data"),
            "integertext");
}

TEST_F(SourceDb, DefaultHas11153RowsPerTableWithSharedDenseKeys) {
  for (const char* t : {"pinterest_data", "geolocation_data", "user_data"}) {
    std::string key = std::string(t) == "pinterest_data" ? "\"index\"" : "ind";
    EXPECT_EQ(scalar(db_, "SELECT count(*)||' '||min(" + key + ")||' '||max(" + key + ")||' '||" +
                              "count(DISTINCT " + key + ") FROM " + t),
              "11153 0 11152 11153")
        << t;
  }
  auto db = source_db::open(db_);
  ASSERT_TRUE(db.ok()) << db.error().to_string();
  EXPECT_EQ((*db)->row_count(), 11153);
}

TEST(SourceDbGenerate, RowCountFollowsTheOption) {
  temp_dir dir;
  gen_options opt;
  opt.path = dir.file("small.db");
  opt.rows = 537;
  int64_t last_done = -1, last_total = -1;
  opt.progress = [&](int64_t done, int64_t total) {
    last_done = done;
    last_total = total;
  };
  ASSERT_TRUE(generate(opt).ok());
  for (const char* t : {"pinterest_data", "geolocation_data", "user_data"})
    EXPECT_EQ(count(opt.path, std::string("SELECT count(*) FROM ") + t), 537) << t;
  EXPECT_EQ(last_done, 537);
  EXPECT_EQ(last_total, 537);
  // Even a tiny source keeps the 13 category blocks in alphabetical order.
  EXPECT_EQ(count(opt.path, "SELECT count(DISTINCT category) FROM pinterest_data"), 13);
}

TEST(SourceDbGenerate, SameSeedGivesIdenticalTablesAndDifferentSeedDoesNot) {
  temp_dir dir;
  auto make = [&](const std::string& name, uint64_t seed) {
    gen_options opt;
    opt.path = dir.file(name);
    opt.rows = 3000;
    opt.seed = seed;
    EXPECT_TRUE(generate(opt).ok());
    return opt.path;
  };
  auto a = make("a.db", 42), b = make("b.db", 42), c = make("c.db", 43);
  EXPECT_EQ(content_hash(a), content_hash(b));
  EXPECT_EQ(read_file(a), read_file(b)) << "same seed must give a byte-identical file";
  EXPECT_NE(content_hash(a), content_hash(c));
}

TEST(SourceDbGenerate, RegenerationReplacesTheFileAndLeavesNoTempFile) {
  temp_dir dir;
  gen_options opt;
  opt.path = dir.file("nested/dir/source.db");
  opt.rows = 100;
  ASSERT_TRUE(generate(opt).ok());
  opt.rows = 200;
  ASSERT_TRUE(generate(opt).ok());
  EXPECT_EQ(count(opt.path, "SELECT count(*) FROM user_data"), 200);
  EXPECT_FALSE(std::filesystem::exists(opt.path + ".tmp"));
}

TEST(SourceDbGenerate, BadOptionsAreErrorsNotCrashes) {
  gen_options opt;
  EXPECT_EQ(generate(opt).code(), errc::invalid_argument); // no path
  temp_dir dir;
  opt.path = dir.file("x.db");
  opt.rows = 0;
  EXPECT_EQ(generate(opt).code(), errc::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(opt.path));
  opt.rows = 10;
  opt.path = "/proc/definitely/not/writable/source.db";
  EXPECT_FALSE(generate(opt).ok());
}

TEST_F(SourceDb, CategoriesAreThirteenContiguousBlocksInAlphabeticalOrder) {
  auto rows = query(db_, "SELECT category, save_location FROM pinterest_data ORDER BY \"index\"");
  std::vector<std::string> blocks;
  for (auto& r : rows) {
    if (blocks.empty() || blocks.back() != r[0]) blocks.push_back(r[0]);
    EXPECT_EQ(r[1], "Local save in /data/" + r[0]);
  }
  EXPECT_EQ(blocks,
            (std::vector<std::string>{"art", "beauty", "christmas", "diy-and-crafts", "education",
                                      "event-planning", "finance", "home-decor", "mens-fashion",
                                      "quotes", "tattoos", "travel", "vehicles"}));
  // Roughly equal blocks (the real data has ~858 rows per category).
  for (auto& r : query(db_, "SELECT count(*) FROM pinterest_data GROUP BY category")) {
    EXPECT_GT(std::stoi(r[0]), 600);
    EXPECT_LT(std::stoi(r[0]), 1100);
  }
}

TEST_F(SourceDb, StoryRowsCarryEveryPlaceholderExactly) {
  auto rows = query(db_, "SELECT title, description, poster_name, follower_count, tag_list, "
                         "image_src, downloaded FROM pinterest_data WHERE is_image_or_video = "
                         "'multi-video(story page format)'");
  ASSERT_GT(rows.size(), 11153 * 0.005);
  ASSERT_LT(rows.size(), 11153 * 0.03);
  for (auto& r : rows)
    EXPECT_EQ(r, (row{"No Title Data Available", "No description available Story format",
                      "User Info Error", "User Info Error", "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
                      "Image src error.", "0"}));
}

TEST_F(SourceDb, OtherRowsAreMostlyImagesSomeVideosWithoutStoryPlaceholders) {
  EXPECT_EQ(count(db_, "SELECT count(*) FROM pinterest_data WHERE is_image_or_video NOT IN "
                       "('image','video','multi-video(story page format)')"),
            0);
  double images = share("is_image_or_video = 'image'");
  double videos = share("is_image_or_video = 'video'");
  EXPECT_GT(images, 0.85);
  EXPECT_GT(videos, 0.01);
  EXPECT_LT(videos, images);
  EXPECT_EQ(count(db_, "SELECT count(*) FROM pinterest_data WHERE is_image_or_video <> "
                       "'multi-video(story page format)' AND (image_src = 'Image src error.' OR "
                       "poster_name = 'User Info Error' OR downloaded <> 1)"),
            0);
  EXPECT_EQ(count(db_, "SELECT count(*) FROM pinterest_data WHERE is_image_or_video = 'video' "
                       "AND image_src NOT LIKE 'https://i.pinimg.com/videos/%'"),
            0);
}

TEST_F(SourceDb, NonStoryPlaceholdersAppearWithTheirExactText) {
  const char* non_story = " AND is_image_or_video <> 'multi-video(story page format)'";
  EXPECT_GT(count(db_, std::string("SELECT count(*) FROM pinterest_data WHERE description = "
                                   "'No description available'") +
                           non_story),
            0);
  EXPECT_GT(count(db_, std::string("SELECT count(*) FROM pinterest_data WHERE description = "
                                   "'Untitled'") +
                           non_story),
            0);
  EXPECT_GT(count(db_, std::string("SELECT count(*) FROM pinterest_data WHERE tag_list = "
                                   "'N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e'") +
                           non_story),
            0);
  EXPECT_GT(count(db_, std::string("SELECT count(*) FROM pinterest_data WHERE title = "
                                   "'No Title Data Available'") +
                           non_story),
            0);
  // No near-miss spellings: anything that looks like a placeholder is exactly one.
  EXPECT_EQ(count(db_, "SELECT count(*) FROM pinterest_data WHERE (title LIKE 'No Title%' AND "
                       "title <> 'No Title Data Available') OR (description LIKE 'No desc%' AND "
                       "description NOT IN ('No description available', "
                       "'No description available Story format')) OR (image_src LIKE 'Image src%' "
                       "AND image_src <> 'Image src error.')"),
            0);
  EXPECT_EQ(count(db_, "SELECT count(*) FROM pinterest_data WHERE title = '' OR description = '' "
                       "OR tag_list = '' OR poster_name = ''"),
            0);
}

TEST_F(SourceDb, FollowerCountIsDigitsKOrMWithoutDecimalsInTheRealMix) {
  std::regex format("^(0|[1-9][0-9]{0,2}|[1-9][0-9]{0,2}k|[1-8]M|User Info Error)$");
  std::map<std::string, int> kinds;
  for (auto& r : query(db_, "SELECT follower_count FROM pinterest_data")) {
    ASSERT_TRUE(std::regex_match(r[0], format)) << r[0];
    char last = r[0].back();
    kinds[last == 'k' ? "k" : last == 'M' ? "M" : last == 'r' ? "error" : "plain"]++;
  }
  auto pct = [&](const char* k) { return 100.0 * kinds[k] / 11153.0; };
  EXPECT_NEAR(pct("k"), 74, 5);
  EXPECT_NEAR(pct("plain"), 17, 4);
  EXPECT_NEAR(pct("M"), 7, 3);
  EXPECT_NEAR(pct("error"), 1.5, 1);
  EXPECT_GT(count(db_, "SELECT count(*) FROM pinterest_data WHERE follower_count = '8M' OR "
                       "follower_count = '7M' OR follower_count = '6M'"),
            0);
}

TEST_F(SourceDb, PostersRepeatWithOneFollowerCountUserAndPlace) {
  auto rows =
      query(db_, "SELECT p.poster_name, count(*), count(DISTINCT p.follower_count), "
                 "count(DISTINCT u.first_name||'|'||u.last_name||'|'||u.age||'|'||"
                 "u.date_joined), count(DISTINCT g.country||'|'||g.latitude||'|'||"
                 "g.longitude) FROM pinterest_data p JOIN user_data u ON u.ind = p.\"index\" "
                 "JOIN geolocation_data g ON g.ind = p.\"index\" GROUP BY p.poster_name");
  int repeated = 0;
  for (auto& r : rows) {
    EXPECT_EQ(r[2], "1") << "follower_count of poster " << r[0];
    EXPECT_EQ(r[3], "1") << "user of poster " << r[0];
    EXPECT_EQ(r[4], "1") << "place of poster " << r[0];
    repeated += std::stoi(r[1]) >= 3;
  }
  EXPECT_GT(repeated, 300) << "posters must repeat";
  EXPECT_LT(rows.size(), 11153u / 2);
}

TEST_F(SourceDb, TimestampsAgesAndJoinDatesAreInTheirRanges) {
  std::regex dt("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$");
  for (auto& r : query(db_, "SELECT timestamp, date_joined FROM geolocation_data JOIN user_data "
                            "USING (ind)")) {
    ASSERT_TRUE(std::regex_match(r[0], dt)) << r[0];
    ASSERT_TRUE(std::regex_match(r[1], dt)) << r[1];
  }
  EXPECT_EQ(scalar(db_, "SELECT substr(min(timestamp),1,4)||'-'||substr(max(timestamp),1,4) "
                        "FROM geolocation_data"),
            "2017-2022");
  EXPECT_GE(scalar(db_, "SELECT min(timestamp) FROM geolocation_data"), "2017-07-01");
  EXPECT_EQ(scalar(db_, "SELECT substr(min(date_joined),1,4)||'-'||substr(max(date_joined),1,4) "
                        "FROM user_data"),
            "2015-2017");
  EXPECT_EQ(scalar(db_, "SELECT min(age)||'-'||max(age) FROM user_data"), "20-59");
  // Skewed young: more users in their twenties than in their fifties, median under 40.
  EXPECT_GT(count(db_, "SELECT count(*) FROM user_data WHERE age < 30"),
            2 * count(db_, "SELECT count(*) FROM user_data WHERE age >= 50"));
  EXPECT_LT(std::stoi(scalar(db_, "SELECT age FROM user_data ORDER BY age LIMIT 1 OFFSET 5576")),
            40);
  // Every timestamp is a real date (SQLite normalises it back to the same text).
  EXPECT_EQ(count(db_, "SELECT count(*) FROM geolocation_data WHERE datetime(timestamp) IS NOT "
                       "timestamp"),
            0);
}

TEST_F(SourceDb, CountriesAreAbout210FakerNamesSkewedToEarlyAlphabet) {
  const auto& faker = vocab::countries();
  std::set<std::string> known(faker.begin(), faker.end());
  auto rows = query(db_, "SELECT country, count(*) FROM geolocation_data GROUP BY country");
  for (auto& r : rows)
    EXPECT_TRUE(known.count(r[0])) << r[0];
  EXPECT_GE(rows.size(), 180u);
  EXPECT_LE(rows.size(), 215u);
  int64_t early = 0;
  for (auto& r : rows)
    if (r[0] < "L") early += std::stoll(r[1]);
  EXPECT_GT(static_cast<double>(early) / 11153.0, 0.6);
  for (auto& r : query(db_, "SELECT min(latitude), max(latitude), min(longitude), max(longitude) "
                            "FROM geolocation_data")) {
    EXPECT_GE(std::stod(r[0]), -90);
    EXPECT_LE(std::stod(r[1]), 90);
    EXPECT_GE(std::stod(r[2]), -180);
    EXPECT_LE(std::stod(r[3]), 180);
  }
}

TEST_F(SourceDb, TextIsUtf8WithNonLatinScriptsEmojiAndEllipsisEndings) {
  auto rows = query(db_, "SELECT title, description, poster_name, tag_list FROM pinterest_data");
  int cyrillic = 0, cjk = 0, emoji = 0, ellipsis_end = 0, ellipsis_nbsp = 0;
  const std::string ell = "\xE2\x80\xA6", nbsp = "\xC2\xA0";
  for (auto& r : rows) {
    for (auto& v : r) {
      ASSERT_TRUE(valid_utf8(v)) << v;
      cyrillic += v.find("\xD0") != std::string::npos;
      cjk += v.find("\xE3\x81") != std::string::npos || v.find("\xE7\xAE") != std::string::npos;
      emoji += v.find("\xF0\x9F") != std::string::npos;
    }
    const std::string& d = r[1];
    ellipsis_end += d.size() >= 3 && d.compare(d.size() - 3, 3, ell) == 0;
    ellipsis_nbsp += d.size() >= 5 && d.compare(d.size() - 5, 5, ell + nbsp) == 0;
  }
  EXPECT_GT(cyrillic, 10);
  EXPECT_GT(cjk, 10);
  EXPECT_GT(emoji, 100);
  EXPECT_GT(ellipsis_end, 50);
  EXPECT_GT(ellipsis_nbsp, 50);
}

TEST_F(SourceDb, TitlesAndTagsLookLikeTheirCategory) {
  // Tags are the category's own words: a travel pin never carries a vehicles-only tag.
  EXPECT_EQ(count(db_, "SELECT count(*) FROM pinterest_data WHERE category = 'travel' AND "
                       "tag_list LIKE '%Muscle Cars%'"),
            0);
  EXPECT_GT(count(db_, "SELECT count(*) FROM pinterest_data WHERE category = 'vehicles' AND "
                       "tag_list LIKE '%Cars%'"),
            400);
  EXPECT_GT(count(db_, "SELECT count(*) FROM pinterest_data WHERE category = 'christmas' AND "
                       "(title LIKE '%Christmas%' OR title LIKE '%Holiday%' OR title LIKE "
                       "'%Gingerbread%' OR title LIKE '%Advent%' OR title LIKE '%Stocking%')"),
            300);
  EXPECT_GT(count(db_, "SELECT count(DISTINCT unique_id) FROM pinterest_data"), 11150);
}

TEST_F(SourceDb, EventIsThreeJsonObjectsWithColumnKeysInOrderAndNativeTypes) {
  auto db = source_db::open(db_);
  ASSERT_TRUE(db.ok());
  auto ev = (*db)->event(7528);
  ASSERT_TRUE(ev.ok()) << ev.error().to_string();
  auto pin = nlohmann::ordered_json::parse(ev->pin);
  auto geo = nlohmann::ordered_json::parse(ev->geo);
  auto user = nlohmann::ordered_json::parse(ev->user);
  auto keys = [](const nlohmann::ordered_json& j) {
    std::vector<std::string> k;
    for (auto it = j.begin(); it != j.end(); ++it)
      k.push_back(it.key());
    return k;
  };
  EXPECT_EQ(keys(pin),
            (std::vector<std::string>{"index", "unique_id", "title", "description", "poster_name",
                                      "follower_count", "tag_list", "is_image_or_video",
                                      "image_src", "downloaded", "save_location", "category"}));
  EXPECT_EQ(keys(geo),
            (std::vector<std::string>{"ind", "timestamp", "latitude", "longitude", "country"}));
  EXPECT_EQ(keys(user),
            (std::vector<std::string>{"ind", "first_name", "last_name", "age", "date_joined"}));
  EXPECT_TRUE(pin["index"].is_number_integer());
  EXPECT_EQ(pin["index"], 7528);
  EXPECT_TRUE(pin["follower_count"].is_string());
  EXPECT_TRUE(pin["downloaded"].is_number_integer());
  EXPECT_TRUE(geo["latitude"].is_number_float());
  EXPECT_TRUE(geo["longitude"].is_number_float());
  EXPECT_TRUE(geo["timestamp"].is_string());
  EXPECT_TRUE(user["age"].is_number_integer());
  EXPECT_TRUE(std::regex_match(user["date_joined"].get<std::string>(),
                               std::regex("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$")));
  // Values equal the stored row.
  auto stored = query(db_, "SELECT title, follower_count, latitude, country, first_name, age "
                           "FROM pinterest_data p JOIN geolocation_data g ON g.ind = p.\"index\" "
                           "JOIN user_data u ON u.ind = p.\"index\" WHERE p.\"index\" = 7528");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(pin["title"], stored[0][0]);
  EXPECT_EQ(pin["follower_count"], stored[0][1]);
  EXPECT_DOUBLE_EQ(geo["latitude"].get<double>(), std::stod(stored[0][2]));
  EXPECT_EQ(geo["country"], stored[0][3]);
  EXPECT_EQ(user["first_name"], stored[0][4]);
  EXPECT_EQ(user["age"], std::stoi(stored[0][5]));
}

TEST_F(SourceDb, EventOutsideTheKeysIsAnErrorValue) {
  auto db = source_db::open(db_);
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE((*db)->event(0).ok());
  EXPECT_TRUE((*db)->event(11152).ok());
  auto bad = (*db)->event(11153);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::invalid_argument);
  EXPECT_NE(bad.error().message().find("0..11152"), std::string::npos);
  EXPECT_FALSE((*db)->event(-1).ok());
}

TEST(SourceDbOpen, MissingOrForeignFileIsAnErrorThatSaysWhatToDo) {
  temp_dir dir;
  auto missing = source_db::open(dir.file("none.db"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), errc::not_found);
  EXPECT_NE(missing.error().message().find("gen-source"), std::string::npos);
  { std::ofstream(dir.file("junk.db")) << "this is not sqlite"; }
  auto junk = source_db::open(dir.file("junk.db"));
  ASSERT_FALSE(junk.ok());
  EXPECT_NE(junk.error().message().find("gen-source"), std::string::npos);
}

TEST(SourceDbGenerate, LargeSourceHasEveryKeyInEveryTable) {
  // Functional check at a size past the default (generation speed is measured by
  // bench/source_gen_bench, not here).
  temp_dir dir;
  gen_options opt;
  opt.path = dir.file("big.db");
  opt.rows = 50000;
  ASSERT_TRUE(generate(opt).ok());
  for (const char* t : {"user_data", "geolocation_data"}) {
    EXPECT_EQ(count(opt.path, std::string("SELECT count(*) FROM ") + t), 50000) << t;
    EXPECT_EQ(count(opt.path, std::string("SELECT max(ind) FROM ") + t), 49999) << t;
  }
  EXPECT_EQ(count(opt.path, "SELECT count(*) FROM pinterest_data"), 50000);
  EXPECT_EQ(count(opt.path, "SELECT max(\"index\") FROM pinterest_data"), 49999);
  EXPECT_EQ(count(opt.path, "SELECT count(DISTINCT category) FROM pinterest_data"), 13);
}
